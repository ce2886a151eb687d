"""The offline Excel round trip: download the unit's form, fill it in, upload it back."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from helpers import AssessmentCase
from openpyxl import load_workbook

from dti.accounts.access import Access
from dti.accounts.models import Role
from dti.assessments import actions, workbook
from dti.assessments.models import Answer, Assessment
from dti.assessments.scoring import score_assessment
from dti.audit.models import AuditRecord
from dti.audit.trail import Actor

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIGURE_HEADERS = [c.header for c in workbook.FIGURE_COLUMNS]


class Case(AssessmentCase):
    """A period with unit A and unit B in one group, on ``framework``; unit A's assessment."""

    def save(  # type: ignore[override]
        self, code: str, inputs: dict[str, Any], note: str = "", name: str = "officer_a"
    ) -> Answer:
        """The data officer (unless told) saves on top of the answer as it stands."""
        return super().save(name, code, inputs, note=note)

    def url(self, name: str) -> str:
        return reverse(f"assessments:{name}", args=[self.assessment.pk])

    def download(self, client: Client | None = None) -> Any:
        response = (client or self.client()).get(self.url("workbook"))
        assert response.status_code == 200
        assert response["Content-Type"] == XLSX
        assert response["Content-Disposition"].endswith(f'-{self.assessment.unit.code}.xlsx"')
        return load_workbook(io.BytesIO(response.content))

    def upload(self, book: Any, client: Client | None = None) -> Any:
        buffer = io.BytesIO()
        book.save(buffer)
        return self.upload_bytes(buffer.getvalue(), client=client)

    def upload_bytes(
        self, data: bytes, name: str = "bieu-mau.xlsx", client: Client | None = None
    ) -> Any:
        client = client or self.client()
        upload = io.BytesIO(data)
        upload.name = name
        return client.post(self.url("workbook_upload"), {"step": "check", "file": upload})

    def state(self) -> tuple[Any, ...]:
        """Everything an upload could change, to compare before and after."""
        self.assessment.refresh_from_db()
        answers = sorted(
            Answer.objects.filter(assessment=self.assessment).values_list(
                "criterion__code", "inputs", "note", "score", "status", "version"
            )
        )
        return self.assessment.general_info, answers, AuditRecord.objects.count()


def uploads() -> Path:
    return Path(settings.MEDIA_ROOT) / "workbook-uploads"


def confirm(case: Case, client: Client) -> Any:
    """Confirm the upload waiting in ``client``'s session."""
    stored = client.session[f"dti_assessment_workbook_{case.assessment.pk}"]
    return client.post(
        case.url("workbook_upload"),
        {"step": "apply", "token": stored["token"], "sha256": stored["sha256"]},
    )


def follow(client: Client, response: Any) -> str:
    return client.get(response["Location"]).content.decode()


def rows(sheet: Any) -> dict[str, int]:
    """Row number of each criterion code in the “Số liệu” sheet."""
    return {sheet.cell(row=r, column=1).value: r for r in range(2, sheet.max_row + 1)}


def column(header: str) -> int:
    return FIGURE_HEADERS.index(header) + 1


def set_cell(sheet: Any, code: str, header: str, value: Any) -> str:
    """Write ``value`` in criterion ``code``'s ``header`` cell; its name (“Số liệu!G14”)."""
    row = rows(sheet)[code]
    cell = sheet.cell(row=row, column=column(header))
    cell.value = value
    return f"{sheet.title}!{cell.coordinate}"


def set_general(book: Any, key: str, value: Any) -> str:
    sheet = book[workbook.SHEET_GENERAL]
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value == key:
            sheet.cell(row=row, column=4).value = value
            return f"{sheet.title}!D{row}"
    raise KeyError(key)


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> Case:
    return Case(personas, builtin_frameworks)


@pytest.fixture
def district(personas: Any, builtin_frameworks: dict[str, Any]) -> Case:
    """On the district framework, which has a manual criterion (6.23)."""
    return Case(personas, builtin_frameworks, "bacninh-huyen")


# ---------------------------------------------------------------- the download


