"""The unit's form as an Excel workbook (biểu mẫu nhập liệu), to fill in offline and upload back.

``build_workbook`` writes the form: a sheet of instructions in Vietnamese, the
general information, and one row per criterion with the inputs its rule needs,
the current values, drop-down lists, and the cells the person may change left
unlocked. ``read_upload`` reads a filled-in copy back and checks every cell —
types, ranges, the rule's own checks (``dti.scoring.rules.check_inputs``) with
the uploaded general information, who may change what — and says what would
change. Every problem names its sheet and cell ("Số liệu!G14"); the upload is
applied only when there is none, by ``actions.apply_workbook``.

The sheets and headers are in Vietnamese, like the framework workbooks: they
are the file's format. Messages are English templates marked for translation
and rendered by the pages.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet.datavalidation import DataValidation

from dti.accounts.access import Access
from dti.assessments.access import Editing, editing_for
from dti.assessments.models import Assessment
from dti.assessments.scoring import clean_general_info, framework_of, score_assessment
from dti.audit.export import FORMULA_TRIGGERS, safe_cell
from dti.frameworks.models import Criterion as StoredCriterion
from dti.frameworks.present import describe_rule
from dti.periods.deadlines import closes_at
from dti.periods.models import Reopening
from dti.scoring import Framework, Result, score
from dti.scoring.model import Criterion
from dti.scoring.numbers import format_points, parse_decimal, plain
from dti.scoring.problems import Problem
from dti.scoring.problems import gettext_noop as _
from dti.scoring.rules import check_inputs
from dti.workbooks import (
    TEXT_FORMAT,
    Column,
    find_header,
    fold,
    is_blank,
    open_and_read,
    put,
    raw_rows,
    write_header,
)

SHEET_GUIDE = "Hướng dẫn"
SHEET_GENERAL = "Thông tin chung"
SHEET_FIGURES = "Số liệu"
SHEET_LISTS = "Danh sách"  # hidden: the labels the “Lựa chọn” drop-down lists offer

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 3000  # rows read from a sheet; a framework has a few hundred criteria
MAX_COLUMNS = 30
MAX_BLANK_RUN = 500  # blank rows after which a sheet is taken to end
MAX_NOTE = 5000  # characters in a note
MAX_DIGITS = 15  # digits a spreadsheet number holds exactly

IDENTIFIER = "dti-assessment-{pk}"  # the workbook's identifier property: whose form it is

YES, NO, NA_MARK = "Có", "Không", "x"
YES_WORDS = {"có", "co", "yes", "true", "1"}
NO_WORDS = {"không", "khong", "no", "false", "0"}
NA_WORDS = {"x", "có", "co", "yes", "true", "1"}

GENERAL_COLUMNS = (
    Column("key", "Mã", 18),
    Column("number", "STT", 6),
    Column("label", "Nội dung", 60, wrap=True),
    Column("value", "Giá trị", 40, wrap=True),
    Column("unit", "Đơn vị tính", 12),
)
FIGURE_COLUMNS = (
    Column("code", "Mã tiêu chí", 11),
    Column("printed", "STT", 7),
    Column("title", "Tiêu chí", 60, wrap=True),
    Column("max", "Điểm tối đa", 9),
    Column("rule", "Cách tính", 36, wrap=True),
    Column("yes", "Có/Không", 10),
    Column("numerator", "Tử số", 10),
    Column("denominator", "Mẫu số", 10),
    Column("count", "Số lượng", 10),
    Column("value", "Giá trị", 10),
    Column("choice", "Lựa chọn", 30, wrap=True),
    Column("score", "Điểm", 9),
    Column("na", "Không áp dụng", 10),
    Column("note", "Ghi chú", 36, wrap=True),
    Column("computed", "Điểm tự chấm", 11),
)
INPUT_KEYS = ("yes", "numerator", "denominator", "count", "value", "choice", "score", "na")
NUMBER_KEYS = ("numerator", "denominator", "count", "score")
HEADER = {c.key: c.header for c in (*FIGURE_COLUMNS,)}

GROUP_FILL = PatternFill("solid", start_color="E8EEF6")
UNUSED_FILL = PatternFill("solid", start_color="D9D9D9")
INPUT_FILL = PatternFill("solid", start_color="FFF8DC")
UNLOCKED = Protection(locked=False)
TITLE_FONT = Font(bold=True, size=14)

# ---------------------------------------------------------------- messages

TOO_LARGE = _("the workbook is too large (%(size)s MB unpacked; at most %(limit)s MB)")
NO_SHEET = _(
    "the workbook has no sheet “%(sheet)s” (its sheets: %(sheets)s); do not rename the sheets"
)
TOO_MANY_ROWS = _("the sheet “%(sheet)s” has more than %(limit)s rows")
NO_HEADER = _(
    "the sheet “%(sheet)s” has no header row with the columns %(columns)s; "
    "do not change the header row"
)
OTHER_ASSESSMENT = _(
    "this workbook is the form of another self-assessment; download the form of this one"
)
MESSAGE = "%(message)s"  # a message already in the reader's language

UNKNOWN_FIELD = _("there is no general-information field “%(key)s”; do not change column A")
NO_FIELD = _("this row has a value but no field code in column A")
FIELD_TWICE = _("the field “%(key)s” appears twice (first in row %(row)s)")
FIELD_INVALID = _("“%(label)s”: %(message)s")
GENERAL_NOT_YOURS = _(
    "only the unit's data officer and leader change the general information "
    "(“%(label)s” differs from the recorded value)"
)

UNKNOWN_CODE = _("there is no criterion “%(code)s” in this form; do not change column A")
NO_CODE = _("this row has figures but no criterion code in column A")
CODE_TWICE = _("criterion %(code)s appears twice (first in row %(row)s)")
GROUP_ROW = _("%(code)s is a group of criteria: fill in its criteria instead")
UNUSED = _("criterion %(code)s does not use “%(column)s”: leave the cell blank")
DENOMINATOR_FROM_GENERAL = _(
    "the denominator of criterion %(code)s is taken from the general information: "
    "leave the cell blank"
)
NOT_NUMBER = _("“%(column)s” must be a number, not “%(value)s”")
NEGATIVE = _("“%(column)s” cannot be negative (%(value)s)")
NOT_WHOLE = _("“%(column)s” must be a whole number, not %(value)s")
NUMBER_TOO_LARGE = _("“%(column)s”: %(value)s is too large")
NOT_YES_NO = _("write “Có” or “Không” in “%(column)s”, not “%(value)s”")
NOT_NA_MARK = _(
    "write “x” in “%(column)s” when the criterion does not apply, or leave it blank; "
    "not “%(value)s”"
)
NA_NOT_ALLOWED = _("criterion %(code)s cannot be marked not applicable")
UNKNOWN_CHOICE = _("“%(value)s” is not one of the choices of criterion %(code)s: %(labels)s")
SCORE_ABOVE_MAX = _("the score %(score)s is above the maximum %(max)s")
NOTE_TOO_LONG = _("the note is too long (%(length)s characters; at most %(limit)s)")
NOT_YOURS = _(
    "criterion %(code)s is not assigned to your department: you may not change “%(column)s”"
)

# check_inputs problems whose template names no input: the cell they belong to
PROBLEM_KEYS = {
    "the numerator %(numerator)s is above the denominator %(denominator)s": "numerator",
    "the score %(score)s is above the maximum %(max)s": "score",
    "“%(choice)s” is not one of the choices: %(keys)s": "choice",
    "“count” must be a whole number": "count",
    "this criterion cannot be marked not applicable": "na",
}


def _error(
    template: str, cell: str | None = None, code: str | None = None, **params: Any
) -> Problem:
    return Problem("error", template, params, code=code, cell=cell)


# ---------------------------------------------------------------- the form


@dataclass(frozen=True)
class Stored:
    """A criterion's recorded figures, note and score."""

    inputs: Mapping[str, Any]
    note: str
    score: Decimal | None


