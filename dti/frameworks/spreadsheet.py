"""Frameworks as Excel workbooks, laid out like the annexes of a provincial decision.

``read_workbook`` turns an .xlsx a provincial officer wrote into the same kind
of document YAML loading gives — ``Place`` mappings that remember their cells —
so ``fileformat.build`` validates it with all its checks and every problem
points at a cell. ``write_workbook`` exports any framework; reading the export
back gives the same framework.

The sheets (headers in Vietnamese, as an officer knows them):

* “Bộ chỉ số”: one row per criterion, depth first — STT, title, maximum, level
  (“Cấp”: 1 for a pillar, 2 for its children …), rule type, rule parameters as
  a YAML flow mapping, announced points, “x” when it may be not applicable,
  evidence, notes, lead and coordinating units;
* “Thông tin bộ chỉ số”: field | value rows (code, name, level, year, legal
  basis, total, not_applicable, description);
* “Thông tin chung”: the general-information fields a unit fills in;
* “Xếp loại”: the classification bands, when there are any.

Reading never raises on bad input: a file that is not a workbook, a missing
sheet or header, a row whose level cannot be worked out, a text where a number
belongs all come back as problems with their cell. Pure Python and openpyxl:
no Django here.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import yaml
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from dti.frameworks.fileformat import TOP_KEYS, Place, full_code, read_yaml
from dti.scoring.model import FIELD_TYPES, Criterion, Framework
from dti.scoring.numbers import parse_decimal, plain
from dti.scoring.problems import Problem
from dti.scoring.problems import gettext_noop as _
from dti.scoring.rules import RULES
from dti.workbooks import (
    TEXT_FORMAT,
    Column,
    error,
    find_header,
    fold,
    open_and_read,
    put,
    raw_rows,
    write_header,
)
from dti.workbooks import is_blank as _blank

SHEET_CRITERIA = "Bộ chỉ số"
SHEET_INFO = "Thông tin bộ chỉ số"
SHEET_GENERAL = "Thông tin chung"
SHEET_BANDS = "Xếp loại"

MAX_ROWS = 5000  # criterion rows (and rows of any other sheet)
HEADER_SCAN = 20  # the header row is looked for in this many rows at the top of a sheet
MAX_COLUMNS = 40  # columns read from each row
MAX_PARAMS_LENGTH = 2000  # characters in a “Tham số” cell
MAX_PARAMS_DEPTH = 10  # brackets inside brackets in a “Tham số” cell

MAX_DIGITS = 15  # digits a spreadsheet number holds exactly

NUMERIC_CODE = re.compile(r"^\d+(\.\d+)*$")
LETTER_CODE = re.compile(r"^[^\W\d_]$")
FIXED_FORMAT = re.compile(r"^0(?:\.(0+))?$")
VI_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


CRITERIA_COLUMNS = (
    Column("code", "STT", 8, ("tt", "số tt", "số thứ tự")),
    Column(
        "title",
        "Chỉ số / chỉ số thành phần",
        60,
        (
            "chỉ số",
            "tên chỉ số",
            "chỉ số/tiêu chí",
            "chỉ số thành phần",
            "tiêu chí",
            "nội dung",
            "nội dung chỉ số",
            "nội dung đánh giá",
        ),
        wrap=True,
    ),
    Column("max", "Điểm tối đa", 10, ("điểm", "thang điểm", "điểm chuẩn")),
    Column("level", "Cấp", 6),
    Column("rule", "Cách tính", 14, ("cách tính điểm", "phương pháp tính")),
    Column("params", "Tham số", 40, wrap=True),
    Column("announced_max", "Điểm công bố", 10),
    Column("na_allowed", "Không áp dụng", 10),
    Column(
        "evidence", "Hướng dẫn minh chứng", 40, ("minh chứng", "tài liệu kiểm chứng"), wrap=True
    ),
    Column("notes", "Ghi chú", 30, wrap=True),
    Column("lead", "Đơn vị chủ trì", 20, ("chủ trì",), wrap=True),
    Column("coordinating", "Đơn vị phối hợp", 20, ("phối hợp",), wrap=True),
)
INFO_COLUMNS = (
    Column("field", "Trường", 24, ("thông tin",)),
    Column("value", "Giá trị", 100, wrap=True),
)
GENERAL_COLUMNS = (
    Column("key", "Mã", 20),
    Column("number", "Số TT", 8, ("stt", "tt")),
    Column("label", "Nội dung", 60, wrap=True),
    Column("type", "Kiểu", 10),
    Column("unit", "Đơn vị tính", 12),
    Column("section", "Nhóm", 36, wrap=True),
)
BAND_COLUMNS = (
    Column("label", "Xếp loại", 24),
    Column("min", "Từ điểm", 12),
)

INFO_FIELDS = (
    "code",
    "name",
    "level",
    "year",
    "legal_basis.number",
    "legal_basis.date",
    "legal_basis.issuer",
    "legal_basis.title",
    "total",
    "not_applicable",
    "description",
)
INFO_ALIASES = {
    "mã": "code",
    "mã bộ chỉ số": "code",
    "tên": "name",
    "tên bộ chỉ số": "name",
    "cấp": "level",
    "cấp đánh giá": "level",
    "năm": "year",
    "số văn bản": "legal_basis.number",
    "số quyết định": "legal_basis.number",
    "ngày ban hành": "legal_basis.date",
    "cơ quan ban hành": "legal_basis.issuer",
    "trích yếu": "legal_basis.title",
    "tổng điểm": "total",
    "không áp dụng": "not_applicable",
    "mô tả": "description",
}

RULE_NAMES = {
    "có/không": "yesno",
    "tỷ lệ": "ratio",
    "tỉ lệ": "ratio",
    "ngưỡng": "bands",
    "số lượng": "count",
    "lựa chọn": "choice",
    "chấm trực tiếp": "manual",
    "thông tin": "info",
}
FIELD_TYPE_NAMES = {
    "văn bản": "text",
    "chữ": "text",
    "số nguyên": "integer",
    "số": "decimal",
    "số thập phân": "decimal",
    "địa chỉ web": "url",
    "thư điện tử": "email",
    "điện thoại": "phone",
    "ngày": "date",
}
YES_MARKS = {"x", "có", "co", "yes", "true", "1", "✓", "✔"}
NO_MARKS = {"không", "khong", "no", "false", "0", "-"}
TOTAL_TITLES = {"tổng", "tổng cộng", "tổng điểm", "tổng số điểm", "cộng"}

# A raw cell: its value and its number format; a raw row: its number and its cells.
RawCell = tuple[Any, str | None]
RawRow = tuple[int, tuple[RawCell, ...]]


def _norm(text: Any) -> str:
    """A header or name as compared: NFC, case-folded, single spaces, none around “/”."""
    return re.sub(r"\s*/\s*", "/", fold(text)).rstrip(":").strip()


def _cell_name(sheet: str, row: int, column: int) -> str:
    """“C12” on the criteria sheet; “'Xếp loại'!B3” on the others."""
    name = f"{get_column_letter(column + 1)}{row}"
    return name if sheet == SHEET_CRITERIA else f"'{sheet}'!{name}"


# ---------------------------------------------------------------- reading


def read_workbook(path: str | os.PathLike[str] | IO[bytes]) -> tuple[Place | None, list[Problem]]:
    """Read a framework workbook into a document for ``fileformat.build``.

    The document is None when the workbook cannot be read as a framework; the
    problems then say why and where (only errors: what ``build`` can check, it
    checks itself).
    """
    sheets, problems = _load_sheets(path)
    if problems:
        return None, problems
    reader = _Reader()
    document = reader.document(sheets)
    if reader.problems:
        return None, reader.problems
    return document, []


TOO_LARGE = _(
    "the workbook is too large to be a framework (%(size)s MB unpacked; at most %(limit)s MB)"
)


def _load_sheets(
    source: str | os.PathLike[str] | IO[bytes],
) -> tuple[dict[str, list[RawRow]], list[Problem]]:
    """The raw rows of the framework's sheets; any failure to read them is one problem."""
    with contextlib.ExitStack() as stack:
        try:
            if isinstance(source, (str, os.PathLike)):
                handle: IO[bytes] = stack.enter_context(open(source, "rb"))
            else:
                handle = source
            found = open_and_read(handle, _sheet_rows, too_large=TOO_LARGE)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return {}, [error(_("cannot read the file: %(reason)s"), reason=reason)]
    if isinstance(found, Problem):
        return {}, [found]
    return found


