"""The steering committee's rules on hand data: target values read and written, met or not, the
four statuses, due days and the overdue reports of plain items (no database)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal as D

import pytest

from dti.steering import due
from dti.steering.measures import (
    Comparator,
    Measure,
    MeasureError,
    format_measure,
    parse_measure,
    satisfies,
)
from dti.steering.status import Status, target_status

HANOI = datetime.timezone(datetime.timedelta(hours=7))

GTE, LTE, EQ, RANGE = Comparator.AT_LEAST, Comparator.AT_MOST, Comparator.EXACTLY, Comparator.RANGE


@pytest.mark.parametrize(
    ("text", "expected", "vi"),
    [
        ("≥ 80 %", Measure(GTE, D(80), None, "%"), "≥ 80 %"),
        (">= 80%", Measure(GTE, D(80), None, "%"), "≥ 80 %"),
        ("từ 80% trở lên", Measure(GTE, D(80), None, "%"), "≥ 80 %"),
        ("đạt từ 50% trở lên", Measure(GTE, D(50), None, "%"), "≥ 50 %"),
        ("tối thiểu 60%", Measure(GTE, D(60), None, "%"), "≥ 60 %"),
        ("≤ 5%", Measure(LTE, D(5), None, "%"), "≤ 5 %"),
        ("tối đa 2,5 %", Measure(LTE, D("2.5"), None, "%"), "≤ 2,5 %"),
        ("100%", Measure(EQ, D(100), None, "%"), "100 %"),
        ("đạt 100 %", Measure(EQ, D(100), None, "%"), "100 %"),
        ("55 -60%", Measure(RANGE, D(55), D(60), "%"), "55–60 %"),
        ("đạt từ 55 - 60%", Measure(RANGE, D(55), D(60), "%"), "55–60 %"),
        ("65 – 70%", Measure(RANGE, D(65), D(70), "%"), "65–70 %"),
        ("từ 25 đến 30 %", Measure(RANGE, D(25), D(30), "%"), "25–30 %"),
        ("5 hệ thống", Measure(EQ, D(5), None, "hệ thống"), "5 hệ thống"),
    ],
)
def test_target_values_as_the_plans_write_them(text: str, expected: Measure, vi: str) -> None:
    assert parse_measure(text) == expected
    assert format_measure(expected, "vi") == vi
    assert parse_measure(vi) == expected  # what is written reads back the same


def test_english_writes_a_decimal_point() -> None:
    assert format_measure(Measure(GTE, D("7.5"), None, "%"), "en") == "≥ 7.5 %"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "blank"),
        ("> 90%", "strict comparison"),
        ("trên 90%", "strict comparison"),
        ("khoảng tám mươi", "is not a target value"),
        ("60 - 55 %", "upper end of the range"),
        ("≥ 55 - 60 %", "a range cannot also be"),
        ("≥ 80 % trở xuống", "both"),
        ("80% hệ thống", "is not a target value"),
    ],
)
def test_what_is_not_a_target_value_is_refused_with_its_reason(text: str, reason: str) -> None:
    with pytest.raises(MeasureError) as refused:
        parse_measure(text)
    assert reason in str(refused.value)


@pytest.mark.parametrize(
    ("measure", "value", "met"),
    [
        (Measure(GTE, D(80), None, "%"), D("79.99"), False),
        (Measure(GTE, D(80), None, "%"), D(80), True),
        (Measure(GTE, D(80), None, "%"), D(95), True),
        (Measure(LTE, D(5), None, "%"), D(5), True),
        (Measure(LTE, D(5), None, "%"), D("5.01"), False),
        (Measure(EQ, D(100), None, "%"), D(100), True),
        (Measure(EQ, D(100), None, "%"), D("99.5"), False),
        (Measure(RANGE, D(55), D(60), "%"), D("54.9"), False),
        (Measure(RANGE, D(55), D(60), "%"), D(55), True),
        (Measure(RANGE, D(55), D(60), "%"), D(60), True),
        (Measure(RANGE, D(55), D(60), "%"), D(62), True),  # exceeded, still met
        (Measure(GTE, D(80), None, "%"), None, False),
    ],
)
def test_a_value_meets_a_target(measure: Measure, value: D | None, met: bool) -> None:
    assert satisfies(measure, value) is met


END = datetime.date(2023, 12, 31)
AT_LEAST_80 = Measure(GTE, D(80), None, "%")


@pytest.mark.parametrize(
    ("measure", "value", "reported", "last_due", "today", "status"),
    [
        # met whenever the latest value reaches it, even after the deadline
        (AT_LEAST_80, D(81), 1, 1, datetime.date(2023, 4, 1), Status.MET),
        (AT_LEAST_80, D(81), 4, 4, datetime.date(2024, 2, 1), Status.MET),
        # missed once the deadline has passed without it
        (AT_LEAST_80, D(79), 4, 4, datetime.date(2024, 1, 1), Status.MISSED),
        (AT_LEAST_80, None, None, 4, datetime.date(2024, 1, 1), Status.MISSED),
        # at risk: the last due quarter's report is missing …
        (AT_LEAST_80, D(70), 1, 2, datetime.date(2023, 7, 1), Status.AT_RISK),
        (AT_LEAST_80, None, None, 1, datetime.date(2023, 4, 1), Status.AT_RISK),
        # … or the deadline is at most 90 days away
        (AT_LEAST_80, D(75), 3, 3, datetime.date(2023, 10, 2), Status.AT_RISK),
        # on track otherwise (here 91 days before the deadline)
        (AT_LEAST_80, D(75), 3, 3, datetime.date(2023, 10, 1), Status.ON_TRACK),
        (AT_LEAST_80, D(70), 2, 2, datetime.date(2023, 7, 1), Status.ON_TRACK),
        (AT_LEAST_80, None, None, None, datetime.date(2023, 2, 1), Status.ON_TRACK),
        # the other comparators
        (Measure(LTE, D(5), None, "%"), D(4), 2, 2, datetime.date(2023, 7, 1), Status.MET),
        (Measure(LTE, D(5), None, "%"), D(6), 4, 4, datetime.date(2024, 1, 1), Status.MISSED),
        (Measure(RANGE, D(55), D(60), "%"), D(57), 3, 3, datetime.date(2023, 9, 20), Status.MET),
        (
            Measure(RANGE, D(55), D(60), "%"),
            D(50),
            3,
            3,
            datetime.date(2023, 9, 20),
            Status.ON_TRACK,
        ),
        (Measure(EQ, D(100), None, "%"), D(100), 1, 1, datetime.date(2023, 4, 1), Status.MET),
        (
            Measure(EQ, D(100), None, "%"),
            D("99.9"),
            4,
            4,
            datetime.date(2024, 1, 1),
            Status.MISSED,
        ),
    ],
)
def test_target_status(
    measure: Measure,
    value: D | None,
    reported: int | None,
    last_due: int | None,
    today: datetime.date,
    status: Status,
) -> None:
    assert target_status(measure, value, reported, END, last_due, today) is status


def test_the_deadline_day_itself_is_not_yet_missed() -> None:
    deadline = datetime.date(2023, 6, 30)
    assert target_status(AT_LEAST_80, D(70), 2, deadline, 2, deadline) is Status.AT_RISK
    after = deadline + datetime.timedelta(days=1)
    assert target_status(AT_LEAST_80, D(70), 2, deadline, 2, after) is Status.MISSED


# ---------------------------------------------------------------- due days


def test_reports_are_due_on_the_tenth_of_each_quarters_last_month() -> None:
    assert [due.due_date(2023, q, 10) for q in due.QUARTERS] == [
        datetime.date(2023, 3, 10),
        datetime.date(2023, 6, 10),
        datetime.date(2023, 9, 10),
        datetime.date(2023, 12, 10),
    ]
    assert due.due_date(2023, 2, 25) == datetime.date(2023, 6, 25)
    assert due.due_date(2023, 3, 30) == datetime.date(2023, 9, 30)  # September has 30 days
    # the report becomes late at midnight after the due day, in Hà Nội
    assert due.due_moment(2023, 1, 10) == datetime.datetime(2023, 3, 11, tzinfo=HANOI)
    assert due.due_moment(2023, 1, 10) == datetime.datetime(2023, 3, 10, 17, 0, tzinfo=datetime.UTC)


@dataclass
class Item:
    """A target or a task as the rules see it."""

    pk: int
    KIND: str = "target"
    active: bool = True
    due: datetime.date = END
    deadline: datetime.date | None = None


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=HANOI)  # type: ignore[misc]


def test_overdue_reports_of_plain_items() -> None:
    items = [
        Item(1),
        Item(2, active=False),  # finished or cancelled
        Item(3, due=datetime.date(2023, 5, 31)),  # reports for Q1 and Q2 only
        Item(4, KIND="task"),
    ]
    reported = {("target", 1, 1)}

    def overdue(now: datetime.datetime) -> set[tuple[int, int]]:
        return {(o.item.pk, o.quarter) for o in due.overdue_reports(items, reported, 2023, 10, now)}

    assert overdue(at(2023, 3, 10, 23, 59, 59)) == set()
    assert overdue(at(2023, 3, 11, 0, 0, 0)) == {(3, 1), (4, 1)}
    assert overdue(at(2023, 9, 11)) == {(1, 2), (1, 3), (3, 1), (3, 2), (4, 1), (4, 2), (4, 3)}
    [first] = [
        o for o in due.overdue_reports(items, reported, 2023, 10, at(2023, 3, 11)) if o.item.pk == 3
    ]
    assert (first.year, first.quarter, first.due) == (2023, 1, datetime.date(2023, 3, 10))


def test_the_state_of_a_quarter() -> None:
    item = Item(1, due=datetime.date(2023, 5, 31))
    on_time = at(2023, 3, 10, 23, 0)
    late = at(2023, 3, 11, 0, 0)

    def state(reported: datetime.datetime | None, quarter: int, now: datetime.datetime) -> str:
        return due.quarter_state(item, reported, 2023, quarter, 10, now)

    assert state(on_time, 1, at(2023, 4, 1)) == "on_time"
    assert state(late, 1, at(2023, 4, 1)) == "late"
    assert state(None, 1, at(2023, 3, 10, 23, 59, 59)) == "open"
    assert state(None, 1, at(2023, 3, 11)) == "overdue"
    assert state(None, 3, at(2023, 12, 1)) == "none"  # its deadline is before Q3
    assert due.last_due_quarter(2023, 10, at(2023, 3, 10, 23, 59, 59)) is None
    assert due.last_due_quarter(2023, 10, at(2023, 6, 11)) == 2