@dataclass
class FormData:
    """What the workbook is built from and an upload is checked against."""

    assessment: Assessment
    framework: Framework
    editing: Editing
    criterion_ids: dict[str, int]
    answers: dict[str, Stored]
    result: Result
    reopened_until: datetime.datetime | None = None

    @property
    def general(self) -> dict[str, Any]:
        return dict(self.assessment.general_info)

    @property
    def identifier(self) -> str:
        return IDENTIFIER.format(pk=self.assessment.pk)

    def may_edit(self, code: str) -> bool:
        pk = self.criterion_ids.get(code)
        return pk is not None and self.editing.may_edit(pk)


def load_form(
    assessment: Assessment, access: Access, now: datetime.datetime | None = None
) -> FormData:
    """The assessment's form as the person sees it: the same queries for any framework size."""
    editing = editing_for(access, assessment, now)
    framework = framework_of(assessment)
    criterion_ids = dict(
        StoredCriterion.objects.filter(framework_id=assessment.group.framework_id)
        .order_by()
        .values_list("code", "pk")
    )
    answers = list(assessment.answers.select_related("criterion"))
    result = score_assessment(assessment, answers)
    stored = {a.criterion.code: Stored(a.inputs or {}, a.note, a.score) for a in answers}
    reopened_until = None
    if closes_at(assessment.period.submission_deadline) <= (now or timezone.now()):
        reopened_until = (
            Reopening.objects.filter(period=assessment.period, unit=assessment.unit)
            .order_by("-until")
            .values_list("until", flat=True)
            .first()
        )
    return FormData(assessment, framework, editing, criterion_ids, stored, result, reopened_until)


def rows_of(framework: Framework) -> list[tuple[int, Criterion]]:
    """Every criterion depth first, with its depth (1 for a pillar)."""

    def walk(nodes: Iterable[Criterion], depth: int) -> Iterable[tuple[int, Criterion]]:
        for node in nodes:
            yield depth, node
            yield from walk(node.children, depth + 1)

    return list(walk(framework.criteria, 1))


def is_input_row(node: Criterion) -> bool:
    """A criterion the unit answers: a leaf with a rule."""
    return node.is_leaf and node.rule is not None


def carried(node: Criterion) -> tuple[str, ...]:
    """The input keys the workbook holds for a leaf: its rule's inputs, and “na” where allowed."""
    assert node.rule is not None  # noqa: S101 - only leaves with a rule have inputs
    kind, params = node.rule.type, node.rule.params
    keys: list[str]
    if kind == "yesno":
        keys = ["yes"]
    elif kind == "ratio" or (kind == "bands" and params.get("input") == "ratio"):
        keys = ["numerator"] if "denominator_field" in params else ["numerator", "denominator"]
    elif kind == "count":
        keys = ["count"]
    elif kind == "choice":
        keys = ["choice"]
    elif kind == "manual":
        keys = ["score"]
    else:  # bands on a value, info
        keys = ["value"]
    if node.na_allowed and kind != "info":
        keys.append("na")
    return tuple(keys)