def _sheet_rows(workbook: Any) -> tuple[dict[str, list[RawRow]], list[Problem]]:
    by_name: dict[str, Any] = {}
    for worksheet in workbook.worksheets:
        by_name.setdefault(_norm(worksheet.title), worksheet)
    if _norm(SHEET_CRITERIA) not in by_name:
        sheets = ", ".join(f"“{ws.title}”" for ws in workbook.worksheets) or "—"
        return {}, [
            error(
                _("the workbook has no sheet “%(sheet)s” (its sheets: %(sheets)s)"),
                sheet=SHEET_CRITERIA,
                sheets=sheets,
            )
        ]
    found: dict[str, list[RawRow]] = {}
    for name in (SHEET_CRITERIA, SHEET_INFO, SHEET_GENERAL, SHEET_BANDS):
        worksheet = by_name.get(_norm(name))
        if worksheet is None:
            continue
        rows = raw_rows(
            worksheet, max_columns=MAX_COLUMNS, limit=MAX_ROWS + HEADER_SCAN, formats=True
        )
        if rows is None:
            return {}, [_too_many(name)]
        found[name] = rows
    return found, []


def _too_many(sheet: str) -> Problem:
    return error(
        _("the sheet “%(sheet)s” has more than %(limit)s rows; a workbook this large is refused"),
        sheet=sheet,
        limit=MAX_ROWS,
    )


