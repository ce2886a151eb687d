"""Every change to the steering committee's plan goes through these actions, each audited once."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dti.accounts.access import Access
from dti.accounts.models import Role, User
from dti.assessments.uploads import CheckedFile
from dti.audit.trail import Actor, record
from dti.steering import due
from dti.steering.access import may_report
from dti.steering.models import ProgressReport, SteeringPlan, Target, Task

PLAN_FIELDS = ("name", "year", "report_day")
ITEM_FIELDS = ("code", "position", "lead_member", "lead_unit", "coordinating", "state")
TARGET_FIELDS = (
    *ITEM_FIELDS,
    "section",
    "indicator",
    "comparator",
    "value",
    "value_max",
    "unit",
    "deadline",
)
TASK_FIELDS = (*ITEM_FIELDS, "title", "description", "timing", "deadline")


class SteeringError(Exception):
    """An action refused: the message says why, in the user's language."""


# ------------------------------------------------------------ states for the audit trail


def _plain(value: Any) -> Any:
    if isinstance(value, User):
        return value.username
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    return value


def _state(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


def _target_state(target: Target) -> dict[str, Any]:
    return {**_state(target, TARGET_FIELDS), "target": target.target_text}


def _report_state(report: ProgressReport) -> dict[str, Any]:
    return {
        "year": report.year,
        "quarter": report.quarter,
        "value": _plain(report.value),
        "narrative": report.narrative,
        "evidence_file": report.evidence_name or None,
        "evidence_sha256": report.evidence_sha256 or None,
        "evidence_url": report.evidence_url or None,
        "reporter": report.reporter.username,
    }


def is_member(user: User) -> bool:
    return Role.objects.filter(user=user, kind=Role.Kind.STEERING).exists()


def _check_lead(user: User) -> None:
    if not is_member(user):
        raise SteeringError(
            _("%(name)s is not a member of the steering committee.") % {"name": user}
        )


def _next_position(queryset: Any) -> int:
    last = queryset.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


# ------------------------------------------------------------ the plan


@transaction.atomic
def create_plan(actor: Actor, name: str, year: int, report_day: int = 10) -> SteeringPlan:
    """A new yearly plan of the steering committee (kế hoạch hoạt động của Ban Chỉ đạo)."""
    plan = SteeringPlan.objects.create(name=name, year=year, report_day=report_day)
    record(actor, "steering.plan.create", plan, after=_state(plan, PLAN_FIELDS))
    return plan


@transaction.atomic
def update_plan(actor: Actor, plan: SteeringPlan, **fields: Any) -> SteeringPlan:
    """Change a plan's name, year or report day."""
    before = _state(plan, PLAN_FIELDS)
    for name in PLAN_FIELDS:
        if name in fields:
            setattr(plan, name, fields[name])
    plan.save()
    record(actor, "steering.plan.update", plan, before=before, after=_state(plan, PLAN_FIELDS))
    return plan


# ------------------------------------------------------------ targets and tasks


@transaction.atomic
def create_target(actor: Actor, plan: SteeringPlan, **fields: Any) -> Target:
    """A target of the plan (chỉ tiêu); without a position it goes to the end."""
    _check_lead(fields["lead_member"])
    if fields.get("position") is None:
        fields["position"] = _next_position(plan.targets.all())
    target = Target.objects.create(plan=plan, **fields)
    record(actor, "steering.target.create", target, after=_target_state(target))
    return target


@transaction.atomic
def update_target(actor: Actor, target: Target, **fields: Any) -> Target:
    if "lead_member" in fields and fields["lead_member"].pk != target.lead_member_id:
        _check_lead(fields["lead_member"])
    before = _target_state(target)
    for name in TARGET_FIELDS:
        if name in fields and not (name == "position" and fields[name] is None):
            setattr(target, name, fields[name])
    target.save()
    record(actor, "steering.target.update", target, before=before, after=_target_state(target))
    return target


@transaction.atomic
def create_task(actor: Actor, plan: SteeringPlan, **fields: Any) -> Task:
    """A task of the plan (nhiệm vụ): by a date, every year, or according to the roadmap."""
    _check_lead(fields["lead_member"])
    if fields.get("position") is None:
        fields["position"] = _next_position(plan.tasks.all())
    task = Task.objects.create(plan=plan, **fields)
    record(actor, "steering.task.create", task, after=_state(task, TASK_FIELDS))
    return task


@transaction.atomic
def update_task(actor: Actor, task: Task, **fields: Any) -> Task:
    if "lead_member" in fields and fields["lead_member"].pk != task.lead_member_id:
        _check_lead(fields["lead_member"])
    before = _state(task, TASK_FIELDS)
    for name in TASK_FIELDS:
        if name in fields and not (name == "position" and fields[name] is None):
            setattr(task, name, fields[name])
    task.save()
    record(actor, "steering.task.update", task, before=before, after=_state(task, TASK_FIELDS))
    return task


# ------------------------------------------------------------ quarterly reports


def reportable_quarters(plan: SteeringPlan, today: datetime.date) -> list[int]:
    """The quarters of the plan's year that have begun by ``today``: one may report on them."""
    return [q for q in due.QUARTERS if due.quarter_start(plan.year, q) <= today]


@transaction.atomic
def report_progress(
    actor: Actor,
    access: Access,
    item: Target | Task,
    quarter: int,
    narrative: str,
    value: Decimal | None = None,
    evidence: CheckedFile | None = None,
    evidence_url: str = "",
    keep_evidence: bool = True,
    now: datetime.datetime | None = None,
) -> ProgressReport:
    """The lead member's (or the administrator's) report on an item for a quarter.

    A second report on the same quarter updates the first: its value and narrative are
    replaced; its evidence file is replaced by a new one, kept when none is sent and
    ``keep_evidence``, removed otherwise. One audit record either way.
    """
    if not may_report(access, item):
        raise SteeringError(
            _("Only the lead member of this item, or the administrator, may report on it.")
        )
    now = now or timezone.now()
    plan = item.plan
    if quarter not in reportable_quarters(plan, timezone.localdate(now)):
        raise SteeringError(
            _("Quarter %(quarter)s of %(year)s has not begun: there is nothing to report yet.")
            % {"quarter": quarter, "year": plan.year}
        )
    if isinstance(item, Target) and value is None:
        raise SteeringError(_("Give the value the target has reached."))
    if isinstance(item, Task):
        value = None
    lookup = {"target": item} if isinstance(item, Target) else {"task": item}
    report = (
        ProgressReport.objects.select_for_update()
        .filter(**lookup, year=plan.year, quarter=quarter)
        .first()
    )
    before = _report_state(report) if report is not None else None
    old_file = report.evidence_file.name if report is not None and report.evidence_file else ""
    if report is None:
        report = ProgressReport(**lookup, year=plan.year, quarter=quarter)
    report.value = value
    report.narrative = narrative
    report.evidence_url = evidence_url
    report.reporter = actor.user if actor.user is not None else item.lead_member
    report.reported_at = now
    if evidence is not None:
        report.evidence_file = evidence.upload
        report.evidence_name = evidence.name
        report.evidence_type = evidence.type.content_type
        report.evidence_size = evidence.size
        report.evidence_sha256 = evidence.sha256
    elif not keep_evidence:
        report.evidence_file = ""
        report.evidence_name = report.evidence_type = report.evidence_sha256 = ""
        report.evidence_size = 0
    report.save()
    if old_file and old_file != report.evidence_file.name:
        storage = ProgressReport._meta.get_field("evidence_file").storage
        transaction.on_commit(lambda: storage.delete(old_file))
    record(
        actor,
        "steering.report.update" if before else "steering.report.create",
        report,
        before=before,
        after=_report_state(report),
    )
    return report