def test_the_download_is_laid_out_as_the_form(case: Case) -> None:
    case.save("1.1", {"yes": True}, note="Quyết định 105/QĐ-STP")
    case.save("3.3", {"numerator": 2, "denominator": 13})
    case.save("2.2", {"choice": "chua-dung"})
    book = case.download()
    assert book.sheetnames[:3] == ["Hướng dẫn", "Thông tin chung", "Số liệu"]
    assert book["Danh sách"].sheet_state == "hidden"
    guide = "\n".join(str(c.value) for c in book["Hướng dẫn"]["A"] if c.value)
    for words in (
        "Có/Không",
        "Tử số",
        "Số lượng",
        "Lựa chọn",
        "“x”",
        "10/10/2030",
        "cột A",
        "Tải lên",
    ):
        assert words in guide
    general = book["Thông tin chung"]
    assert [c.value for c in general[1]] == ["Mã", "STT", "Nội dung", "Giá trị", "Đơn vị tính"]
    assert general["A5"].value == "sub_units" and general["E5"].value == "đơn vị"

    sheet = book["Số liệu"]
    assert [c.value for c in sheet[1]] == FIGURE_HEADERS
    assert sheet.freeze_panes == "D2"
    assert sheet.column_dimensions["C"].width == 60
    at = rows(sheet)
    pillar = at["1"]
    assert sheet.cell(row=pillar, column=3).font.b
    assert sheet.cell(row=pillar, column=column("Có/Không")).value is None
    yes_row = at["1.1"]
    assert sheet.cell(row=yes_row, column=column("Có/Không")).value == "Có"
    assert sheet.cell(row=yes_row, column=column("Ghi chú")).value == "Quyết định 105/QĐ-STP"
    assert sheet.cell(row=yes_row, column=column("Điểm tự chấm")).value == 20
    assert sheet.cell(row=yes_row, column=column("Có/Không")).protection.locked is False
    assert sheet.cell(row=yes_row, column=column("Tử số")).fill.start_color.rgb.endswith("D9D9D9")
    assert sheet.cell(row=yes_row, column=column("Tử số")).protection.locked is True
    ratio_row = at["3.3"]
    assert sheet.cell(row=ratio_row, column=column("Tử số")).value == 2  # a number, not a text
    assert sheet.cell(row=ratio_row, column=column("Mẫu số")).value == 13
    assert sheet.cell(row=ratio_row, column=column("Điểm tự chấm")).value == 3.08
    assert sheet.cell(row=ratio_row, column=column("Cách tính")).value.startswith("Tỷ lệ")
    # a denominator taken from the general information: its cell is grey, the rule says whence
    field_row = at["4.3"]
    assert sheet.cell(row=field_row, column=column("Mẫu số")).protection.locked is True
    assert sheet.cell(row=field_row, column=column("Tử số")).protection.locked is False
    assert "Số lượng công chức" in sheet.cell(row=field_row, column=column("Cách tính")).value
    choice_row = at["2.2"]
    assert (
        sheet.cell(row=choice_row, column=column("Lựa chọn")).value
        == "Ban hành nhưng chậm hoặc chưa đúng biểu mẫu"
    )
    assert sheet.protection.sheet
    # drop-down lists: Có/Không, the choice's labels, “x” for not applicable
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    lists = [v for v in validations.values() if v.type == "list"]
    yes_no = next(v for v in lists if v.formula1 == '"Có,Không"')
    assert f"F{yes_row}" in str(yes_no.sqref)
    assert any(v.formula1 == '"x"' for v in lists)
    choice = next(v for v in lists if f"K{choice_row}" in str(v.sqref))
    labels_row = int(choice.formula1.rsplit("$", 1)[1])
    labels = [c.value for c in book["Danh sách"][labels_row][1:] if c.value]
    assert labels[0] == "Ban hành đúng thời gian, đúng biểu mẫu" and len(labels) == 3


