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
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dti.frameworks.fileformat import TOP_KEYS, Place, full_code, read_yaml
from dti.scoring.model import FIELD_TYPES, Criterion, Framework
from dti.scoring.numbers import parse_decimal, plain
from dti.scoring.problems import Problem, gettext_noop as _
from dti.scoring.rules import RULES

SHEET_CRITERIA = "Bộ chỉ số"
SHEET_INFO = "Thông tin bộ chỉ số"
SHEET_GENERAL = "Thông tin chung"
SHEET_BANDS = "Xếp loại"

MAX_ROWS = 5000  # criterion rows (and rows of any other sheet)
HEADER_SCAN = 20  # the header row is looked for in this many rows at the top of a sheet
MAX_COLUMNS = 40  # columns read from each row
MAX_UNPACKED_MB = 50  # the workbook's parts, unpacked
MAX_PARAMS_LENGTH = 5000  # characters in a “Tham số” cell

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
NUMERIC_CODE = re.compile(r"^\d+(\.\d+)*$")
LETTER_CODE = re.compile(r"^[^\W\d_]$")
FIXED_FORMAT = re.compile(r"^0(?:\.(0+))?$")
TEXT_FORMAT = "@"
VI_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class Column:
    """A column of a sheet: the document key it holds, its header, and other headers accepted."""

    key: str
    header: str
    width: int
    aliases: tuple[str, ...] = ()
    wrap: bool = False


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
    Column("evidence", "Hướng dẫn minh chứng", 40, ("minh chứng", "tài liệu kiểm chứng"), wrap=True),
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

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", start_color="DDE4EE")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
TOP = Alignment(vertical="top")
WRAP = Alignment(vertical="top", wrap_text=True)


def _norm(text: Any) -> str:
    """A header or name as compared: NFC, case-folded, single spaces, none around “/”."""
    folded = unicodedata.normalize("NFC", str(text)).casefold()
    folded = " ".join(folded.split())
    return re.sub(r"\s*/\s*", "/", folded).rstrip(":").strip()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


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


def _problem(template: str, cell: str | None = None, code: str | None = None, **params: Any) -> Problem:
    return Problem("error", template, params, code=code, cell=cell)


def _load_sheets(
    source: str | os.PathLike[str] | IO[bytes],
) -> tuple[dict[str, list[RawRow]], list[Problem]]:
    """The raw rows of the framework's sheets, read with every failure as one problem."""
    with contextlib.ExitStack) as stack:
        pass