@dataclass(frozen=True)
class _Header:
    """Where a sheet's header row is, which column holds each key, and its header as written."""

    sheet: str
    row: int
    index: Mapping[str, int]
    names: Mapping[str, str]


@dataclass(frozen=True)
class _Row:
    header: _Header
    number: int
    cells: tuple[RawCell, ...]

    def value(self, key: str) -> Any:
        index = self.header.index.get(key)
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index][0]

    def format(self, key: str) -> str | None:
        index = self.header.index.get(key)
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index][1]

    def cell(self, key: str) -> str | None:
        index = self.header.index.get(key)
        return None if index is None else _cell_name(self.header.sheet, self.number, index)

    def text(self, key: str) -> str | None:
        return _text(self.value(key), self.format(key))

    def name(self, key: str) -> str:
        return self.header.names.get(key, key)


@dataclass
class _Open:
    """A criterion row that later rows may still belong to."""

    level: int
    place: Place
    code: str


class _Tree:
    """The criteria as their rows arrive, each row placed under the open row above it."""

    def __init__(self) -> None:
        self.roots: list[Place] = []
        self.open: list[_Open] = []  # the row above and its ancestors
        self.numbered: int | None = None  # the level of the nearest numbered row above
        self.previous: tuple[int, bool] | None = None  # the row above: its level, unnumbered?

    @property
    def depth(self) -> int:
        """The level of the row above (0 before the first row)."""
        return len(self.open)

    def add(self, place: Place, stt: str, level: int) -> str:
        """Place a row at ``level`` (at most one below the row above); return its full code."""
        del self.open[level - 1 :]
        parent = self.open[-1] if self.open else None
        siblings: list[Place] = (
            self.roots if parent is None else parent.place.setdefault("children", [])
        )
        code = full_code(stt, len(siblings) + 1, parent.code if parent else None)
        siblings.append(place)
        self.open.append(_Open(level, place, code))
        if NUMERIC_CODE.match(stt):
            self.numbered = level
        self.previous = (level, stt == "")
        return code