def test_text_that_looks_like_a_formula_is_neutralised(case: Case) -> None:
    case.save("1.1", {"yes": True}, note='=HYPERLINK("http://evil","bấm")')
    actor, access = case.who("officer_a")
    actions.save_general_info(
        actor, access, case.assessment, {"name": "=1+2", "address": "@SUM(A1)"}, 0
    )
    book = case.download()
    sheet = book["Số liệu"]
    note = sheet.cell(row=rows(sheet)["1.1"], column=column("Ghi chú"))
    assert note.value == '\'=HYPERLINK("http://evil","bấm")' and note.data_type == "s"
    general = book["Thông tin chung"]
    assert general["D2"].value == "'=1+2" and general["D3"].value == "'@SUM(A1)"
    for worksheet in book.worksheets:
        for line in worksheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f", cell.coordinate
    # Uploaded back unchanged, nothing changes: the guard is taken off again.
    response = case.upload(book)
    assert response.status_code == 200
    assert "nothing to change" in response.content.decode()


@pytest.mark.parametrize("code", ["bacninh-so", "bacninh-huyen"])
def test_the_download_costs_the_same_queries_for_any_framework(
    personas: Any, builtin_frameworks: dict[str, Any], code: str
) -> None:
    case = Case(personas, builtin_frameworks, code)
    case.save("1.1", {"yes": True})
    client = case.client()
    client.get(case.url("workbook"))  # the first request sets up the session and the caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(case.url("workbook")).status_code == 200
    # session, user, security policy, roles, assessment, criteria ids, answers (the session is not
    # saved again within minutes): 45 or 76 criteria alike
    assert len(queries) == 7, [q["sql"] for q in queries]


# ---------------------------------------------------------------- the round trip


def test_a_filled_in_form_applies_exactly_what_the_form_page_would_save(
    district: Case, personas: Any
) -> None:
    case = district
    case.save("1.1", {"yes": False})
    book = case.download()
    sheet = book["Số liệu"]
    set_general(book, "civil_servants", 40)
    set_general(book, "public_employees", "12")
    set_general(book, "website", "bacgiang.gov.vn")
    set_cell(sheet, "1.1", "Có/Không", "Có")
    set_cell(sheet, "1.1", "Ghi chú", "Quyết định số 105/QĐ-UBND ngày 13/6/2022")
    set_cell(sheet, "3.5", "Tử số", 2)
    set_cell(sheet, "3.5", "Mẫu số", 13)
    set_cell(sheet, "1.6", "Lựa chọn", "Hằng tháng")
    set_cell(sheet, "5.1", "Số lượng", 1)
    set_cell(sheet, "3.4", "Giá trị", "0,6")  # a decimal comma, written as text
    set_cell(sheet, "6.23", "Điểm", 7.5)
    set_cell(sheet, "6.3", "Không áp dụng", "x")
    set_cell(sheet, "3.1", "Tử số", "26")  # its denominator is the general information: 40 + 12
    audit_before = AuditRecord.objects.count()

    client = case.client()
    response = case.upload(book, client=client)
    page = response.content.decode()
    assert response.status_code == 200, page
    assert "Apply these changes" in page
    assert "Hằng tháng" in page and "1.54" in page  # what changes, and the new scores
    assert Answer.objects.filter(assessment=case.assessment).count() == 1  # nothing applied yet
    assert AuditRecord.objects.count() == audit_before
    assert len(list(uploads().glob("*.xlsx"))) == 1
    response = confirm(case, client)
    assert response.status_code == 302
    assert "has been applied: 11 changes were saved" in follow(client, response)
    assert not list(uploads().glob("*.xlsx"))  # the kept file is removed
    assert AuditRecord.objects.count() == audit_before + 1
    record = AuditRecord.objects.get(action="assessment.workbook")
    assert record.before["general_info"] == {
        "civil_servants": None,
        "public_employees": None,
        "website": None,
    }
    assert record.after["general_info"] == {
        "civil_servants": 40,
        "public_employees": 12,
        "website": "https://bacgiang.gov.vn",
    }
    assert record.before["answers"]["1.1"] == {
        "inputs": {"yes": False},
        "note": "",
        "score": "0.00",
    }
    assert record.after["answers"]["1.1"]["score"] == "20.00"
    assert sorted(record.after["answers"]) == [
        "1.1",
        "1.6",
        "3.1",
        "3.4",
        "3.5",
        "5.1",
        "6.23",
        "6.3",
    ]

    # The same figures saved one by one through the form's action, on unit B's assessment.
    other = Assessment.objects.create(period=case.period, unit=personas.unit_b, group=case.group)
    officer_b = Actor(personas.users["officer_b"], "officer_b")
    access_b = Access(
        personas.users["officer_b"], list(Role.objects.filter(user=personas.users["officer_b"]))
    )
    actions.save_general_info(
        officer_b,
        access_b,
        other,
        {"civil_servants": 40, "public_employees": 12, "website": "bacgiang.gov.vn"},
        0,
    )
    same = {
        "1.1": ({"yes": True}, "Quyết định số 105/QĐ-UBND ngày 13/6/2022"),
        "3.5": ({"numerator": 2, "denominator": 13}, ""),
        "1.6": ({"choice": "hang-thang"}, ""),
        "5.1": ({"count": 1}, ""),
        "3.4": ({"value": "0.6"}, ""),
        "6.23": ({"score": "7.5"}, ""),
        "6.3": ({"na": True}, ""),
        "3.1": ({"numerator": 26}, ""),
    }
    for code, (inputs, note) in same.items():
        actions.save_answer(officer_b, access_b, other, case.criterion(code), inputs, note, 0)
    mine = {
        a.criterion.code: a
        for a in Answer.objects.filter(assessment=case.assessment).select_related("criterion")
    }
    theirs = {
        a.criterion.code: a
        for a in Answer.objects.filter(assessment=other).select_related("criterion")
    }
    assert set(mine) == set(theirs)
    for code in same:
        assert (mine[code].inputs, mine[code].note, mine[code].score, mine[code].status) == (
            theirs[code].inputs,
            theirs[code].note,
            theirs[code].score,
            theirs[code].status,
        ), code
    assert mine["3.5"].score == Decimal("1.54")  # 2 of 13 on a 10-point ratio
    assert mine["3.1"].score == Decimal(10)  # 26 of 52 on 20 points
    assert mine["1.6"].score == Decimal(6)
    assert mine["3.4"].score == Decimal(6)
    assert mine["5.1"].score == Decimal(5)
    assert mine["6.23"].score == Decimal("7.50")
    assert mine["6.3"].status == "na" and mine["6.3"].score is None
    case.assessment.refresh_from_db()
    other.refresh_from_db()
    assert case.assessment.general_info == other.general_info
    assert score_assessment(case.assessment).total == score_assessment(other).total
    assert mine["1.1"].version == 2 and mine["1.1"].updated_by == personas.users["officer_a"]


