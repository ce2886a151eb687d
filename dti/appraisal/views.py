"""The administrator's screens for the council: who appraises which unit, and the automated
checks of a period.

Every view: signed in, then ``require_admin`` first; forms validate, one action writes (and
audits), then a redirect or the form again with the reason shown.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dti.accounts.access import require_admin
from dti.appraisal import actions
from dti.appraisal.actions import AppraisalError, InvalidSettings
from dti.appraisal.forms import AssignForm, CheckSettingsForm
from dti.appraisal.models import Assignment, CheckSettings
from dti.audit.trail import Actor
from dti.frameworks.models import Criterion
from dti.periods.models import Period, PeriodGroup, PeriodUnit


def _groups(period: Period) -> list[PeriodGroup]:
    members = PeriodUnit.objects.select_related("unit").order_by("unit__position", "unit__name")
    return list(
        period.groups.select_related("framework")
        .order_by("number")
        .prefetch_related(Prefetch("memberships", queryset=members))
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignments(request: HttpRequest, period_id: int) -> HttpResponse:
    """The period's units and the appraisers assigned to each; a form to assign one more."""
    require_admin(request)
    period = get_object_or_404(Period, pk=period_id)
    groups = _groups(period)
    if request.method == "POST":
        form = AssignForm(request.POST, groups=groups)
        if form.is_valid():
            try:
                assignment = actions.assign_appraiser(
                    Actor.from_request(request),
                    period,
                    form.cleaned_data["appraiser"],
                    form.cleaned_data["unit"],
                    form.cleaned_data.get("pillars", []),
                )
            except AppraisalError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("%(person)s appraises %(unit)s.")
                    % {"person": assignment.appraiser, "unit": assignment.unit.name},
                )
                return redirect("appraisal:assignments", period.pk)
    else:
        form = AssignForm(groups=groups)

    # Criterion titles of every group's framework, in one query; the pillars among them.
    titles: dict[int, dict[str, str]] = defaultdict(dict)
    pillars: dict[int, list[Criterion]] = defaultdict(list)
    for criterion in Criterion.objects.filter(
        framework_id__in={g.framework_id for g in groups}
    ).order_by("position"):
        titles[criterion.framework_id][criterion.code] = criterion.title
        if criterion.parent_id is None:
            pillars[criterion.framework_id].append(criterion)
    by_unit: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for assignment in Assignment.objects.filter(period=period).select_related("appraiser"):
        by_unit[assignment.unit_id].append({"assignment": assignment})
    sections = []
    for group in groups:
        names = titles[group.framework_id]
        rows = []
        for membership in group.memberships.all():
            entries = by_unit.get(membership.unit_id, [])
            for entry in entries:
                entry["pillars"] = [
                    (code, names.get(code, "")) for code in entry["assignment"].pillars
                ]
            rows.append({"unit": membership.unit, "assigned": entries})
        field = f"pillars-{group.number}"
        picked = set(request.POST.getlist(field)) if request.method == "POST" else set()
        sections.append(
            {
                "group": group,
                "rows": rows,
                "field": field,
                "pillars": [(p, p.code in picked) for p in pillars[group.framework_id]],
            }
        )
    context = {
        "period": period,
        "form": form,
        "sections": sections,
        "closed": period.status in actions.CLOSED,
    }
    return render(request, "appraisal/assignments.html", context)


@login_required
@require_POST
def unassign(request: HttpRequest, period_id: int, assignment_id: int) -> HttpResponse:
    require_admin(request)
    assignment = get_object_or_404(
        Assignment.objects.select_related("period", "appraiser", "unit"),
        pk=assignment_id,
        period_id=period_id,
    )
    try:
        actions.unassign_appraiser(Actor.from_request(request), assignment)
    except AppraisalError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(person)s no longer appraises %(unit)s.")
            % {"person": assignment.appraiser, "unit": assignment.unit.name},
        )
    return redirect("appraisal:assignments", period_id)


@login_required
@require_http_methods(["GET", "POST"])
def check_settings(request: HttpRequest, period_id: int) -> HttpResponse:
    """Switch the period's automated checks on or off and tune their thresholds."""
    require_admin(request)
    period = get_object_or_404(Period, pk=period_id)
    if request.method == "POST":
        form = CheckSettingsForm(request.POST)
        if form.is_valid():
            try:
                actions.set_check_settings(Actor.from_request(request), period, form.values())
            except InvalidSettings as error:
                for where, message in error.errors.items():
                    form.add_error(None, f"{where}: {_(message)}")
            else:
                messages.success(request, _("The checks of the period are saved."))
                return redirect("appraisal:checks", period.pk)
    else:
        form = CheckSettingsForm(
            initial=CheckSettingsForm.initial_for(CheckSettings.for_period(period))
        )
    return render(request, "appraisal/checks.html", {"period": period, "form": form})
