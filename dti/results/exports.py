"""A period's results as files: the results workbook (bảng tổng hợp kết quả, .xlsx) and open
data (dữ liệu mở) as CSV and JSON.

Everything is read from the stored ``UnitResult`` rows (the figures the results pages show) and
the groups' frameworks, in a handful of queries whatever the number of units: nothing is scored
again here.

The workbook is laid out like the annexes of a classification decision an officer prints: for
each group a ranking sheet and a units × criteria matrix, then a sheet per unit with every
criterion. Points are numbers formatted ``0.00``, the DTI value ``0.0000`` (Excel and LibreOffice
show the reader's decimal comma); its headers are Vietnamese, like the province's own annexes.
Open data uses a decimal point and stable English field names, documented in
``docs/open-data.md`` (schema: ``docs/open-data.schema.json``).

Text that a spreadsheet could read as a formula (a unit named ``=HYPERLINK(…)``) goes through
``dti.audit.export.safe_cell`` in the workbook and the CSV; the JSON carries names as they are.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
import unicodedata
import weakref
from collections.abc import Iterable, Iterator
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dti.audit.export import safe_cell
from dti.frameworks.store import to_scoring
from dti.periods.models import Period, PeriodGroup
from dti.results.actions import bands_of
from dti.results.models import UnitResult
from dti.scoring import model as scoring
from dti.scoring.numbers import format_points, round_dti, round_points
from dti.workbooks import BOLD, HEADER_ALIGNMENT, HEADER_FILL, TEXT_FORMAT, TOP

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: the open data's schema: ``$id`` of docs/open-data.schema.json (its major version) and version
SCHEMA_ID = "urn:dti:open-data:1"
SCHEMA_VERSION = "1.0"

POINTS_FORMAT = "0.00"
DTI_FORMAT = "0.0000"
DIFFERENCE_FORMAT = "+0.00;[Red]-0.00;0.00"  # the council's correction, signed
RANK_FORMAT = "0"

NOT_APPLICABLE = "—"  # a criterion that does not apply to the unit (không áp dụng)

# Rows of the sheets (1-based): a title block, then the table's header.
RANKING_HEADER_ROW = 5
MATRIX_HEADER_ROW = 4  # codes; the row below holds each criterion's maximum
UNIT_HEADER_ROW = 10

TITLE_FONT = Font(bold=True, size=14)
SUBTITLE_FONT = Font(bold=True, size=12)
NOTE_FONT = Font(italic=True, color="555555")
DRAFT_FONT = Font(italic=True, bold=True, color="B00020")
PILLAR_FILL = PatternFill("solid", start_color="EEF2F7")
THIN = Side(style="thin", color="8C96A3")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="top")
TITLE_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT_WRAP = Alignment(vertical="top", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="top", indent=1)
RIGHT = Alignment(horizontal="right", vertical="top")
NUMBER = Alignment(horizontal="right", vertical="top")
LINE_HEIGHT = 15  # points per line of 11-point text

# Excel refuses these in a sheet's name, and names longer than 31 characters.
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_MAX = 31


# ------------------------------------------------------------------ what is exported


@dataclass
class GroupResults:
    """A group of the period with its framework (scoring model) and its results, ranked."""

    group: PeriodGroup
    framework: scoring.Framework
    results: list[UnitResult]

    @property
    def pillars(self) -> list[scoring.Criterion]:
        return [root for root in self.framework.criteria if root.counts]

    @property
    def maximum(self) -> Decimal:
        return self.framework.max


def collect(period: Period) -> list[GroupResults]:
    """The period's groups that have results, in group order, each with its units ranked
    (rank, then the units' order): two queries, plus the frameworks the first time."""
    groups = list(period.groups.select_related("framework").order_by("number"))
    ranked: dict[int, list[UnitResult]] = {g.pk: [] for g in groups}
    results = (
        UnitResult.objects.filter(period=period)
        .select_related("unit")
        .order_by(F("rank").asc(nulls_last=True), "unit__position", "unit__name")
    )
    for result in results:
        ranked.setdefault(result.group_id, []).append(result)
    return [
        GroupResults(group, to_scoring(group.framework), ranked[group.pk])
        for group in groups
        if ranked[group.pk]
    ]


def _points(value: Any) -> Decimal | None:
    """Points as stored (a Decimal, or text in the JSON columns) → a Decimal of 2 decimals."""
    if value is None or value == "":
        return None
    return round_points(Decimal(value))


def _rank_text(rank: int | None, size: int) -> str:
    return "" if rank is None else f"{rank}/{size}"


def _vi(value: Decimal | None) -> str:
    return format_points(value, "vi")


# ------------------------------------------------------------------ the workbook


def sheet_title(wanted: str, taken: set[str]) -> str:
    """A sheet name Excel accepts, unique in the workbook (``taken``: names already used,
    case-folded, as Excel compares them): no ``[]:*?/\\``, at most 31 characters, no
    apostrophe at either end; “ (2)”, “ (3)” … added to a name already taken."""
    text = unicodedata.normalize("NFC", ILLEGAL_CHARACTERS_RE.sub("", wanted))
    base = " ".join(SHEET_FORBIDDEN.sub(" ", text).split()).strip("'").strip()
    if not base or base.casefold() == "history":  # Excel keeps “History” for itself
        base = f"{base} 1".strip() if base else "Trang"
    name = base[:SHEET_MAX].rstrip(" '")
    number = 2
    while name.casefold() in taken:
        suffix = f" ({number})"
        name = base[: SHEET_MAX - len(suffix)].rstrip(" '") + suffix
        number += 1
    taken.add(name.casefold())
    return name


# openpyxl hashes every style object assigned to a cell, which is most of the time a workbook of
# a few hundred sheets takes: each combination is made once per workbook and copied onto cells
# (openpyxl's own idiom, ``cell._style = copy(other._style)``).
_STYLES: weakref.WeakKeyDictionary[Workbook, dict[tuple[Any, ...], Any]] = (
    weakref.WeakKeyDictionary()
)


def _style(
    cell: Any,
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
    border: Border | None = None,
    alignment: Alignment | None = None,
    number_format: str | None = None,
) -> None:
    """Give ``cell`` these styles; the style objects must live as long as the export (the
    module's constants, ``_indented``) since they are told apart by identity."""
    made = _STYLES.setdefault(cell.parent.parent, {})
    key = (id(font), id(fill), id(border), id(alignment), number_format)
    style = made.get(key)
    if style is not None:
        cell._style = copy(style)
        return
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if border is not None:
        cell.border = border
    if alignment is not None:
        cell.alignment = alignment
    if number_format is not None:
        cell.number_format = number_format
    made[key] = copy(cell._style)


@functools.cache
def _indented(depth: int) -> Alignment:
    return Alignment(vertical="top", wrap_text=True, indent=depth)


def _text(
    sheet: Worksheet,
    row: int,
    column: int,
    value: str | None,
    *,
    font: Font | None = None,
    alignment: Alignment | None = TOP,
    fill: PatternFill | None = None,
    border: Border | None = None,
    text_format: bool = False,
) -> None:
    """A text cell, never a formula: characters Excel refuses dropped, and a start that a
    spreadsheet would read as a formula made harmless by ``safe_cell``."""
    clean = ILLEGAL_CHARACTERS_RE.sub("", value) if value else None
    cell = sheet.cell(row=row, column=column)
    cell.value = safe_cell(clean) if clean else None
    if clean:
        cell.data_type = "s"
    _style(
        cell,
        font=font,
        fill=fill,
        border=border,
        alignment=alignment,
        number_format=TEXT_FORMAT if text_format else None,
    )


def _number(
    sheet: Worksheet,
    row: int,
    column: int,
    value: Decimal | int | None,
    number_format: str = POINTS_FORMAT,
    *,
    bold: bool = False,
    fill: PatternFill | None = None,
    border: Border | None = GRID,
    blank: str | None = None,
    alignment: Alignment | None = None,
) -> None:
    """A number cell (a real number, formatted); ``blank`` is written as text when None."""
    cell = sheet.cell(row=row, column=column)
    if value is None:
        cell.value = blank
        number_format, default = None, CENTRE  # type: ignore[assignment]
    else:
        cell.value = value
        default = NUMBER
    _style(
        cell,
        font=BOLD if bold else None,
        fill=fill,
        border=border,
        alignment=alignment or default,
        number_format=number_format,
    )


def _fit(sheet: Worksheet, row: int, text: str, width: float, indent: int = 0) -> None:
    """Make a row tall enough for ``text`` wrapped in a column ``width`` characters wide.

    Neither Excel nor LibreOffice grows a row to fit wrapped text written by a program, so the
    height is estimated: a Vietnamese title fits about 1.2 characters per unit of width (Calibri,
    or Carlito in LibreOffice), three fewer per level of indent; too tall beats cut off.
    """
    per_line = max(8, int((width - 2) * 1.2) - indent * 3)
    lines = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
    height = LINE_HEIGHT * lines + 2
    current = sheet.row_dimensions[row].height or 0
    if lines > 1 and height > current:
        sheet.row_dimensions[row].height = height


def _header(sheet: Worksheet, row: int, headers: Iterable[str], widths: Iterable[float]) -> None:
    for column, (header, width) in enumerate(zip(headers, widths, strict=True), 1):
        _text(
            sheet,
            row,
            column,
            header,
            font=BOLD,
            alignment=HEADER_ALIGNMENT,
            fill=HEADER_FILL,
            border=GRID,
        )
        sheet.column_dimensions[get_column_letter(column)].width = width


def _title_block(sheet: Worksheet, lines: list[tuple[str, Font]], last_column: int) -> None:
    """Title lines from row 1, each merged across the table and centred, as in an annex."""
    for row, (text, font) in enumerate(lines, 1):
        _text(sheet, row, 1, text, font=font, alignment=TITLE_ALIGNMENT)
        if last_column > 1:
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_column)


