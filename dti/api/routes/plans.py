"""Improvement plans (kế hoạch cải thiện) of the units and the steering committee's targets
(chỉ tiêu của Ban Chỉ đạo).

Access is the web pages': a unit's plan is seen by its people and the administrator and changed
only by its data officer or leader (department staff and the administrator get 403, other units
404, ``dti.plans.views_plan.plan_access``); the committee's plans are seen by its members and the
administrator (others 403), and a target is reported on by its lead member or the administrator
(other members 403, others 404, ``dti.steering.access``). Every change goes through the same
action as on the web, with its audit record.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dti.api.common import MAX_ID, access, actor, answers
from dti.api.errors import invalid, not_found
from dti.api.pagination import Page, PageQuery, paginate
from dti.periods.models import Period
from dti.plans import actions as plan_actions
from dti.plans.forms import ActionForm
from dti.plans.material import load_material
from dti.plans.models import Plan, PlanAction
from dti.plans.timing import TimingError, parse_timing
from dti.plans.views_plan import plan_access
from dti.steering import actions as steering_actions
from dti.steering import board, due
from dti.steering.access import get_item_for_user, require_steering
from dti.steering.forms import ReportForm
from dti.steering.measures import MAX_VALUE
from dti.steering.models import ProgressReport, SteeringPlan, Target

router = Router()

ActionStatus = Literal["not_started", "in_progress", "done", "delayed"]


# ------------------------------------------------------------ schemas: improvement plans


class PlanOut(Schema):
    id: int
    unit_id: int
    unit_code: str
    unit_name: str
    period_id: int
    period_year: int
    year: int = Field(description="The year the plan is for.")
    superior: str = Field(description="The governing body printed above the unit's name.")
    number: str
    symbol: str
    place: str
    issued_on: datetime.date | None
    signer_title: str
    signer_name: str
    actions_count: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PlanActionOut(Schema):
    id: int
    code: str = Field(description="The criterion or pillar the action addresses.")
    task: str = Field(description="What will be done.")
    lead: str = Field(description="The lead unit or department (đơn vị thực hiện).")
    coordinating: str = Field(description="The coordinating units (đơn vị phối hợp).")
    timing: str = Field(description="The timing as the plan prints it, e.g. “Quý IV/2024”.")
    timing_kind: str | None = Field(description="date, month, quarter, year or ongoing.")
    due: datetime.date | None = Field(
        description="The last day the timing allows; null for ongoing actions."
    )
    overdue: bool = Field(description="Not done, and its last day has passed.")
    status: ActionStatus
    status_label: str
    progress: str = Field(description="The progress notes.")
    position: int
    updated_at: datetime.datetime


class PlanDetail(PlanOut):
    can_edit: bool = Field(description="Whether the caller may change the plan.")
    actions: list[PlanActionOut]


class ActionIn(Schema):
    code: str = Field(max_length=100, description="The criterion or pillar, e.g. “1.3”.")
    task: str = Field(max_length=4000)
    lead: str = Field(max_length=300)
    coordinating: str = Field("", max_length=500)
    timing: str = Field(
        max_length=60,
        description="A date (31/12/2024), a month (Tháng 12/2024), a quarter (Quý IV/2024), "
        "a year (Năm 2024) or “Thường xuyên”.",
    )


class ProgressIn(Schema):
    status: ActionStatus | None = Field(None, description="Left out: unchanged.")
    progress: str | None = Field(None, max_length=4000, description="Left out: unchanged.")


# ------------------------------------------------------------ schemas: steering committee


class SteeringPlanOut(Schema):
    id: int
    name: str
    year: int
    report_day: int = Field(
        description="Quarterly reports are due by this day of the quarter's last month."
    )
    targets_count: int
    tasks_count: int


class MeasureOut(Schema):
    comparator: Literal["gte", "lte", "eq", "range"] = Field(
        description="gte (≥), lte (≤), eq (exactly) or range (from value to value_max)."
    )
    value: Decimal
    value_max: Decimal | None = Field(description="The upper end of a range; null otherwise.")
    unit: str = Field(description="The unit of measure, e.g. %.")
    text: str = Field(description="The target as the plan writes it, e.g. “≥ 80 %”.")


class MemberOut(Schema):
    id: int
    username: str
    full_name: str


class QuarterOut(Schema):
    quarter: int
    due: datetime.date = Field(description="The day the quarter's report is due.")
    state: Literal["on_time", "late", "overdue", "open", "none"]
    value: Decimal | None
    reported_at: datetime.datetime | None


class TargetOut(Schema):
    id: int
    code: str
    section: str
    indicator: str
    measure: MeasureOut
    deadline: datetime.date = Field(description="The deadline, or the end of the plan's year.")
    lead_member: MemberOut
    lead_unit: str
    coordinating: str
    state: Literal["active", "done", "cancelled"]
    status: Literal["met", "on_track", "at_risk", "missed"] | None = Field(
        description="Where the target stands; null for a cancelled target."
    )
    status_label: str | None
    latest_value: Decimal | None = Field(description="The value of the latest report.")
    latest_quarter: int | None
    latest_reported_at: datetime.datetime | None
    quarters: list[QuarterOut]


class ReportIn(Schema):
    year: int = Field(description="The plan's year.")
    quarter: int = Field(ge=1, le=4)
    value: Decimal = Field(
        ge=-MAX_VALUE, le=MAX_VALUE, description="The value the target has reached."
    )
    narrative: str = Field(max_length=10000, description="Progress, difficulties and proposals.")
    link: str = Field("", max_length=1000, description="A link to the evidence.")


class ReportOut(Schema):
    id: int
    target_id: int
    year: int
    quarter: int
    value: Decimal | None
    narrative: str
    link: str
    reporter: str
    reported_at: datetime.datetime
    created: bool = Field(description="False when it replaced the quarter's earlier report.")


# ------------------------------------------------------------ improvement plans


def _form_errors(form: forms.Form, names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """A web form's errors as the API's fields: ``body.<field>`` (the form's name for a field
    renamed in ``names``), ``body`` for what concerns no one field."""
    names = names or {}
    return [
        ("body" if name == NON_FIELD_ERRORS else f"body.{names.get(name, name)}", str(message))
        for name, errors in form.errors.items()
        for message in errors
    ]


def _plan_out(plan: Plan, actions_count: int) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "unit_id": plan.unit_id,
        "unit_code": plan.unit.code,
        "unit_name": plan.unit.name,
        "period_id": plan.period_id,
        "period_year": plan.period.year,
        "year": plan.year,
        "superior": plan.superior,
        "number": plan.number,
        "symbol": plan.symbol,
        "place": plan.place,
        "issued_on": plan.issued_on,
        "signer_title": plan.signer_title,
        "signer_name": plan.signer_name,
        "actions_count": actions_count,
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
    }


def _timing_kind(text: str) -> str | None:
    try:
        return parse_timing(text).kind
    except TimingError:
        return None


def _action_out(action: PlanAction, today: datetime.date) -> dict[str, Any]:
    return {
        "id": action.pk,
        "code": action.code,
        "task": action.task,
        "lead": action.lead,
        "coordinating": action.coordinating,
        "timing": action.timing,
        "timing_kind": _timing_kind(action.timing),
        "due": action.due,
        "overdue": action.is_overdue(today),
        "status": action.status,
        "status_label": str(action.get_status_display()),
        "progress": action.progress,
        "position": action.position,
        "updated_at": action.updated_at,
    }


def _plan_for(request: HttpRequest, plan_id: int, write: bool = False) -> tuple[Plan, bool]:
    """The plan and whether the caller may change it, by the web's rule (``plan_access``):
    outsiders 404, readers 403 when ``write``."""
    plan = Plan.objects.filter(pk=plan_id).select_related("unit", "period").first()
    if plan is None:
        raise not_found()
    where = plan_access(request, plan.unit_id, plan.period_id, write=write)
    return plan, where.can_edit


@router.get("/plans", response=answers(Page[PlanOut]), url_name="plans")
def list_plans(
    request: HttpRequest,
    query: Query[PageQuery],
    unit: int | None = Query(
        None, ge=1, le=MAX_ID, description="Keep one unit's plans, by its id."
    ),
    period: int | None = Query(
        None, ge=1, le=MAX_ID, description="Keep one period's plans, by its id."
    ),
) -> dict[str, Any]:
    """The improvement plans the caller may see: those of the units they belong to (all of
    them for the administrator), newest period first."""
    caller = access(request)
    plans = (
        Plan.objects.exclude(period__status=Period.Status.DRAFT)
        .select_related("unit", "period")
        .annotate(actions_count=Count("actions"))
        .order_by("-period__year", "unit__position", "unit__name", "pk")
    )
    if not caller.is_admin:
        plans = plans.filter(unit_id__in=caller.unit_ids())
    if unit is not None:
        plans = plans.filter(unit_id=unit)
    if period is not None:
        plans = plans.filter(period_id=period)
    return paginate(
        request, plans, query, lambda rows: [_plan_out(p, p.actions_count) for p in rows]
    )


@router.get("/plans/{plan_id}", response=answers(PlanDetail, 404), url_name="plan")
def get_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    """A plan's particulars and its actions, in the plan's order."""
    plan, can_edit = _plan_for(request, plan_id)
    today = timezone.localdate()
    plan_actions_list = list(plan.actions.all())
    return {
        **_plan_out(plan, len(plan_actions_list)),
        "can_edit": can_edit,
        "actions": [_action_out(a, today) for a in plan_actions_list],
    }


@router.post(
    "/plans/{plan_id}/actions",
    response=answers(PlanActionOut, 403, 404, status=201),
    url_name="plan_actions",
)
def add_plan_action(request: HttpRequest, plan_id: int, body: ActionIn) -> Status[dict[str, Any]]:
    """Add an action under a pillar or criterion of the plan's material (the unit's data officer
    or leader). A timing that does not read is refused (400) with what to write."""
    plan, _can_edit = _plan_for(request, plan_id, write=True)
    material = load_material(plan.unit, plan.period)
    if material is None:
        raise not_found()
    form = ActionForm(body.model_dump(), targets=material.targets())
    if not form.is_valid():
        raise invalid(_("The action was not added; see the fields."), _form_errors(form))
    try:
        action = plan_actions.add_action(actor(request), plan, **form.cleaned_data)
    except plan_actions.PlanError as error:
        raise invalid(str(error)) from None
    return Status(201, _action_out(action, timezone.localdate()))


@router.patch(
    "/plans/{plan_id}/actions/{action_id}",
    response=answers(PlanActionOut, 403, 404),
    url_name="plan_action",
)
def report_plan_progress(
    request: HttpRequest, plan_id: int, action_id: int, body: ProgressIn
) -> dict[str, Any]:
    """Record how far an action has got: its status and progress notes (the unit's data
    officer or leader)."""
    plan, _can_edit = _plan_for(request, plan_id, write=True)
    action = PlanAction.objects.filter(pk=action_id, plan=plan).select_related("plan").first()
    if action is None:
        raise not_found()
    try:
        action = plan_actions.report_progress(
            actor(request),
            action,
            body.status if body.status is not None else action.status,
            body.progress if body.progress is not None else action.progress,
        )
    except plan_actions.PlanError as error:
        raise invalid(str(error)) from None
    return _action_out(action, timezone.localdate())


# ------------------------------------------------------------ the steering committee


def _plain(value: Decimal | None) -> Decimal | None:
    """A stored value without its trailing zeros: 80.0000 → 80, 79.5000 → 79.5."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _target_out(row: board.Row) -> dict[str, Any]:
    target: Target = row.item  # type: ignore[assignment]
    member = target.lead_member
    latest = row.latest
    return {
        "id": target.pk,
        "code": target.code,
        "section": target.section,
        "indicator": target.indicator,
        "measure": {
            "comparator": target.comparator,
            "value": _plain(target.value),
            "value_max": _plain(target.value_max),
            "unit": target.unit,
            "text": target.target_text,
        },
        "deadline": target.due,
        "lead_member": {
            "id": member.pk,
            "username": member.get_username(),
            "full_name": member.full_name,
        },
        "lead_unit": target.lead_unit,
        "coordinating": target.coordinating,
        "state": target.state,
        "status": row.status.value if row.status is not None else None,
        "status_label": _(row.status.label) if row.status is not None else None,
        "latest_value": _plain(latest.value) if latest else None,
        "latest_quarter": latest.quarter if latest else None,
        "latest_reported_at": latest.reported_at if latest else None,
        "quarters": [
            {
                "quarter": cell.quarter,
                "due": cell.due,
                "state": cell.state,
                "value": _plain(cell.report.value) if cell.report else None,
                "reported_at": cell.report.reported_at if cell.report else None,
            }
            for cell in row.quarters
        ],
    }


