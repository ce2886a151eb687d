"""Units and people as an Excel workbook, laid out like the decision's list of units (Phụ lục I).

Two sheets, headers in Vietnamese as an officer knows them:

* “Đơn vị”: STT | Tên cơ quan, đơn vị | Mã | Loại | Nhóm | Đơn vị cấp trên | Phòng chuyên môn
  (department names separated by “;”). A row is matched to a recorded unit by
  its short code, or by its name when the code is blank; a new unit without a
  code gets one made from its name. “Nhóm” (the ranking group: Nhóm 1 for
  departments, Nhóm 2 for districts) gives the kind when “Loại” is blank.
* “Người dùng”: STT | Họ tên | Tên đăng nhập | Email | Điện thoại | Chức vụ | Vai trò | Đơn vị | Phòng.
  A row is matched to an account by its username. “Vai trò” holds one or more
  roles separated by “;” (Vietnamese names or the English keys); “Đơn vị” is the
  unit of the unit roles, “Phòng” the department of a department-staff role. A
  person with roles in several units takes one row per unit.

An import never deletes anything: units, departments, people and roles absent
from the workbook stay as they are, and a blank cell keeps what is recorded.
``plan_import`` reads and checks a workbook without writing anything — every
row is “create”, “update” or “unchanged”, and every bad row is a ``Problem``
naming its sheet and row; ``apply_import`` checks it again and applies all of
it, through the actions, or nothing.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from openpyxl import Workbook

from dti.accounts import actions as account_actions
from dti.accounts.models import Role, User
from dti.audit.trail import Actor
from dti.scoring.problems import Problem as WorkbookProblem
from dti.units import actions as unit_actions
from dti.units.models import Department, Unit
from dti.workbooks import (
    Column,
    Header,
    check_container,
    find_header,
    fold,
    open_and_read,
    put,
    raw_rows,
    status_counts,
    write_header,
)

SHEET_UNITS = "Đơn vị"
SHEET_PEOPLE = "Người dùng"

MAX_ROWS = 5000  # data rows of a sheet
HEADER_SCAN = 10  # the header row is looked for in this many rows at the top
MAX_COLUMNS = 30
MAX_BLANK_RUN = (
    1000  # this many blank rows in a row end a sheet (formatting left down to row 1 048 576)
)

CODE_PATTERN = re.compile(r"^[-a-z0-9_]{1,60}$")
GROUP_PATTERN = re.compile(r"^(?:nhóm|group)?\s*(\d+)$")

LIMITS = {
    "name": 300,
    "department": 200,
    "full_name": 200,
    "email": 254,
    "phone": 50,
    "position": 200,
}


UNIT_COLUMNS = (
    Column("stt", "STT", 6, ("tt", "số tt", "số thứ tự")),
    Column(
        "name",
        "Tên cơ quan, đơn vị",
        48,
        (
            "tên cơ quan/đơn vị",
            "tên đơn vị",
            "tên cơ quan",
            "cơ quan, đơn vị",
            "đơn vị",
            "tên",
            "name",
        ),
    ),
    Column("code", "Mã", 12, ("mã đơn vị", "ký hiệu", "short code", "code")),
    Column("kind", "Loại", 26, ("loại đơn vị", "kind")),
    Column("group", "Nhóm", 10, ("nhóm xếp hạng", "group")),
    Column("parent", "Đơn vị cấp trên", 30, ("cấp trên", "parent")),
    Column("departments", "Phòng chuyên môn", 48, ("các phòng chuyên môn", "phòng", "departments")),
)
PEOPLE_COLUMNS = (
    Column("stt", "STT", 6, ("tt", "số tt", "số thứ tự")),
    Column("full_name", "Họ tên", 28, ("họ và tên", "full name")),
    Column("username", "Tên đăng nhập", 18, ("tài khoản", "username")),
    Column("email", "Email", 28, ("e-mail", "thư điện tử")),
    Column("phone", "Điện thoại", 14, ("số điện thoại", "phone")),
    Column("position", "Chức vụ", 22, ("position",)),
    Column("roles", "Vai trò", 30, ("roles", "role")),
    Column("unit", "Đơn vị", 36, ("cơ quan, đơn vị", "unit")),
    Column("department", "Phòng", 24, ("phòng chuyên môn", "department")),
)

KIND_LABELS = {
    Unit.Kind.DEPARTMENT: "Sở, ban, ngành",
    Unit.Kind.DISTRICT: "Huyện, thị xã, thành phố",
    Unit.Kind.COMMUNE: "Xã, phường, thị trấn",
    Unit.Kind.OTHER: "Khác",
}
GROUP_LABELS = {
    Unit.Kind.DEPARTMENT: "Nhóm 1",
    Unit.Kind.DISTRICT: "Nhóm 2",
    Unit.Kind.COMMUNE: "Nhóm 2",
}
GROUP_KINDS = {1: Unit.Kind.DEPARTMENT, 2: Unit.Kind.DISTRICT}

ROLE_LABELS = {
    Role.Kind.ADMIN: "Quản trị",
    Role.Kind.APPRAISER: "Thẩm định",
    Role.Kind.DATA_OFFICER: "Cán bộ cung cấp thông tin",
    Role.Kind.LEADER: "Lãnh đạo",
    Role.Kind.DEPARTMENT_STAFF: "Phòng chuyên môn",
    Role.Kind.STEERING: "Ban Chỉ đạo",
}
CHAIR_LABEL = "Chủ tịch hội đồng"


def _key(text: object) -> str:
    """A name as compared: NFC, case-folded, one space between words, dashes alike."""
    return " ".join(re.sub(r"\s*[-–—]\s*", " - ", fold(text)).split())


def _names(mapping: Mapping[str, Iterable[str]]) -> dict[str, str]:
    return {_key(name): value for value, names in mapping.items() for name in names}


KIND_NAMES = _names(
    {
        Unit.Kind.DEPARTMENT: (
            KIND_LABELS[Unit.Kind.DEPARTMENT],
            "sở, ban, ngành thuộc ubnd tỉnh",
            "sở",
            "ban",
            "ngành",
            "cấp sở",
            "department",
        ),
        Unit.Kind.DISTRICT: (
            KIND_LABELS[Unit.Kind.DISTRICT],
            "ubnd huyện, thị xã, thành phố",
            "huyện",
            "cấp huyện",
            "district",
        ),
        Unit.Kind.COMMUNE: (
            KIND_LABELS[Unit.Kind.COMMUNE],
            "xã, phường",
            "ubnd xã, phường",
            "xã",
            "cấp xã",
            "commune",
        ),
        Unit.Kind.OTHER: (KIND_LABELS[Unit.Kind.OTHER], "other"),
    }
)
# the kind a unit's name tells, for the plain list of the decision (“Sở Y tế”, “UBND huyện Gia Bình”)
NAME_KINDS = (
    (
        re.compile(r"^(ubnd|ủy ban nhân dân|uỷ ban nhân dân) (xã|phường|thị trấn)\b"),
        Unit.Kind.COMMUNE,
    ),
    (
        re.compile(r"^(ubnd|ủy ban nhân dân|uỷ ban nhân dân) (huyện|thị xã|thành phố|quận)\b"),
        Unit.Kind.DISTRICT,
    ),
    (re.compile(r"^(sở|ban|văn phòng|thanh tra tỉnh)\b"), Unit.Kind.DEPARTMENT),
)
ROLE_NAMES: dict[str, tuple[str, bool]] = {
    **{_key(label): (kind, False) for kind, label in ROLE_LABELS.items()},
    **{_key(kind.value): (kind, False) for kind in Role.Kind},
    **{_key(kind.label): (kind, False) for kind in Role.Kind},
    _key(CHAIR_LABEL): (Role.Kind.APPRAISER, True),
    _key("chair"): (Role.Kind.APPRAISER, True),
    _key("Quản trị viên"): (Role.Kind.ADMIN, False),
    _key("Quản trị hệ thống"): (Role.Kind.ADMIN, False),
    _key("Thành viên hội đồng thẩm định"): (Role.Kind.APPRAISER, False),
    _key("Tổ giúp việc"): (Role.Kind.APPRAISER, False),
    _key("Lãnh đạo cơ quan"): (Role.Kind.LEADER, False),
    _key("Lãnh đạo đơn vị"): (Role.Kind.LEADER, False),
    _key("Cán bộ phòng chuyên môn"): (Role.Kind.DEPARTMENT_STAFF, False),
    _key("Thành viên Ban Chỉ đạo"): (Role.Kind.STEERING, False),
}

USERNAME = UnicodeUsernameValidator()
DETAILS = {"full_name": "Họ tên", "email": "Email", "phone": "Điện thoại", "position": "Chức vụ"}

# ---------------------------------------------------------------- problems and plans


@dataclass(frozen=True)
class Problem:
    """A reason the workbook cannot be imported, with its sheet and row when it has one.

    ``message`` is an English template marked for translation; it is translated
    when shown, in the reader's language.
    """

    message: str
    sheet: str | None = None
    row: int | None = None
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def where(self) -> str:
        if self.sheet and self.row:
            return gettext("Sheet “%(sheet)s”, row %(row)s") % {
                "sheet": self.sheet,
                "row": self.row,
            }
        if self.sheet:
            return gettext("Sheet “%(sheet)s”") % {"sheet": self.sheet}
        return ""

    @property
    def text(self) -> str:
        template = gettext(self.message)
        return template % dict(self.params) if self.params else template

    def __str__(self) -> str:
        return f"{self.where}: {self.text}" if self.where else self.text


CHANGE_LABELS = {
    "name": _("name"),
    "kind": _("kind"),
    "parent": _("parent unit"),
    "departments": _("new departments"),
    "full_name": _("full name"),
    "email": _("e-mail"),
    "phone": _("phone"),
    "position": _("position"),
    "role": _("role"),
    "new_role": _("new role"),
}


@dataclass
class Change:
    """What a row changes on a recorded unit or person: a field, from, to."""

    field: str  # a key of CHANGE_LABELS
    old: str
    new: str

    @property
    def label(self) -> str:
        return gettext(CHANGE_LABELS[self.field])


@dataclass
class UnitRow:
    row: int
    stt: str
    name: str
    code: str
    kind: str | None
    parent_ref: str
    departments: list[str]
    unit: Unit | None
    parent_code: str | None = None
    new_departments: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def bad(self) -> bool:
        return bool(self.problems)

    @property
    def status(self) -> str:
        if self.bad:
            return "error"
        if self.unit is None:
            return "create"
        return "update" if self.changes else "unchanged"

    @property
    def kind_label(self) -> str:
        return str(Unit.Kind(self.kind).label) if self.kind else ""


@dataclass(frozen=True)
class Grant:
    """A role a row gives: its kind, the unit's final code, the department's name, chair or not."""

    kind: str
    unit_code: str | None
    department: str | None
    chair: bool

    @property
    def scope(self) -> tuple[str, str | None, str | None]:
        return (self.kind, self.unit_code, _key(self.department) if self.department else None)


@dataclass
class PersonRow:
    row: int
    username: str
    full_name: str
    email: str
    phone: str
    position: str
    role_names: list[str]
    unit_ref: str
    department_ref: str
    user: User | None = None
    first_row: int | None = None  # the row where this username first appears, on a repeat
    grants: list[Grant] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def bad(self) -> bool:
        return bool(self.problems)

    @property
    def status(self) -> str:
        if self.bad:
            return "error"
        if self.user is None:
            return "create"
        return "update" if self.changes else "unchanged"


@dataclass
class Plan:
    """What importing a workbook would do, row by row, and what stands in its way."""

    units: list[UnitRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def has_changes(self) -> bool:
        rows: list[UnitRow | PersonRow] = [*self.units, *self.people]
        return any(row.status in ("create", "update") for row in rows)

    @property
    def unit_counts(self) -> dict[str, int]:
        return status_counts(self.units)

    @property
    def people_counts(self) -> dict[str, int]:
        return status_counts(self.people)


@dataclass
class Result:
    """What an import did; the temporary passwords of the new accounts, to hand over once."""

    units_created: int = 0
    units_updated: int = 0
    departments_added: int = 0
    people_created: int = 0
    people_updated: int = 0
    roles_granted: int = 0
    passwords: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # full name, username, password

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "passwords": [list(p) for p in self.passwords]}


class ImportRefused(Exception):
    """The workbook has problems (found again at apply time): nothing was written."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        super().__init__(f"{len(plan.problems)} problem(s)")