def _status_line(period: Period) -> tuple[str, Font]:
    """Under the title: a draft's warning before publication, the publication date after."""
    if period.status != Period.Status.PUBLISHED:
        return ("BẢN DỰ THẢO — kết quả đã phê duyệt, chưa công bố", DRAFT_FONT)
    if period.publication_date:
        return (f"Công bố ngày {period.publication_date:%d/%m/%Y}", NOTE_FONT)
    return ("Kết quả đã công bố", NOTE_FONT)


def _print_setup(
    sheet: Worksheet,
    title_rows: str,
    *,
    landscape: bool,
    fit_width: bool = True,
    title_columns: str | None = None,
) -> None:
    """A4, the header repeated on every printed page, fitted to the page's width, numbered."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    if fit_width:
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = title_rows
    if title_columns:
        sheet.print_title_cols = title_columns
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "Trang &P/&N"
    sheet.oddFooter.center.size = 9


def _band_note(period: Period) -> str:
    bands = bands_of(period)
    if not bands:
        return ""
    parts = [f"{b['label']} từ {_vi(Decimal(b['min']))}%" for b in bands]
    return "Xếp loại theo tỷ lệ tổng điểm trên điểm tối đa của nhóm: " + "; ".join(parts) + "."


def _ranking_sheet(sheet: Worksheet, period: Period, item: GroupResults, band_note: str) -> None:
    """The group's ranking: rank, unit, each pillar's score, total, DTI value, band."""
    pillars = item.pillars
    headers = [
        "Xếp hạng",
        "Đơn vị",
        *(f"{p.code}. {p.title}\n(tối đa {_vi(p.effective_max)})" for p in pillars),
        f"Tổng điểm\n(tối đa {_vi(item.maximum)})",
        "Chỉ số DTI",
        "Xếp loại",
    ]
    widths = [9, 40, *([14] * len(pillars)), 13, 11, 13]
    last = len(headers)
    _title_block(
        sheet,
        [
            (f"KẾT QUẢ XẾP HẠNG CHỈ SỐ CHUYỂN ĐỔI SỐ (DTI) NĂM {period.year}", TITLE_FONT),
            (item.group.name, SUBTITLE_FONT),
            _status_line(period),
        ],
        last,
    )
    _header(sheet, RANKING_HEADER_ROW, headers, widths)
    sheet.row_dimensions[RANKING_HEADER_ROW].height = 62
    row = RANKING_HEADER_ROW
    for result in item.results:
        row += 1
        _number(sheet, row, 1, result.rank, RANK_FORMAT, alignment=CENTRE)
        _text(sheet, row, 2, result.unit.name, alignment=LEFT_WRAP, border=GRID)
        _fit(sheet, row, result.unit.name, widths[1])
        for column, pillar in enumerate(pillars, 3):
            stored = result.pillar(pillar.code)
            _number(sheet, row, column, _points(stored["score"]) if stored else None)
        column = 3 + len(pillars)
        _number(sheet, row, column, _points(result.total), bold=True)
        _number(sheet, row, column + 1, round_dti(result.dti), DTI_FORMAT)
        _text(sheet, row, column + 2, result.band, alignment=CENTRE, border=GRID)
    notes = ["Chỉ số DTI = tổng điểm / điểm tối đa của nhóm.", band_note]
    for offset, note in enumerate(filter(None, notes), 2):
        _text(sheet, row + offset, 2, note, font=NOTE_FONT)
    sheet.freeze_panes = sheet.cell(row=RANKING_HEADER_ROW + 1, column=3)
    _print_setup(sheet, f"{RANKING_HEADER_ROW}:{RANKING_HEADER_ROW}", landscape=True)


def _matrix_sheet(sheet: Worksheet, period: Period, item: GroupResults) -> None:
    """Units × scored criteria (leaves): the appraised points, one row per unit in rank order."""
    leaves = item.framework.leaves
    headers = ["Xếp hạng", "Đơn vị", *(leaf.code for leaf in leaves), "Tổng điểm"]
    widths = [9, 36, *([7.5] * len(leaves)), 11]
    total_column = len(headers)
    _text(
        sheet,
        1,
        1,
        f"ĐIỂM THẨM ĐỊNH THEO TIÊU CHÍ NĂM {period.year} — {item.group.name}",
        font=TITLE_FONT,
    )
    status, font = _status_line(period)
    _text(sheet, 2, 1, status, font=font)
    _text(
        sheet,
        3,
        1,
        f"Di chuột lên mã tiêu chí để xem tên. {NOT_APPLICABLE}: không áp dụng.",
        font=NOTE_FONT,
    )
    _header(sheet, MATRIX_HEADER_ROW, headers, widths)
    for column, leaf in enumerate(leaves, 3):
        cell = sheet.cell(row=MATRIX_HEADER_ROW, column=column)
        cell.number_format = TEXT_FORMAT
        cell.comment = Comment(ILLEGAL_CHARACTERS_RE.sub("", leaf.title), "DTI", 120, 260)
    maximum_row = MATRIX_HEADER_ROW + 1
    _text(sheet, maximum_row, 2, "Điểm tối đa", font=BOLD, fill=HEADER_FILL, border=GRID)
    _style(sheet.cell(row=maximum_row, column=1), border=GRID, fill=HEADER_FILL)
    for column, leaf in enumerate(leaves, 3):
        _number(sheet, maximum_row, column, leaf.effective_max, bold=True, fill=HEADER_FILL)
    _number(sheet, maximum_row, total_column, item.maximum, bold=True, fill=HEADER_FILL)
    row = maximum_row
    for result in item.results:
        row += 1
        _number(sheet, row, 1, result.rank, RANK_FORMAT, alignment=CENTRE)
        _text(sheet, row, 2, result.unit.name, border=GRID)
        for column, leaf in enumerate(leaves, 3):
            score = result.scores.get(leaf.code)
            _number(sheet, row, column, _points(score), blank=NOT_APPLICABLE)
        _number(sheet, row, total_column, _points(result.total), bold=True)
    sheet.freeze_panes = sheet.cell(row=maximum_row + 1, column=3)
    _print_setup(
        sheet,
        f"{MATRIX_HEADER_ROW}:{maximum_row}",
        landscape=True,
        fit_width=len(leaves) <= 20,
        title_columns="A:B",
    )


def _tree(nodes: Iterable[scoring.Criterion], depth: int = 0) -> Iterator[tuple[int, Any]]:
    for node in nodes:
        yield depth, node
        yield from _tree(node.children, depth + 1)


def _unit_sheet(
    sheet: Worksheet,
    period: Period,
    item: GroupResults,
    result: UnitResult,
    self_assessment: bool,
) -> None:
    """One unit: its totals, then every criterion of its framework in tree order."""
    if self_assessment:
        headers = [
            "Mã",
            "Tiêu chí",
            "Điểm tối đa",
            "Điểm tự đánh giá",
            "Điểm thẩm định",
            "Chênh lệch",
            "Xếp hạng",
        ]
        widths = [8, 62, 10, 11, 11, 11, 10]
    else:
        headers = ["Mã", "Tiêu chí", "Điểm tối đa", "Điểm thẩm định", "Xếp hạng"]
        widths = [8, 70, 11, 11, 10]
    column_of = {key: position for position, key in enumerate(_unit_keys(self_assessment), 1)}
    _title_block(
        sheet,
        [
            (result.unit.name, TITLE_FONT),
            (f"{item.group.name} — {period.name}", SUBTITLE_FONT),
            _status_line(period),
        ],
        len(headers),
    )
    summary: list[tuple[str, Any, str | None]] = [
        ("Tổng điểm thẩm định", _points(result.total), POINTS_FORMAT),
        ("Điểm tối đa", _points(result.maximum), POINTS_FORMAT),
    ]
    if self_assessment:
        summary.append(("Tổng điểm tự đánh giá", _points(result.self_total), POINTS_FORMAT))
    summary += [
        ("Chỉ số DTI", round_dti(result.dti), DTI_FORMAT),
        ("Xếp hạng trong nhóm", _rank_text(result.rank, result.group_size), None),
        ("Xếp loại", result.band, None),
    ]
    for row, (label, value, number_format) in enumerate(summary, 4):
        _text(sheet, row, 2, label, font=BOLD, alignment=RIGHT)
        if number_format is None:
            _text(sheet, row, 3, value or None, font=BOLD, alignment=LEFT)
        else:
            _number(sheet, row, 3, value, number_format, bold=True, border=None, alignment=LEFT)
    _header(sheet, UNIT_HEADER_ROW, headers, widths)
    sheet.row_dimensions[UNIT_HEADER_ROW].height = 32
    ranks = {p["code"]: p.get("rank") for p in result.pillars}
    row = UNIT_HEADER_ROW
    for depth, node in _tree(item.framework.criteria):
        row += 1
        pillar = depth == 0
        bold = not node.is_leaf
        fill = PILLAR_FILL if pillar else None
        font = BOLD if bold else None
        _text(
            sheet,
            row,
            1,
            node.code,
            font=font,
            fill=fill,
            border=GRID,
            text_format=True,
        )
        _text(
            sheet,
            row,
            2,
            node.title,
            font=font,
            fill=fill,
            border=GRID,
            alignment=_indented(depth),
        )
        _fit(sheet, row, node.title, widths[1], depth)
        counts = node.counts
        appraised = _points(result.scores.get(node.code))
        blank = NOT_APPLICABLE if counts else None
        cells: dict[str, tuple[Any, str]] = {
            "max": (node.effective_max if counts else None, POINTS_FORMAT),
            "appraised": (appraised, POINTS_FORMAT),
        }
        if self_assessment:
            own = _points(result.self_scores.get(node.code))
            difference = None if own is None or appraised is None else appraised - own
            cells["self"] = (own, POINTS_FORMAT)
            cells["difference"] = (difference, DIFFERENCE_FORMAT)
        for key, (value, number_format) in cells.items():
            _number(
                sheet,
                row,
                column_of[key],
                value,
                number_format,
                bold=bold,
                fill=fill,
                blank=None if key in ("max", "difference") else blank,
            )
        rank_cell = column_of["rank"]
        text = _rank_text(ranks.get(node.code), result.group_size) if pillar else None
        _text(sheet, row, rank_cell, text, font=font, fill=fill, border=GRID, alignment=CENTRE)
    row += 1
    _text(sheet, row, 2, "Tổng cộng", font=BOLD, border=GRID)
    _style(sheet.cell(row=row, column=1), border=GRID)
    totals = {
        "max": (_points(result.maximum), POINTS_FORMAT),
        "appraised": (_points(result.total), POINTS_FORMAT),
    }
    if self_assessment:
        own_total, total = _points(result.self_total), _points(result.total)
        totals["self"] = (own_total, POINTS_FORMAT)
        totals["difference"] = (
            None if own_total is None or total is None else total - own_total,
            DIFFERENCE_FORMAT,
        )
    for key, (value, number_format) in totals.items():
        _number(sheet, row, column_of[key], value, number_format, bold=True)
    _style(sheet.cell(row=row, column=column_of["rank"]), border=GRID)
    notes = [f"{NOT_APPLICABLE}: không áp dụng (không tính điểm)."]
    if self_assessment:
        notes.append("Chênh lệch = điểm thẩm định − điểm tự đánh giá.")
    for offset, note in enumerate(notes, 2):
        _text(sheet, row + offset, 2, note, font=NOTE_FONT)
    sheet.freeze_panes = sheet.cell(row=UNIT_HEADER_ROW + 1, column=1)
    _print_setup(sheet, f"{UNIT_HEADER_ROW}:{UNIT_HEADER_ROW}", landscape=False)


def _unit_keys(self_assessment: bool) -> list[str]:
    if self_assessment:
        return ["code", "title", "max", "self", "appraised", "difference", "rank"]
    return ["code", "title", "max", "appraised", "rank"]


def results_workbook(period: Period, *, self_assessment: bool = True) -> bytes:
    """The period's results as an Excel workbook: per group a ranking sheet and a units ×
    criteria matrix, then a sheet per unit with every criterion of its framework.

    ``self_assessment`` adds the units' self-assessed scores and the council's corrections to
    the unit sheets (for the administrator; the public copy leaves them out).
    """
    groups = collect(period)
    band_note = _band_note(period)
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for item in groups:
        label = f"nhóm {item.group.number}"
        _ranking_sheet(
            workbook.create_sheet(sheet_title(f"Xếp hạng {label}", taken)),
            period,
            item,
            band_note,
        )
        _matrix_sheet(workbook.create_sheet(sheet_title(f"Ma trận {label}", taken)), period, item)
    for item in groups:
        for result in item.results:
            _unit_sheet(
                workbook.create_sheet(sheet_title(result.unit.name, taken)),
                period,
                item,
                result,
                self_assessment,
            )
    if not groups:
        sheet = workbook.create_sheet("Xếp hạng")
        _text(sheet, 1, 1, f"Kỳ đánh giá {period.name} chưa có kết quả.", font=TITLE_FONT)
    workbook.properties.title = f"Kết quả DTI năm {period.year}"
    workbook.properties.creator = "DTI"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------ open data

CSV_FIELDS = (
    "period_year",
    "group_number",
    "group_name",
    "unit_code",
    "unit_name",
    "rank",
    "group_size",
    "total",
    "maximum",
    "dti",
    "band",
)


def _text_or_empty(value: Decimal | int | None) -> str:
    return "" if value is None else str(value)


def pillar_codes(groups: Iterable[GroupResults]) -> list[str]:
    """Every group's pillar codes, once each, in the order they first appear."""
    codes: dict[str, None] = {}
    for item in groups:
        for pillar in item.pillars:
            codes.setdefault(pillar.code, None)
    return list(codes)