def test_a_bad_upload_lists_every_bad_cell_and_changes_nothing(district: Case) -> None:
    case = district
    case.save("1.1", {"yes": True}, note="giữ nguyên")
    case.save("3.2", {"numerator": 2, "denominator": 13})
    before = case.state()
    book = case.download()
    sheet = book["Số liệu"]
    set_cell(sheet, "1.3", "Có/Không", "Có")  # a good cell among the bad ones
    bad = {
        set_cell(sheet, "3.5", "Tử số", "mười"): "“Tử số” must be a number, not “mười”",
        set_cell(sheet, "3.2", "Tử số", 14): "the numerator 14 is above the denominator 13",
        set_cell(sheet, "1.6", "Lựa chọn", "Hằng ngày"): (
            "“Hằng ngày” is not one of the choices of criterion 1.6: “Hằng tuần”; “Hằng tháng”"
        ),
        set_cell(sheet, "5.1", "Số lượng", -1): "“Số lượng” cannot be negative (-1)",
        set_cell(sheet, "5.2", "Số lượng", 1.5): "“Số lượng” must be a whole number, not 1.5",
        set_cell(sheet, "6.23", "Điểm", 12): "the score 12 is above the maximum 10",
        set_cell(sheet, "1.2", "Có/Không", "Chưa"): (
            "write “Có” or “Không” in “Có/Không”, not “Chưa”"
        ),
        set_cell(sheet, "1.4", "Tử số", 3): "criterion 1.4 does not use “Tử số”",
        set_cell(sheet, "1.5", "Không áp dụng", "x"): (
            "criterion 1.5 cannot be marked not applicable"
        ),
        set_cell(sheet, "3.1", "Mẫu số", 52): (
            "the denominator of criterion 3.1 is taken from the general information"
        ),
        set_cell(sheet, "6.3", "Không áp dụng", "không"): "write “x” in “Không áp dụng”",
        set_cell(sheet, "2", "Có/Không", "Có"): "2 is a group of criteria",
        set_general(book, "civil_servants", "ba mươi"): (
            "“Số lượng công chức của Huyện/Thành phố hiện có”: Enter a whole number."
        ),
        set_general(book, "website", "không có"): "“Địa chỉ trang/cổng thông tin điện tử",
    }
    sheet.cell(row=sheet.max_row + 1, column=1).value = "9.9"
    sheet.cell(row=sheet.max_row, column=column("Có/Không")).value = "Có"
    bad[f"Số liệu!A{sheet.max_row}"] = "there is no criterion “9.9” in this form"
    response = case.upload(book)
    assert response.status_code == 400
    page = response.content.decode().replace("&quot;", '"')
    assert f"The form has {len(bad)} problems" in page
    for cell, message in bad.items():
        assert f'<span class="where">{cell}</span><span>{message}' in page, (cell, message)
    assert case.state() == before
    assert not uploads().exists() or not list(uploads().glob("*"))