class _Reader:
    """Turns the raw rows into a framework document, collecting what only it can see."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(
        self, template: str, cell: str | None = None, code: str | None = None, **params: Any
    ) -> None:
        self.problems.append(error(template, cell, code, **params))

    def document(self, sheets: Mapping[str, list[RawRow]]) -> Place:
        document = Place()
        if SHEET_INFO in sheets:
            self._info(sheets[SHEET_INFO], document)
        else:
            self.add(
                _("the workbook has no sheet “%(sheet)s” with the framework's code and name"),
                sheet=SHEET_INFO,
            )
        if sheets.get(SHEET_GENERAL):
            fields = self._general(sheets[SHEET_GENERAL], document)
            if fields:
                document["general_info"] = fields
        if sheets.get(SHEET_BANDS):
            bands = self._bands(sheets[SHEET_BANDS], document)
            if bands:
                document["classification"] = bands
        document["criteria"] = self._criteria(sheets[SHEET_CRITERIA], document)
        return _in_order(document, TOP_KEYS)

    # ------------------------------------------------------------ headers and cells

    def _header(
        self, sheet: str, rows: Sequence[RawRow], columns: Sequence[Column], required: Sequence[str]
    ) -> _Header | None:
        top = (
            (number, tuple(value for value, _format in cells))
            for number, cells in itertools.takewhile(lambda row: row[0] <= HEADER_SCAN, rows)
        )
        found = find_header(top, columns, required, normalise=_norm)
        if found is not None:
            return _Header(sheet, found.row, found.index, found.names)
        wanted = {column.key: column.header for column in columns}
        self.add(
            _(
                "the sheet “%(sheet)s” has no header row (with %(columns)s) "
                "in its first %(rows)s rows"
            ),
            _cell_name(sheet, 1, 0),
            sheet=sheet,
            columns=", ".join(f"“{wanted[key]}”" for key in required),
            rows=HEADER_SCAN,
        )
        return None

    def _body(self, rows: Sequence[RawRow], header: _Header) -> list[_Row]:
        return [_Row(header, number, cells) for number, cells in rows if number > header.row]

    def _number(
        self, row: _Row, key: str, code: str | None = None, name: str | None = None
    ) -> Decimal | None:
        """The cell as a Decimal; if not a number, a problem naming its column (or ``name``)."""
        raw = row.value(key)
        if _blank(raw):
            return None
        try:
            return _decimal(raw)
        except ValueError:
            self.add(
                _("“%(column)s” must be a number, not “%(value)s”"),
                row.cell(key),
                code,
                column=name or row.name(key),
                value=_text(raw, None),
            )
            return None

    # ------------------------------------------------------------ the criteria

    def _criteria(self, rows: Sequence[RawRow], document: Place) -> list[Place]:
        header = self._header(SHEET_CRITERIA, rows, CRITERIA_COLUMNS, ("code", "title"))
        if header is None:
            return []
        document.key_places["criteria"] = (
            None,
            _cell_name(SHEET_CRITERIA, header.row, header.index["code"]),
        )
        body = self._body(rows, header)
        if len(body) > MAX_ROWS:
            self.problems.append(_too_many(SHEET_CRITERIA))
            return []
        tree = _Tree()
        broken = False  # after a row whose level is unknown, the tree is not built further
        for row in body:
            stt = self._stt(row)
            title = row.text("title")
            if stt == "" and _blank(row.value("level")) and title and _norm(title) in TOTAL_TITLES:
                self._total_row(row, document)
                continue
            place = Place()
            code = stt or None
            level = None if broken or stt is None else self._level(row, stt, tree)
            if level is None:
                broken = True
            else:
                code = tree.add(place, stt or "", level)
            self._node(row, place, stt or "", title, code)
        return tree.roots

    def _stt(self, row: _Row) -> str | None:
        raw = row.value("code")
        if isinstance(raw, (datetime.date, datetime.time, datetime.timedelta)):
            self.add(
                _(
                    "Excel turned this STT into a date or time (%(value)s); "
                    "format the column as Text and type the STT again"
                ),
                row.cell("code"),
                value=_text(raw, None),
            )
            return None
        text = row.text("code")
        return "" if text is None else text.strip()

    def _level(self, row: _Row, stt: str, tree: _Tree) -> int | None:
        """The row's level: from “Cấp”, else worked out from its STT and the rows above."""
        raw = row.value("level")
        where = row.cell("level") or row.cell("code")
        level: int | None
        if not _blank(raw):
            level = _whole(raw)
            if level is None or level < 1:
                self.add(
                    _(
                        "“%(column)s” must be a whole number "
                        "(1 for a pillar, 2 for its children …), not “%(value)s”"
                    ),
                    where,
                    stt or None,
                    column=row.name("level"),
                    value=_text(raw, None),
                )
                return None
        elif NUMERIC_CODE.match(stt):
            level = stt.count(".") + 1
        elif LETTER_CODE.match(stt) and tree.numbered is not None:
            level = tree.numbered + 1
        elif stt == "" and tree.previous is not None:
            above, unnumbered = tree.previous
            level = above if unnumbered else above + 1
        else:
            column = row.name("level") if "level" in row.header.index else "Cấp"
            if stt:
                template = _(
                    "cannot work out which criterion the row with STT “%(stt)s” belongs to; "
                    "fill in “%(column)s”"
                )
            else:
                template = _(
                    "cannot work out which criterion this row without STT belongs to; "
                    "fill in “%(column)s”"
                )
            self.add(template, row.cell("code"), stt or None, stt=stt, column=column)
            return None
        if level > tree.depth + 1:
            if tree.depth == 0:
                self.add(
                    _("the first criterion must be at level 1 (a pillar), not at level %(level)s"),
                    where,
                    stt or None,
                    level=level,
                )
            else:
                self.add(
                    _(
                        "a row at level %(level)s cannot follow one at level %(previous)s: "
                        "a criterion is at most one level below the row above"
                    ),
                    where,
                    stt or None,
                    level=level,
                    previous=tree.depth,
                )
            return None
        return level

    def _node(self, row: _Row, place: Place, stt: str, title: str | None, code: str | None) -> None:
        place.cell = row.cell("code")
        for key in row.header.index:
            if key not in ("level", "params"):
                place.key_places[key] = (None, row.cell(key))
        if stt:
            place["code"] = stt
        if title is not None:
            place["title"] = title
        for key in ("max", "announced_max"):
            number = self._number(row, key, code)
            if number is not None:
                place[key] = number
        rule = self._rule(row, code)
        if rule is not None:
            place["rule"] = rule
        if self._mark(row, code):
            place["na_allowed"] = True
        for key in ("evidence", "notes", "lead", "coordinating"):
            text = row.text(key)
            if text is not None:
                place[key] = text

    def _rule(self, row: _Row, code: str | None) -> str | Place | None:
        raw_type = row.value("rule")
        kind = None if _blank(raw_type) else _rule_type(raw_type)
        params = self._params(row, code)
        if not params:
            return kind
        if "type" in params and kind is not None:
            self.add(
                _("the rule type belongs in “%(column)s”, not in “%(params)s”"),
                row.cell("params"),
                code,
                column=row.name("rule") if "rule" in row.header.index else "Cách tính",
                params=row.name("params"),
            )
            return None
        rule = Place({"type": kind, **params}) if kind is not None else Place(params)
        rule.cell = (
            row.cell("params")
            if rule.get("type") in RULES
            else row.cell("rule") or row.cell("params")
        )
        return rule

    def _params(self, row: _Row, code: str | None) -> Place | None:
        raw = row.value("params")
        if _blank(raw):
            return None
        text = raw if isinstance(raw, str) else _text(raw, row.format("params")) or ""
        cell, column = row.cell("params"), row.name("params")
        if len(text) > MAX_PARAMS_LENGTH:
            self.add(
                _(
                    "the parameters in “%(column)s” are too long "
                    "(%(length)s characters; at most %(limit)s)"
                ),
                cell,
                code,
                column=column,
                length=len(text),
                limit=MAX_PARAMS_LENGTH,
            )
            return None
        value, error = _parse_params(text)
        if error is not None:
            self.add(
                _("the parameters in “%(column)s” are not valid YAML: %(detail)s"),
                cell,
                code,
                column=column,
                detail=error,
            )
            return None
        if value is None:
            return None
        if not isinstance(value, Place):
            self.add(
                _(
                    "the parameters in “%(column)s” must be a mapping "
                    "such as {full_from: 80}, not “%(value)s”"
                ),
                cell,
                code,
                column=column,
                value=text,
            )
            return None
        return value

    def _mark(self, row: _Row, code: str | None) -> bool:
        raw = row.value("na_allowed")
        if _blank(raw):
            return False
        if isinstance(raw, bool):
            return raw
        mark = _norm(_text(raw, None))
        if mark in YES_MARKS or mark in NO_MARKS:
            return mark in YES_MARKS
        self.add(
            _(
                "write “x” in “%(column)s” when the criterion may be marked not applicable, "
                "or leave it empty; not “%(value)s”"
            ),
            row.cell("na_allowed"),
            code,
            column=row.name("na_allowed"),
            value=_text(raw, None),
        )
        return False

    def _total_row(self, row: _Row, document: Place) -> None:
        """A “Tổng cộng” row: its points are the total, unless the info sheet gives one."""
        total = self._number(row, "max")
        if total is not None and "total" not in document:
            document["total"] = total
            document.key_places["total"] = (None, row.cell("max"))

    # ------------------------------------------------------------ the other sheets

    def _info(self, rows: Sequence[RawRow], document: Place) -> None:
        header = self._header(SHEET_INFO, rows, INFO_COLUMNS, ("field", "value"))
        if header is None:
            return
        document.cell = _cell_name(SHEET_INFO, header.row, header.index["field"])
        legal = Place()
        seen: dict[str, str | None] = {}
        for row in self._body(rows, header):
            name = row.text("field")
            if name is None:
                continue
            key = _norm(name)
            key = INFO_ALIASES.get(key, key)
            cell = row.cell("value")
            if key in seen:
                self.add(
                    _("“%(field)s” is given twice (first in %(first)s)"),
                    row.cell("field"),
                    field=name.strip(),
                    first=seen[key],
                )
                continue
            seen[key] = row.cell("field")
            raw = row.value("value")
            if _blank(raw):
                continue
            if key in ("criteria", "general_info", "classification", "legal_basis"):
                self.add(
                    _("“%(field)s” cannot be given in the sheet “%(sheet)s”"),
                    row.cell("field"),
                    field=name.strip(),
                    sheet=SHEET_INFO,
                )
                continue
            value: Any
            if key == "year":
                value = _year(raw)
            elif key == "total":
                value = self._number(row, "value", name=name.strip())
                if value is None:
                    continue
            elif key == "legal_basis.date":
                value = _date_text(raw)
            else:
                value = row.text("value")
            if key.startswith("legal_basis."):
                sub = key.split(".", 1)[1]
                legal[sub] = value
                legal.key_places[sub] = (None, cell)
                if legal.cell is None:
                    legal.cell = cell
            else:
                document[key] = value
                document.key_places[key] = (None, cell)
        if legal:
            document["legal_basis"] = legal
            document.key_places["legal_basis"] = (None, legal.cell)

    def _general(self, rows: Sequence[RawRow], document: Place) -> list[Place]:
        header = self._header(SHEET_GENERAL, rows, GENERAL_COLUMNS, ("key", "label"))
        if header is None:
            return []
        document.key_places["general_info"] = (None, _cell_name(SHEET_GENERAL, header.row, 0))
        fields: list[Place] = []
        for row in self._body(rows, header):
            item = Place()
            item.cell = row.cell("key")
            for column in GENERAL_COLUMNS:
                if column.key not in header.index:
                    continue
                item.key_places[column.key] = (None, row.cell(column.key))
                text = row.text(column.key)
                if text is not None:
                    item[column.key] = _field_type(text) if column.key == "type" else text
            fields.append(item)
        return fields

    def _bands(self, rows: Sequence[RawRow], document: Place) -> list[Place]:
        header = self._header(SHEET_BANDS, rows, BAND_COLUMNS, ("label", "min"))
        if header is None:
            return []
        document.key_places["classification"] = (None, _cell_name(SHEET_BANDS, header.row, 0))
        bands: list[Place] = []
        for row in self._body(rows, header):
            item = Place()
            item.cell = row.cell("label")
            item.key_places = {"label": (None, row.cell("label")), "min": (None, row.cell("min"))}
            label = row.text("label")
            if label is not None:
                item["label"] = label
            low = self._number(row, "min")
            if low is not None:
                item["min"] = low
            bands.append(item)
        return bands


