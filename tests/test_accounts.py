"""Sign-in: start pages, lockout, two-factor, temporary passwords, sessions."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import struct
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dti.accounts import actions
from dti.accounts.models import User
from dti.audit.models import AuditRecord
from dti.audit.trail import Actor

pytestmark = pytest.mark.django_db
PASSWORD = "mật-khẩu-thử-nghiệm"
SYSTEM = Actor(label="test")


def rfc6238(secret: str, at: datetime.datetime) -> str:
    """An independent TOTP (RFC 6238, SHA-1, 30 s, 6 digits), to check the product's."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int(at.timestamp()) // 30
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.mark.parametrize(
    ("persona", "landing"),
    [
        ("admin", "/periods/"),
        ("officer_a", "unit_a"),
        ("leader_a", "unit_a"),
        ("staff_a", "unit_a"),
        ("officer_b", "unit_b"),
        ("appraiser", "/appraisal/"),
    ],
)
def test_each_role_lands_on_its_start_page(personas: Any, persona: str, landing: str) -> None:
    client = Client()
    response = sign_in(client, persona)
    assert response.status_code == 302 and response["Location"] == "/start/"
    start = client.get("/start/")
    expected = f"/units/{getattr(personas, landing).pk}/" if landing.startswith("unit") else landing
    assert start["Location"] == expected
    assert client.get(expected).status_code == 200


def test_sign_in_rotates_the_session_key(personas: Any) -> None:
    client = Client()
    client.get(reverse("accounts:login"))
    client.cookies["sessionid"] = "attacker-chosen-session-key"
    sign_in(client, "officer_a")
    assert client.cookies["sessionid"].value != "attacker-chosen-session-key"


def test_wrong_password_gives_one_generic_message(personas: Any) -> None:
    for username in ("officer_a", "nobody"):
        client = Client()
        client.cookies["django_language"] = "en"
        response = sign_in(client, username, "wrong password")
        assert response.status_code == 200
        assert "The username or the password is wrong." in response.content.decode()


def test_lockout_after_repeated_failures(personas: Any, settings: Any) -> None:
    settings.DTI_LOCKOUT_ATTEMPTS, settings.DTI_LOCKOUT_MINUTES = 5, 15
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(4):
            assert "wrong" in sign_in(client, "officer_a", "bad").content.decode()
        fifth = sign_in(client, "officer_a", "bad").content.decode()
        assert "locked for 15 minutes" in fifth
        # Even the right password is refused while locked.
        locked = sign_in(client, "officer_a")
        assert locked.status_code == 200 and "locked" in locked.content.decode()
    assert AuditRecord.objects.filter(action="account.lock").count() == 1
    with time_machine.travel(start + datetime.timedelta(minutes=16), tick=False):
        assert sign_in(client, "officer_a").status_code == 302
    assert User.objects.get(username="officer_a").failed_logins == 0


def test_administrator_unlocks(personas: Any) -> None:
    user = personas.users["officer_a"]
    for _ in range(5):
        actions.register_failed_sign_in(SYSTEM, user)
    user.refresh_from_db()
    assert user.locked_until is not None
    actions.unlock_user(Actor(personas.users["admin"], "admin"), user)
    assert sign_in(Client(), "officer_a").status_code == 302
    assert AuditRecord.objects.filter(action="account.unlock").count() == 1


def test_two_factor_sign_in_with_a_real_code(personas: Any) -> None:
    client = personas.client("appraiser")
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        page = client.get(reverse("accounts:totp_setup"))
        assert page.status_code == 200 and "<svg" in page.content.decode()
        user = User.objects.get(username="appraiser")
        assert not user.totp_enabled
        wrong = client.post(
            reverse("accounts:totp_setup"),
            {"code": "000000" if rfc6238(user.totp_secret, now) != "000000" else "111111"},
        )
        assert "not right" in wrong.content.decode() or "không đúng" in wrong.content.decode()
        assert (
            client.post(
                reverse("accounts:totp_setup"), {"code": rfc6238(user.totp_secret, now)}
            ).status_code
            == 302
        )
    user.refresh_from_db()
    assert user.totp_enabled
    assert AuditRecord.objects.filter(action="account.totp_on", object_id=str(user.pk)).count() == 1

    later = now + datetime.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        fresh = Client()
        step_one = sign_in(fresh, "appraiser")
        assert step_one["Location"] == reverse("accounts:totp")
        assert fresh.get("/start/").status_code == 302  # not signed in yet
        assert "_auth_user_id" not in fresh.session
        code = rfc6238(user.totp_secret, later)
        assert fresh.post(reverse("accounts:totp"), {"code": code})["Location"] == "/start/"
        assert fresh.session["_auth_user_id"] == str(user.pk)
        # The same code cannot be used twice.
        replay = Client()
        sign_in(replay, "appraiser")
        assert replay.post(reverse("accounts:totp"), {"code": code}).status_code == 200
        assert "_auth_user_id" not in replay.session


