"""The plan as the dashboard, a member's list and ``dti remind`` see it: read in a fixed number of
queries, then worked out by the rules of ``due`` and ``status``."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from dti.steering import due
from dti.steering.models import ProgressReport, State, SteeringPlan, Target, Task
from dti.steering.status import Status, target_status


def current_plan(today: datetime.date, year: int | None = None) -> SteeringPlan | None:
    """The plan of ``year`` if given; else this year's plan, or the latest before it, or the
    earliest after it."""
    plans = SteeringPlan.objects.all()
    if year is not None:
        return plans.filter(year=year).first()
    return (
        plans.filter(year__lte=today.year).order_by("-year").first()
        or plans.filter(year__gt=today.year).order_by("year").first()
    )


@dataclass
class QuarterCell:
    quarter: int
    due: datetime.date
    state: str  # on_time, late, overdue, open, none
    report: ProgressReport | None = None


@dataclass
class Row:
    """A target or a task with its reports by quarter, and (targets) its status."""

    item: Target | Task
    quarters: list[QuarterCell]
    latest: ProgressReport | None = None
    status: Status | None = None
    overdue_task: bool = False


@dataclass
class Board:
    plan: SteeringPlan
    now: datetime.datetime
    targets: list[Row] = field(default_factory=list)
    tasks: list[Row] = field(default_factory=list)
    overdue: list[due.Overdue] = field(default_factory=list)

    @property
    def rows(self) -> list[Row]:
        return [*self.targets, *self.tasks]

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(row.status for row in self.targets if row.status is not None)
        return {status.value: counted.get(status, 0) for status in Status}

    @property
    def overdue_tasks(self) -> list[Row]:
        return [row for row in self.tasks if row.overdue_task]

    def due_dates(self) -> list[tuple[int, datetime.date]]:
        return [(q, due.due_date(self.plan.year, q, self.plan.report_day)) for q in due.QUARTERS]

    def by_member(self) -> dict[Any, dict[str, list[Any]]]:
        """Each responsible member → their overdue reports and overdue tasks."""
        people: dict[Any, dict[str, list[Any]]] = {}
        for overdue in self.overdue:
            member = overdue.item.lead_member
            people.setdefault(member, {"reports": [], "tasks": []})["reports"].append(overdue)
        for row in self.overdue_tasks:
            member = row.item.lead_member
            people.setdefault(member, {"reports": [], "tasks": []})["tasks"].append(row)
        return people


def build_board(
    plan: SteeringPlan, now: datetime.datetime | None = None, lead: Any = None
) -> Board:
    """The plan's targets and tasks (only ``lead``'s when given), their quarters, statuses and
    overdue reports at ``now``; four queries whatever the size of the plan."""
    targets = Target.objects.filter(plan=plan)
    tasks = Task.objects.filter(plan=plan)
    if lead is not None:
        targets, tasks = targets.filter(lead_member=lead), tasks.filter(lead_member=lead)
    return _board(plan, now or timezone.now(), targets, tasks)


def item_row(item: Target | Task, now: datetime.datetime | None = None) -> Row:
    """One target or task with its quarters (and status), as the dashboard shows it."""
    none_of: Any = Target.objects.none() if isinstance(item, Task) else Task.objects.none()
    same = type(item).objects.filter(pk=item.pk)
    targets, tasks = (same, none_of) if isinstance(item, Target) else (none_of, same)
    return _board(item.plan, now or timezone.now(), targets, tasks).rows[0]


def _board(plan: SteeringPlan, now: datetime.datetime, targets: Any, tasks: Any) -> Board:
    today = timezone.localdate(now)
    target_list = list(targets.select_related("lead_member"))
    task_list = list(tasks.select_related("lead_member"))
    reports = ProgressReport.objects.filter(year=plan.year).select_related("reporter")
    by_item: dict[tuple[str, int], dict[int, ProgressReport]] = {}
    if target_list:
        for report in reports.filter(target__in=target_list):
            by_item.setdefault(("target", report.target_id), {})[report.quarter] = report  # type: ignore[arg-type]
    if task_list:
        for report in reports.filter(task__in=task_list):
            by_item.setdefault(("task", report.task_id), {})[report.quarter] = report  # type: ignore[arg-type]
    last_due = due.last_due_quarter(plan.year, plan.report_day, now)
    board = Board(plan, now)
    for item in [*target_list, *task_list]:
        item.plan = plan  # the same object: its year and report day, without a query
        received = by_item.get((item.KIND, item.pk), {})
        cells = [
            QuarterCell(
                q,
                due.due_date(plan.year, q, plan.report_day),
                due.quarter_state(
                    item,
                    received[q].reported_at if q in received else None,
                    plan.year,
                    q,
                    plan.report_day,
                    now,
                ),
                received.get(q),
            )
            for q in due.QUARTERS
        ]
        latest = received[max(received)] if received else None
        row = Row(item, cells, latest)
        if isinstance(item, Target):
            if item.state != State.CANCELLED:
                row.status = target_status(
                    item.measure,
                    latest.value if latest else None,
                    latest.quarter if latest else None,
                    item.due,
                    last_due,
                    today,
                )
            board.targets.append(row)
        else:
            row.overdue_task = due.task_overdue(item, now)
            board.tasks.append(row)
    reported = {(kind, pk, q) for (kind, pk), got in by_item.items() for q in got}
    board.overdue = due.overdue_reports(
        [*target_list, *task_list], reported, plan.year, plan.report_day, now
    )
    return board