def _in_order(document: Place, keys: Iterable[str]) -> Place:
    """The document with its keys in the file format's order (unknown keys last)."""
    ordered = Place({key: document[key] for key in keys if key in document})
    ordered.update((key, value) for key, value in document.items() if key not in ordered)
    ordered.line, ordered.cell, ordered.key_places = (
        document.line,
        document.cell,
        document.key_places,
    )
    return ordered


# ---------------------------------------------------------------- cell values


def _text(value: Any, number_format: str | None) -> str | None:
    """A cell as the text it shows (None when blank); numbers as displayed, dates as ISO."""
    if _blank(value):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return _display_number(value, number_format)
    return str(value)


def _display_number(value: int | float | Decimal, number_format: str | None) -> str:
    """A number as Excel shows it: 6.1 → "6.1", 6.0 → "6", 6.1 with format "0.00" → "6.10"."""
    try:
        number = parse_decimal(value)
    except ValueError:
        return str(value)
    if number.adjusted() > MAX_DIGITS:
        return str(value)  # too large to write out digit by digit
    fixed = FIXED_FORMAT.match(number_format or "")
    if fixed and not isinstance(value, int):
        return format(number, f".{len(fixed.group(1) or '')}f")
    return plain(number)


def _decimal(value: Any) -> Decimal:
    """A points cell as an exact Decimal (a float through its shortest repr); else ValueError."""
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        raise ValueError(value)
    return parse_decimal(value)


