from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dti.accounts.access import require_admin
from dti.periods.models import Period


@login_required
@require_GET
def period_list(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    periods = Period.objects.prefetch_related("groups__framework")
    return render(request, "periods/list.html", {"periods": periods})
