"""The units administration: the list, creating and editing units, departments, Excel in and out."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dti.accounts.models import Role, User
from dti.audit.models import AuditRecord
from dti.units.models import Department, Unit

pytestmark = pytest.mark.django_db

UNIT_HEADER = [
    "STT",
    "Tên cơ quan, đơn vị",
    "Mã",
    "Loại",
    "Nhóm",
    "Đơn vị cấp trên",
    "Phòng chuyên môn",
]
PEOPLE_HEADER = [
    "STT",
    "Họ tên",
    "Tên đăng nhập",
    "Email",
    "Điện thoại",
    "Chức vụ",
    "Vai trò",
    "Đơn vị",
    "Phòng",
]


def english(client: Client) -> Client:
    """The messages the tests read are the English originals, whatever the catalog holds."""
    client.cookies["django_language"] = "en"
    return client


def admin(personas: Any) -> Client:
    return english(personas.client("admin"))


def workbook(units: list[list[Any]] | None = None, people: list[list[Any]] | None = None) -> bytes:
    book = Workbook()
    sheets = []
    if units is not None:
        sheets.append(("Đơn vị", UNIT_HEADER, units))
    if people is not None:
        sheets.append(("Người dùng", PEOPLE_HEADER, people))
    for index, (title, header, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client: Client, data: bytes, name: str = "don-vi.xlsx") -> Any:
    return client.post(reverse("units:import"), {"file": SimpleUploadedFile(name, data)})


def pending(client: Client) -> dict[str, str]:
    return client.session["dti_units_import"]  # type: ignore[no-any-return]


def apply(client: Client) -> Any:
    token = pending(client)
    return client.post(
        reverse("units:import_apply"), {"token": token["token"], "sha256": token["sha256"]}
    )


def counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "departments": Department.objects.count(),
        "users": User.objects.count(),
        "roles": Role.objects.count(),
        "audit": AuditRecord.objects.count(),
    }


def audit_of(action: str) -> list[AuditRecord]:
    """The records of ``action`` the tests' own requests wrote (not the personas' set-up)."""
    return list(AuditRecord.objects.filter(action=action).exclude(actor_label="test"))


GOOD_UNITS = [
    [1, "Sở Tư pháp", "stp", "Sở, ban, ngành", "Nhóm 1", "", "Văn phòng; Thanh tra"],
    # a sub-unit before its parent: the parent is created first all the same
    [2, "UBND xã Nhân Thắng", "", "", "", "UBND huyện Gia Bình", ""],
    [3, "UBND huyện Gia Bình", "", "", "Nhóm 2", "", "Văn phòng HĐND-UBND"],
]
GOOD_PEOPLE = [
    [
        1,
        "Nguyễn Văn An",
        "nguyenvanan",
        "an@example.vn",
        "0912345678",
        "Chánh Thanh tra",
        "Lãnh đạo; Phòng chuyên môn",
        "Sở Tư pháp",
        "Thanh tra",
    ],
    [
        2,
        "Trần Thị Bình",
        "tranthibinh",
        "",
        "",
        "",
        "Cán bộ cung cấp thông tin",
        "UBND huyện Gia Bình",
        "",
    ],
    [3, "", "officer_a", "", "", "", "Chủ tịch hội đồng", "", ""],
    [4, "", "TranThiBinh", "", "", "", "Ban Chỉ đạo", "", ""],
]


# ---------------------------------------------------------------- the unit's start page (kept)


def test_unit_home_still_works(personas: Any) -> None:
    url = reverse("units:home", args=[personas.unit_a.pk])
    assert personas.client("officer_a").get(url).status_code == 200
    assert personas.client("officer_b").get(url).status_code == 404
    assert personas.client("admin").get(url).status_code == 200


# ---------------------------------------------------------------- the list


def test_unit_list_shows_every_unit_with_its_counts(personas: Any) -> None:
    Department.objects.create(unit=personas.unit_a, name="Thanh tra", position=2)
    personas.unit_b.merged_into = personas.unit_a
    personas.unit_b.save()
    response = admin(personas).get(reverse("units:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sở Tư pháp" in html and "Sở Y tế" in html
    rows = {unit.pk: unit for unit in response.context["units"]}
    # unit A: 2 departments; officer, leader and staff of A
    assert rows[personas.unit_a.pk].departments_count == 2
    assert rows[personas.unit_a.pk].people_count == 3
    assert rows[personas.unit_b.pk].people_count == 1
    assert rows[personas.unit_b.pk].merged_into == personas.unit_a


def _queries(client: Client, url: str) -> int:
    client.get(url)  # the first request of a session sets it up; count the ones after
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_unit_list_queries_do_not_grow_with_the_units(personas: Any) -> None:
    client = admin(personas)
    url = reverse("units:list")
    few = _queries(client, url)
    for number in range(18):
        unit = Unit.objects.create(
            name=f"Đơn vị {number}",
            code=f"dv{number}",
            kind=Unit.Kind.DISTRICT,
            parent=personas.unit_a,
            merged_into=personas.unit_b,
        )
        Department.objects.create(unit=unit, name="Văn phòng")
    assert Unit.objects.count() == 20
    assert _queries(client, url) == few


def test_export_queries_do_not_grow(personas: Any) -> None:
    client = admin(personas)
    url = reverse("units:export")
    few = _queries(client, url)
    for number in range(18):
        unit = Unit.objects.create(name=f"Đơn vị {number}", code=f"dv{number}", kind="district")
        Department.objects.create(unit=unit, name="Văn phòng")
        user = User.objects.create_user(username=f"user{number}", full_name=f"Người {number}")
        Role.objects.create(user=user, kind=Role.Kind.LEADER, unit=unit)
    assert _queries(client, url) == few


# ---------------------------------------------------------------- create and edit


def test_create_a_unit(personas: Any) -> None:
    client = admin(personas)
    assert client.get(reverse("units:create")).status_code == 200
    response = client.post(
        reverse("units:create"),
        {"name": "  UBND huyện  Gia Bình ", "code": "GB", "kind": "district", "parent": ""},
    )
    unit = Unit.objects.get(code="gb")
    assert response.status_code == 302
    assert response["Location"] == reverse("units:edit", args=[unit.pk])
    assert unit.name == "UBND huyện Gia Bình"
    assert unit.position == 3  # after the two units there are
    records = audit_of("unit.create")
    assert len(records) == 1
    assert records[0].before is None
    assert records[0].after["name"] == "UBND huyện Gia Bình"
    assert records[0].actor == personas.users["admin"]


def test_create_refuses_a_taken_code_or_name(personas: Any) -> None:
    client = admin(personas)
    before = counts()
    response = client.post(
        reverse("units:create"), {"name": "Sở Y tế", "code": "stp", "kind": "department"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Another unit already has this short code." in html
    assert "Another unit already has this name." in html
    assert counts() == before


def test_edit_a_unit_with_a_merger(personas: Any) -> None:
    client = admin(personas)
    url = reverse("units:edit", args=[personas.unit_b.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "Sở Y tế (cũ)",
            "code": "syt",
            "kind": "department",
            "parent": "",
            "position": "7",
            "merged_into": personas.unit_a.pk,
            "merged_on": "2025-07-01",
        },
    )
    assert response.status_code == 302
    unit = Unit.objects.get(pk=personas.unit_b.pk)
    assert unit.name == "Sở Y tế (cũ)"
    assert unit.merged_into == personas.unit_a
    assert str(unit.merged_on) == "2025-07-01"
    assert unit.position == 7
    [record] = audit_of("unit.update")
    assert record.before["name"] == "Sở Y tế" and record.before["merged_into"] is None
    assert record.after["name"] == "Sở Y tế (cũ)" and record.after["merged_into"] == "stp"
    assert record.after["merged_on"] == "2025-07-01"


def test_edit_refuses_a_circle_of_parents_and_a_date_without_merger(personas: Any) -> None:
    personas.unit_b.parent = personas.unit_a
    personas.unit_b.save()
    client = admin(personas)
    before = counts()
    response = client.post(
        reverse("units:edit", args=[personas.unit_a.pk]),
        {
            "name": "Sở Tư pháp",
            "code": "stp",
            "kind": "department",
            "parent": personas.unit_b.pk,
            "merged_on": "2025-01-01",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "A unit cannot be placed under itself or under one of its own sub-units." in html
    assert "Choose the unit it was merged into, or clear the date." in html
    assert counts() == before


# ---------------------------------------------------------------- departments


def test_add_rename_remove_a_department(personas: Any) -> None:
    client = admin(personas)
    unit = personas.unit_a
    response = client.post(reverse("units:department_add", args=[unit.pk]), {"name": "Thanh tra"})
    assert response.status_code == 302
    department = Department.objects.get(unit=unit, name="Thanh tra")
    assert department.position == 2
    [added] = audit_of("department.create")
    assert added.before is None and added.after == {
        "unit": "stp",
        "name": "Thanh tra",
        "position": 2,
    }

    response = client.post(
        reverse("units:department_rename", args=[unit.pk, department.pk]), {"name": "Thanh tra Sở"}
    )
    assert response.status_code == 302
    [renamed] = audit_of("department.rename")
    assert renamed.before["name"] == "Thanh tra" and renamed.after["name"] == "Thanh tra Sở"

    response = client.post(reverse("units:department_remove", args=[unit.pk, department.pk]))
    assert response.status_code == 302
    assert not Department.objects.filter(pk=department.pk).exists()
    [removed] = audit_of("department.remove")
    assert removed.before["name"] == "Thanh tra Sở" and removed.after is None


def test_adding_a_department_twice_is_refused(personas: Any) -> None:
    client = admin(personas)
    before = counts()
    response = client.post(
        reverse("units:department_add", args=[personas.unit_a.pk]), {"name": "văn phòng"}
    )
    assert response.status_code == 400
    assert "This unit already has a department with this name." in response.content.decode()
    assert counts() == before


def test_a_department_in_use_is_not_removed(personas: Any) -> None:
    client = admin(personas)
    department = personas.department_a  # staff_a works there
    before = counts()
    url = reverse("units:department_remove", args=[personas.unit_a.pk, department.pk])
    response = client.post(url, follow=True)
    assert "cannot be removed: 1 role(s) still use it" in response.content.decode()
    assert Department.objects.filter(pk=department.pk).exists()
    assert counts() == before


def test_a_department_of_another_unit_is_not_found(personas: Any) -> None:
    client = admin(personas)
    url = reverse("units:department_remove", args=[personas.unit_b.pk, personas.department_a.pk])
    assert client.post(url).status_code == 404


# ---------------------------------------------------------------- permissions

GET_VIEWS = [
    ("units:list", ()),
    ("units:create", ()),
    ("units:edit", ("unit",)),
    ("units:export", ()),
    ("units:import", ()),
    ("units:import_preview", ()),
    ("units:import_done", ()),
]
POST_VIEWS = [
    ("units:department_add", ("unit",)),
    ("units:department_rename", ("unit", "department")),
    ("units:department_remove", ("unit", "department")),
    ("units:import_apply", ()),
    ("units:import_cancel", ()),
]


def _url(personas: Any, name: str, args: tuple[str, ...], unknown: bool = False) -> str:
    values = {
        "unit": 999_999 if unknown else personas.unit_a.pk,
        "department": personas.department_a.pk,
    }
    return reverse(name, args=[values[a] for a in args])


@pytest.mark.parametrize(("name", "args"), GET_VIEWS + POST_VIEWS)
def test_only_the_administrator_gets_in(personas: Any, name: str, args: tuple[str, ...]) -> None:
    url = _url(personas, name, args)
    method = "post" if (name, args) in POST_VIEWS else "get"
    for persona in ("appraiser", "officer_a", "leader_a", "staff_a"):
        assert getattr(personas.client(persona), method)(url).status_code == 403, persona
    response = getattr(personas.client("anonymous"), method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "args"), GET_VIEWS)
def test_get_views_answer_the_administrator_and_refuse_other_methods(
    personas: Any, name: str, args: tuple[str, ...]
) -> None:
    client = admin(personas)
    url = _url(personas, name, args)
    response = client.get(url)
    # the preview and result pages send back to the upload page when nothing is waiting
    assert response.status_code == (
        302 if name in ("units:import_preview", "units:import_done") else 200
    )
    for method in ("put", "delete", "patch"):
        assert getattr(client, method)(url).status_code == 405
    if name in ("units:list", "units:export", "units:import_preview", "units:import_done"):
        assert client.post(url).status_code == 405


@pytest.mark.parametrize(("name", "args"), POST_VIEWS)
def test_post_views_refuse_get(personas: Any, name: str, args: tuple[str, ...]) -> None:
    assert admin(personas).get(_url(personas, name, args)).status_code == 405


@pytest.mark.parametrize(
    "name",
    ["units:edit", "units:department_add", "units:department_rename", "units:department_remove"],
)
def test_unknown_units_are_not_found(personas: Any, name: str) -> None:
    args = dict(GET_VIEWS + POST_VIEWS)[name]
    url = _url(personas, name, args, unknown=True)
    client = admin(personas)
    response = client.get(url) if name == "units:edit" else client.post(url, {"name": "X"})
    assert response.status_code == 404


# ---------------------------------------------------------------- Excel: export


def test_export_is_laid_out_like_the_decision(personas: Any) -> None:
    personas.unit_b.parent = personas.unit_a
    personas.unit_b.save()
    Department.objects.create(unit=personas.unit_a, name="Thanh tra", position=2)
    response = admin(personas).get(reverse("units:export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="don-vi-nguoi-dung-')
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Đơn vị", "Người dùng"]
    units = [list(row) for row in book["Đơn vị"].iter_rows(values_only=True)]
    assert units[0] == UNIT_HEADER
    assert units[1] == [
        1,
        "Sở Tư pháp",
        "stp",
        "Sở, ban, ngành",
        "Nhóm 1",
        None,
        "Văn phòng; Thanh tra",
    ]
    assert units[2] == [2, "Sở Y tế", "syt", "Sở, ban, ngành", "Nhóm 1", "Sở Tư pháp", None]
    people = [list(row) for row in book["Người dùng"].iter_rows(values_only=True)]
    assert people[0] == PEOPLE_HEADER
    by_username = {row[2]: row for row in people[1:]}
    assert by_username["staff_a"][6:] == ["Phòng chuyên môn", "Sở Tư pháp", "Văn phòng"]
    assert by_username["admin"][6:] == ["Quản trị", None, None]
    assert by_username["officer_b"][6:] == ["Cán bộ cung cấp thông tin", "Sở Y tế", None]


def test_export_reimports_as_unchanged(personas: Any) -> None:
    from dti.accounts.actions import grant_role
    from dti.audit.trail import Actor

    system = Actor(label="test")
    # a person with several roles in two units and a department, and a chair
    leader = personas.users["leader_a"]
    grant_role(system, leader, Role.Kind.DATA_OFFICER, unit=personas.unit_b)
    grant_role(system, leader, Role.Kind.DEPARTMENT_STAFF, department=personas.department_a)
    grant_role(system, leader, Role.Kind.STEERING)
    grant_role(system, personas.users["appraiser"], Role.Kind.APPRAISER, is_chair=True)
    User.objects.filter(username="officer_b").update(phone="0912345678", email="b@example.vn")
    client = admin(personas)
    data = client.get(reverse("units:export")).content
    before = counts()
    assert upload(client, data).status_code == 302
    response = client.get(reverse("units:import_preview"))
    assert response.status_code == 200
    plan = response.context["plan"]
    assert plan.problems == []
    assert {row.status for row in plan.units} == {"unchanged"}
    assert {row.status for row in plan.people} == {"unchanged"}
    assert not plan.has_changes
    assert "there is nothing to import" in response.content.decode()
    assert counts() == before


# ---------------------------------------------------------------- Excel: import


def test_a_bad_row_is_named_and_nothing_is_imported(personas: Any) -> None:
    client = admin(personas)
    people = [*GOOD_PEOPLE]
    people[1] = [2, "Trần Thị Bình", "tranthibinh", "binh@", "", "", "Giám đốc", "Sở Nội vụ", ""]
    units = [*GOOD_UNITS, [4, "Sở Công thương", "sct", "Tổng công ty", "", "", ""]]
    before = counts()
    assert upload(client, workbook(units, people)).status_code == 302
    response = client.get(reverse("units:import_preview"))
    html = response.content.decode()
    plan = response.context["plan"]
    [unit_problem] = [p.text for p in plan.problems if p.sheet == "Đơn vị"]
    assert unit_problem.startswith("unknown kind “Tổng công ty” (use one of: “Sở, ban, ngành”")
    assert {(p.sheet, p.row) for p in plan.problems} == {("Đơn vị", 5), ("Người dùng", 3)}
    texts = [p.text for p in plan.problems if p.sheet == "Người dùng"]
    assert "“binh@” is not a valid e-mail address" in texts
    assert any(t.startswith("unknown role “Giám đốc”") for t in texts)
    assert "unknown unit “Sở Nội vụ”" in texts
    assert "Sheet “Người dùng”, row 3" in html
    assert "Sheet “Đơn vị”, row 5" in html
    assert 'action="/units/import/apply/"' not in html  # no Import button
    assert counts() == before
    # posting the import anyway is refused, and still writes nothing
    response = apply(client)
    assert response.status_code == 200
    assert "Nothing was imported" in response.content.decode()
    assert counts() == before


def test_a_good_import_imports_everything(personas: Any) -> None:
    client = admin(personas)
    before = counts()
    assert upload(client, workbook(GOOD_UNITS, GOOD_PEOPLE)).status_code == 302
    preview = client.get(reverse("units:import_preview"))
    plan = preview.context["plan"]
    assert plan.problems == []
    assert [row.status for row in plan.units] == ["update", "create", "create"]
    assert [row.status for row in plan.people] == ["create", "create", "update", "create"]
    assert counts() == before  # the preview writes nothing

    response = apply(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("units:import_done")
    after = counts()
    assert after["units"] == before["units"] + 2
    assert after["departments"] == before["departments"] + 2
    assert after["users"] == before["users"] + 2
    assert after["roles"] == before["roles"] + 5
    # one record per action: 2 units, 2 departments, 2 accounts, 5 roles
    assert after["audit"] == before["audit"] + 11
    assert len(audit_of("unit.create")) == 2
    assert len(audit_of("department.create")) == 2
    assert len(audit_of("account.create")) == 2
    assert len(audit_of("role.grant")) == 5

    district = Unit.objects.get(name="UBND huyện Gia Bình")
    commune = Unit.objects.get(name="UBND xã Nhân Thắng")
    assert district.kind == Unit.Kind.DISTRICT and district.code == "hgb"
    assert commune.kind == Unit.Kind.COMMUNE and commune.parent == district
    an = User.objects.get(username="nguyenvanan")
    assert an.must_change_password and an.phone == "0912345678"
    assert {
        (r.kind, r.unit.code, r.department.name if r.department else None) for r in an.roles.all()
    } == {
        ("leader", "stp", None),
        ("department_staff", "stp", "Thanh tra"),
    }
    binh = User.objects.get(username="tranthibinh")
    assert set(binh.roles.values_list("kind", flat=True)) == {"data_officer", "steering"}
    assert personas.users["officer_a"].roles.filter(kind="appraiser", is_chair=True).exists()

    # the temporary passwords: shown once, and they work
    done = client.get(reverse("units:import_done"))
    assert done.status_code == 200
    assert done["Cache-Control"] == "no-store"
    passwords = {username: password for _name, username, password in done.context["passwords"]}
    assert set(passwords) == {"nguyenvanan", "tranthibinh"}
    assert passwords["nguyenvanan"] in done.content.decode()
    assert "data:application/vnd.openxmlformats" in done.content.decode()
    assert an.check_password(passwords["nguyenvanan"])
    assert client.get(reverse("units:import_done")).status_code == 302  # not twice
    # the uploaded file is gone, and so is the session's note of it
    assert "dti_units_import" not in client.session
    assert list((Path(client_media()) / "imports").glob("*.xlsx")) == []


def client_media() -> str:
    from django.conf import settings

    return str(settings.MEDIA_ROOT)


def test_the_import_is_checked_again_when_applied(personas: Any) -> None:
    client = admin(personas)
    people = [[1, "Lê Văn Cường", "levancuong", "", "", "", "Phòng chuyên môn", "stp", "Văn phòng"]]
    assert upload(client, workbook(people=people)).status_code == 302
    assert client.get(reverse("units:import_preview")).context["plan"].problems == []
    # meanwhile someone renames the department the row names
    Department.objects.filter(pk=personas.department_a.pk).update(name="Văn phòng Sở")
    before = counts()
    response = apply(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "the department “Văn phòng” is not in the unit “Sở Tư pháp”" in html
    assert counts() == before


def test_a_file_changed_between_preview_and_import_is_refused(personas: Any) -> None:
    client = admin(personas)
    assert upload(client, workbook(GOOD_UNITS)).status_code == 302
    stored = Path(client_media()) / "imports" / f"{pending(client)['token']}.xlsx"
    assert stored.exists()
    token = pending(client)
    stored.write_bytes(workbook([[1, "Sở Nội vụ", "snv", "Sở, ban, ngành", "", "", ""]]))
    before = counts()
    response = client.post(
        reverse("units:import_apply"), {"token": token["token"], "sha256": token["sha256"]}
    )
    assert response.status_code == 302
    assert counts() == before
    assert not stored.exists()
    message = client.get(response["Location"]).content.decode()
    assert "The uploaded workbook is gone or has changed: upload it again." in message


def test_an_out_of_date_preview_is_refused(personas: Any) -> None:
    client = admin(personas)
    assert upload(client, workbook(GOOD_UNITS)).status_code == 302
    old = pending(client)
    assert (
        upload(client, workbook([[1, "Sở Nội vụ", "snv", "", "Nhóm 1", "", ""]])).status_code == 302
    )
    before = counts()
    response = client.post(
        reverse("units:import_apply"), {"token": old["token"], "sha256": old["sha256"]}
    )
    assert response.status_code == 302
    assert counts() == before
    # the first upload's file was removed when the second came
    assert not (Path(client_media()) / "imports" / f"{old['token']}.xlsx").exists()


def test_cancel_discards_the_upload(personas: Any) -> None:
    client = admin(personas)
    upload(client, workbook(GOOD_UNITS))
    stored = Path(client_media()) / "imports" / f"{pending(client)['token']}.xlsx"
    assert client.post(reverse("units:import_cancel")).status_code == 302
    assert not stored.exists()
    assert "dti_units_import" not in client.session


def test_a_disguised_file_is_refused(personas: Any) -> None:
    client = admin(personas)
    response = upload(client, "STT;Tên cơ quan, đơn vị\n1;Sở Y tế\n".encode(), "don-vi.xlsx")
    assert response.status_code == 400
    assert "the file is not an Excel workbook (.xlsx)" in response.content.decode()
    assert "dti_units_import" not in client.session
    old_excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    response = upload(client, old_excel, "don-vi.xlsx")
    assert "old Excel 97–2003 workbook (.xls)" in response.content.decode()
    # a zip that is not a workbook
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    response = upload(client, buffer.getvalue())
    assert "the file is not an Excel workbook (.xlsx)" in response.content.decode()


def test_an_oversized_file_is_refused(personas: Any) -> None:
    client = admin(personas)
    data = workbook(GOOD_UNITS)
    response = upload(client, data + b"\0" * (5 * 1024 * 1024))
    assert response.status_code == 400
    assert "The file is too large (5.0 MB); at most 5 MB is accepted." in response.content.decode()
    assert "dti_units_import" not in client.session


def test_a_workbook_with_too_many_rows_is_refused(personas: Any) -> None:
    client = admin(personas)
    rows = [[n, f"Đơn vị {n}", f"dv{n}", "Khác", "", "", ""] for n in range(5001)]
    response = upload(client, workbook(rows))
    assert response.status_code == 400
    assert (
        "Sheet “Đơn vị”: the sheet has more than 5000 rows; a workbook this large is refused"
        in response.content.decode()
    )
    assert "dti_units_import" not in client.session


def test_a_workbook_without_our_sheets(personas: Any) -> None:
    client = admin(personas)
    book = Workbook()
    book.active.title = "Bảng 1"
    book.create_sheet("Bảng 2")
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, buffer.getvalue())
    assert response.status_code == 400
    assert "the workbook has no sheet “Đơn vị” or “Người dùng”" in response.content.decode()
    assert "dti_units_import" not in client.session


def test_the_plain_list_of_the_decision_imports(personas: Any) -> None:
    """Phụ lục I as typed: one sheet, STT and names only; kinds from the names, codes made up."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["STT", "Tên cơ quan, đơn vị"])
    names = [
        "Ban Quản lý An toàn thực phẩm",
        "Sở Lao động –Thương binh và Xã hội",
        "UBND Thị xã Quế Võ",
    ]
    for number, name in enumerate(names, 1):
        sheet.append([number, name])
    buffer = io.BytesIO()
    book.save(buffer)
    client = admin(personas)
    upload(client, buffer.getvalue())
    plan = client.get(reverse("units:import_preview")).context["plan"]
    assert plan.problems == []
    assert [(row.code, row.kind) for row in plan.units] == [
        ("bqlattp", "department"),
        ("sldtbxh", "department"),
        ("txqv", "district"),
    ]
    assert apply(client).status_code == 302
    assert Unit.objects.get(code="txqv").name == "UBND Thị xã Quế Võ"


