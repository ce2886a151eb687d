"""A plan's targets and tasks as an Excel workbook, to fill in from the committee's plan and import.

Two sheets, headers in Vietnamese as the plan writes them (a header row anywhere in the first
rows; the columns in any order; “STT” ignored):

* “Chỉ tiêu” (targets): STT | Nhóm chỉ tiêu | Mã | Chỉ tiêu | Mục tiêu | Thời hạn |
  Thành viên chủ trì (tên đăng nhập) | Đơn vị chủ trì | Đơn vị phối hợp.
  “Mục tiêu” is the value as the plan writes it: “≥ 80 %”, “từ 80% trở lên”, “≤ 5 %”, “100 %”,
  “55–60 %” (``measures.parse_measure``); “Thời hạn” a date (31/12/2023), a month (12/2023,
  “Tháng 12/2023”), a quarter (“Quý IV/2023”) or a year (“Năm 2023”) — its last day —, or blank
  for the end of the plan's year.
* “Nhiệm vụ” (tasks): STT | Mã | Nhiệm vụ | Nội dung | Thời gian hoàn thành |
  Thành viên chủ trì (tên đăng nhập) | Đơn vị chủ trì | Đơn vị phối hợp.
  “Thời gian hoàn thành” is a date as above, “Thực hiện hàng năm” (every year) or
  “Theo lộ trình” (according to the roadmap).

The lead member is the username of a person who holds the steering-committee role. A row is
matched to a recorded target or task of the plan by its code (Mã); an import never deletes, and a
blank optional cell keeps what is recorded. ``plan_import`` reads and checks the workbook without
writing — every row is “create”, “update” or “unchanged”, every bad row a problem naming its sheet,
row and reason —; ``apply_import`` checks it again and applies every row, through the actions, or
nothing.
"""

from __future__ import annotations

import calendar
import datetime
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from openpyxl import Workbook

from dti.accounts.models import Role, User
from dti.audit.trail import Actor, record
from dti.scoring.numbers import parse_decimal
from dti.scoring.problems import Problem as WorkbookProblem
from dti.steering import actions, measures
from dti.steering.models import SteeringPlan, Target, Task
from dti.units.spreadsheet import TOO_LARGE, Problem, check_file, refusal
from dti.workbooks import (
    Column,
    Header,
    find_header,
    fold,
    open_and_read,
    put,
    raw_rows,
    status_counts,
    write_header,
)

__all__ = ["Problem", "apply_import", "check_file", "plan_import", "refusal", "write_workbook"]

SHEET_TARGETS = "Chỉ tiêu"
SHEET_TASKS = "Nhiệm vụ"
SHEET_HELP = "Hướng dẫn"

MAX_ROWS = 1000
HEADER_SCAN = 10
MAX_COLUMNS = 20
MAX_BLANK_RUN = 1000
MAX_CODE = 20

LEAD_ALIASES = ("thành viên chủ trì", "thành viên ban chỉ đạo", "tên đăng nhập", "lead member")
TARGET_COLUMNS = (
    Column("stt", "STT", 6, ("tt", "số tt", "số thứ tự")),
    Column("section", "Nhóm chỉ tiêu", 28, ("nhóm", "lĩnh vực", "group"), wrap=True),
    Column("code", "Mã", 8, ("mã chỉ tiêu", "ký hiệu", "code")),
    Column(
        "indicator",
        "Chỉ tiêu",
        60,
        ("nội dung chỉ tiêu", "tên chỉ tiêu", "indicator"),
        wrap=True,
    ),
    Column("target", "Mục tiêu", 14, ("giá trị mục tiêu", "chỉ tiêu cần đạt", "target")),
    Column("deadline", "Thời hạn", 14, ("thời gian hoàn thành", "hạn", "deadline")),
    Column("lead_member", "Thành viên chủ trì (tên đăng nhập)", 20, LEAD_ALIASES),
    Column("lead_unit", "Đơn vị chủ trì", 30, ("cơ quan chủ trì", "lead unit"), wrap=True),
    Column(
        "coordinating",
        "Đơn vị phối hợp",
        40,
        ("cơ quan phối hợp", "coordinating units"),
        wrap=True,
    ),
)
TASK_COLUMNS = (
    Column("stt", "STT", 6, ("tt", "số tt", "số thứ tự")),
    Column("code", "Mã", 8, ("mã nhiệm vụ", "ký hiệu", "code")),
    Column("title", "Nhiệm vụ", 40, ("tên nhiệm vụ", "task"), wrap=True),
    Column(
        "description", "Nội dung", 60, ("nội dung thực hiện", "mô tả", "description"), wrap=True
    ),
    Column("deadline", "Thời gian hoàn thành", 18, ("thời hạn", "hạn", "deadline")),
    Column("lead_member", "Thành viên chủ trì (tên đăng nhập)", 20, LEAD_ALIASES),
    Column("lead_unit", "Đơn vị chủ trì", 30, ("cơ quan chủ trì", "lead unit"), wrap=True),
    Column(
        "coordinating",
        "Đơn vị phối hợp",
        40,
        ("cơ quan phối hợp", "coordinating units"),
        wrap=True,
    ),
)
REQUIRED = {
    SHEET_TARGETS: ("code", "indicator", "target", "lead_member"),
    SHEET_TASKS: ("code", "title", "deadline", "lead_member"),
}
LIMITS = {"section": 300, "lead_unit": 300, "title": 500, "indicator": 5000}