# ---------------------------------------------------------------- reading the file

RawRow = tuple[int, tuple[Any, ...]]


TOO_LARGE = _("the workbook is too large (%(size)s MB unpacked; at most %(limit)s MB)")


def _problem_of(found: WorkbookProblem) -> Problem:
    """A problem of the file as a whole (not of a sheet or a row), from the workbook checks."""
    return Problem(found.template, params=dict(found.params))


def check_file(data: bytes) -> Problem | None:
    """Refuse what is not an .xlsx before openpyxl sees it: empty, .xls, disguised, a zip bomb."""
    found = check_container(io.BytesIO(data), too_large=TOO_LARGE)
    return None if found is None else _problem_of(found)


def refusal(problems: Iterable[Problem]) -> Problem | None:
    """The problem that refuses a workbook at upload, before it is kept for a preview: the file
    unreadable, none of the expected sheets, a sheet without its header row or too long (the
    problems without a row). Problems of rows are for the preview to list."""
    return next((problem for problem in problems if problem.row is None), None)


def _load(data: bytes) -> tuple[dict[str, list[RawRow]], list[Problem]]:
    """The raw rows of the two sheets; any failure to read the file is one problem."""
    found = open_and_read(io.BytesIO(data), _sheets, too_large=TOO_LARGE)
    if isinstance(found, WorkbookProblem):
        return {}, [_problem_of(found)]
    return found


