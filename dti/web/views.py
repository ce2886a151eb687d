from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dti.frameworks.access import frameworks_for_user


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"frameworks": frameworks_for_user(request)})