YEARLY_TEXT = "Thực hiện hàng năm"
ROADMAP_TEXT = "Theo lộ trình"
YEARLY_WORDS = ("hàng năm", "hằng năm", "thường xuyên", "every year", "yearly")
ROADMAP_WORDS = ("lộ trình", "roadmap")
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

# The user-facing texts of the rows' fields, for the preview's list of changes.
CHANGE_LABELS = {
    "section": _("group"),
    "indicator": _("indicator"),
    "target": _("target value"),
    "deadline": _("deadline"),
    "lead_member": _("lead member"),
    "lead_unit": _("lead unit"),
    "coordinating": _("coordinating units"),
    "title": _("task"),
    "description": _("description"),
    "timing": _("timing"),
}


# ---------------------------------------------------------------- plans of an import


@dataclass
class Change:
    field: str
    old: str
    new: str

    @property
    def label(self) -> str:
        return gettext(CHANGE_LABELS[self.field])


@dataclass
class Row:
    """A row of either sheet: its cells, what they mean, and what importing it would do."""

    sheet: str
    row: int
    cells: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    item: Target | Task | None = None
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def bad(self) -> bool:
        return bool(self.problems)

    @property
    def status(self) -> str:
        if self.bad:
            return "error"
        if self.item is None:
            return "create"
        return "update" if self.changes else "unchanged"

    @property
    def code(self) -> str:
        return self.cells.get("code", "")


@dataclass
class Plan:
    """What importing a workbook into a plan would do, row by row, and what stands in its way."""

    targets: list[Row] = field(default_factory=list)
    tasks: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def has_changes(self) -> bool:
        return any(row.status in ("create", "update") for row in [*self.targets, *self.tasks])

    @property
    def target_counts(self) -> dict[str, int]:
        return status_counts(self.targets)

    @property
    def task_counts(self) -> dict[str, int]:
        return status_counts(self.tasks)


@dataclass
class Result:
    targets_created: int = 0
    targets_updated: int = 0
    tasks_created: int = 0
    tasks_updated: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class ImportRefused(Exception):
    """The workbook has problems (found again at apply time): nothing was written."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        super().__init__(f"{len(plan.problems)} problem(s)")


# ---------------------------------------------------------------- reading cells

RawRow = tuple[int, tuple[Any, ...]]


def _key(text: object) -> str:
    return fold(text)


def _text(value: Any) -> str:
    """A cell as one line of text: numbers as shown (12, not 12.0), whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def _long_text(value: Any) -> str:
    """A cell of several lines: each line tidied, blank lines dropped."""
    if value is None:
        return ""
    lines = unicodedata.normalize("NFC", str(value)).splitlines()
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())


def _load(data: bytes) -> tuple[dict[str, list[RawRow]], list[Problem]]:
    found = open_and_read(io.BytesIO(data), _sheets, too_large=TOO_LARGE)
    if isinstance(found, WorkbookProblem):
        return {}, [Problem(found.template, params=dict(found.params))]
    return found