def test_more_problems_are_named(personas: Any) -> None:
    units = [
        [1, "", "x", "", "", "", ""],
        [2, "Sở A", "s a", "Khác", "", "", ""],
        [3, "Sở B", "sb", "", "Nhóm 7", "", ""],
        [4, "Sở C", "sb", "Khác", "", "", ""],
        [5, "Sở D", "sd", "Khác", "", "Sở Không Có", ""],
        [6, "Sở E", "se", "Khác", "", "Sở F", ""],
        [7, "Sở F", "sf", "Khác", "", "se", ""],
        [8, "Sở Y tế", "syt2", "Khác", "", "", ""],
        [9, "Phòng G", "", "", "", "", ""],
    ]
    people = [
        [1, "", "", "", "", "", "", "", ""],
        [2, "Người Mới", "nguoi moi", "", "", "", "", "", ""],
        [3, "", "nguoimoi2", "", "", "", "", "", ""],
        [4, "A", "a1", "", "", "", "Lãnh đạo", "", ""],
        [5, "B", "b1", "", "", "", "Quản trị", "stp", ""],
        [6, "C", "c1", "", "", "", "Phòng chuyên môn", "stp", ""],
        [7, "D", "d1", "", "", "", "Lãnh đạo", "stp", "Văn phòng"],
        [8, "E", "e1", "", "", "", "Phòng chuyên môn", "syt", "Văn phòng"],
        [9, "F", "f1", "f@example.vn", "", "", "", "", ""],
        [10, "F khác", "F1", "", "", "", "Ban Chỉ đạo", "", ""],
        [11, "Q", "q1", "", "", "", "Lãnh đạo", "Sở B", ""],
    ]
    client = admin(personas)
    upload(client, workbook(units, people))
    plan = client.get(reverse("units:import_preview")).context["plan"]
    got: dict[tuple[str | None, int | None], str] = {}
    for p in plan.problems:
        assert (p.sheet, p.row) not in got, (p, got)  # one problem per row here
        got[(p.sheet, p.row)] = p.text
    assert got[("Đơn vị", 2)] == "the name of the unit is missing"
    assert got[("Đơn vị", 3)].startswith("the short code “s a” may hold only")
    assert got[("Đơn vị", 4)] == "unknown group “Nhóm 7” (use Nhóm 1 or Nhóm 2)"
    assert got[("Đơn vị", 5)] == "duplicate short code “sb” (also on row 4)"
    assert got[("Đơn vị", 6)] == "unknown parent unit “Sở Không Có”"
    assert got[("Đơn vị", 7)].startswith("the parent units go round in a circle: se → sf → se")
    assert (
        got[("Đơn vị", 9)]
        == "the name “Sở Y tế” already belongs to the unit with the short code “syt”"
    )
    assert got[("Đơn vị", 10)] == "the kind of the unit is missing: fill in “Loại” or “Nhóm”"
    assert got[("Người dùng", 2)] == "the username is missing"
    assert got[("Người dùng", 3)].startswith("the username “nguoi moi” may hold only")
    assert got[("Người dùng", 4)] == "the full name is missing (a new account needs one)"
    assert got[("Người dùng", 5)] == "the role “Lãnh đạo” needs a unit in “Đơn vị”"
    assert got[("Người dùng", 6)] == "a unit is given but none of the roles belongs to a unit"
    assert got[("Người dùng", 7)] == "the role “Phòng chuyên môn” needs a department in “Phòng”"
    assert (
        got[("Người dùng", 8)] == "a department is given but the row has no role “Phòng chuyên môn”"
    )
    assert got[("Người dùng", 9)] == "the department “Văn phòng” is not in the unit “Sở Y tế”"
    assert got[("Người dùng", 11)] == (
        "duplicate username “F1”: row 10 gives other details (“Họ tên”)"
    )
    assert got[("Người dùng", 12)] == (
        "the unit “Sở B” is on row 4 of the sheet “Đơn vị”, which has problems"
    )


def test_a_chair_and_an_update_of_details(personas: Any) -> None:
    client = admin(personas)
    people = [
        [
            1,
            "Appraiser Mới",
            "appraiser",
            "tham.dinh@example.vn",
            "",
            "",
            "Thẩm định; Chủ tịch hội đồng",
            "",
            "",
        ],
    ]
    upload(client, workbook(people=people))
    plan = client.get(reverse("units:import_preview")).context["plan"]
    [row] = plan.people
    assert row.status == "update"
    assert [(c.field, c.old, c.new) for c in row.changes] == [
        ("full_name", "Appraiser", "Appraiser Mới"),
        ("email", "", "tham.dinh@example.vn"),
        ("role", "Thẩm định", "Chủ tịch hội đồng"),
    ]
    before = counts()
    apply(client)
    after = counts()
    assert after["audit"] == before["audit"] + 2  # account.update, role.update
    [update] = audit_of("account.update")
    assert update.before["email"] == "" and update.after["email"] == "tham.dinh@example.vn"
    assert Role.objects.get(user=personas.users["appraiser"]).is_chair
