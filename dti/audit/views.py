from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dti.accounts.access import require_admin
from dti.audit.models import AuditRecord


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    records = AuditRecord.objects.select_related("actor")[:200]
    return render(request, "audit/list.html", {"records": records})