def _sheets(workbook: Any) -> tuple[dict[str, list[RawRow]], list[Problem]]:
    by_name = {_key(ws.title): ws for ws in workbook.worksheets}
    wanted = {name: by_name.get(_key(name)) for name in (SHEET_TARGETS, SHEET_TASKS)}
    if not any(wanted.values()):
        sheets = ", ".join(f"“{ws.title}”" for ws in workbook.worksheets) or "—"
        return {}, [
            Problem(
                _(
                    "the workbook has no sheet “%(targets)s” or “%(tasks)s” (its sheets: %(sheets)s)"
                ),
                params={"targets": SHEET_TARGETS, "tasks": SHEET_TASKS, "sheets": sheets},
            )
        ]
    found: dict[str, list[RawRow]] = {}
    for name, worksheet in wanted.items():
        if worksheet is None:
            continue
        rows = raw_rows(
            worksheet,
            max_columns=MAX_COLUMNS,
            limit=MAX_ROWS + HEADER_SCAN,
            formats=True,
            blank=lambda value: _text(value) == "",
            max_blank_run=MAX_BLANK_RUN,
        )
        if rows is None:
            return {}, [
                Problem(
                    _("the sheet has more than %(limit)s rows; a workbook this large is refused"),
                    sheet=name,
                    params={"limit": MAX_ROWS},
                )
            ]
        found[name] = rows
    return found, []