def _whole(value: Any) -> int | None:
    try:
        number = _decimal(value)
    except ValueError:
        return None
    if number.adjusted() > MAX_DIGITS or number != number.to_integral_value():
        return None
    return int(number)


def _year(value: Any) -> Any:
    """A year cell as an int when it is one (2023, 2023.0, "2023"); else left for ``build``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and not value.strip().isdigit():
        return value
    whole = _whole(value)
    return whole if whole is not None else _text(value, None)


def _date_text(value: Any) -> str | None:
    """A date cell as YYYY-MM-DD: Excel dates, and texts written as DD/MM/YYYY, are converted."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = _text(value, None)
    match = VI_DATE.match(text.strip()) if text else None
    if match:
        day, month, year = (int(part) for part in match.groups())
        with contextlib.suppress(ValueError):
            return datetime.date(year, month, day).isoformat()
    return text


def _parse_params(text: str) -> tuple[Any, str | None]:
    """The parameters read as YAML (numbers as exact Decimals), or what is wrong with them."""
    if _depth(text) > MAX_PARAMS_DEPTH:  # deep nesting is slow to parse, then overflows
        return None, "nested too deeply"
    try:
        value, problems = read_yaml(text)
    except RecursionError:
        return None, "nested too deeply"
    if problems:
        return None, str(problems[0].params.get("detail", ""))
    return value, None


