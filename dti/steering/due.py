"""When quarterly reports are due, and which are overdue — computed from plain values, no queries.

The plan says: “Định kỳ trước ngày mùng 10 của tháng cuối Quý … báo cáo kết quả thực hiện”.
A quarter's report is due on the plan's report day (10 by default) of the quarter's last month —
10/3, 10/6, 10/9 and 10/12 — and, like every deadline in DTI, it closes at the end of that day in
the province's time zone (``dti.periods.deadlines.closes_at``): at 23:59:59 on the 10th a report
is not late yet; from 00:00:00 on the 11th it is.

An item (a target or a task of the plan) is expected to report for a quarter when it is active
(neither finished nor cancelled) and its deadline is not before the quarter begins: a task due in
May reports for Q1 and Q2, not after; a recurring task (“every year”, “according to the roadmap”)
and a target without a deadline run to the end of the year and report every quarter. A report is
overdue when an expected item has none for a quarter whose due moment has passed.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from dti.periods.deadlines import closes_at

QUARTERS = (1, 2, 3, 4)


class Reporting(Protocol):
    """What the rules need of a target or a task."""

    KIND: str
    pk: Any

    @property
    def active(self) -> bool: ...

    @property
    def due(self) -> datetime.date: ...


def quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> datetime.date:
    return datetime.date(year, 3 * quarter - 2, 1)


def due_date(year: int, quarter: int, report_day: int) -> datetime.date:
    """The day a quarter's report is due: the report day of the quarter's last month."""
    return datetime.date(year, 3 * quarter, report_day)


def due_moment(year: int, quarter: int, report_day: int) -> datetime.datetime:
    """The instant the quarter's report becomes late: midnight after its due day, local time."""
    return closes_at(due_date(year, quarter, report_day))


def passed_quarters(year: int, report_day: int, now: datetime.datetime) -> list[int]:
    """The quarters of ``year`` whose report's due moment has passed at ``now``."""
    return [q for q in QUARTERS if now >= due_moment(year, q, report_day)]


def last_due_quarter(year: int, report_day: int, now: datetime.datetime) -> int | None:
    """The latest quarter whose report was due by ``now`` (None before the first one)."""
    passed = passed_quarters(year, report_day, now)
    return passed[-1] if passed else None


def expected(item: Reporting, year: int, quarter: int) -> bool:
    """Must the item report for the quarter? Active, and its deadline not before the quarter."""
    return item.active and item.due >= quarter_start(year, quarter)


def deadline_passed(day: datetime.date, now: datetime.datetime) -> bool:
    return now >= closes_at(day)


@dataclass(frozen=True)
class Overdue:
    """A report that should have come in: the item, the quarter and the day it was due."""

    item: Any
    year: int
    quarter: int
    due: datetime.date


def overdue_reports(
    items: Iterable[Reporting],
    reported: Collection[tuple[str, Any, int]],
    year: int,
    report_day: int,
    now: datetime.datetime,
) -> list[Overdue]:
    """Every (item, quarter) expected to report, due by ``now``, with no report.

    ``reported`` holds (item kind, item pk, quarter) for every report received.
    """
    passed = passed_quarters(year, report_day, now)
    return [
        Overdue(item, year, quarter, due_date(year, quarter, report_day))
        for item in items
        for quarter in passed
        if expected(item, year, quarter) and (item.KIND, item.pk, quarter) not in reported
    ]


def quarter_state(
    item: Reporting,
    reported_at: datetime.datetime | None,
    year: int,
    quarter: int,
    report_day: int,
    now: datetime.datetime,
) -> str:
    """One quarter of an item, for the tables: “on time”, “late” (reported after the due day),
    “overdue”, “open” (not due yet), or “none” (not expected of it)."""
    moment = due_moment(year, quarter, report_day)
    if reported_at is not None:
        return "late" if reported_at >= moment else "on_time"
    if not expected(item, year, quarter):
        return "none"
    return "overdue" if now >= moment else "open"


def task_overdue(task: Any, now: datetime.datetime) -> bool:
    """A task with a date that is still active after the end of its deadline day."""
    return bool(task.active and task.deadline is not None and deadline_passed(task.deadline, now))