def test_a_numerator_above_a_denominator_from_the_general_information(case: Case) -> None:
    book = case.download()
    set_general(book, "civil_servants", 20)
    set_general(book, "public_employees", 5)
    cell = set_cell(book["Số liệu"], "4.3", "Tử số", 26)
    response = case.upload(book)
    assert response.status_code == 400
    assert (
        f'<span class="where">{cell}</span><span>the numerator 26 is above the denominator 25'
        in response.content.decode()
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00" + b"\0" * 400, "the file is not an Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old Excel 97–2003 workbook (.xls)"),
        (b"", "The submitted file is empty."),
    ],
)
def test_a_disguised_file_is_refused(case: Case, data: bytes, message: str) -> None:
    before = case.state()
    client = case.client()
    response = case.upload_bytes(data, "bieu-mau.xlsx", client=client)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert case.state() == before
    keys = list(client.session.keys())
    assert not any(key.startswith("dti_assessment_workbook") for key in keys)
    assert not uploads().exists() or not list(uploads().glob("*"))


def test_a_zip_that_is_not_a_workbook_or_a_zip_bomb_is_refused(case: Case) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    response = case.upload_bytes(buffer.getvalue())
    assert "the file is not an Excel workbook (.xlsx)" in response.content.decode()
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", b"\0" * (60 * 1024 * 1024))
    assert len(bomb.getvalue()) < 1024 * 1024
    response = case.upload_bytes(bomb.getvalue())
    assert response.status_code == 400
    assert "the workbook is too large (60 MB unpacked; at most 50 MB)" in response.content.decode()


def test_an_oversized_file_is_refused(case: Case) -> None:
    response = case.upload_bytes(b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024 + 1))
    assert response.status_code == 400
    assert "The file is too large (5.0 MB); at most 5 MB is accepted." in response.content.decode()


def test_the_form_of_another_assessment_is_refused(case: Case, personas: Any) -> None:
    other = Assessment.objects.create(period=case.period, unit=personas.unit_b, group=case.group)
    response = personas.client("officer_b").get(reverse("assessments:workbook", args=[other.pk]))
    book = load_workbook(io.BytesIO(response.content))
    response = case.upload(book)
    assert response.status_code == 400
    assert "this workbook is the form of another self-assessment" in response.content.decode()


def test_a_renamed_sheet_is_named(case: Case) -> None:
    book = case.download()
    book["Số liệu"].title = "Sheet1"
    response = case.upload(book)
    assert response.status_code == 400
    assert "the workbook has no sheet “Số liệu”" in response.content.decode()


# ---------------------------------------------------------------- who may change what