def _options(node: Criterion) -> list[Mapping[str, Any]]:
    if node.rule is None or node.rule.type != "choice":
        return []
    return list(node.rule.params.get("options", []))


# ---------------------------------------------------------------- writing


def build_workbook(form: FormData) -> bytes:
    """The form as an .xlsx: instructions, general information, figures; the current values."""
    from django.utils import translation

    workbook = Workbook()
    assessment = form.assessment
    workbook.properties.title = f"DTI {assessment.period.year} — {assessment.unit.name}"[:250]
    workbook.properties.identifier = form.identifier
    workbook.properties.creator = "DTI"
    with translation.override("vi"):
        guide = workbook.active
        guide.title = SHEET_GUIDE
        general = workbook.create_sheet(SHEET_GENERAL)
        figures = workbook.create_sheet(SHEET_FIGURES)
        lists = workbook.create_sheet(SHEET_LISTS)
        lists.sheet_state = "hidden"
        _write_guide(guide, form)
        _write_general(general, form)
        _write_figures(figures, lists, form)
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text(sheet: Any, row: int, column: int, value: Any, **style: Any) -> None:
    """A text cell, guarded against being read as a formula."""
    put(sheet, row, column, safe_cell(value), **style)


def _write_guide(sheet: Any, form: FormData) -> None:
    assessment = form.assessment
    deadline = assessment.period.submission_deadline.strftime("%d/%m/%Y")
    lines: list[tuple[str, bool]] = [
        (f"BIỂU MẪU TỰ ĐÁNH GIÁ CHỈ SỐ CHUYỂN ĐỔI SỐ (DTI) NĂM {assessment.period.year}", True),
        (f"Đơn vị: {assessment.unit.name}", False),
        (f"Kỳ đánh giá: {assessment.period.name}", False),
        (
            f"Bộ chỉ số: {assessment.group.framework.name} (phiên bản {assessment.group.framework.version})",
            False,
        ),
        (f"Hạn nộp: hết ngày {deadline} (giờ Việt Nam).", False),
    ]
    if form.reopened_until is not None:
        until = timezone.localtime(form.reopened_until)
        lines.append((f"Đơn vị được mở lại để bổ sung đến {until:%H:%M ngày %d/%m/%Y}.", False))
    if not form.editing.anything:
        lines.append((f"CHỈ XEM: {form.editing.reason} Biểu mẫu này không thể tải lên.", True))
    elif not form.editing.all_criteria:
        lines.append(
            (
                "Bạn chỉ được sửa các tiêu chí giao cho phòng của mình (ô nền vàng); "
                "các ô khác bị khóa và không được thay đổi.",
                True,
            )
        )
    lines += [
        ("", False),
        ("CÁCH ĐIỀN", True),
        (
            f"1. Sheet “{SHEET_GENERAL}”: điền cột “Giá trị” cho từng thông tin chung của đơn vị "
            "(số lượng là số nguyên, ngày viết dd/mm/yyyy, website bắt đầu bằng https://).",
            False,
        ),
        (
            f"2. Sheet “{SHEET_FIGURES}”: mỗi tiêu chí một dòng. Chỉ điền các ô nền vàng; "
            "ô nền xám là ô mà cách tính của tiêu chí không dùng, để trống. "
            "Dòng in đậm là chỉ số chính hoặc nhóm tiêu chí, không điền.",
            False,
        ),
        ("   • Có/Không: chọn “Có” hoặc “Không” trong danh sách.", False),
        (
            "   • Tử số / Mẫu số: hai con số của tỷ lệ (ví dụ 2 trên 13 cơ sở dữ liệu). "
            "Tử số không được lớn hơn mẫu số. Khi mẫu số lấy từ thông tin chung (ghi trong cột "
            "“Cách tính”), ô mẫu số để trống.",
            False,
        ),
        ("   • Số lượng: một số nguyên, không âm.", False),
        ("   • Giá trị: một con số (ví dụ tỷ lệ hài lòng 85 %, ghi 85).", False),
        ("   • Lựa chọn: chọn một mục trong danh sách của tiêu chí.", False),
        ("   • Điểm: điểm chấm trực tiếp, từ 0 đến điểm tối đa.", False),
        (
            "   • Không áp dụng: ghi “x” nếu tiêu chí không áp dụng với đơn vị "
            "(chỉ với các tiêu chí cho phép).",
            False,
        ),
        ("   • Ghi chú: giải thích ngắn, số hiệu văn bản làm căn cứ…", False),
        (
            "3. Số viết dưới dạng số (có thể dùng dấu phẩy thập phân). Ô để trống là chưa có số liệu; "
            "xóa một giá trị là xóa số liệu đã nhập.",
            False,
        ),
        ("4. Cột “Điểm tự chấm” chỉ để tham khảo; hệ thống tự tính lại điểm khi tải lên.", False),
        ("", False),
        ("LƯU Ý", True),
        (
            "• Không thay đổi cột A và cột B (mã, STT), dòng tiêu đề và tên các sheet; "
            "không thêm hoặc xóa dòng.",
            False,
        ),
        ("• Lưu tệp ở định dạng Excel Workbook (*.xlsx), không đặt mật khẩu, tối đa 5 MB.", False),
        (
            "• Tài liệu kiểm chứng (tệp, đường dẫn, văn bản) nhập trên phần mềm, "
            "không nhập trong biểu mẫu này.",
            False,
        ),
        ("", False),
        ("TẢI LÊN", True),
        (
            "Trên trang tự đánh giá của đơn vị, chọn “Tải lên biểu mẫu Excel”, chọn tệp đã điền. "
            "Hệ thống kiểm tra từng ô: nếu có lỗi, danh sách lỗi ghi rõ sheet và ô "
            "(ví dụ “Số liệu!G14”) và không có gì được thay đổi; nếu không có lỗi, hệ thống "
            "cho xem những gì sẽ thay đổi (điểm cũ → điểm mới) trước khi xác nhận cập nhật.",
            False,
        ),
        ("", False),
        (f"Mã biểu mẫu: {form.identifier}", False),
    ]
    sheet.column_dimensions["A"].width = 120
    for row, (text, bold) in enumerate(lines, 1):
        if text:
            _text(sheet, row, 1, text, wrap=True, bold=bold)
    sheet["A1"].font = TITLE_FONT
    sheet.protection.sheet = True


