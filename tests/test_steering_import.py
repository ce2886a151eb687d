"""Importing a plan's targets and tasks from Excel: the template, the dry run naming every bad row,
all rows or none, and files that are not workbooks."""

from __future__ import annotations

import datetime
import html
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from test_steering import SteeringCase

from dti.audit.models import AuditRecord
from dti.steering import spreadsheet
from dti.steering.models import Target, Task

pytestmark = pytest.mark.django_db

TARGET_HEADER = [
    "STT",
    "Nhóm chỉ tiêu",
    "Mã",
    "Chỉ tiêu",
    "Mục tiêu",
    "Thời hạn",
    "Thành viên chủ trì (tên đăng nhập)",
    "Đơn vị chủ trì",
    "Đơn vị phối hợp",
]
TASK_HEADER = [
    "STT",
    "Mã",
    "Nhiệm vụ",
    "Nội dung",
    "Thời gian hoàn thành",
    "Thành viên chủ trì (tên đăng nhập)",
    "Đơn vị chủ trì",
    "Đơn vị phối hợp",
]
H1 = "1. Phát triển hạ tầng số"
GOOD_TARGETS: list[list[Any]] = [
    [1, H1, "2.a", "Tỷ lệ dân số có điện thoại thông minh", "≥ 80 %", "", "bancd", "Sở TT&TT", ""],
    [2, H1, "2.b", "Tỷ lệ hộ gia đình có cáp quang", "từ 75% trở lên", "12/2023", "bancd", "", ""],
    [3, H1, "2.c", "Tỷ lệ người dân có tài khoản ngân hàng", "55 - 60%", "Quý III/2023", "bancd2", "", ""],
    [4, H1, "2.d", "Tỷ lệ hệ thống thông tin được phân loại", "100%", datetime.datetime(2023, 11, 30), "BANCD", "", ""],
]  # fmt: skip
GOOD_TASKS: list[list[Any]] = [
    [1, "3", "Phổ cập danh tính điện tử", "Triển khai định danh", "Tháng 12/2023", "bancd2", "Công an tỉnh", "Sở TT&TT"],
    [2, "3.a", "Phổ cập an toàn thông tin", "", "Thực hiện hàng năm", "bancd", "", ""],
    [3, "16.b", "Kết nối dữ liệu dân cư", "", "Theo đúng lộ trình", "bancd2", "", ""],
    [4, "18", "Nền tảng quản trị tổng thể", "", "Hoàn thành trong tháng 10/2023", "bancd", "", ""],
]  # fmt: skip