def test_department_staff_may_change_only_their_criteria(case: Case, personas: Any) -> None:
    actor, access = case.who("officer_a")
    actions.assign_criteria(
        actor, access, case.assessment, [case.criterion("1.1")], personas.department_a, []
    )
    staff = case.client("staff_a")
    book = case.download(staff)
    sheet = book["Số liệu"]
    at = rows(sheet)
    assert sheet.cell(row=at["1.1"], column=column("Có/Không")).protection.locked is False
    assert sheet.cell(row=at["1.2"], column=column("Có/Không")).protection.locked is True
    set_cell(sheet, "1.1", "Có/Không", "Có")
    refused = set_cell(sheet, "1.2", "Có/Không", "Có")
    refused_note = set_cell(sheet, "1.2", "Ghi chú", "phòng khác")
    general = set_general(book, "civil_servants", 30)
    before = case.state()
    response = case.upload(book, client=staff)
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        f'<span class="where">{refused}</span><span>criterion 1.2 is not assigned to your department'
        in page
    )
    assert f'<span class="where">{refused_note}</span>' in page
    assert (
        f'<span class="where">{general}</span><span>only the unit&#x27;s data officer and leader change the general information'
        in page
    )
    assert "Số liệu!F" + str(at["1.1"]) not in page
    assert case.state() == before
    # Their own criterion alone goes through.
    book = case.download(staff)
    set_cell(book["Số liệu"], "1.1", "Có/Không", "Có")
    response = case.upload(book, client=staff)
    assert response.status_code == 200
    assert confirm(case, staff).status_code == 302
    assert Answer.objects.get(assessment=case.assessment, criterion__code="1.1").score == Decimal(
        20
    )


def test_after_submission_the_upload_is_refused(case: Case) -> None:
    book = case.download()
    set_cell(book["Số liệu"], "1.1", "Có/Không", "Có")
    leader, leader_access = case.who("leader_a")
    actions.submit_assessment(leader, leader_access, case.assessment)
    before = case.state()
    response = case.upload(book)
    assert response.status_code == 403
    assert "The assessment has been submitted; it is read-only." in response.content.decode()
    assert case.state() == before


def test_a_preview_is_not_applied_once_submitted_or_if_the_file_changed(case: Case) -> None:
    book = case.download()
    set_cell(book["Số liệu"], "1.1", "Có/Không", "Có")
    client = case.client()
    assert case.upload(book, client=client).status_code == 200
    stored = client.session[f"dti_assessment_workbook_{case.assessment.pk}"]
    # the file kept between the two steps is changed behind the page's back
    path = uploads() / f"{stored['token']}.xlsx"
    path.write_bytes(path.read_bytes() + b"\0")
    before = case.state()
    response = client.post(
        case.url("workbook_upload"),
        {"step": "apply", "token": stored["token"], "sha256": stored["sha256"]},
    )
    assert response.status_code == 302
    assert case.state() == before
    assert not path.exists()
    # a fresh preview, then the leader submits before it is applied
    assert case.upload(book, client=client).status_code == 200
    stored = client.session[f"dti_assessment_workbook_{case.assessment.pk}"]
    leader, leader_access = case.who("leader_a")
    actions.submit_assessment(leader, leader_access, case.assessment)
    before = case.state()
    response = client.post(
        case.url("workbook_upload"),
        {"step": "apply", "token": stored["token"], "sha256": stored["sha256"]},
    )
    assert response.status_code == 403
    assert case.state() == before


def test_apply_workbook_refuses_everything_or_applies_everything(case: Case) -> None:
    actor, access = case.who("officer_a")
    before = case.state()
    with pytest.raises(actions.Invalid) as info:
        actions.apply_workbook(
            actor,
            access,
            case.assessment,
            {"civil_servants": 30},
            {
                "1.1": {"inputs": {"yes": True}, "note": ""},
                "3.3": {"inputs": {"numerator": 14, "denominator": 13}, "note": ""},
            },
        )
    assert [p.code for p in info.value.problems] == ["3.3"]
    assert case.state() == before
    staff, staff_access = case.who("staff_a")
    with pytest.raises(actions.NotAllowed):
        actions.apply_workbook(
            staff, staff_access, case.assessment, {}, {"1.1": {"inputs": {"yes": True}, "note": ""}}
        )
    assert case.state() == before
    changed = actions.apply_workbook(
        actor,
        access,
        case.assessment,
        {"civil_servants": 30},
        {"1.1": {"inputs": {"yes": True}, "note": "ok"}},
    )
    assert changed == 2
    assert AuditRecord.objects.filter(action="assessment.workbook").count() == 1