def results_csv(period: Period) -> bytes:
    """One row per unit (UTF-8 with a byte-order mark so that Excel reads Vietnamese; decimal
    point; text that a spreadsheet would take for a formula prefixed with an apostrophe)."""
    groups = collect(period)
    codes = pillar_codes(groups)
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow([*CSV_FIELDS, *(f"pillar_{code}" for code in codes)])
    for item in groups:
        for result in item.results:
            pillars = {p["code"]: p["score"] for p in result.pillars}
            row = [
                period.year,
                item.group.number,
                item.group.name,
                result.unit.code,
                result.unit.name,
                _text_or_empty(result.rank),
                result.group_size,
                _text_or_empty(_points(result.total)),
                _text_or_empty(_points(result.maximum)),
                _text_or_empty(round_dti(result.dti)),
                result.band,
                *(_text_or_empty(_points(pillars.get(code))) for code in codes),
            ]
            writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + output.getvalue()).encode("utf-8")


def _decimal(value: Any) -> str | None:
    points = _points(value)
    return None if points is None else str(points)


def results_json(period: Period) -> dict[str, Any]:
    """The period's published results as open data, shaped by docs/open-data.schema.json:
    the period, its groups (framework, pillars, criteria) and each unit's scores; every
    number of points a text with two decimals ("22.50"), the DTI value with four."""
    groups = collect(period)
    return {
        "schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "period": {
            "id": period.pk,
            "year": period.year,
            "name": period.name,
            "status": period.status,
            "data_start": period.data_start.isoformat(),
            "data_end": period.data_end.isoformat(),
            "publication_date": (
                period.publication_date.isoformat() if period.publication_date else None
            ),
            "bands": [
                {"label": band["label"], "min_percent": str(band["min"])}
                for band in bands_of(period)
            ],
        },
        "groups": [_group_json(item) for item in groups],
        "units": [_unit_json(item, result) for item in groups for result in item.results],
    }