@router.get(
    "/steering/plans", response=answers(Page[SteeringPlanOut], 403), url_name="steering_plans"
)
def list_steering_plans(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """The steering committee's yearly plans, newest first (its members and the administrator)."""
    require_steering(request)
    plans = SteeringPlan.objects.annotate(
        targets_count=Count("targets", distinct=True),
        tasks_count=Count("tasks", distinct=True),
    ).order_by("-year")
    return paginate(
        request,
        plans,
        query,
        lambda rows: [
            {
                "id": p.pk,
                "name": p.name,
                "year": p.year,
                "report_day": p.report_day,
                "targets_count": p.targets_count,
                "tasks_count": p.tasks_count,
            }
            for p in rows
        ],
    )


@router.get(
    "/steering/plans/{plan_id}/targets",
    response=answers(Page[TargetOut], 403, 404),
    url_name="steering_targets",
)
def list_steering_targets(
    request: HttpRequest, plan_id: int, query: Query[PageQuery]
) -> dict[str, Any]:
    """A plan's targets with their measure, deadline, lead, status (met, on track, at risk,
    missed) and quarterly reports, as the committee's dashboard shows them."""
    require_steering(request)
    plan = SteeringPlan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise not_found()
    rows = board.build_board(plan, timezone.now()).targets
    return paginate(request, rows, query, lambda chosen: [_target_out(r) for r in chosen])


@router.post(
    "/steering/targets/{target_id}/reports",
    response={**answers(ReportOut, 403, 404, 409, status=201), 200: ReportOut},
    url_name="steering_target_reports",
)
def report_target_progress(
    request: HttpRequest, target_id: int, body: ReportIn
) -> Status[dict[str, Any]]:
    """Report a quarter's progress on a target (its lead member or the administrator): 201, or
    200 when it replaces the quarter's earlier report. A quarter that has not begun is refused
    (409). An evidence file is sent on the web page; a link can be sent here."""
    target, caller = get_item_for_user(request, Target, target_id, report=True)
    plan = target.plan
    if body.year != plan.year:
        raise invalid(
            _("The report is not valid; see the fields."),
            [
                (
                    "body.year",
                    _("This target belongs to the plan of %(year)s.") % {"year": plan.year},
                )
            ],
        )
    form = ReportForm(
        {
            "quarter": str(body.quarter),
            "value": format(body.value, "f"),
            "narrative": body.narrative,
            "evidence_url": body.link,
        },
        item=target,
        quarters=list(due.QUARTERS),  # a quarter not begun is the action's to refuse
    )
    if not form.is_valid():
        raise invalid(
            _("The report is not valid; see the fields."),
            _form_errors(form, {"evidence_url": "link"}),
        )
    data = form.cleaned_data
    existed = ProgressReport.objects.filter(
        target=target, year=plan.year, quarter=data["quarter"]
    ).exists()
    report = steering_actions.report_progress(
        actor(request),
        caller,
        target,
        quarter=data["quarter"],
        narrative=data["narrative"],
        value=data["value"],
        evidence_url=data["evidence_url"],
    )
    out = {
        "id": report.pk,
        "target_id": target.pk,
        "year": report.year,
        "quarter": report.quarter,
        "value": _plain(report.value),
        "narrative": report.narrative,
        "link": report.evidence_url,
        "reporter": report.reporter.get_username(),
        "reported_at": report.reported_at,
        "created": not existed,
    }
    return Status(200 if existed else 201, out)
