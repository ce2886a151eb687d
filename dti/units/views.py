from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dti.accounts.access import access_of, get_unit_for_user
from dti.accounts.models import Role
from dti.periods.deadlines import closes_at, submission_open
from dti.periods.models import PeriodUnit


@login_required
@require_GET
def unit_home(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A unit's start page: its periods with their deadlines, its departments and people."""
    unit = get_unit_for_user(request, unit_id)
    now = timezone.now()
    memberships = (
        PeriodUnit.objects.filter(unit=unit)
        .exclude(period__status="draft")
        .select_related("period", "group__framework")
        .order_by("-period__year")
    )
    periods = [
        {
            "period": m.period,
            "group": m.group,
            "closes_at": closes_at(m.period.submission_deadline),
            "open": submission_open(m.period, unit, now),
            "reopened_until": m.period.reopenings.filter(unit=unit, until__gt=now).values_list("until", flat=True).first(),
        }
        for m in memberships
    ]
    people = Role.objects.filter(unit=unit).select_related("user", "department").order_by("kind", "user__full_name")
    context = {
        "unit": unit,
        "periods": periods,
        "departments": unit.departments.all(),
        "people": people,
        "access": access_of(request),
    }
    return render(request, "units/home.html", context)