def _sheets(workbook: Any) -> tuple[dict[str, list[RawRow]], list[Problem]]:
    by_name = {_key(ws.title): ws for ws in workbook.worksheets}
    wanted = {
        SHEET_UNITS: by_name.get(_key(SHEET_UNITS)),
        SHEET_PEOPLE: by_name.get(_key(SHEET_PEOPLE)),
    }
    if not any(wanted.values()) and len(workbook.worksheets) == 1:
        # a single sheet under another name (“Sheet1”): the list of units, as in the decision
        wanted[SHEET_UNITS] = workbook.worksheets[0]
    if not any(wanted.values()):
        sheets = ", ".join(f"“{ws.title}”" for ws in workbook.worksheets) or "—"
        return {}, [
            Problem(
                _("the workbook has no sheet “%(units)s” or “%(people)s” (its sheets: %(sheets)s)"),
                params={"units": SHEET_UNITS, "people": SHEET_PEOPLE, "sheets": sheets},
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


def _text(value: Any) -> str:
    """A cell as one line of text: numbers as shown (12, not 12.0), whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def _split(value: str, separators: str = ";\n") -> list[str]:
    """“Văn phòng; Thanh tra” → two names, each tidied, repeats dropped."""
    parts = re.split(f"[{re.escape(separators)}]", value)
    seen: dict[str, str] = {}
    for part in parts:
        name = " ".join(part.split())
        if name and _key(name) not in seen:
            seen[_key(name)] = name
    return list(seen.values())


def _header(rows: Sequence[RawRow], columns: Sequence[Column], required: str) -> Header | None:
    return find_header(rows[:HEADER_SCAN], columns, (required,), normalise=_key)


def _cells(header: Header, values: tuple[Any, ...]) -> dict[str, str]:
    return {
        key: _text(values[index]) if index < len(values) else ""
        for key, index in header.index.items()
    }


# ---------------------------------------------------------------- planning


def _initials(name: str) -> str:
    """A short code from a unit's name: “Sở Tư pháp” → stp, “UBND huyện Gia Bình” → hgb."""
    words = re.split(r"[\s\-–—,.;/()]+", name)
    if words and _key(words[0]) in ("ubnd", "ủy", "uỷ"):
        words = words[1:] if _key(words[0]) == "ubnd" else words[4:]  # “Ủy ban nhân dân …”
    letters = "".join(word[0] for word in words if word and _key(word) != "và")
    folded = unicodedata.normalize("NFKD", letters.replace("đ", "d").replace("Đ", "D"))
    code = "".join(c for c in folded if c.isascii() and c.isalnum()).lower()
    return code[:50] or "unit"


class _Planner:
    """Works out what a workbook would do against what is recorded now."""

    def __init__(self) -> None:
        self.plan = Plan()
        self.units = list(Unit.objects.select_related("parent").prefetch_related("departments"))
        self.unit_by_code = {unit.code: unit for unit in self.units}
        self.unit_by_name = {_key(unit.name): unit for unit in self.units}
        # what the units will be after the import: final code → row (for the file's) / unit
        self.rows_by_code: dict[str, UnitRow] = {}
        self.rows_by_name: dict[str, UnitRow] = {}
        self.bad_rows: dict[str, UnitRow] = {}  # unit rows with problems, by code and by name

    def problem(
        self, target: UnitRow | PersonRow | None, sheet: str, message: str, /, **params: object
    ) -> None:
        """Note a problem of ``target`` (a row, or None for the sheet), which marks it bad."""
        problem = Problem(message, sheet, target.row if target is not None else None, params)
        self.plan.problems.append(problem)
        if target is not None:
            target.problems.append(problem)

    def sheet_body(
        self, sheet: str, rows: Sequence[RawRow], columns: Sequence[Any], key: str, shown: int
    ) -> list[tuple[int, dict[str, Any]]] | None:
        """The rows below a sheet's header, as cells by key; None (with a problem) when the
        header is missing or the sheet is too long."""
        header = _header(rows, columns, key)
        if header is None:
            self.problem(
                None,
                sheet,
                _("no header row with the column “%(column)s” in the first %(rows)s rows"),
                column=columns[shown].header,
                rows=HEADER_SCAN,
            )
            return None
        body = [(number, _cells(header, values)) for number, values in rows if number > header.row]
        if len(body) > MAX_ROWS:
            self.problem(
                None,
                sheet,
                _("the sheet has more than %(limit)s rows; a workbook this large is refused"),
                limit=MAX_ROWS,
            )
            return None
        return body

    # ------------------------------------------------------------ units

    def unit_rows(self, rows: Sequence[RawRow]) -> None:
        sheet = SHEET_UNITS
        body = self.sheet_body(sheet, rows, UNIT_COLUMNS, "name", 1)
        if body is None:
            return
        codes_in_file = {cells["code"].lower() for _number, cells in body if cells.get("code")}
        taken = set(self.unit_by_code) | codes_in_file
        seen_units: dict[int, int] = {}  # recorded unit → the row naming it
        seen_codes: dict[str, int] = {}
        seen_names: dict[str, int] = {}
        for number, cells in body:
            row = self._unit_row(number, cells)
            self.plan.units.append(row)
            if row.unit is None and not row.code and row.name and not row.bad:
                row.code = _free_code(_initials(row.name), taken)
                taken.add(row.code)
            name = _key(row.name)
            if row.unit is not None and row.unit.pk in seen_units:
                self.problem(
                    row,
                    sheet,
                    _("the unit “%(name)s” is already on row %(row)s"),
                    name=row.unit.name,
                    row=seen_units[row.unit.pk],
                )
            elif row.code and row.code in seen_codes:
                self.problem(
                    row,
                    sheet,
                    _("duplicate short code “%(code)s” (also on row %(row)s)"),
                    code=row.code,
                    row=seen_codes[row.code],
                )
            elif name and name in seen_names:
                self.problem(
                    row,
                    sheet,
                    _("duplicate unit “%(name)s” (also on row %(row)s)"),
                    name=row.name,
                    row=seen_names[name],
                )
            if row.unit is not None:
                seen_units.setdefault(row.unit.pk, row.row)
            if row.code:
                seen_codes.setdefault(row.code, row.row)
            if name:
                seen_names.setdefault(name, row.row)
            if row.bad:
                self._remember_bad(row)
            else:
                self.rows_by_code[row.code] = row
                self.rows_by_name[name] = row
        for row in self.plan.units:
            if not row.bad:
                self._unit_parent(row)
        self._unit_cycles()
        for row in self.plan.units:
            if not row.bad:
                self._unit_changes(row)

    def _remember_bad(self, row: UnitRow) -> None:
        for key in (row.code, _key(row.name)):
            if key:
                self.bad_rows.setdefault(key, row)

    def missing_unit(self, row: UnitRow | PersonRow, sheet: str, ref: str, template: str) -> None:
        """A unit a cell names is unknown — or is on a unit row that has problems of its own."""
        bad = self.bad_rows.get(ref.lower()) or self.bad_rows.get(_key(ref))
        if bad is not None:
            self.problem(
                row,
                sheet,
                _(
                    "the unit “%(value)s” is on row %(row)s of the sheet “%(sheet)s”, which has problems"
                ),
                value=ref,
                row=bad.row,
                sheet=SHEET_UNITS,
            )
        else:
            self.problem(row, sheet, template, value=ref)

    def _unit_row(self, number: int, cells: dict[str, str]) -> UnitRow:
        sheet = SHEET_UNITS
        name, code = cells.get("name", ""), cells.get("code", "").lower()
        row = UnitRow(
            row=number,
            stt=cells.get("stt", ""),
            name=name,
            code=code,
            kind=None,
            parent_ref=cells.get("parent", ""),
            departments=_split(cells.get("departments", "")),
            unit=None,
        )
        if not name:
            self.problem(row, sheet, _("the name of the unit is missing"))
        elif len(name) > LIMITS["name"]:
            self.problem(
                row, sheet, _("the name is longer than %(limit)s characters"), limit=LIMITS["name"]
            )
        if code and not CODE_PATTERN.match(code):
            self.problem(
                row,
                sheet,
                _(
                    "the short code “%(code)s” may hold only letters a–z, digits, “-” and “_” (at most 60)"
                ),
                code=cells["code"],
            )
        if row.bad:
            return row
        if code:
            row.unit = self.unit_by_code.get(code)
            namesake = self.unit_by_name.get(_key(name))
            if namesake is not None and namesake is not row.unit:
                self.problem(
                    row,
                    sheet,
                    _(
                        "the name “%(name)s” already belongs to the unit with the short code “%(code)s”"
                    ),
                    name=name,
                    code=namesake.code,
                )
        else:
            row.unit = self.unit_by_name.get(_key(name))
            if row.unit is not None:
                row.code = row.unit.code
        row.kind = self._kind(row, cells)
        recorded = {_key(d.name) for d in row.unit.departments.all()} if row.unit else set()
        row.new_departments = [name for name in row.departments if _key(name) not in recorded]
        for department in row.departments:
            if len(department) > LIMITS["department"]:
                self.problem(
                    row,
                    sheet,
                    _("the department name “%(name)s” is longer than %(limit)s characters"),
                    name=department[:40] + "…",
                    limit=LIMITS["department"],
                )
        return row

    def _kind(self, row: UnitRow, cells: dict[str, str]) -> str | None:
        sheet = SHEET_UNITS
        kind_text, group_text = cells.get("kind", ""), cells.get("group", "")
        if kind_text:
            kind = KIND_NAMES.get(_key(kind_text))
            if kind is None:
                choices = ", ".join(f"“{label}”" for label in KIND_LABELS.values())
                self.problem(
                    row,
                    sheet,
                    _("unknown kind “%(value)s” (use one of: %(choices)s)"),
                    value=kind_text,
                    choices=choices,
                )
            return kind
        if group_text:
            match = GROUP_PATTERN.match(_key(group_text))
            number = int(match.group(1)) if match else 0
            if number not in GROUP_KINDS:
                self.problem(
                    row,
                    sheet,
                    _("unknown group “%(value)s” (use Nhóm 1 or Nhóm 2)"),
                    value=group_text,
                )
                return None
            if row.unit is not None and GROUP_LABELS.get(row.unit.kind) == f"Nhóm {number}":  # type: ignore[call-overload]
                return row.unit.kind  # a commune stays a commune in Nhóm 2
            return GROUP_KINDS[number]
        if row.unit is not None:
            return row.unit.kind
        for pattern, kind in NAME_KINDS:
            if pattern.match(_key(row.name)):
                return kind
        self.problem(row, sheet, _("the kind of the unit is missing: fill in “Loại” or “Nhóm”"))
        return None

    def find_unit(self, ref: str) -> str | None:
        """The final code of the unit a cell names (by short code or by name), or None."""
        key = _key(ref)
        row = self.rows_by_code.get(ref.lower()) or self.rows_by_name.get(key)
        if row is not None:
            return row.code
        unit = self.unit_by_code.get(ref.lower()) or self.unit_by_name.get(key)
        return unit.code if unit is not None else None

    def _unit_parent(self, row: UnitRow) -> None:
        if not row.parent_ref:
            row.parent_code = row.unit.parent.code if row.unit and row.unit.parent else None
            return
        code = self.find_unit(row.parent_ref)
        if code is None:
            self.missing_unit(
                row, SHEET_UNITS, row.parent_ref, _("unknown parent unit “%(value)s”")
            )
        elif code == row.code:
            self.problem(row, SHEET_UNITS, _("a unit cannot be its own parent"))
        else:
            row.parent_code = code

    def _unit_cycles(self) -> None:
        parents = {unit.code: unit.parent.code if unit.parent else None for unit in self.units}
        for row in self.plan.units:
            if not row.bad:
                parents[row.code] = row.parent_code
        for row in self.plan.units:
            if row.bad or row.parent_code is None:
                continue
            path, step = [row.code], row.parent_code
            while step is not None and step not in path and len(path) <= len(parents):
                path.append(step)
                step = parents.get(step)
            if step == row.code:
                self.problem(
                    row,
                    SHEET_UNITS,
                    _("the parent units go round in a circle: %(path)s"),
                    path=" → ".join([*path, row.code]),
                )

    def _unit_changes(self, row: UnitRow) -> None:
        unit = row.unit
        if unit is None:
            return
        if unit.name != row.name:
            row.changes.append(Change("name", unit.name, row.name))
        if unit.kind != row.kind:
            row.changes.append(Change("kind", str(unit.get_kind_display()), row.kind_label))
        old_parent = unit.parent.code if unit.parent else None
        if old_parent != row.parent_code:
            row.changes.append(Change("parent", old_parent or "", row.parent_code or ""))
        if row.new_departments:
            row.changes.append(Change("departments", "", "; ".join(row.new_departments)))

    def departments_of(self, code: str) -> dict[str, str]:
        """The departments a unit will have: name key → name as written."""
        found: dict[str, str] = {}
        unit = self.unit_by_code.get(code)
        if unit is not None:
            found.update({_key(d.name): d.name for d in unit.departments.all()})
        row = self.rows_by_code.get(code)
        if row is not None:
            found.update({_key(name): name for name in row.new_departments})
        return found

    def unit_name(self, code: str) -> str:
        row = self.rows_by_code.get(code)
        return row.name if row is not None else self.unit_by_code[code].name

    # ------------------------------------------------------------ people

    def people_rows(self, rows: Sequence[RawRow]) -> None:
        sheet = SHEET_PEOPLE
        body = self.sheet_body(sheet, rows, PEOPLE_COLUMNS, "username", 2)
        if body is None:
            return
        roles = Prefetch("roles", queryset=Role.objects.select_related("unit", "department"))
        users = {user.username.casefold(): user for user in User.objects.prefetch_related(roles)}
        first: dict[str, PersonRow] = {}
        held: dict[str, dict[tuple[str, str | None, str | None], bool]] = {}
        for number, cells in body:
            row = self._person_row(number, cells)
            self.plan.people.append(row)
            if not _username_ok(row.username):
                continue
            key = row.username.casefold()
            row.user = users.get(key)
            if key in first:
                self._repeat(row, first[key])
            else:
                first[key] = row
                if row.user is None and not row.full_name:
                    self.problem(
                        row, sheet, _("the full name is missing (a new account needs one)")
                    )
            if row.bad:
                continue
            if row.user is not None:
                scopes = held.setdefault(key, _held_roles(row.user.roles.all()))
                self._person_changes(row, scopes)
            else:
                scopes = held.setdefault(key, {})
                for grant in row.grants:
                    scopes[grant.scope] = scopes.get(grant.scope, False) or grant.chair

    def _person_row(self, number: int, cells: dict[str, str]) -> PersonRow:
        sheet = SHEET_PEOPLE
        row = PersonRow(
            row=number,
            username=cells.get("username", ""),
            full_name=cells.get("full_name", ""),
            email=cells.get("email", ""),
            phone=cells.get("phone", ""),
            position=cells.get("position", ""),
            role_names=_split(cells.get("roles", ""), ";,\n"),
            unit_ref=cells.get("unit", ""),
            department_ref=cells.get("department", ""),
        )
        if not row.username:
            self.problem(row, sheet, _("the username is missing"))
        elif not _username_ok(row.username):
            self.problem(
                row,
                sheet,
                _(
                    "the username “%(value)s” may hold only letters, digits and @ . + - _ (at most 150)"
                ),
                value=row.username,
            )
        if row.email:
            try:
                validate_email(row.email)
            except ValidationError:
                self.problem(
                    row, sheet, _("“%(value)s” is not a valid e-mail address"), value=row.email
                )
        for key, column in DETAILS.items():
            if len(getattr(row, key)) > LIMITS[key]:
                self.problem(
                    row,
                    sheet,
                    _("“%(column)s” is longer than %(limit)s characters"),
                    column=column,
                    limit=LIMITS[key],
                )
        self._grants(row)
        return row

    def _grants(self, row: PersonRow) -> None:
        sheet = SHEET_PEOPLE
        kinds: dict[str, bool] = {}
        for name in row.role_names:
            found = ROLE_NAMES.get(_key(name))
            if found is None:
                choices = ", ".join(f"“{label}”" for label in [*ROLE_LABELS.values(), CHAIR_LABEL])
                self.problem(
                    row,
                    sheet,
                    _("unknown role “%(value)s” (use one of: %(choices)s)"),
                    value=name,
                    choices=choices,
                )
                continue
            kind, chair = found
            kinds[kind] = kinds.get(kind, False) or chair
        unit_code = None
        if row.unit_ref:
            unit_code = self.find_unit(row.unit_ref)
            if unit_code is None:
                self.missing_unit(row, sheet, row.unit_ref, _("unknown unit “%(value)s”"))
        unit_kinds = [kind for kind in kinds if kind in Role.UNIT_KINDS]
        if row.unit_ref and kinds and not unit_kinds:
            self.problem(row, sheet, _("a unit is given but none of the roles belongs to a unit"))
        if not row.unit_ref:
            for kind in unit_kinds:
                self.problem(
                    row,
                    sheet,
                    _("the role “%(role)s” needs a unit in “Đơn vị”"),
                    role=ROLE_LABELS[kind],
                )  # type: ignore[index]
        department = None
        if row.department_ref and Role.Kind.DEPARTMENT_STAFF not in kinds:
            self.problem(
                row, sheet, _("a department is given but the row has no role “Phòng chuyên môn”")
            )
        elif Role.Kind.DEPARTMENT_STAFF in kinds and not row.department_ref:
            self.problem(
                row,
                sheet,
                _("the role “%(role)s” needs a department in “Phòng”"),
                role=ROLE_LABELS[Role.Kind.DEPARTMENT_STAFF],
            )
        elif row.department_ref and unit_code is not None:
            department = self.departments_of(unit_code).get(_key(row.department_ref))
            if department is None:
                self.problem(
                    row,
                    sheet,
                    _("the department “%(department)s” is not in the unit “%(unit)s”"),
                    department=row.department_ref,
                    unit=self.unit_name(unit_code),
                )
        if row.bad:
            return
        for kind, chair in kinds.items():
            in_unit = kind in Role.UNIT_KINDS
            row.grants.append(
                Grant(
                    kind=kind,
                    unit_code=unit_code if in_unit else None,
                    department=department if kind == Role.Kind.DEPARTMENT_STAFF else None,
                    chair=chair and kind == Role.Kind.APPRAISER,
                )
            )

    def _repeat(self, row: PersonRow, first: PersonRow) -> None:
        """A username on a further row gives more roles; its details are blank or the first row's."""
        row.first_row = first.row
        differ = [
            column
            for key, column in DETAILS.items()
            if getattr(row, key) and getattr(row, key) != getattr(first, key)
        ]
        if differ:
            self.problem(
                row,
                SHEET_PEOPLE,
                _("duplicate username “%(value)s”: row %(row)s gives other details (%(fields)s)"),
                value=row.username,
                row=first.row,
                fields=", ".join(f"“{column}”" for column in differ),
            )

    def _person_changes(
        self, row: PersonRow, held: dict[tuple[str, str | None, str | None], bool]
    ) -> None:
        user = row.user
        assert user is not None  # noqa: S101 (only called for recorded people)
        if row.first_row is None:
            for key in DETAILS:
                new = getattr(row, key)
                if new and new != getattr(user, key):
                    row.changes.append(Change(key, getattr(user, key), new))
        for grant in row.grants:
            if grant.scope not in held:
                row.changes.append(Change("new_role", "", self.describe(grant)))
                held[grant.scope] = grant.chair
            elif held[grant.scope] != grant.chair:
                chair, plain = CHAIR_LABEL, ROLE_LABELS[Role.Kind.APPRAISER]
                row.changes.append(
                    Change("role", *((chair, plain) if held[grant.scope] else (plain, chair)))
                )
                held[grant.scope] = grant.chair

    def describe(self, grant: Grant) -> str:
        label = CHAIR_LABEL if grant.chair else ROLE_LABELS[grant.kind]  # type: ignore[index]
        scope = grant.department or (self.unit_name(grant.unit_code) if grant.unit_code else "")
        if grant.department and grant.unit_code:
            scope = f"{grant.department} — {self.unit_name(grant.unit_code)}"
        return f"{label} — {scope}" if scope else label


def _username_ok(username: str) -> bool:
    if not username or len(username) > 150:
        return False
    try:
        USERNAME(username)
    except ValidationError:
        return False
    return True


def _held_roles(roles: Iterable[Role]) -> dict[tuple[str, str | None, str | None], bool]:
    """The roles a person holds, by scope (kind, unit code, department name key) → chair."""
    held: dict[tuple[str, str | None, str | None], bool] = {}
    for role in roles:
        scope = (
            role.kind,
            role.unit.code if role.unit else None,
            _key(role.department.name) if role.department else None,
        )
        held[scope] = role.is_chair
    return held


def _free_code(base: str, taken: set[str]) -> str:
    code, number = base, 1
    while code in taken:
        number += 1
        code = f"{base}-{number}"
    return code


def plan_import(data: bytes) -> Plan:
    """What importing the workbook would do, row by row, and every problem; writes nothing."""
    sheets, problems = _load(data)
    if problems:
        return Plan(problems=problems)
    planner = _Planner()
    planner.plan.sheets = list(sheets)
    if SHEET_UNITS in sheets:
        planner.unit_rows(sheets[SHEET_UNITS])
    if SHEET_PEOPLE in sheets:
        planner.people_rows(sheets[SHEET_PEOPLE])
    planner.plan.problems.sort(key=lambda p: (p.sheet != SHEET_UNITS, p.sheet or "", p.row or 0))
    return planner.plan


# ---------------------------------------------------------------- applying


@transaction.atomic
def apply_import(actor: Actor, data: bytes) -> Result:
    """Check the workbook again and apply every row, or nothing (``ImportRefused``).

    Each unit created or changed, each department added, each account created
    or changed and each role granted is one action, with its audit record.
    """
    plan = plan_import(data)
    if plan.problems:
        raise ImportRefused(plan)
    result = Result()
    units = {unit.code: unit for unit in Unit.objects.all()}
    for row in _parents_first(plan.units):
        parent = units[row.parent_code] if row.parent_code else None
        if row.unit is None:
            stt = row.stt
            units[row.code] = unit_actions.create_unit(
                actor,
                name=row.name,
                code=row.code,
                kind=row.kind or Unit.Kind.OTHER,
                parent=parent,
                position=int(stt) if stt.isdigit() and len(stt) < 9 else None,
            )
            result.units_created += 1
        elif any(change.field != "departments" for change in row.changes):
            unit_actions.update_unit(
                actor, units[row.code], name=row.name, kind=row.kind, parent=parent
            )
            result.units_updated += 1
        for name in row.new_departments:
            unit_actions.add_department(actor, units[row.code], name)
            result.departments_added += 1
    departments = {
        (d.unit.code, _key(d.name)): d for d in Department.objects.select_related("unit")
    }
    people: dict[str, User] = {}
    for row in plan.people:
        key = row.username.casefold()
        user = people.get(key) or row.user
        if user is None:
            user, password = account_actions.create_user(
                actor,
                row.username,
                row.full_name,
                email=row.email,
                position=row.position,
                phone=row.phone,
            )
            result.people_created += 1
            result.passwords.append((user.full_name, user.username, password))
        else:
            details = {
                key: getattr(row, key)
                for key in DETAILS
                if getattr(row, key) and getattr(row, key) != getattr(user, key)
            }
            if details and row.first_row is None:
                account_actions.update_person_details(actor, user, **details)
                result.people_updated += 1
        people[key] = user
        held = _held_roles(Role.objects.filter(user=user).select_related("unit", "department"))
        for grant in row.grants:
            if held.get(grant.scope, None) == grant.chair:
                continue
            account_actions.grant_role(
                actor,
                user,
                grant.kind,
                unit=units[grant.unit_code] if grant.unit_code else None,
                department=departments[(grant.unit_code, _key(grant.department))]  # type: ignore[index]
                if grant.department
                else None,
                is_chair=grant.chair,
            )
            result.roles_granted += 1
    return result


def _parents_first(rows: Sequence[UnitRow]) -> list[UnitRow]:
    """The rows in order, except that a new parent comes before its sub-units."""
    by_code = {row.code: row for row in rows}
    ordered: list[UnitRow] = []
    done: set[str] = set()

    def visit(row: UnitRow) -> None:
        if row.code in done:
            return
        done.add(row.code)
        parent = by_code.get(row.parent_code or "")
        if parent is not None:
            visit(parent)
        ordered.append(row)

    for row in rows:
        visit(row)
    return ordered


# ---------------------------------------------------------------- writing


def write_workbook(stream: IO[bytes]) -> None:
    """Every unit and every person, as the import reads them back (“unchanged”)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_UNITS
    write_header(sheet, UNIT_COLUMNS)
    units = Unit.objects.select_related("parent").prefetch_related("departments")
    for number, unit in enumerate(units, 1):
        values = (
            number,
            unit.name,
            unit.code,
            KIND_LABELS.get(unit.kind, unit.kind),  # type: ignore[call-overload]
            GROUP_LABELS.get(unit.kind, ""),  # type: ignore[call-overload]
            unit.parent.name if unit.parent else "",
            "; ".join(d.name for d in unit.departments.all()),
        )
        _write_row(sheet, number + 1, values, text_columns=(3,))

    sheet = workbook.create_sheet(SHEET_PEOPLE)
    write_header(sheet, PEOPLE_COLUMNS)
    roles = Prefetch(
        "roles", queryset=Role.objects.select_related("unit", "department").order_by("kind", "pk")
    )
    row_number = 1
    for user in User.objects.prefetch_related(roles):
        for roles_text, unit, department in _person_lines(list(user.roles.all())):
            row_number += 1
            values = (
                row_number - 1,
                user.full_name,
                user.username,
                user.email,
                user.phone,
                user.position,
                roles_text,
                unit.name if unit else "",
                department.name if department else "",
            )
            _write_row(sheet, row_number, values, text_columns=(3, 5))
    workbook.save(stream)


def _person_lines(roles: list[Role]) -> list[tuple[str, Unit | None, Department | None]]:
    """A person's roles as rows: one per unit (and one more per further department).

    Roles without a unit (administrator, appraiser, steering) join the first row.
    """
    lines: list[tuple[list[str], Unit | None, list[Department | None]]] = []
    free: list[str] = []
    for role in roles:
        if role.kind == Role.Kind.APPRAISER and role.is_chair:
            label = CHAIR_LABEL
        else:
            label = ROLE_LABELS[role.kind]  # type: ignore[index]
        if role.kind not in Role.UNIT_KINDS:
            free.append(label)
            continue
        department = role.department if role.kind == Role.Kind.DEPARTMENT_STAFF else None
        for labels, unit, held in lines:
            if unit == role.unit and (department is None or held[0] in (None, department)):
                if department is not None:
                    held[0] = department
                labels.append(label)
                break
        else:
            lines.append(([label], role.unit, [department]))
    if not lines:
        return [("; ".join(free), None, None)]
    lines[0][0][:0] = free
    return [("; ".join(labels), unit, held[0]) for labels, unit, held in lines]


def _write_row(
    sheet: Any, row: int, values: Sequence[Any], text_columns: Sequence[int] = ()
) -> None:
    """A row of values, wrapped; ``text_columns`` as Text (a phone number keeps its leading 0)."""
    for position, value in enumerate(values, 1):
        put(sheet, row, position, value, text=position in text_columns, wrap=True)


def passwords_workbook(passwords: Sequence[Sequence[str]]) -> bytes:
    """The temporary passwords of an import's new accounts, to print and hand over."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Mật khẩu tạm thời"
    columns = (
        Column("stt", "STT", 6),
        Column("full_name", "Họ tên", 30),
        Column("username", "Tên đăng nhập", 20),
        Column("password", "Mật khẩu tạm thời", 20),
    )
    write_header(sheet, columns)
    for number, (full_name, username, password) in enumerate(passwords, 1):
        _write_row(sheet, number + 1, (number, full_name, username, password), text_columns=(3, 4))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