def workbook(targets: list[list[Any]] | None = None, tasks: list[list[Any]] | None = None) -> bytes:
    book = Workbook()
    sheets = []
    if targets is not None:
        sheets.append(("Chỉ tiêu", TARGET_HEADER, targets))
    if tasks is not None:
        sheets.append(("Nhiệm vụ", TASK_HEADER, tasks))
    for index, (title, header, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def case(personas: Any) -> SteeringCase:
    return SteeringCase(personas)


def upload(client: Client, case: SteeringCase, data: bytes, name: str = "ke-hoach.xlsx") -> Any:
    return client.post(
        reverse("steering:import", args=[case.plan.pk]), {"file": SimpleUploadedFile(name, data)}
    )


def apply(client: Client) -> Any:
    pending = client.session["dti_steering_import"]
    return client.post(
        reverse("steering:import_apply"), {"token": pending["token"], "sha256": pending["sha256"]}
    )


def test_a_good_workbook_imports_every_row(case: SteeringCase) -> None:
    client = case.client("admin")
    response = upload(client, case, workbook(GOOD_TARGETS, GOOD_TASKS))
    assert response.status_code == 302
    assert response["Location"] == reverse("steering:import_preview")
    preview = client.get(response["Location"]).content.decode()
    assert "Every row is right" in preview
    assert Target.objects.filter(code="2.a").count() == 0  # the preview writes nothing
    response = apply(client)
    assert response.status_code == 302
    targets = {t.code: t for t in Target.objects.filter(plan=case.plan)}
    assert targets["2.a"].target_text == "≥ 80 %"
    assert targets["2.a"].lead_unit == "Sở TT&TT"
    assert targets["2.b"].deadline == datetime.date(2023, 12, 31)
    assert (targets["2.c"].comparator, targets["2.c"].value, targets["2.c"].value_max) == (
        "range",
        Decimal("55"),
        Decimal("60"),
    )
    assert targets["2.c"].deadline == datetime.date(2023, 9, 30)
    assert targets["2.c"].lead_member == case.member_b
    assert targets["2.d"].lead_member == case.member_a  # usernames compared without case
    assert targets["2.d"].deadline == datetime.date(2023, 11, 30)
    tasks = {t.code: t for t in Task.objects.filter(plan=case.plan)}
    assert (tasks["3"].timing, tasks["3"].deadline) == ("date", datetime.date(2023, 12, 31))
    assert (tasks["3.a"].timing, tasks["3.a"].deadline) == ("yearly", None)
    assert (tasks["16.b"].timing, tasks["16.b"].deadline) == ("roadmap", None)
    assert tasks["18"].deadline == datetime.date(2023, 10, 31)
    assert tasks["3"].coordinating == "Sở TT&TT"
    records = AuditRecord.objects.exclude(actor_label="test")
    assert records.filter(action="steering.target.create").count() == 4
    assert records.filter(action="steering.task.create").count() == 4
    summary = records.get(action="steering.import")
    assert summary.after == {
        "file": "ke-hoach.xlsx",
        "targets_created": 4,
        "targets_updated": 0,
        "tasks_created": 4,
        "tasks_updated": 0,
    }


BAD_ROWS = [
    (["5", H1, "2.e", "Tỷ lệ X", "> 90%", "", "bancd", "", ""], "a strict comparison"),
    (["5", H1, "2.e", "Tỷ lệ X", "khoảng 90", "", "bancd", "", ""], "is not a target value"),
    (["5", H1, "2.e", "Tỷ lệ X", "≥ 90 %", "", "khongco", "", ""], "unknown lead member “khongco”"),
    (
        ["5", H1, "2.e", "Tỷ lệ X", "≥ 90 %", "", "officer_a", "", ""],
        "“officer_a” is not a member of the steering committee",
    ),
    (["5", H1, "2.e", "Tỷ lệ X", "≥ 90 %", "31/02/2023", "bancd", "", ""], "is not a date"),
    (["5", H1, "2.e", "Tỷ lệ X", "≥ 90 %", "cuối tháng", "bancd", "", ""], "is not a date"),
    (
        ["5", H1, "2.e", "Tỷ lệ X", "≥ 90 %", "31/12/2022", "bancd", "", ""],
        "before the plan's year",
    ),
    (["5", H1, "2.a", "Tỷ lệ X", "≥ 90 %", "", "bancd", "", ""], "already used on row 2"),
    (["5", H1, "", "Tỷ lệ X", "≥ 90 %", "", "bancd", "", ""], "the code (Mã) is blank"),
]


@pytest.mark.parametrize(("row", "reason"), BAD_ROWS)
def test_one_bad_row_imports_nothing_and_is_named(
    case: SteeringCase, row: list[Any], reason: str
) -> None:
    client = case.client("admin")
    before = (Target.objects.count(), Task.objects.count(), AuditRecord.objects.count())
    assert upload(client, case, workbook([*GOOD_TARGETS, row], GOOD_TASKS)).status_code == 302
    preview = client.get(reverse("steering:import_preview")).content.decode()
    assert "The workbook has 1 problem" in preview
    problem = html.unescape(preview.split('<ul class="report import-report">')[1].split("</ul>")[0])
    assert "Sheet “Chỉ tiêu”, row 6" in problem
    assert reason in problem
    assert 'action="/steering/import/apply/"' not in preview  # no import button
    response = apply(client)  # forced all the same
    assert response.status_code == 200
    assert "Nothing was imported" in response.content.decode()
    assert (Target.objects.count(), Task.objects.count(), AuditRecord.objects.count()) == before


def test_bad_task_rows_are_named(case: SteeringCase) -> None:
    rows = [
        *GOOD_TASKS,
        [5, "19", "Nhiệm vụ thiếu hạn", "", "", "bancd", "", ""],
        [6, "20", "", "", "Thực hiện hàng năm", "bancd", "", ""],
    ]
    found = spreadsheet.plan_import(case.plan, workbook(None, rows))
    assert [(p.sheet, p.row) for p in found.problems] == [("Nhiệm vụ", 6), ("Nhiệm vụ", 7)]
    assert "the deadline is blank" in found.problems[0].text
    assert "the task (Nhiệm vụ) is blank" in found.problems[1].text


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "ke-hoach.xlsx", "is not an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "ke-hoach.xlsx", "Excel 97–2003"),
        (b"", "ke-hoach.xlsx", "empty"),
    ],
)
def test_a_file_that_is_not_a_workbook_gets_a_clear_message(
    case: SteeringCase, data: bytes, name: str, reason: str
) -> None:
    client = case.client("admin")
    response = upload(client, case, data, name)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert "dti_steering_import" not in client.session
    assert Target.objects.count() == 2