def _write_general(sheet: Any, form: FormData) -> None:
    write_header(sheet, GENERAL_COLUMNS)
    sheet.column_dimensions["A"].number_format = TEXT_FORMAT
    general = form.general
    editable = form.editing.general
    for row, item in enumerate(form.framework.general_fields, 2):
        _text(sheet, row, 1, item.key, text=True)
        _text(sheet, row, 2, item.number or None, text=True)
        _text(sheet, row, 3, item.label, wrap=True)
        value = general.get(item.key)
        if item.type in ("integer", "decimal"):
            put(sheet, row, 4, _number_cell(value))
        elif item.type == "date" and value:
            _text(sheet, row, 4, _date_text(value), text=True)
        else:
            _text(sheet, row, 4, value, text=True, wrap=True)
        _text(sheet, row, 5, item.unit or None)
        if editable:
            cell = sheet.cell(row=row, column=4)
            cell.protection = UNLOCKED
            cell.fill = INPUT_FILL
    _protect(sheet)


def _write_figures(sheet: Any, lists: Any, form: FormData) -> None:
    write_header(sheet, FIGURE_COLUMNS)
    sheet.freeze_panes = "D2"
    sheet.column_dimensions["A"].number_format = TEXT_FORMAT
    column = {c.key: position for position, c in enumerate(FIGURE_COLUMNS, 1)}
    labels = {f.key: f.label for f in form.framework.general_fields}
    validations = _Validations(sheet)
    list_row = 0
    for row, (depth, node) in enumerate(rows_of(form.framework), 2):
        group = not is_input_row(node)
        stored = form.answers.get(node.code)
        _text(sheet, row, column["code"], node.code, text=True, bold=group)
        _text(sheet, row, column["printed"], node.printed or None, text=True, bold=group)
        _text(sheet, row, column["title"], node.title, wrap=True, bold=group)
        sheet.cell(row=row, column=column["title"]).alignment = Alignment(
            vertical="top", wrap_text=True, indent=depth - 1
        )
        put(sheet, row, column["max"], _number_cell(node.effective_max), bold=group)
        computed = form.result.nodes.get(node.code)
        if computed is not None and computed.status == "na":
            _text(sheet, row, column["computed"], "Không áp dụng", bold=group)
        elif computed is not None and computed.status not in ("info", "unanswered"):
            put(sheet, row, column["computed"], _number_cell(computed.score), bold=group)
        if group:
            for position in range(1, len(FIGURE_COLUMNS) + 1):
                sheet.cell(row=row, column=position).fill = GROUP_FILL
            continue
        assert node.rule is not None  # noqa: S101 - input rows have a rule
        rule = describe_rule(node.rule.type, node.rule.params, "vi", labels)
        _text(sheet, row, column["rule"], rule, wrap=True)
        keys = carried(node)
        editable = form.may_edit(node.code)
        inputs = stored.inputs if stored else {}
        for key in INPUT_KEYS:
            cell = sheet.cell(row=row, column=column[key])
            if key not in keys:
                cell.fill = UNUSED_FILL
                continue
            _write_input(sheet, row, column[key], key, inputs.get(key), node)
            if editable:
                cell.protection = UNLOCKED
                cell.fill = INPUT_FILL
            if key == "choice":
                list_row += 1
                validations.choice(cell.coordinate, lists, list_row, node)
            elif key == "score":
                validations.manual(cell.coordinate, node.effective_max)
            else:
                validations.add(key, cell.coordinate, node)
        note = sheet.cell(row=row, column=column["note"])
        _text(sheet, row, column["note"], stored.note if stored else None, wrap=True)
        if editable:
            note.protection = UNLOCKED
            note.fill = INPUT_FILL
    validations.attach()
    _protect(sheet)