def _group_json(item: GroupResults) -> dict[str, Any]:
    group, framework = item.group, item.framework
    parents = {child.code: node.code for node in framework.walk() for child in node.children}
    return {
        "number": group.number,
        "name": group.name,
        "framework": {
            "code": group.framework.code,
            "version": group.framework.version,
            "name": group.framework.name,
        },
        "maximum": str(round_points(item.maximum)),
        "units_ranked": len(item.results),
        "pillars": [
            {"code": p.code, "title": p.title, "max": str(round_points(p.effective_max))}
            for p in item.pillars
        ],
        "criteria": [
            {
                "code": node.code,
                "parent": parents.get(node.code),
                "title": node.title,
                "max": str(round_points(node.effective_max)),
                "leaf": node.is_leaf,
            }
            for node in framework.walk()
            if node.counts
        ],
    }


def _unit_json(item: GroupResults, result: UnitResult) -> dict[str, Any]:
    stored = {p["code"]: p for p in result.pillars}
    return {
        "code": result.unit.code,
        "name": result.unit.name,
        "group": item.group.number,
        "rank": result.rank,
        "group_size": result.group_size,
        "total": _decimal(result.total),
        "maximum": _decimal(result.maximum),
        "dti": str(round_dti(result.dti)),
        "band": result.band or None,
        "pillars": [
            {
                "code": pillar.code,
                "score": _decimal(stored[pillar.code]["score"]) if pillar.code in stored else None,
                "max": str(round_points(pillar.effective_max)),
                "rank": stored[pillar.code].get("rank") if pillar.code in stored else None,
            }
            for pillar in item.pillars
        ],
        "criteria": {
            node.code: _decimal(result.scores.get(node.code))
            for node in item.framework.walk()
            if node.counts
        },
    }