def test_a_workbook_without_the_sheets_is_refused(case: SteeringCase) -> None:
    book = Workbook()
    book.active.title = "Sheet1"
    buffer = io.BytesIO()
    book.save(buffer)
    found = spreadsheet.plan_import(case.plan, buffer.getvalue())
    assert "the workbook has no sheet “Chỉ tiêu” or “Nhiệm vụ”" in found.problems[0].text


def test_the_template_reads_back_unchanged_and_updates_by_code(case: SteeringCase) -> None:
    client = case.client("admin")
    response = client.get(reverse("steering:workbook", args=[case.plan.pk]))
    assert response.status_code == 200
    data = response.content
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Chỉ tiêu", "Nhiệm vụ", "Hướng dẫn"]
    assert [c.value for c in book["Chỉ tiêu"][1]] == TARGET_HEADER
    assert [c.value for c in book["Nhiệm vụ"][1]] == TASK_HEADER
    found = spreadsheet.plan_import(case.plan, data)
    assert found.ok and not found.has_changes
    assert {row.status for row in [*found.targets, *found.tasks]} == {"unchanged"}
    # an officer changes a target value and a task's timing, and adds a target
    book["Chỉ tiêu"]["E2"] = "≥ 85 %"
    book["Nhiệm vụ"]["E2"] = "Theo lộ trình"
    book["Chỉ tiêu"].cell(row=4, column=1, value=3)
    for column, value in enumerate(["9. Khác", "9.a", "Chỉ tiêu mới", "≤ 5 %"], 2):
        book["Chỉ tiêu"].cell(row=4, column=column, value=value)
    book["Chỉ tiêu"].cell(row=4, column=7, value="bancd2")
    buffer = io.BytesIO()
    book.save(buffer)
    found = spreadsheet.plan_import(case.plan, buffer.getvalue())
    assert found.ok
    statuses = {row.code: row.status for row in [*found.targets, *found.tasks]}
    assert statuses == {
        "1.a": "update",
        "1.b": "unchanged",
        "9.a": "create",
        "1": "update",
        "2": "unchanged",
    }
    [change] = found.targets[0].changes
    assert (change.field, change.old, change.new) == ("target", "≥ 80 %", "≥ 85 %")
    assert upload(client, case, buffer.getvalue()).status_code == 302
    assert apply(client).status_code == 302
    case.target_a.refresh_from_db()
    case.task_dated.refresh_from_db()
    assert case.target_a.value == Decimal("85")
    assert (case.task_dated.timing, case.task_dated.deadline) == ("roadmap", None)
    assert Target.objects.get(code="9.a").target_text == "≤ 5 %"


def test_a_percentage_cell_reads_as_a_percentage(case: SteeringCase) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Chỉ tiêu"
    sheet.append(TARGET_HEADER)
    sheet.append([1, "", "5.a", "Tỷ lệ", 0.8, "", "bancd", "", ""])
    sheet["E2"].number_format = "0%"
    buffer = io.BytesIO()
    book.save(buffer)
    found = spreadsheet.plan_import(case.plan, buffer.getvalue())
    assert found.ok
    assert found.targets[0].cells["target"] == "80 %"


def test_only_the_administrator_imports(case: SteeringCase) -> None:
    for who in ("member_a", "officer_a"):
        client = case.client(who)
        assert upload(client, case, workbook(GOOD_TARGETS)).status_code == 403
        assert client.get(reverse("steering:import_preview")).status_code == 403
    assert Target.objects.count() == 2
