"""The people administration: accounts, roles, passwords shown once, lockout, the sign-in policy."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dti.accounts.models import Role, SecurityPolicy, User
from dti.audit.models import AuditRecord
from dti.units.models import Department, Unit

pytestmark = pytest.mark.django_db


def admin(personas: Any) -> Client:
    client = personas.client("admin")
    client.cookies["django_language"] = "en"  # read the English originals
    return client


def audit_of(action: str) -> list[AuditRecord]:
    """The records of ``action`` the tests' own requests wrote (not the personas' set-up)."""
    return list(AuditRecord.objects.filter(action=action).exclude(actor_label="test"))


def own_records() -> int:
    return AuditRecord.objects.exclude(actor_label="test").count()


# ---------------------------------------------------------------- the list


def test_people_list_shows_roles_lock_and_two_factor(personas: Any) -> None:
    User.objects.filter(username="officer_b").update(
        locked_until=timezone.now() + datetime.timedelta(minutes=10)
    )
    User.objects.filter(username="leader_a").update(totp_enabled=True)
    response = admin(personas).get(reverse("accounts:people"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("Admin", "Appraiser", "Officer_A", "Leader_A", "Staff_A", "Officer_B"):
        assert name in html
    assert "Department staff · Văn phòng · STP" in html
    assert "locked" in html and "2FA on" in html
    people = list(response.context["page"].object_list)
    assert [p.username for p in people] == sorted(p.username for p in people)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"unit": "A"}, {"officer_a", "leader_a", "staff_a"}),
        ({"unit": "B"}, {"officer_b"}),
        ({"role": "leader"}, {"leader_a"}),
        ({"role": "leader", "unit": "B"}, set()),
        ({"role": "data_officer", "unit": "A"}, {"officer_a"}),
        ({"q": "officer"}, {"officer_a", "officer_b"}),
        ({"q": "OFFICER_B"}, {"officer_b"}),
    ],
)
def test_people_list_filters(personas: Any, query: dict[str, str], expected: set[str]) -> None:
    units = {"A": personas.unit_a.pk, "B": personas.unit_b.pk}
    if "unit" in query:
        query = {**query, "unit": str(units[query["unit"]])}
    response = admin(personas).get(reverse("accounts:people"), query)
    assert response.status_code == 200
    assert {p.username for p in response.context["page"].object_list} == expected


def _queries(client: Client, url: str) -> int:
    client.get(url)  # the first request of a session sets it up; count the ones after
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_people_list_queries_do_not_grow_with_the_people(personas: Any) -> None:
    client = admin(personas)
    url = reverse("accounts:people")
    filtered = f"{url}?unit={personas.unit_a.pk}&role=data_officer&q=a"
    few, few_filtered = _queries(client, url), _queries(client, filtered)
    for number in range(20):
        user = User.objects.create_user(username=f"a{number}", full_name=f"Người {number}")
        Role.objects.create(user=user, kind=Role.Kind.DATA_OFFICER, unit=personas.unit_a)
        Role.objects.create(
            user=user,
            kind=Role.Kind.DEPARTMENT_STAFF,
            unit=personas.unit_a,
            department=personas.department_a,
        )
        Unit.objects.create(name=f"Đơn vị {number}", code=f"dv{number}", kind="district")
    assert _queries(client, url) == few
    assert _queries(client, filtered) == few_filtered


def test_people_list_pages(personas: Any) -> None:
    for number in range(60):
        User.objects.create_user(username=f"z{number:02}", full_name=f"Zeta {number:02}")
    client = admin(personas)
    first = client.get(reverse("accounts:people"))
    assert len(first.context["page"].object_list) == 50
    second = client.get(reverse("accounts:people"), {"page": 2})
    assert len(second.context["page"].object_list) == 16
    assert "Page 2 of 2" in second.content.decode()


# ---------------------------------------------------------------- accounts


def test_create_an_account_shows_the_password_once(personas: Any) -> None:
    client = admin(personas)
    assert client.get(reverse("accounts:person_create")).status_code == 200
    response = client.post(
        reverse("accounts:person_create"),
        {
            "full_name": " Nguyễn  Văn An ",
            "username": "nguyenvanan",
            "email": "an@example.vn",
            "position": "Chuyên viên",
            "phone": "0912 345 678",
        },
    )
    person = User.objects.get(username="nguyenvanan")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:person", args=[person.pk])
    assert person.full_name == "Nguyễn Văn An" and person.must_change_password
    [record] = audit_of("account.create")
    assert record.before is None and record.after["username"] == "nguyenvanan"

    page = client.get(response["Location"])
    password = page.context["password"]
    assert password and password in page.content.decode()
    assert "shown this once only" in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert person.check_password(password)
    again = client.get(response["Location"])
    assert again.context["password"] is None
    assert password not in again.content.decode()
    # and the person can sign in with it, then must choose their own
    fresh = Client()
    signed_in = fresh.post(
        reverse("accounts:login"), {"username": "NguyenVanAn", "password": password}
    )
    assert signed_in.status_code == 302
    assert fresh.get(reverse("accounts:me"))["Location"] == reverse("accounts:password")


def test_create_refuses_a_username_taken_in_another_case(personas: Any) -> None:
    client = admin(personas)
    before = (User.objects.count(), own_records())
    response = client.post(
        reverse("accounts:person_create"),
        {"full_name": "X", "username": "Officer_A", "email": "not-an-email"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Another person already has this username." in html
    assert "Enter a valid email address." in html
    assert (User.objects.count(), own_records()) == before


def test_edit_the_details(personas: Any) -> None:
    client = admin(personas)
    person = personas.users["officer_b"]
    url = reverse("accounts:person_edit", args=[person.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "full_name": "Lê Thị Bích",
            "username": "lethibich",
            "email": "bich@example.vn",
            "position": "Chuyên viên",
            "phone": "0987654321",
        },
    )
    assert response.status_code == 302
    [record] = audit_of("account.update")
    assert record.before == {
        "username": "officer_b",
        "full_name": "Officer_B",
        "email": "",
        "position": "",
        "phone": "",
    }
    assert record.after["phone"] == "0987654321" and record.after["username"] == "lethibich"


def test_the_person_page(personas: Any) -> None:
    person = personas.users["staff_a"]
    response = admin(personas).get(reverse("accounts:person", args=[person.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Văn phòng" in html and "Sở Tư pháp" in html
    role = Role.objects.get(user=person)
    assert reverse("accounts:person_revoke", args=[person.pk, role.pk]) in html
    assert response.context["password"] is None


def test_person_page_queries_do_not_grow_with_units(personas: Any) -> None:
    client = admin(personas)
    url = reverse("accounts:person", args=[personas.users["leader_a"].pk])
    few = _queries(client, url)
    for number in range(20):
        unit = Unit.objects.create(name=f"Đơn vị {number}", code=f"dv{number}", kind="district")
        Department.objects.create(unit=unit, name="Văn phòng")
    assert _queries(client, url) == few


# ---------------------------------------------------------------- roles


def grant(client: Client, person: User, **data: Any) -> Any:
    return client.post(reverse("accounts:person_grant", args=[person.pk]), data)


def test_grant_a_unit_role(personas: Any) -> None:
    client = admin(personas)
    person = personas.users["officer_b"]
    response = grant(client, person, kind="leader", unit=personas.unit_b.pk)
    assert response.status_code == 302
    assert Role.objects.filter(user=person, kind="leader", unit=personas.unit_b).exists()
    [record] = audit_of("role.grant")
    assert record.before is None
    assert record.after == {
        "user": "officer_b",
        "kind": "leader",
        "unit": "Sở Y tế",
        "department": None,
        "chair": False,
    }


def test_a_department_implies_its_unit(personas: Any) -> None:
    client = admin(personas)
    person = personas.users["officer_b"]
    response = grant(client, person, kind="department_staff", department=personas.department_a.pk)
    assert response.status_code == 302
    role = Role.objects.get(user=person, kind="department_staff")
    assert role.unit == personas.unit_a and role.department == personas.department_a
    assert len(audit_of("role.grant")) == 1


def test_grant_a_chair(personas: Any) -> None:
    client = admin(personas)
    person = personas.users["appraiser"]
    assert grant(client, person, kind="appraiser", is_chair="on").status_code == 302
    assert Role.objects.get(user=person).is_chair
    [record] = audit_of("role.update")
    assert record.before["chair"] is False and record.after["chair"] is True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "leader"}, "This role needs a unit."),
        ({"kind": "department_staff", "unit": "A"}, "Department staff need a department."),
        ({"kind": "leader", "department": "dept"}, "Only department staff belong to a department."),
        (
            {"kind": "department_staff", "unit": "B", "department": "dept"},
            "This department belongs to another unit.",
        ),
        (
            {"kind": "admin", "unit": "A"},
            "This role is not tied to a unit: leave unit and department empty.",
        ),
        (
            {"kind": "leader", "unit": "A", "is_chair": "on"},
            "Only an appraiser can chair the council.",
        ),
        ({"kind": "data_officer", "unit": "A"}, "This person already holds this role."),
        ({"kind": "nonsense"}, "Select a valid choice."),
    ],
)
def test_grant_refuses_what_does_not_fit(personas: Any, data: dict[str, str], message: str) -> None:
    values = {"A": personas.unit_a.pk, "B": personas.unit_b.pk, "dept": personas.department_a.pk}
    data = {key: values.get(value, value) for key, value in data.items()}
    client = admin(personas)
    before = (Role.objects.count(), own_records())
    response = grant(client, personas.users["officer_a"], **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert (Role.objects.count(), own_records()) == before


def test_revoke_a_role(personas: Any) -> None:
    client = admin(personas)
    person = personas.users["leader_a"]
    role = Role.objects.get(user=person)
    response = client.post(reverse("accounts:person_revoke", args=[person.pk, role.pk]))
    assert response.status_code == 302
    assert not Role.objects.filter(pk=role.pk).exists()
    [record] = audit_of("role.revoke")
    assert record.before["kind"] == "leader" and record.after is None


def test_you_cannot_revoke_your_own_administrator_role(personas: Any) -> None:
    client = admin(personas)
    me = personas.users["admin"]
    role = Role.objects.get(user=me)
    response = client.post(reverse("accounts:person_revoke", args=[me.pk, role.pk]), follow=True)
    assert "You cannot take away your own administrator role." in response.content.decode()
    assert Role.objects.filter(pk=role.pk).exists()
    assert own_records() == 0


def test_a_role_of_someone_else_is_not_found(personas: Any) -> None:
    client = admin(personas)
    role = Role.objects.get(user=personas.users["leader_a"])
    url = reverse("accounts:person_revoke", args=[personas.users["officer_a"].pk, role.pk])
    assert client.post(url).status_code == 404


# ---------------------------------------------------------------- passwords, lock, active


def test_reset_the_password(personas: Any) -> None:
    client = admin(personas)
    person = personas.users["officer_a"]
    User.objects.filter(pk=person.pk).update(
        locked_until=timezone.now() + datetime.timedelta(minutes=10), failed_logins=3
    )
    response = client.post(reverse("accounts:person_reset", args=[person.pk]))
    assert response.status_code == 302
    page = client.get(response["Location"])
    password = page.context["password"]
    person.refresh_from_db()
    assert person.check_password(password) and person.must_change_password
    assert person.locked_until is None and person.failed_logins == 0
    [record] = audit_of("account.reset_password")
    assert record.after == {"must_change_password": True}
    assert client.get(response["Location"]).context["password"] is None


def test_a_password_is_shown_only_on_its_person_page(personas: Any) -> None:
    client = admin(personas)
    person = personas.users["officer_a"]
    client.post(reverse("accounts:person_reset", args=[person.pk]))
    other = client.get(reverse("accounts:person", args=[personas.users["officer_b"].pk]))
    assert other.context["password"] is None
    assert client.get(reverse("accounts:person", args=[person.pk])).context["password"]


def test_unlock(personas: Any) -> None:
    client = admin(personas)
    person = personas.users["officer_a"]
    until = timezone.now() + datetime.timedelta(minutes=10)
    User.objects.filter(pk=person.pk).update(locked_until=until, failed_logins=4)
    page = client.get(reverse("accounts:person", args=[person.pk]))
    assert page.context["locked"]
    assert reverse("accounts:person_unlock", args=[person.pk]) in page.content.decode()
    response = client.post(reverse("accounts:person_unlock", args=[person.pk]))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.locked_until is None and person.failed_logins == 0
    [record] = audit_of("account.unlock")
    assert record.before["locked_until"] is not None and record.after == {"locked_until": None}


def test_deactivate_and_activate(personas: Any) -> None:
    client = admin(personas)
    person = personas.users["officer_b"]
    url = reverse("accounts:person_active", args=[person.pk])
    assert client.post(url, {"active": "0"}).status_code == 302
    person.refresh_from_db()
    assert not person.is_active
    [record] = audit_of("account.update")
    assert record.before["active"] is True and record.after["active"] is False
    assert (
        personas.client("officer_b")
        .get(reverse("units:home", args=[personas.unit_b.pk]))
        .status_code
        == 302
    )
    assert client.post(url, {"active": "1"}).status_code == 302
    person.refresh_from_db()
    assert person.is_active
    assert len(audit_of("account.update")) == 2


def test_you_cannot_deactivate_yourself(personas: Any) -> None:
    client = admin(personas)
    me = personas.users["admin"]
    response = client.post(
        reverse("accounts:person_active", args=[me.pk]), {"active": "0"}, follow=True
    )
    assert "You cannot deactivate your own account." in response.content.decode()
    me.refresh_from_db()
    assert me.is_active and own_records() == 0


def test_active_needs_a_choice(personas: Any) -> None:
    client = admin(personas)
    person = personas.users["officer_b"]
    client.post(reverse("accounts:person_active", args=[person.pk]), {"active": "maybe"})
    person.refresh_from_db()
    assert person.is_active and own_records() == 0


# ---------------------------------------------------------------- the sign-in policy


def test_the_security_policy(personas: Any) -> None:
    client = admin(personas)
    page = client.get(reverse("accounts:security"))
    assert page.status_code == 200
    assert {p.username for p in page.context["without"]} == {"admin", "appraiser"}
    response = client.post(reverse("accounts:security"), {"require_totp_for_staff": "on"})
    assert response.status_code == 302
    assert SecurityPolicy.current().require_totp_for_staff
    [record] = audit_of("security.policy")
    assert record.before == {"require_totp_for_staff": False}
    assert record.after == {"require_totp_for_staff": True}
    # the administrator, without two-factor sign-in, is now sent to set it up
    assert client.get(reverse("accounts:people"))["Location"] == reverse("accounts:totp_setup")


# ---------------------------------------------------------------- permissions

GET_VIEWS = [
    ("accounts:people", ()),
    ("accounts:person_create", ()),
    ("accounts:person", ("user",)),
    ("accounts:person_edit", ("user",)),
    ("accounts:security", ()),
]
POST_VIEWS = [
    ("accounts:person_grant", ("user",)),
    ("accounts:person_revoke", ("user", "role")),
    ("accounts:person_reset", ("user",)),
    ("accounts:person_unlock", ("user",)),
    ("accounts:person_active", ("user",)),
]


def _url(personas: Any, name: str, args: tuple[str, ...], unknown: bool = False) -> str:
    person = personas.users["officer_b"]
    values = {
        "user": 999_999 if unknown else person.pk,
        "role": Role.objects.get(user=person).pk,
    }
    return reverse(name, args=[values[a] for a in args])


@pytest.mark.parametrize(("name", "args"), GET_VIEWS + POST_VIEWS)
def test_only_the_administrator_gets_in(personas: Any, name: str, args: tuple[str, ...]) -> None:
    url = _url(personas, name, args)
    method = "post" if (name, args) in POST_VIEWS else "get"
    before = own_records()
    for persona in ("appraiser", "officer_a", "leader_a", "staff_a", "officer_b"):
        assert getattr(personas.client(persona), method)(url).status_code == 403, persona
    response = getattr(personas.client("anonymous"), method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert own_records() == before


@pytest.mark.parametrize(("name", "args"), GET_VIEWS)
def test_get_views_answer_the_administrator_and_refuse_other_methods(
    personas: Any, name: str, args: tuple[str, ...]
) -> None:
    client = admin(personas)
    url = _url(personas, name, args)
    assert client.get(url).status_code == 200
    for method in ("put", "delete", "patch"):
        assert getattr(client, method)(url).status_code == 405
    if name in ("accounts:people", "accounts:person"):
        assert client.post(url).status_code == 405


@pytest.mark.parametrize(("name", "args"), POST_VIEWS)
def test_post_views_answer_the_administrator_and_refuse_get(
    personas: Any, name: str, args: tuple[str, ...]
) -> None:
    client = admin(personas)
    url = _url(personas, name, args)
    assert client.get(url).status_code == 405
    data = {"kind": "steering", "active": "1"}
    assert client.post(url, data).status_code == 302


@pytest.mark.parametrize(("name", "args"), [(n, a) for n, a in GET_VIEWS + POST_VIEWS if a])
def test_unknown_people_are_not_found(personas: Any, name: str, args: tuple[str, ...]) -> None:
    client = admin(personas)
    url = _url(personas, name, args, unknown=True)
    response = (
        client.post(url, {"kind": "steering"}) if (name, args) in POST_VIEWS else client.get(url)
    )
    assert response.status_code == 404