def _write_input(sheet: Any, row: int, column: int, key: str, value: Any, node: Criterion) -> None:
    if value is None or value == "":
        return
    if key == "yes":
        _text(sheet, row, column, (YES if value else NO) if isinstance(value, bool) else str(value))
    elif key == "na":
        _text(
            sheet,
            row,
            column,
            NA_MARK if value is True else (None if value is False else str(value)),
        )
    elif key == "choice":
        labels = {str(o["key"]): str(o.get("label", o["key"])) for o in _options(node)}
        _text(sheet, row, column, labels.get(str(value), str(value)), wrap=True)
    elif key == "value" and node.rule is not None and node.rule.type == "info":
        cell = _number_cell(value) if not isinstance(value, str) else value
        _text(sheet, row, column, cell)
    else:
        put(sheet, row, column, _number_cell(value) if _is_number(value) else safe_cell(str(value)))


class _Validations:
    """The drop-down lists and number checks Excel applies as the person types."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.yes = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
        self.na = DataValidation(type="list", formula1=f'"{NA_MARK}"', allow_blank=True)
        self.number = DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True
        )
        self.whole = DataValidation(
            type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True
        )
        self._explain(self.yes, "Chọn “Có” hoặc “Không”.")
        self._explain(self.na, "Ghi “x” nếu tiêu chí không áp dụng, hoặc để trống.")
        self._explain(self.number, "Nhập một số không âm.")
        self._explain(self.whole, "Nhập một số nguyên không âm.")
        self.extra: list[DataValidation] = []

    @staticmethod
    def _explain(validation: DataValidation, message: str) -> None:
        validation.showErrorMessage = True
        validation.errorTitle = "Giá trị không hợp lệ"
        validation.error = message

    def add(self, key: str, coordinate: str, node: Criterion) -> None:
        if key == "yes":
            self.yes.add(coordinate)
        elif key == "na":
            self.na.add(coordinate)
        elif key == "count":
            self.whole.add(coordinate)
        elif key in ("numerator", "denominator") or (
            key == "value" and node.rule is not None and node.rule.type != "info"
        ):
            self.number.add(coordinate)

    def manual(self, coordinate: str, maximum: Decimal) -> None:
        validation = DataValidation(
            type="decimal",
            operator="between",
            formula1="0",
            formula2=plain(maximum),
            allow_blank=True,
        )
        self._explain(validation, f"Nhập điểm từ 0 đến {format_points(maximum, 'vi')}.")
        validation.add(coordinate)
        self.extra.append(validation)

    def choice(self, coordinate: str, lists: Any, list_row: int, node: Criterion) -> None:
        options = _options(node)
        _text(lists, list_row, 1, node.code, text=True)
        for position, option in enumerate(options, 2):
            _text(lists, list_row, position, str(option.get("label", option["key"])))
        last = get_column_letter(len(options) + 1)
        validation = DataValidation(
            type="list",
            formula1=f"'{SHEET_LISTS}'!$B${list_row}:${last}${list_row}",
            allow_blank=True,
        )
        self._explain(validation, "Chọn một mục trong danh sách.")
        validation.add(coordinate)
        self.extra.append(validation)

    def attach(self) -> None:
        for validation in (self.yes, self.na, self.number, self.whole, *self.extra):
            if validation.sqref:
                self.sheet.add_data_validation(validation)


def _protect(sheet: Any) -> None:
    """Lock every cell but the ones left open for input; columns and rows may still be resized."""
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = False
    protection.formatRows = False


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        parse_decimal(value)
    except ValueError:
        return False
    return True


def _number_cell(value: Any) -> Any:
    """A number for a cell: an int when whole, a float when exact, else its text."""
    if value is None or value == "":
        return None
    try:
        number = parse_decimal(value)
    except ValueError:
        return safe_cell(str(value))
    if number.adjusted() > MAX_DIGITS:
        return plain(number)
    if number == number.to_integral_value():
        return int(number)
    as_float = float(number)
    return as_float if Decimal(repr(as_float)) == number else plain(number)


def _date_text(value: Any) -> str:
    try:
        return datetime.date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class CellChange:
    """One cell that changes: its column's header, the old and the new value as written."""

    column: str
    before: str
    after: str


@dataclass
class CriterionChange:
    code: str
    printed: str
    title: str
    cells: list[CellChange]
    before: Decimal | None
    after: Decimal | None
    status_before: str
    status_after: str


@dataclass
class Upload:
    """What an uploaded workbook holds: its problems, or the changes it would make."""

    problems: list[Problem] = field(default_factory=list)
    general: dict[str, Any] = field(default_factory=dict)  # changed fields: key -> value written
    general_changes: list[CellChange] = field(default_factory=list)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> inputs, note
    changes: list[CriterionChange] = field(default_factory=list)
    rescored: list[CriterionChange] = field(
        default_factory=list
    )  # scores moved by the general info
    total_before: Decimal = Decimal(0)
    total_after: Decimal = Decimal(0)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def has_changes(self) -> bool:
        return bool(self.general or self.answers)


def check_file(data: bytes) -> Problem | None:
    """Refuse what is not an .xlsx before openpyxl sees it: empty, .xls, disguised, a zip bomb."""
    from dti.workbooks import check_container

    return check_container(io.BytesIO(data), too_large=TOO_LARGE)


