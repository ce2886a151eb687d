"""Exporting the audit trail (nhật ký thay đổi) as CSV or Excel, and the cell guard other exports reuse."""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _

from dti.audit.models import AuditRecord

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and CR,
# may strip them and then do so): "=HYPERLINK(...)" in a name must stay text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

WHEN_FORMAT = "d/m/Y H:i"


def safe_cell(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell: text that a spreadsheet would read as a
    formula gets a leading apostrophe; anything else (numbers, dates, None) is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def headers() -> list[str]:
    return [
        _("When"),
        _("Who"),
        _("From where"),
        _("Action"),
        _("Object"),
        _("Before"),
        _("After"),
        _("Reason"),
    ]


def _values(record: AuditRecord, action_label: Callable[[str], str]) -> list[Any]:
    """One record's cells after the ``when`` cell, in the order of ``headers``."""
    return [
        record.actor_label,
        record.source,
        str(action_label(record.action)),
        record.object_label,
        _json(record.before),
        _json(record.after),
        record.reason,
    ]


class _Echo:
    """A file that hands back what is written, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(records: Iterable[AuditRecord], action_label: Callable[[str], str]) -> Iterator[str]:
    """The CSV file line by line: a byte-order mark first so that Excel reads UTF-8 Vietnamese."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([safe_cell(h) for h in headers()])
    for record in records:
        when = format_date(timezone.localtime(record.at), WHEN_FORMAT)
        row = [when, *_values(record, action_label)]
        yield writer.writerow([safe_cell(v) for v in row])


def write_xlsx(records: Iterable[AuditRecord], action_label: Callable[[str], str]) -> IO[bytes]:
    """The workbook in a temporary file (rewound), written row by row in write-only mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit trail")[:31])
    for letter, width in zip("ABCDEFGH", (17, 18, 16, 24, 36, 40, 40, 36), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"

    def text(value: str, bold: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value)))
        cell.data_type = "s"  # never a formula, whatever the text
        if bold:
            cell.font = Font(bold=True)
        return cell

    sheet.append([text(h, bold=True) for h in headers()])
    for record in records:
        when = WriteOnlyCell(sheet, value=_naive_local(record.at))
        when.number_format = "dd/mm/yyyy hh:mm"
        sheet.append([when, *(text(v) for v in _values(record, action_label))])
    out = tempfile.TemporaryFile()  # noqa: SIM115 — handed to the response, which closes it
    workbook.save(out)
    out.seek(0)
    return out


def _naive_local(moment: datetime) -> datetime:
    # Excel has no time zones: write the province's wall-clock time.
    return timezone.localtime(moment).replace(tzinfo=None)