def _depth(text: str) -> int:
    """How deep the brackets of a YAML flow text nest (brackets in quotes count too)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def _rule_type(value: Any) -> str:
    """The rule type from “Cách tính”: the English key, or its Vietnamese name."""
    text = _text(value, None) or ""
    name = _norm(text)
    if name in RULES:
        return name
    return RULE_NAMES.get(name, text.strip())


def _field_type(text: str) -> str:
    name = _norm(text)
    if name in FIELD_TYPES:
        return name
    return FIELD_TYPE_NAMES.get(name, text.strip())


# ---------------------------------------------------------------- writing


def write_workbook(
    framework: Framework, path_or_stream: str | os.PathLike[str] | IO[bytes]
) -> None:
    """Export a framework as a workbook laid out like a decision's annex; it reads back the same."""
    workbook = Workbook()
    workbook.properties.title = framework.name
    criteria = workbook.active
    criteria.title = SHEET_CRITERIA
    write_header(criteria, CRITERIA_COLUMNS)
    criteria.column_dimensions["A"].number_format = TEXT_FORMAT  # rows an officer adds keep “6.10”
    for row, (depth, node) in enumerate(_depth_first(framework.criteria), 2):
        values = _criterion_values(node, depth)
        for position, column in enumerate(CRITERIA_COLUMNS, 1):
            put(
                criteria,
                row,
                position,
                values.get(column.key),
                text=column.key == "code",
                wrap=column.wrap,
                bold=depth == 1,
            )

    info = workbook.create_sheet(SHEET_INFO)
    write_header(info, INFO_COLUMNS)
    for row, (key, value) in enumerate(_info_values(framework).items(), 2):
        put(info, row, 1, key)
        put(info, row, 2, value, text=isinstance(value, str) or value is None, wrap=True)

    general = workbook.create_sheet(SHEET_GENERAL)
    write_header(general, GENERAL_COLUMNS)
    general.column_dimensions["B"].number_format = TEXT_FORMAT
    for row, item in enumerate(framework.general_fields, 2):
        cells = (item.key, item.number, item.label, item.type, item.unit, item.section)
        for position, (column, value) in enumerate(zip(GENERAL_COLUMNS, cells, strict=True), 1):
            put(
                general, row, position, value or None, text=column.key == "number", wrap=column.wrap
            )

    if framework.bands:
        bands = workbook.create_sheet(SHEET_BANDS)
        write_header(bands, BAND_COLUMNS)
        for row, band in enumerate(framework.bands, 2):
            put(bands, row, 1, band.label)
            put(bands, row, 2, _points(band.min))

    workbook.save(path_or_stream)


