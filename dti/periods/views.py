"""The administrator's screens for evaluation periods (kỳ đánh giá).

Every view: signed in, then ``require_admin`` first; forms validate, one action
writes (and audits), then a redirect or the form again with the reason shown.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dti.accounts.access import require_admin
from dti.audit.trail import Actor
from dti.frameworks.models import Framework
from dti.periods import actions
from dti.periods.actions import PeriodError
from dti.periods.forms import (
    DEFAULT_GROUP_KINDS,
    GroupForm,
    MoveForm,
    PeriodEditForm,
    PeriodForm,
    ReopenForm,
    default_group_name,
    this_year,
)
from dti.periods.models import Period, PeriodGroup, PeriodUnit
from dti.units.models import Unit

#: The colour of each status: grey while drafted, green while units work, amber while the council does.
STATUS_TAGS = {
    Period.Status.DRAFT: "",
    Period.Status.OPEN: "ok",
    Period.Status.APPRAISAL: "warning",
    Period.Status.EXPLANATION: "warning",
    Period.Status.FINAL: "warning",
    Period.Status.APPROVED: "ok",
    Period.Status.PUBLISHED: "ok",
}

#: What moving to a status means, said on the button's card.
NEXT_STEP_HELP = {
    Period.Status.OPEN: gettext_lazy(
        "Units can fill in their self-assessment until the submission deadline. "
        "The groups can no longer be changed."
    ),
    Period.Status.APPRAISAL: gettext_lazy(
        "Self-assessment closes; the council checks and corrects the scores (round 1)."
    ),
    Period.Status.EXPLANATION: gettext_lazy(
        "Units answer the council's requests for explanations and more evidence (round 2)."
    ),
    Period.Status.FINAL: gettext_lazy("The council finalises the scores."),
    Period.Status.APPROVED: gettext_lazy("The results, ranks and classification are approved."),
    Period.Status.PUBLISHED: gettext_lazy("The results appear on the public page."),
}


def _with_tag(period: Period) -> Period:
    period.status_tag = STATUS_TAGS.get(period.status, "")  # type: ignore[attr-defined]
    return period


@login_required
@require_GET
def period_list(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    groups = PeriodGroup.objects.select_related("framework").annotate(
        unit_count=Count("memberships")
    )
    periods = [
        _with_tag(p) for p in Period.objects.prefetch_related(Prefetch("groups", queryset=groups))
    ]
    return render(request, "periods/list.html", {"periods": periods})


@login_required
@require_http_methods(["GET", "POST"])
def period_create(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    if request.method == "POST":
        form = PeriodForm(request.POST)
        if form.is_valid():
            try:
                period = actions.create_period(Actor.from_request(request), **form.values())
            except PeriodError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, _("The period is created as a draft. Set its groups, then open it.")
                )
                return redirect("periods:detail", period.pk)
    else:
        form = PeriodForm(initial={"year": this_year()})
    return render(request, "periods/form.html", {"form": form, "period": None})


@login_required
@require_GET
def period_detail(request: HttpRequest, period_id: int) -> HttpResponse:
    require_admin(request)
    period = get_object_or_404(Period, pk=period_id)
    return _render_detail(request, period, ReopenForm(period=period))


def _render_detail(request: HttpRequest, period: Period, reopen_form: ReopenForm) -> HttpResponse:
    members = PeriodUnit.objects.select_related("unit").order_by("unit__position", "unit__name")
    groups = list(
        period.groups.select_related("framework").prefetch_related(
            Prefetch("memberships", queryset=members)
        )
    )
    now = timezone.now()
    reopenings = [
        {"reopening": r, "active": r.until > now}
        for r in period.reopenings.select_related("unit", "created_by")
    ]
    current = Period.ORDER.index(period.status)
    steps = [
        {
            "label": status.label,
            "state": "done" if i < current else "current" if i == current else "todo",
        }
        for i, status in enumerate(Period.Status)
    ]
    next_status = period.next_status
    context: dict[str, Any] = {
        "period": _with_tag(period),
        "groups": groups,
        "next_group": max((g.number for g in groups), default=0) + 1,
        "steps": steps,
        "next": (
            {
                "value": next_status,
                "label": Period.Status(next_status).label,
                "help": NEXT_STEP_HELP.get(Period.Status(next_status), ""),
            }
            if next_status
            else None
        ),
        "reopenings": reopenings,
        # A refused form stays on the page with its errors, whatever the status.
        "reopen_form": (
            reopen_form if period.status == Period.Status.OPEN or reopen_form.is_bound else None
        ),
        "is_draft": period.status == Period.Status.DRAFT,
    }
    return render(request, "periods/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def period_edit(request: HttpRequest, period_id: int) -> HttpResponse:
    require_admin(request)
    period = get_object_or_404(Period, pk=period_id)
    if request.method == "POST":
        form = PeriodEditForm(request.POST, year=period.year)
        if form.is_valid():
            try:
                actions.update_period(Actor.from_request(request), period, **form.values())
            except PeriodError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The period is saved."))
                return redirect("periods:detail", period.pk)
    else:
        form = PeriodEditForm(initial=PeriodEditForm.initial_for(period), year=period.year)
    return render(request, "periods/form.html", {"form": form, "period": period})


@login_required
@require_http_methods(["GET", "POST"])
def period_group(request: HttpRequest, period_id: int, number: int) -> HttpResponse:
    """Set group ``number`` of a period; the next free number adds a group."""
    require_admin(request)
    period = get_object_or_404(Period, pk=period_id)
    groups = {g.number: g for g in period.groups.select_related("framework").order_by("number")}
    next_number = max(groups, default=0) + 1
    if not 1 <= number <= next_number:
        raise Http404
    group = groups.get(number)
    editable = period.status == Period.Status.DRAFT
    if request.method == "POST":
        form = GroupForm(request.POST)
        if form.is_valid():
            try:
                actions.set_group(
                    Actor.from_request(request),
                    period,
                    number,
                    form.cleaned_data["name"],
                    form.cleaned_data["framework"],
                    form.cleaned_data["units"],
                )
            except PeriodError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The group is saved."))
                return redirect("periods:detail", period.pk)
        chosen = {str(v) for v in form["units"].value() or []}
    else:
        form = GroupForm(initial=_group_initial(period, number, group))
        chosen = {str(v) for v in form.initial["units"]}

    # Units already in another group of the period cannot be picked here.
    group_names = {g.pk: g.name for g in groups.values()}
    elsewhere = {
        unit_id: group_names.get(group_id, "")
        for unit_id, group_id in PeriodUnit.objects.filter(period=period)
        .exclude(group__number=number)
        .values_list("unit_id", "group_id")
    }
    units = [
        {"unit": u, "checked": str(u.pk) in chosen, "elsewhere": elsewhere.get(u.pk)}
        for u in Unit.objects.all()
    ]
    context = {
        "period": period,
        "form": form,
        "number": number,
        "group": group,
        "groups": list(groups.values()),
        "next_number": next_number,
        "units": units,
        "editable": editable,
    }
    return render(request, "periods/group.html", context)


def _group_initial(period: Period, number: int, group: PeriodGroup | None) -> dict[str, Any]:
    if group is not None:
        return {
            "name": group.name,
            "framework": group.framework_id,
            "units": list(group.memberships.values_list("unit_id", flat=True)),
        }
    # A new group: Decision 1187's defaults — departments in group 1, districts in group 2,
    # on the newest framework of that level; units already placed stay out.
    initial: dict[str, Any] = {"name": default_group_name(number), "units": []}
    kinds = DEFAULT_GROUP_KINDS.get(number)
    if kinds is not None:
        level, unit_kind = kinds
        framework = Framework.objects.filter(level=level).order_by("-year", "code", "-version")
        initial["framework"] = framework.values_list("pk", flat=True).first()
        initial["units"] = list(
            Unit.objects.filter(kind=unit_kind, merged_into__isnull=True)
            .exclude(memberships__period=period)
            .values_list("pk", flat=True)
        )
    return initial


@login_required
@require_POST
def period_move(request: HttpRequest, period_id: int) -> HttpResponse:
    require_admin(request)
    period = get_object_or_404(Period, pk=period_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This period has no such next step."))
        return redirect("periods:detail", period.pk)
    try:
        period = actions.move_period(
            Actor.from_request(request),
            period,
            form.cleaned_data["to_status"],
            form.cleaned_data["reason"].strip(),
        )
    except PeriodError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The period moved to “%(status)s”.") % {"status": period.get_status_display()},
        )
    return redirect("periods:detail", period.pk)


@login_required
@require_POST
def period_reopen(request: HttpRequest, period_id: int) -> HttpResponse:
    require_admin(request)
    period = get_object_or_404(Period, pk=period_id)
    form = ReopenForm(request.POST, period=period)
    if form.is_valid():
        try:
            reopening = actions.reopen_unit(
                Actor.from_request(request),
                period,
                form.cleaned_data["unit"],
                form.until(),
                form.cleaned_data["reason"],
            )
        except PeriodError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(unit)s may edit until %(until)s.")
                % {
                    "unit": reopening.unit.name,
                    "until": timezone.localtime(reopening.until).strftime("%H:%M %d/%m/%Y"),
                },
            )
        return redirect("periods:detail", period.pk)
    return _render_detail(request, period, form)
