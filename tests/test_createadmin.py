"""``dti createadmin``: the first administrator, made from the command line through the account
actions (audited), with a temporary password to change at the first sign-in."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from dti.accounts.models import Role, User
from dti.audit.models import AuditRecord

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("createadmin", *args, "--lang", "en", stdout=out)
    return out.getvalue()


def test_the_first_administrator_signs_in_and_must_change_the_password() -> None:
    out = run("quantri", "--full-name", "Nguyễn Văn Quản", "--email", "quantri@bacninh.gov.vn")
    match = re.search(r"sign-in\): (\S+)$", out.strip())
    assert match is not None, out
    user = User.objects.get(username="quantri")
    assert (user.full_name, user.email) == ("Nguyễn Văn Quản", "quantri@bacninh.gov.vn")
    assert user.must_change_password and user.check_password(match.group(1))
    assert list(user.roles.values_list("kind", flat=True)) == [Role.Kind.ADMIN]
    records = AuditRecord.objects.filter(source="dti createadmin").order_by("pk")
    assert [r.action for r in records] == ["account.create", "role.grant"]
    assert match.group(1) not in str([(r.before, r.after) for r in records])
    client = Client()
    response = client.post(
        "/accounts/sign-in/", {"username": "quantri", "password": match.group(1)}
    )
    assert response.status_code == 302
    assert "password" in client.get(response["Location"], follow=True).redirect_chain[-1][0]


def test_an_existing_account_gets_the_role_once(personas: object) -> None:
    officer = User.objects.get(username="officer_a")
    hashed = officer.password
    assert "already had an account" in run("officer_a")
    assert "already had an account" in run("officer_a")
    officer.refresh_from_db()
    assert officer.password == hashed  # the password is not touched
    assert officer.roles.filter(kind=Role.Kind.ADMIN).count() == 1


def test_a_bad_user_name_is_refused_and_nothing_is_written() -> None:
    for name in ("quản trị", "a/b", ""):
        with pytest.raises(CommandError, match="cannot be a user name"):
            run(name)
    assert not User.objects.exists() and not AuditRecord.objects.exists()