def read_upload(data: bytes, form: FormData, lang: str = "vi") -> Upload:
    """Check every cell of an uploaded form; say what it would change. Nothing is written here."""
    if not form.editing.anything:
        return Upload([_error(MESSAGE, message=form.editing.reason)])
    found = open_and_read(io.BytesIO(data), _sheets, too_large=TOO_LARGE)
    if isinstance(found, Problem):
        return Upload([found])
    sheets, identifier, problems = found
    if identifier and identifier != form.identifier:
        problems.insert(0, _error(OTHER_ASSESSMENT))
    if problems:
        return Upload(problems)
    reader = _Reader(form, lang)
    reader.general_sheet(sheets[SHEET_GENERAL])
    reader.figures_sheet(sheets[SHEET_FIGURES])
    return reader.upload()


def _place(problem: Problem) -> tuple[int, int, int]:
    """Problems in the order of the sheets, then of the rows, then of the columns."""
    if not problem.cell:
        return (0, 0, 0)
    sheet, _sep, name = problem.cell.rpartition("!")
    row, column = coordinate_to_tuple(name)
    return (1 if sheet == SHEET_GENERAL else 2, row, column)


def _sheets(workbook: Any) -> tuple[dict[str, list[Any]], str | None, list[Problem]]:
    by_name: dict[str, Any] = {}
    for worksheet in workbook.worksheets:
        by_name.setdefault(fold(worksheet.title), worksheet)
    identifier = getattr(workbook.properties, "identifier", None)
    problems: list[Problem] = []
    found: dict[str, list[Any]] = {}
    for name in (SHEET_GENERAL, SHEET_FIGURES):
        worksheet = by_name.get(fold(name))
        if worksheet is None:
            names = ", ".join(f"“{ws.title}”" for ws in workbook.worksheets) or "—"
            problems.append(_error(NO_SHEET, sheet=name, sheets=names))
            continue
        rows = raw_rows(
            worksheet, max_columns=MAX_COLUMNS, limit=MAX_ROWS, max_blank_run=MAX_BLANK_RUN
        )
        if rows is None:
            problems.append(_error(TOO_MANY_ROWS, sheet=name, limit=MAX_ROWS))
            continue
        found[name] = rows
    return found, identifier, problems


def _cell(sheet: str, row: int, position: int) -> str:
    return f"{sheet}!{get_column_letter(position + 1)}{row}"


def _unguard(value: Any) -> Any:
    """A text as the person wrote it: the apostrophe ``safe_cell`` put before “=…” removed."""
    if isinstance(value, str):
        value = value.strip()
        if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_TRIGGERS):
            return value[1:]
    return value