# ---------------------------------------------------------------- permissions


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("officer_a", 200),
        ("leader_a", 200),
        ("officer_b", 404),
        ("appraiser", 404),
        ("anonymous", 302),
    ],
)
@pytest.mark.parametrize("view", ["workbook", "workbook_upload"])
def test_who_gets_in(case: Case, name: str, status: int, view: str) -> None:
    response = case.client(name).get(case.url(view))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_administrator_reads_but_cannot_upload(case: Case) -> None:
    client = case.client("admin")
    assert client.get(case.url("workbook")).status_code == 200
    assert client.get(case.url("workbook_upload")).status_code == 403
    book = case.download()
    assert case.upload(book, client=client).status_code == 403


@pytest.mark.parametrize(
    ("view", "methods"),
    [("workbook", ("post", "put", "delete")), ("workbook_upload", ("put", "delete", "patch"))],
)
def test_wrong_methods_are_refused(case: Case, view: str, methods: tuple[str, ...]) -> None:
    client = case.client()
    for method in methods:
        assert getattr(client, method)(case.url(view)).status_code == 405


# ---------------------------------------------------------------- every built-in framework


def inputs_for(node: Any, index: int) -> dict[str, Any]:
    """Valid figures for a leaf of any rule, varied a little by ``index``."""
    rule = node.rule
    if node.na_allowed and index % 3 == 0:
        return {"na": True}
    if rule.type == "yesno":
        return {"yes": index % 2 == 0}
    if rule.type == "ratio" or (rule.type == "bands" and rule.params.get("input") == "ratio"):
        if "denominator_field" in rule.params:
            return {"numerator": 3}
        return {"numerator": index % 5, "denominator": 7}
    if rule.type == "bands":
        return {"value": "72.5"}
    if rule.type == "count":
        return {"count": index % 4}
    if rule.type == "choice":
        return {"choice": rule.params["options"][index % len(rule.params["options"])]["key"]}
    if rule.type == "manual":
        return {"score": "1.25"}
    return {"value": "=thông tin"}


@pytest.mark.parametrize(
    "code", ["bacninh-so", "bacninh-huyen", "binhphuoc-agency", "binhphuoc-website"]
)
def test_a_form_uploaded_unchanged_changes_nothing(
    personas: Any, builtin_frameworks: dict[str, Any], code: str
) -> None:
    from dti.assessments.scoring import framework_of

    case = Case(personas, builtin_frameworks, code)
    framework = framework_of(case.assessment)
    actor, access = case.who("officer_a")
    general: dict[str, Any] = {}
    for field in framework.general_fields:
        general[field.key] = {
            "integer": 50,
            "decimal": "12.5",
            "url": "https://stp.bacninh.gov.vn",
            "email": "vp@bacninh.gov.vn",
            "phone": "0222 3822 123",
            "date": "13/06/2022",
        }.get(field.type, "=Sở Tư pháp, “số 1” Lý Thái Tổ")
    if general:
        actions.save_general_info(actor, access, case.assessment, general, 0)
    leaves = [node for node in framework.walk() if node.is_leaf and node.rule is not None]
    for index, node in enumerate(leaves):
        case.save(node.code, inputs_for(node, index), note=f"-ghi chú {index}" if index % 2 else "")
    before = case.state()
    book = case.download()
    sheet = book["Số liệu"]
    assert sum(1 for code in rows(sheet) if code in {n.code for n in leaves}) == len(leaves)
    response = case.upload(book)
    page = response.content.decode()
    assert response.status_code == 200, re.findall(r'<li class="error">(.*?)</li>', page)
    assert "there is nothing to change" in page
    assert case.state() == before