def test_policy_requires_two_factor_for_staff(personas: Any) -> None:
    actions.set_security_policy(SYSTEM, require_totp_for_staff=True)
    admin = personas.client("admin")
    assert admin.get("/periods/")["Location"] == reverse("accounts:totp_setup")
    officer = personas.client("officer_a")
    assert officer.get(f"/units/{personas.unit_a.pk}/").status_code == 200
    assert AuditRecord.objects.filter(action="security.policy").count() == 1


def test_temporary_password_must_be_changed(personas: Any) -> None:
    admin = Actor(personas.users["admin"], "admin")
    user, password = actions.create_user(
        admin, "newperson", "Nguyễn Văn Mới", email="moi@example.vn"
    )
    assert AuditRecord.objects.filter(action="account.create", object_id=str(user.pk)).count() == 1
    client = Client()
    assert sign_in(client, "newperson", password).status_code == 302
    assert client.get("/start/")["Location"] == reverse("accounts:password")
    bad = client.post(
        reverse("accounts:password"),
        {"current": password, "new": "12345678901", "again": "12345678901"},
    )
    assert bad.status_code == 200
    good = client.post(
        reverse("accounts:password"),
        {"current": password, "new": "Bắc-Ninh-2024!", "again": "Bắc-Ninh-2024!"},
    )
    assert good.status_code == 302
    assert client.get("/start/")["Location"] == reverse("accounts:me")
    assert AuditRecord.objects.filter(action="account.change_password").count() == 1


def test_reset_by_administrator(personas: Any) -> None:
    new_password = actions.reset_password(
        Actor(personas.users["admin"], "admin"), personas.users["officer_b"]
    )
    assert sign_in(Client(), "officer_b").status_code == 200  # the old one no longer works
    assert sign_in(Client(), "officer_b", new_password).status_code == 302


def test_session_expires_after_inactivity(personas: Any, settings: Any) -> None:
    now = timezone.now()
    client = Client()
    with time_machine.travel(now, tick=False):
        sign_in(client, "officer_a")
        assert client.get("/start/").status_code == 302
        assert client.get(f"/units/{personas.unit_a.pk}/").status_code == 200
    with time_machine.travel(
        now + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60), tick=False
    ):
        response = client.get(f"/units/{personas.unit_a.pk}/")
        assert response.status_code == 302 and response["Location"].startswith(
            reverse("accounts:login")
        )


def test_a_session_in_use_stays_alive_and_is_written_every_few_minutes(
    personas: Any, settings: Any
) -> None:
    """Not on every request (that was a database write per page view): once the last refresh is
    five minutes old. Used every ten minutes for three hours, it lives; left idle, it ends."""
    from django.contrib.sessions.models import Session

    now = timezone.now()
    url = f"/units/{personas.unit_a.pk}/"
    client = Client()
    with time_machine.travel(now, tick=False):
        sign_in(client, "officer_a")
        assert client.get(url).status_code == 200
    key = client.cookies["sessionid"].value
    written = Session.objects.get(session_key=key).expire_date
    assert written == now + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(now + datetime.timedelta(minutes=4), tick=False):
        assert client.get(url).status_code == 200
    assert Session.objects.get(session_key=key).expire_date == written  # not written again
    for minutes in range(10, 181, 10):
        moment = now + datetime.timedelta(minutes=minutes)
        with time_machine.travel(moment, tick=False):
            assert client.get(url).status_code == 200, minutes
        expires = Session.objects.get(session_key=key).expire_date
        assert expires == moment + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    idle = moment + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)
    with time_machine.travel(idle, tick=False):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(
            reverse("accounts:login")
        )


def test_a_visitor_without_a_session_gets_none(personas: Any) -> None:
    """Nor does one whose cookie names a session that ended (signed out, expired)."""
    from django.contrib.sessions.models import Session

    client = Client()
    assert client.get(reverse("accounts:login")).status_code == 200
    assert "sessionid" not in client.cookies
    client.cookies["sessionid"] = "a-session-that-ended-long-ago"
    assert client.get(reverse("accounts:login")).status_code == 200
    assert client.get(reverse("public:index")).status_code == 200
    assert not Session.objects.exists()


def test_passwords_are_hashed_with_argon2(personas: Any, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = personas.users["leader_a"]
    user.set_password("một-mật-khẩu-dài")
    assert user.password.startswith("argon2$")


def test_sign_out_needs_post(personas: Any) -> None:
    client = personas.client("officer_a")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get("/start/").status_code == 302


def test_no_self_registration() -> None:
    from django.urls import get_resolver

    names = [str(p.pattern) for p in get_resolver().url_patterns]
    assert not any("register" in n or "signup" in n for n in names)