def _shown(value: Any) -> str:
    """A cell's value in a message."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y")
    return str(value)[:100]


class _Reader:
    def __init__(self, form: FormData, lang: str) -> None:
        self.form = form
        self.lang = lang
        self.problems: list[Problem] = []
        self.general_new: dict[str, Any] = {}  # changed fields: key -> clean value
        self.general_written: dict[str, Any] = {}  # changed fields: key -> value as written
        self.general_changes: list[CellChange] = []
        self.rows: list[tuple[int, Criterion, dict[str, Any], str, dict[str, int]]] = []

    # ------------------------------------------------------------ general information

    def general_sheet(self, rows: list[Any]) -> None:
        header = find_header(rows[:20], GENERAL_COLUMNS, ("key", "value"))
        if header is None:
            self._no_header(SHEET_GENERAL, GENERAL_COLUMNS, ("key", "value"))
            return
        fields = self.form.framework.fields
        stored = self.form.general
        seen: dict[str, int] = {}
        key_at, value_at = header.index["key"], header.index["value"]
        for number, values in rows:
            if number <= header.row:
                continue
            key = _unguard(_at(values, key_at))
            raw = _at(values, value_at)
            if is_blank(key):
                if not is_blank(raw):
                    self.problems.append(_error(NO_FIELD, _cell(SHEET_GENERAL, number, key_at)))
                continue
            key = str(key).strip()
            where = _cell(SHEET_GENERAL, number, value_at)
            if key not in fields:
                self.problems.append(
                    _error(UNKNOWN_FIELD, _cell(SHEET_GENERAL, number, key_at), key=key)
                )
                continue
            if key in seen:
                self.problems.append(
                    _error(
                        FIELD_TWICE, _cell(SHEET_GENERAL, number, key_at), key=key, row=seen[key]
                    )
                )
                continue
            seen[key] = number
            text = _general_text(raw)
            clean, errors = clean_general_info(self.form.framework, {key: text})
            label = fields[key].label
            if errors:
                self.problems.append(_error(FIELD_INVALID, where, label=label, message=errors[key]))
                continue
            if _same_general(fields[key].type, stored.get(key), clean[key]):
                continue
            if not self.form.editing.general:
                self.problems.append(_error(GENERAL_NOT_YOURS, where, label=label))
                continue
            self.general_new[key] = clean[key]
            self.general_written[key] = text
            self.general_changes.append(
                CellChange(label, _general_shown(stored.get(key)), _general_shown(clean[key]))
            )

    def new_general(self) -> dict[str, Any]:
        merged = {**self.form.general, **self.general_new}
        return {k: v for k, v in merged.items() if v is not None}

    # ------------------------------------------------------------ figures

    def figures_sheet(self, rows: list[Any]) -> None:
        required = ("code", *INPUT_KEYS, "note")
        header = find_header(rows[:20], FIGURE_COLUMNS, required)
        if header is None:
            self._no_header(SHEET_FIGURES, FIGURE_COLUMNS, required)
            return
        by_code = self.form.framework.by_code
        seen: dict[str, int] = {}
        for number, values in rows:
            if number <= header.row:
                continue
            cells = {key: _at(values, header.index[key]) for key in (*INPUT_KEYS, "note")}
            code_value = _unguard(_at(values, header.index["code"]))
            code_cell = _cell(SHEET_FIGURES, number, header.index["code"])
            filled = [key for key, value in cells.items() if not is_blank(value)]
            if is_blank(code_value):
                if filled:
                    self.problems.append(_error(NO_CODE, code_cell))
                continue
            code = _code_text(code_value)
            node = by_code.get(code)
            if node is None:
                self.problems.append(_error(UNKNOWN_CODE, code_cell, code=code))
                continue
            if code in seen:
                self.problems.append(_error(CODE_TWICE, code_cell, code=code, row=seen[code]))
                continue
            seen[code] = number
            if not is_input_row(node):
                for key in filled:
                    where = _cell(SHEET_FIGURES, number, header.index[key])
                    self.problems.append(_error(GROUP_ROW, where, code=code))
                continue
            self._criterion(number, node, cells, header.index)

    def _criterion(
        self, number: int, node: Criterion, cells: dict[str, Any], index: Mapping[str, int]
    ) -> None:
        code = node.code
        keys = carried(node)
        before = len(self.problems)
        values: dict[str, Any] = {}
        for key in INPUT_KEYS:
            raw = _unguard(cells[key])
            if is_blank(raw):
                continue
            where = _cell(SHEET_FIGURES, number, index[key])
            if key not in keys:
                uses_field = key == "denominator" and "denominator_field" in (
                    node.rule.params if node.rule else {}
                )
                if key == "na" and node.rule is not None and node.rule.type != "info":
                    self.problems.append(_error(NA_NOT_ALLOWED, where, code=code))
                else:
                    template = DENOMINATOR_FROM_GENERAL if uses_field else UNUSED
                    self.problems.append(_error(template, where, code=code, column=HEADER[key]))
                continue
            value = self._input(key, raw, node, where)
            if value is not None:
                values[key] = value
        note = _unguard(cells["note"])
        note = "" if is_blank(note) else _shown_note(note)
        if len(note) > MAX_NOTE:
            where = _cell(SHEET_FIGURES, number, index["note"])
            self.problems.append(_error(NOTE_TOO_LONG, where, length=len(note), limit=MAX_NOTE))
        if len(self.problems) > before:
            return
        self.rows.append((number, node, values, note, dict(index)))

    def _input(self, key: str, raw: Any, node: Criterion, where: str) -> Any:
        """One input cell as the value stored in the answer, or None after noting its problem."""
        column = HEADER[key]
        code = node.code
        if key == "yes":
            word = _word(raw)
            if word in YES_WORDS:
                return True
            if word in NO_WORDS:
                return False
            self.problems.append(_error(NOT_YES_NO, where, column=column, value=_shown(raw)))
            return None
        if key == "na":
            word = _word(raw)
            if word in NA_WORDS:
                return True
            self.problems.append(_error(NOT_NA_MARK, where, column=column, value=_shown(raw)))
            return None
        if key == "choice":
            text = fold(_shown_note(raw))
            for option in _options(node):
                if text in (fold(option["key"]), fold(option.get("label", option["key"]))):
                    return str(option["key"])
            labels = "; ".join(f"“{o.get('label', o['key'])}”" for o in _options(node))
            self.problems.append(
                _error(UNKNOWN_CHOICE, where, code=code, value=_shown(raw), labels=labels)
            )
            return None
        if key == "value" and node.rule is not None and node.rule.type == "info":
            return _jsonable(parse_decimal(raw)) if _is_number(raw) else _shown_note(raw)
        # a number
        if isinstance(raw, (bool, datetime.date, datetime.time, datetime.timedelta)):
            number = None
        else:
            try:
                number = parse_decimal(raw)
            except ValueError:
                number = None
        if number is None:
            self.problems.append(_error(NOT_NUMBER, where, column=column, value=_shown(raw)))
            return None
        if number.adjusted() >= MAX_DIGITS:
            self.problems.append(_error(NUMBER_TOO_LARGE, where, column=column, value=number))
            return None
        if number < 0:
            self.problems.append(_error(NEGATIVE, where, column=column, value=number))
            return None
        if key == "count" and number != number.to_integral_value():
            self.problems.append(_error(NOT_WHOLE, where, column=column, value=number))
            return None
        if key == "score" and number > node.effective_max:
            self.problems.append(
                _error(SCORE_ABOVE_MAX, where, score=number, max=node.effective_max)
            )
            return None
        return _jsonable(number)

    # ------------------------------------------------------------ the whole upload

    def upload(self) -> Upload:
        general = self.new_general()
        answers: dict[str, dict[str, Any]] = {}
        wanted: dict[str, Mapping[str, Any]] = {
            code: stored.inputs for code, stored in self.form.answers.items() if stored.inputs
        }
        cells_changed: dict[str, list[CellChange]] = {}
        for number, node, values, note, index in self.rows:
            code = node.code
            stored = self.form.answers.get(code)
            old_inputs = dict(stored.inputs) if stored else {}
            keys = carried(node)
            inputs = {k: v for k, v in old_inputs.items() if k not in keys and v not in (None, "")}
            inputs.update(values)
            changed_keys = [
                key
                for key in keys
                if _canonical(key, old_inputs.get(key)) != _canonical(key, inputs.get(key))
            ]
            note_changed = note != (stored.note if stored else "").strip()
            changed = bool(changed_keys) or note_changed
            editable = self.form.may_edit(code)
            if changed and not editable:
                for key in changed_keys + (["note"] if note_changed else []):
                    where = _cell(SHEET_FIGURES, number, index[key])
                    self.problems.append(
                        _error(NOT_YOURS, where, code=code, column=HEADER.get(key, "Ghi chú"))
                    )
                continue
            if editable and (changed or self.general_new):
                assert node.rule is not None  # noqa: S101 - input rows have a rule
                _typed, found = check_inputs(
                    node.rule, node.effective_max, inputs, general, node.na_allowed
                )
                for problem in found:
                    if problem.level != "error":
                        continue
                    key = problem.params.get("key") or PROBLEM_KEYS.get(problem.template)
                    position = index[key] if key in keys else index["code"]
                    self.problems.append(
                        Problem(
                            "error",
                            problem.template,
                            problem.params,
                            code=code,
                            cell=_cell(SHEET_FIGURES, number, position),
                        )
                    )
            if not changed:
                continue
            answers[code] = {"inputs": inputs, "note": note}
            if inputs:
                wanted[code] = inputs
            else:
                wanted.pop(code, None)
            cells = [
                CellChange(
                    HEADER[key],
                    self._display(key, old_inputs.get(key), node),
                    self._display(key, inputs.get(key), node),
                )
                for key in changed_keys
            ]
            if note_changed:
                cells.append(CellChange(HEADER["note"], stored.note if stored else "", note))
            cells_changed[code] = cells
        if self.problems:
            return Upload(sorted(self.problems, key=_place))
        after = score(self.form.framework, wanted, general)
        before = self.form.result
        upload = Upload(
            general=dict(self.general_written),
            general_changes=self.general_changes,
            answers=answers,
            total_before=before.total,
            total_after=after.total,
        )
        for _depth, node in rows_of(self.form.framework):
            if not is_input_row(node):
                continue
            old, new = before.nodes[node.code], after.nodes[node.code]
            change = CriterionChange(
                node.code,
                node.printed,
                node.title,
                cells_changed.get(node.code, []),
                old.score if old.status != "unanswered" else None,
                new.score if new.status != "unanswered" else None,
                old.status,
                new.status,
            )
            if node.code in cells_changed:
                upload.changes.append(change)
            elif (old.score, old.status) != (new.score, new.status):
                upload.rescored.append(change)
        return upload

    def _display(self, key: str, value: Any, node: Criterion) -> str:
        if value is None or value == "":
            return ""
        if key == "yes":
            return (YES if value else NO) if isinstance(value, bool) else str(value)
        if key == "na":
            return NA_MARK if value is True else str(value)
        if key == "choice":
            for option in _options(node):
                if str(option["key"]) == str(value):
                    return str(option.get("label", option["key"]))
            return str(value)
        try:
            return format_points(parse_decimal(value), self.lang)
        except ValueError:
            return str(value)

    def _no_header(self, sheet: str, columns: Iterable[Column], required: Iterable[str]) -> None:
        names = {c.key: c.header for c in columns}
        listed = ", ".join(f"“{names[key]}”" for key in required)
        self.problems.append(_error(NO_HEADER, sheet=sheet, columns=listed))


def _at(values: tuple[Any, ...], position: int) -> Any:
    return values[position] if position < len(values) else None


def _word(value: Any) -> str:
    """A yes/no or “x” cell as compared: TRUE/FALSE and 1/0 as Excel gives them, texts folded."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return plain(parse_decimal(value))
    return fold(value)


