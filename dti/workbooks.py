"""Excel workbooks read and written with care: what the framework and the units spreadsheets share.

Reading: ``open_and_read`` refuses what is not an .xlsx before openpyxl sees it
(``check_container``: an empty file, an old .xls or a password-protected
workbook, a zip that holds no workbook, one too large unpacked), opens it with
openpyxl and hands the workbook to the caller, turning whatever openpyxl raises
on a damaged file into one problem. ``raw_rows`` reads a sheet's non-blank rows
up to a cap; ``find_header`` finds the header row by the columns' names.

Writing: ``write_header`` writes a bold header row with the columns' widths;
``put`` writes a cell so that Excel shows it as written (no characters Excel
refuses, no text taken for a formula).

Problems are ``dti.scoring.problems.Problem`` errors whose English templates are
marked for translation. Pure Python and openpyxl: no Django here (the command
line checks framework workbooks offline).
"""

from __future__ import annotations

import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dti.scoring.problems import Problem
from dti.scoring.problems import gettext_noop as _

MAX_UNPACKED_MB = 50  # the workbook's parts, unpacked

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
ZIP_SIGNATURE = b"PK\x03\x04"  # an .xlsx is a zip archive
TEXT_FORMAT = "@"

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", start_color="DDE4EE")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
TOP = Alignment(vertical="top")
WRAP = Alignment(vertical="top", wrap_text=True)

# A raw row: its number in the sheet and its cells (values, or (value, number format) pairs).
RawRow = tuple[int, tuple[Any, ...]]

T = TypeVar("T")


@dataclass(frozen=True)
class Column:
    """A column of a sheet: the key it holds, its header, its width, and other headers accepted."""

    key: str
    header: str
    width: int
    aliases: tuple[str, ...] = ()
    wrap: bool = False


@dataclass(frozen=True)
class Header:
    """Where a sheet's header row is, which column holds each key, and its header as written."""

    row: int
    index: Mapping[str, int]
    names: Mapping[str, str]


def status_counts(rows: Iterable[Any]) -> dict[str, int]:
    """How many of a preview's rows would be created, updated, left unchanged, or have problems
    (each row's `status`)."""
    counts = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
    for row in rows:
        counts[row.status] += 1
    return counts


def fold(text: Any) -> str:
    """A name as compared: NFC, case-folded, one space between words."""
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