def _depth_first(nodes: Sequence[Criterion], depth: int = 1) -> Iterator[tuple[int, Criterion]]:
    for node in nodes:
        yield depth, node
        yield from _depth_first(node.children, depth + 1)


def _criterion_values(node: Criterion, depth: int) -> dict[str, Any]:
    rule = node.rule if node.is_leaf else None
    return {
        "code": node.printed or None,
        "title": node.title or None,
        "max": _points(node.max),
        "level": depth,
        "rule": rule.type if rule is not None else None,
        "params": _flow(rule.params) if rule is not None and rule.params else None,
        "announced_max": _points(node.announced_max),
        "na_allowed": "x" if node.na_allowed else None,
        "evidence": node.evidence or None,
        "notes": node.notes or None,
        "lead": node.lead or None,
        "coordinating": node.coordinating or None,
    }


def _info_values(framework: Framework) -> dict[str, Any]:
    legal = framework.legal_basis
    values: dict[str, Any] = {
        "code": framework.code,
        "name": framework.name,
        "level": framework.level,
        "year": framework.year,
    }
    for key in ("number", "date", "issuer", "title"):
        values[f"legal_basis.{key}"] = legal.get(key)
    values["total"] = _points(framework.total)
    values["not_applicable"] = framework.na_policy
    values["description"] = framework.description or None
    assert tuple(values) == INFO_FIELDS  # noqa: S101 - the sheet's rows are INFO_FIELDS
    return values


def _points(value: Decimal | None) -> int | float | str | None:
    """Points for a cell: an int when whole, else a float — or text if a float would round it."""
    if value is None:
        return None
    if value.adjusted() > MAX_DIGITS:
        return str(value)  # beyond what a spreadsheet number holds exactly: text, read back exact
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    return number if Decimal(repr(number)) == value else plain(value)


class _FlowDumper(yaml.SafeDumper):
    """YAML for the “Tham số” cell: one flow mapping, numbers exact, read back by ``read_yaml``."""


def _represent_decimal(dumper: _FlowDumper, value: Decimal) -> yaml.ScalarNode:
    if value.is_finite() and value.adjusted() > MAX_DIGITS:  # 1E+40: "1.0e+40", read back exact
        _sign, digits, _exponent = value.as_tuple()
        mantissa = "".join(map(str, digits[1:])) or "0"
        text = f"{'-' if value < 0 else ''}{digits[0]}.{mantissa}e{value.adjusted():+d}"
        return dumper.represent_scalar("tag:yaml.org,2002:float", text)
    text = plain(value)
    if "." in text:
        return dumper.represent_scalar("tag:yaml.org,2002:float", text)
    return dumper.represent_int(int(text))


_FlowDumper.add_representer(Decimal, _represent_decimal)
_FlowDumper.add_multi_representer(dict, _FlowDumper.represent_dict)
_FlowDumper.add_multi_representer(list, _FlowDumper.represent_list)
_FlowDumper.add_multi_representer(tuple, _FlowDumper.represent_list)


def _flow(params: Mapping[str, Any]) -> str:
    """Rule parameters as a YAML flow mapping: {full_from: 80, denominator_field: [a, b]}."""
    text = yaml.dump(
        dict(params),
        Dumper=_FlowDumper,
        default_flow_style=True,
        allow_unicode=True,
        sort_keys=False,
        width=1_000_000,
    )
    return text.strip()