def _last_day(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


DATE_FORMS = _(
    "“%(value)s” is not a date: write it as 31/12/2023, 12/2023, “Quý IV/2023” or “Năm 2023”"
)
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MY = re.compile(r"^(?:tháng\s*)?(\d{1,2})\s*(?:/|-|\.|năm)\s*(\d{4})$")
_QUARTER = re.compile(r"^(?:quý|q)\s*(i{1,3}|iv|[1-4])\s*(?:/|-|năm)?\s*(\d{4})$")
_YEAR = re.compile(r"^(?:năm|cuối năm)\s*(\d{4})$")
_PREFIXES = ("hoàn thành trong", "hoàn thành", "trước ngày", "trước", "trong", "ngày", "đến", "by")


def parse_deadline(value: Any) -> datetime.date:
    """A deadline cell as a date (the last day of a month, quarter or year); ``ValueError``."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _key(_text(value)).rstrip(".")
    for prefix in _PREFIXES:
        if text.startswith(prefix + " "):
            text = text[len(prefix) :].strip()
    try:
        if match := _DMY.match(text):
            return datetime.date(int(match[3]), int(match[2]), int(match[1]))
        if match := _YMD.match(text):
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _MY.match(text):
            return _last_day(int(match[2]), int(match[1]))
        if match := _QUARTER.match(text):
            quarter = ROMAN.get(match[1]) or int(match[1])
            return _last_day(int(match[2]), 3 * quarter)
        if match := _YEAR.match(text):
            return datetime.date(int(match[1]), 12, 31)
    except ValueError:
        pass  # 31/02/2023, month 13
    raise ValueError(value)


def _measure(value: Any, number_format: str) -> measures.Measure:
    """The target cell: a text such as “≥ 80 %”, or a number (a percentage cell: 0,8 → 80 %)."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        number = parse_decimal(value)
        if "%" in (number_format or ""):
            return measures.Measure(
                measures.Comparator.EXACTLY, (number * 100).normalize(), None, "%"
            )
        return measures.Measure(measures.Comparator.EXACTLY, number, None, "")
    return measures.parse_measure(_text(value))


# ---------------------------------------------------------------- planning


class _Planner:
    """Works out what a workbook would do to a plan."""

    def __init__(self, steering_plan: SteeringPlan) -> None:
        self.steering_plan = steering_plan
        self.plan = Plan()
        self.targets = {
            _key(t.code): t
            for t in Target.objects.filter(plan=steering_plan).select_related("lead_member")
        }
        self.tasks = {
            _key(t.code): t
            for t in Task.objects.filter(plan=steering_plan).select_related("lead_member")
        }
        self.people = {u.username.casefold(): u for u in User.objects.all()}
        self.members = set(
            Role.objects.filter(kind=Role.Kind.STEERING).values_list("user_id", flat=True)
        )

    def problem(self, row: Row | None, sheet: str, message: str, /, **params: object) -> None:
        problem = Problem(message, sheet, row.row if row is not None else None, params)
        self.plan.problems.append(problem)
        if row is not None:
            row.problems.append(problem)

    def body(
        self, sheet: str, rows: Sequence[RawRow], columns: Sequence[Column]
    ) -> list[tuple[int, dict[str, tuple[Any, str]]]] | None:
        scan = [(number, tuple(v for v, _f in cells)) for number, cells in rows[:HEADER_SCAN]]
        header: Header | None = find_header(scan, columns, REQUIRED[sheet], normalise=_key)
        if header is None:
            by_key = {c.key: c.header for c in columns}
            self.problem(
                None,
                sheet,
                _("no header row with the columns %(columns)s in the first %(rows)s rows"),
                columns=", ".join(f"“{by_key[k]}”" for k in REQUIRED[sheet]),
                rows=HEADER_SCAN,
            )
            return None
        return [
            (
                number,
                {
                    key: cells[index] if index < len(cells) else (None, "General")
                    for key, index in header.index.items()
                },
            )
            for number, cells in rows
            if number > header.row
        ]

    def common(self, row: Row, columns: Sequence[Column], seen: dict[str, int]) -> None:
        """Code and lead member, the limits of the texts: what both sheets check."""
        sheet = row.sheet
        code = "".join(row.cells.get("code", "").split()).rstrip(".")
        row.cells["code"] = code
        if not code:
            self.problem(row, sheet, _("the code (Mã) is blank"))
        elif len(code) > MAX_CODE:
            self.problem(
                row,
                sheet,
                _("the code “%(value)s” is longer than %(limit)s characters"),
                value=code,
                limit=MAX_CODE,
            )
        elif _key(code) in seen:
            self.problem(
                row,
                sheet,
                _("the code “%(value)s” is already used on row %(row)s"),
                value=code,
                row=seen[_key(code)],
            )
        else:
            seen[_key(code)] = row.row
        username = row.cells.get("lead_member", "")
        user = self.people.get(username.casefold()) if username else None
        if not username:
            self.problem(row, sheet, _("the lead member (a username) is blank"))
        elif user is None:
            self.problem(
                row,
                sheet,
                _("unknown lead member “%(value)s”: no account has this username"),
                value=username,
            )
        elif user.pk not in self.members:
            self.problem(
                row,
                sheet,
                _(
                    "“%(value)s” is not a member of the steering committee (give them the role “Ban Chỉ đạo” first)"
                ),
                value=username,
            )
        else:
            row.values["lead_member"] = user
        headers = {column.key: column.header for column in columns}
        for key, limit in LIMITS.items():
            if key in headers and len(row.cells.get(key, "")) > limit:
                self.problem(
                    row,
                    sheet,
                    _("“%(column)s” is longer than %(limit)s characters"),
                    column=headers[key],
                    limit=limit,
                )
        for key in ("lead_unit", "coordinating", "section", "description"):
            if key in row.cells:
                row.values[key] = row.cells[key]

    def deadline(self, row: Row, raw: Any) -> datetime.date | None:
        try:
            day = parse_deadline(raw)
        except ValueError:
            self.problem(row, row.sheet, DATE_FORMS, value=_text(raw))
            return None
        if day.year < self.steering_plan.year:
            self.problem(
                row,
                row.sheet,
                _("the deadline %(value)s is before the plan's year %(year)s"),
                value=day.strftime("%d/%m/%Y"),
                year=self.steering_plan.year,
            )
            return None
        return day

    def target_rows(self, rows: Sequence[RawRow]) -> None:
        body = self.body(SHEET_TARGETS, rows, TARGET_COLUMNS)
        if body is None:
            return
        seen: dict[str, int] = {}
        for number, raw in body:
            cells = {key: _text(value) for key, (value, _f) in raw.items()}
            for key in ("indicator", "coordinating"):
                if key in raw:
                    cells[key] = _long_text(raw[key][0])
            row = Row(SHEET_TARGETS, number, cells)
            self.plan.targets.append(row)
            self.common(row, TARGET_COLUMNS, seen)
            if not cells.get("indicator"):
                self.problem(row, SHEET_TARGETS, _("the indicator (Chỉ tiêu) is blank"))
            else:
                row.values["indicator"] = cells["indicator"]
            value, number_format = raw.get("target", (None, "General"))
            try:
                measure = _measure(value, number_format)
            except measures.MeasureError as error:
                self.problem(row, SHEET_TARGETS, error.template, **error.params)
            except ValueError:
                self.problem(row, SHEET_TARGETS, measures.NOT_A_VALUE, text=cells.get("target", ""))
            else:
                row.values["measure"] = measure
                row.cells["target"] = measures.format_measure(measure)
            if cells.get("deadline"):
                day = self.deadline(row, raw["deadline"][0])
                if day is not None:
                    row.values["deadline"] = day
            if not row.bad:
                self.compare_target(row)

    def task_rows(self, rows: Sequence[RawRow]) -> None:
        body = self.body(SHEET_TASKS, rows, TASK_COLUMNS)
        if body is None:
            return
        seen: dict[str, int] = {}
        for number, raw in body:
            cells = {key: _text(value) for key, (value, _f) in raw.items()}
            for key in ("description", "coordinating"):
                if key in raw:
                    cells[key] = _long_text(raw[key][0])
            row = Row(SHEET_TASKS, number, cells)
            self.plan.tasks.append(row)
            self.common(row, TASK_COLUMNS, seen)
            if not cells.get("title"):
                self.problem(row, SHEET_TASKS, _("the task (Nhiệm vụ) is blank"))
            else:
                row.values["title"] = cells["title"]
            timing = cells.get("deadline", "")
            folded = _key(timing)
            if not timing:
                self.problem(
                    row,
                    SHEET_TASKS,
                    _("the deadline is blank: give a date, “%(yearly)s” or “%(roadmap)s”"),
                    yearly=YEARLY_TEXT,
                    roadmap=ROADMAP_TEXT,
                )
            elif any(word in folded for word in YEARLY_WORDS):
                row.values.update(timing=Task.Timing.YEARLY, deadline=None)
            elif any(word in folded for word in ROADMAP_WORDS):
                row.values.update(timing=Task.Timing.ROADMAP, deadline=None)
            else:
                day = self.deadline(row, raw["deadline"][0])
                if day is not None:
                    row.values.update(timing=Task.Timing.DATE, deadline=day)
            if not row.bad:
                self.compare_task(row)

    def compare_target(self, row: Row) -> None:
        target = self.targets.get(_key(row.code))
        row.item = target
        if target is None:
            return
        new = row.values
        measure: measures.Measure = new["measure"]
        pairs = {
            "section": (target.section, new.get("section", target.section) or target.section),
            "indicator": (target.indicator, new["indicator"]),
            "target": (target.target_text, measures.format_measure(measure)),
            "deadline": (_day(target.deadline), _day(new.get("deadline", target.deadline))),
            "lead_member": (target.lead_member.username, new["lead_member"].username),
            "lead_unit": (target.lead_unit, new.get("lead_unit") or target.lead_unit),
            "coordinating": (target.coordinating, new.get("coordinating") or target.coordinating),
        }
        if measure != target.measure and pairs["target"][0] == pairs["target"][1]:
            pairs["target"] = (repr(target.measure), repr(measure))  # same text, other figures
        row.changes = [Change(key, old, new) for key, (old, new) in pairs.items() if old != new]

    def compare_task(self, row: Row) -> None:
        task = self.tasks.get(_key(row.code))
        row.item = task
        if task is None:
            return
        new = row.values
        pairs = {
            "title": (task.title, new["title"]),
            "description": (task.description, new.get("description") or task.description),
            "timing": (
                _timing(task.timing, task.deadline),
                _timing(new["timing"], new["deadline"]),
            ),
            "lead_member": (task.lead_member.username, new["lead_member"].username),
            "lead_unit": (task.lead_unit, new.get("lead_unit") or task.lead_unit),
            "coordinating": (task.coordinating, new.get("coordinating") or task.coordinating),
        }
        row.changes = [Change(key, old, new) for key, (old, new) in pairs.items() if old != new]


def _day(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _timing(timing: str, deadline: datetime.date | None) -> str:
    if timing == Task.Timing.YEARLY:
        return YEARLY_TEXT
    if timing == Task.Timing.ROADMAP:
        return ROADMAP_TEXT
    return _day(deadline)


def plan_import(steering_plan: SteeringPlan, data: bytes) -> Plan:
    """What importing the workbook into ``steering_plan`` would do, and every problem; writes nothing."""
    sheets, problems = _load(data)
    if problems:
        return Plan(problems=problems)
    planner = _Planner(steering_plan)
    planner.plan.sheets = list(sheets)
    if SHEET_TARGETS in sheets:
        planner.target_rows(sheets[SHEET_TARGETS])
    if SHEET_TASKS in sheets:
        planner.task_rows(sheets[SHEET_TASKS])
    planner.plan.problems.sort(key=lambda p: (p.sheet != SHEET_TARGETS, p.row or 0))
    return planner.plan


# ---------------------------------------------------------------- applying


@transaction.atomic
def apply_import(actor: Actor, steering_plan: SteeringPlan, data: bytes, name: str = "") -> Result:
    """Check the workbook again and apply every row, or nothing (``ImportRefused``).

    Each target or task created or changed is one action with its audit record; the import
    itself is recorded on the plan, with the file's name and what it did.
    """
    plan = plan_import(steering_plan, data)
    if plan.problems:
        raise ImportRefused(plan)
    result = Result()
    for row in plan.targets:
        if row.status not in ("create", "update"):
            continue
        measure: measures.Measure = row.values["measure"]
        fields: dict[str, Any] = {
            "indicator": row.values["indicator"],
            "comparator": measure.comparator.value,
            "value": measure.value,
            "value_max": measure.value_max,
            "unit": measure.unit,
            "lead_member": row.values["lead_member"],
        }
        for key in ("section", "lead_unit", "coordinating", "deadline"):
            if row.values.get(key):
                fields[key] = row.values[key]
        if row.item is None:
            actions.create_target(actor, steering_plan, code=row.code, **fields)
            result.targets_created += 1
        else:
            actions.update_target(actor, row.item, **fields)  # type: ignore[arg-type]
            result.targets_updated += 1
    for row in plan.tasks:
        if row.status not in ("create", "update"):
            continue
        fields = {
            "title": row.values["title"],
            "timing": row.values["timing"],
            "deadline": row.values["deadline"],
            "lead_member": row.values["lead_member"],
        }
        for key in ("description", "lead_unit", "coordinating"):
            if row.values.get(key):
                fields[key] = row.values[key]
        if row.item is None:
            actions.create_task(actor, steering_plan, code=row.code, **fields)
            result.tasks_created += 1
        else:
            actions.update_task(actor, row.item, **fields)  # type: ignore[arg-type]
            result.tasks_updated += 1
    record(
        actor,
        "steering.import",
        steering_plan,
        after={"file": name[:200], **result.as_dict()},
    )
    return result


# ---------------------------------------------------------------- writing


HELP_LINES = (
    ("Sheet “Chỉ tiêu” (chỉ tiêu của kế hoạch)", ""),
    ("Nhóm chỉ tiêu", "Nhóm của chỉ tiêu, ví dụ “1. Phát triển hạ tầng số” (không bắt buộc)."),
    ("Mã", "Mã của chỉ tiêu trong kế hoạch, ví dụ “1.a” (bắt buộc, không trùng)."),
    ("Chỉ tiêu", "Nội dung chỉ tiêu (bắt buộc)."),
    (
        "Mục tiêu",
        "Giá trị cần đạt như kế hoạch ghi: “≥ 80 %”, “từ 80% trở lên”, “≤ 5 %”, “100 %”, “55–60 %” (bắt buộc).",
    ),
    (
        "Thời hạn",
        "Ngày (31/12/2023), tháng (12/2023), quý (Quý IV/2023) hoặc năm (Năm 2023); để trống là cuối năm của kế hoạch.",
    ),
    (
        "Thành viên chủ trì (tên đăng nhập)",
        "Tên đăng nhập của thành viên Ban Chỉ đạo chủ trì, người báo cáo tiến độ hằng quý (bắt buộc).",
    ),
    ("Đơn vị chủ trì", "Ví dụ “Sở Thông tin và Truyền thông” (không bắt buộc)."),
    ("Đơn vị phối hợp", "Các đơn vị phối hợp (không bắt buộc)."),
    ("", ""),
    ("Sheet “Nhiệm vụ” (nhiệm vụ, giải pháp trọng tâm)", ""),
    ("Mã", "Số thứ tự của nhiệm vụ trong kế hoạch, ví dụ “3.a” (bắt buộc, không trùng)."),
    ("Nhiệm vụ", "Tên nhiệm vụ (bắt buộc)."),
    ("Nội dung", "Nội dung thực hiện (không bắt buộc)."),
    (
        "Thời gian hoàn thành",
        "Một ngày, tháng, quý hoặc năm như trên; “Thực hiện hàng năm”; hoặc “Theo lộ trình” (bắt buộc).",
    ),
    ("Thành viên chủ trì (tên đăng nhập)", "Như trên (bắt buộc)."),
    ("Đơn vị chủ trì, Đơn vị phối hợp", "Như trên (không bắt buộc)."),
    ("", ""),
    (
        "Khi nhập",
        "Dòng có mã đã có trong kế hoạch sẽ cập nhật chỉ tiêu, nhiệm vụ đó; ô để trống giữ nguyên "
        "nội dung đã có. Không có gì bị xoá. Bảng được kiểm tra trước: chỉ cần một dòng sai thì không "
        "dòng nào được nhập, và trang kiểm tra nêu rõ từng dòng sai và lý do.",
    ),
)


def write_workbook(stream: IO[bytes], steering_plan: SteeringPlan | None) -> None:
    """The plan's targets and tasks in the layout the import reads (the template when empty)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TARGETS
    write_header(sheet, TARGET_COLUMNS)
    targets = (
        Target.objects.filter(plan=steering_plan).select_related("lead_member")
        if steering_plan is not None
        else []
    )
    for number, target in enumerate(targets, 1):
        values = (
            number,
            target.section,
            target.code,
            target.indicator,
            target.target_text,
            target.deadline,
            target.lead_member.username,
            target.lead_unit,
            target.coordinating,
        )
        _write_row(sheet, number + 1, values, TARGET_COLUMNS)
    _text_columns(sheet, TARGET_COLUMNS, ("code", "target", "lead_member"))

    sheet = workbook.create_sheet(SHEET_TASKS)
    write_header(sheet, TASK_COLUMNS)
    tasks = (
        Task.objects.filter(plan=steering_plan).select_related("lead_member")
        if steering_plan is not None
        else []
    )
    for number, task in enumerate(tasks, 1):
        values = (
            number,
            task.code,
            task.title,
            task.description,
            _timing(task.timing, task.deadline) if task.recurring else task.deadline,
            task.lead_member.username,
            task.lead_unit,
            task.coordinating,
        )
        _write_row(sheet, number + 1, values, TASK_COLUMNS)
    _text_columns(sheet, TASK_COLUMNS, ("code", "lead_member"))

    sheet = workbook.create_sheet(SHEET_HELP)
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 100
    for number, (name, text) in enumerate(HELP_LINES, 1):
        put(sheet, number, 1, name or None, bold=True, wrap=True)
        put(sheet, number, 2, text or None, wrap=True)
    workbook.save(stream)


def _write_row(sheet: Any, row: int, values: Sequence[Any], columns: Sequence[Column]) -> None:
    for position, (value, column) in enumerate(zip(values, columns, strict=True), 1):
        put(sheet, row, position, value, wrap=column.wrap, text=column.key in ("code", "target"))
        if isinstance(value, datetime.date):
            sheet.cell(row=row, column=position).number_format = "dd/mm/yyyy"


def _text_columns(sheet: Any, columns: Sequence[Column], keys: Sequence[str]) -> None:
    """Empty rows below the data keep the Text format in these columns, so that Excel does not
    turn “80%” into 0,8 or “1.10” into a number when the officer types them."""
    from openpyxl.utils import get_column_letter

    first = sheet.max_row + 1
    for position, column in enumerate(columns, 1):
        if column.key in keys:
            letter = get_column_letter(position)
            for row in range(first, first + 200):
                sheet[f"{letter}{row}"].number_format = "@"