def _code_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return plain(parse_decimal(value))
    return str(value).strip()


def _shown_note(value: Any) -> str:
    """A text cell's content; a number or a date written where text belongs, as text."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return plain(parse_decimal(value))
    return str(value)


def _general_text(value: Any) -> str:
    """A general-information cell as the text ``clean_general_info`` reads."""
    value = _unguard(value)
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, (int, float, Decimal)):
        try:
            return plain(parse_decimal(value))
        except ValueError:
            return str(value)
    return str(value).strip()


def _general_shown(value: Any) -> str:
    return "" if value is None else str(value)


def _same_general(kind: str, old: Any, new: Any) -> bool:
    if old in (None, "") or new in (None, ""):
        return old in (None, "") and new in (None, "")
    if kind in ("integer", "decimal"):
        try:
            return parse_decimal(old) == parse_decimal(new)
        except ValueError:
            return False
    return str(old) == str(new)


def _canonical(key: str, value: Any) -> Any:
    """An input as compared: numbers by value, texts stripped, blanks as None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if key in ("yes", "na") or isinstance(value, bool):
        return value
    if key in NUMBER_KEYS or key in ("value",):
        try:
            return parse_decimal(value)
        except ValueError:
            return str(value).strip()
    return str(value).strip()


def _jsonable(number: Decimal) -> int | str:
    """A number for the answer's JSON: an int when whole, else its exact text."""
    if number == number.to_integral_value():
        return int(number)
    return plain(number)