def is_blank(value: Any) -> bool:
    """An empty cell: nothing in it, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def error(
    template: str, cell: str | None = None, code: str | None = None, **params: Any
) -> Problem:
    return Problem("error", template, params, code=code, cell=cell)


# ---------------------------------------------------------------- reading


def unreadable(exc: Exception) -> Problem:
    """What openpyxl or zipfile raised on a damaged file, as a problem."""
    detail = str(exc).strip() or type(exc).__name__
    return error(_("the file is not a readable Excel workbook (%(detail)s)"), detail=detail[:200])


def check_container(handle: IO[bytes], *, too_large: str) -> Problem | None:
    """Refuse what is not an .xlsx before openpyxl sees it: empty, .xls, disguised, a zip bomb.

    ``too_large`` is the template for a workbook larger than ``MAX_UNPACKED_MB``
    unpacked (with ``size`` and ``limit`` in MB). Reading ``handle`` may raise
    ``OSError``; it is left at its start.
    """
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    if not head:
        return error(_("the file is empty"))
    if head.startswith(OLE2_SIGNATURE):
        return error(
            _(
                "the file is an old Excel 97–2003 workbook (.xls) or a password-protected one; "
                "save it as an Excel Workbook (*.xlsx) without a password"
            )
        )
    not_xlsx = error(
        _(
            "the file is not an Excel workbook (.xlsx); "
            "save it from Excel as “Excel Workbook (*.xlsx)”"
        )
    )
    if not head.startswith(ZIP_SIGNATURE):
        return not_xlsx
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
    except Exception as exc:  # BadZipFile, NotImplementedError (zip version) and more
        return unreadable(exc)
    finally:
        handle.seek(0)
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(name.startswith("xl/") for name in names):
        return not_xlsx
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_MB * 1024 * 1024:
        return error(too_large, size=unpacked // (1024 * 1024), limit=MAX_UNPACKED_MB)
    return None


def open_and_read(handle: IO[bytes], read: Callable[[Any], T], *, too_large: str) -> T | Problem:
    """``read`` applied to the workbook in ``handle``; a problem if it cannot be read.

    The file is checked first (``check_container``, whose ``OSError`` is left to
    the caller); whatever openpyxl raises on a damaged file, when opening it or
    when ``read`` goes through its rows, becomes one problem.
    """
    problem = check_container(handle, too_large=too_large)
    if problem is not None:
        return problem
    with warnings.catch_warnings():
        # openpyxl warns about what it drops (data validation, damaged parts): not the reader's news
        warnings.simplefilter("ignore", UserWarning)
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            return unreadable(exc)
        try:
            return read(workbook)
        except Exception as exc:  # a damaged sheet fails only when its rows are read
            return unreadable(exc)
        finally:
            workbook.close()


def raw_rows(
    worksheet: Any,
    *,
    max_columns: int,
    limit: int,
    formats: bool = False,
    blank: Callable[[Any], bool] = is_blank,
    max_blank_run: int | None = None,
) -> list[RawRow] | None:
    """The sheet's non-blank rows, numbered as in the sheet; None when there are more than ``limit``.

    A row's cells are its values, or with ``formats`` (value, number format)
    pairs. ``blank`` tells an empty cell; after ``max_blank_run`` blank rows in
    a row the sheet is taken to end (formatting left down to row 1 048 576).
    """
    worksheet.reset_dimensions()  # a wrong <dimension> in the file must not cut rows off
    rows: list[RawRow] = []
    blank_run = 0
    for number, cells in enumerate(
        worksheet.iter_rows(max_col=max_columns, values_only=not formats), 1
    ):
        values = tuple(cell.value for cell in cells) if formats else tuple(cells)
        if all(blank(value) for value in values):
            blank_run += 1
            if max_blank_run is not None and blank_run > max_blank_run:
                break
            continue
        blank_run = 0
        if formats:
            values = tuple(zip(values, (cell.number_format for cell in cells), strict=True))
        rows.append((number, values))
        if len(rows) > limit:
            return None
    return rows


def find_header(
    rows: Iterable[tuple[int, Sequence[Any]]],
    columns: Sequence[Column],
    required: Sequence[str],
    *,
    normalise: Callable[[Any], str] = fold,
) -> Header | None:
    """The first of ``rows`` (number, values) naming every ``required`` column, or None.

    A cell names a column by its header or one of its aliases, compared through
    ``normalise``; the first cell naming a column wins.
    """
    lookup: dict[str, str] = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            lookup.setdefault(normalise(name), column.key)
    for number, values in rows:
        index: dict[str, int] = {}
        names: dict[str, str] = {}
        for position, value in enumerate(values):
            key = lookup.get(normalise(value)) if isinstance(value, str) else None
            if key is not None and key not in index:
                index[key] = position
                names[key] = " ".join(value.split())
        if all(key in index for key in required):
            return Header(number, index, names)
    return None


# ---------------------------------------------------------------- writing


def write_header(sheet: Any, columns: Sequence[Column]) -> None:
    """The columns' headers in row 1, bold on a tint, their widths set, the row frozen."""
    for position, column in enumerate(columns, 1):
        cell = sheet.cell(row=1, column=position, value=column.header)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT
        sheet.column_dimensions[get_column_letter(position)].width = column.width
    sheet.freeze_panes = "A2"


def put(
    sheet: Any,
    row: int,
    column: int,
    value: Any,
    *,
    text: bool = False,
    wrap: bool = False,
    bold: bool = False,
) -> None:
    """Write a cell as it should show: characters Excel refuses dropped, “=…” kept as text.

    ``text`` formats the cell as Text (“6.10” and a phone number's leading 0 stay).
    """
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value) or None
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # a title or a name such as “=…” is text, not a formula
    if text:
        cell.number_format = TEXT_FORMAT
    cell.alignment = WRAP if wrap else TOP
    if bold:
        cell.font = BOLD
