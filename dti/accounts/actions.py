"""Every change to accounts and roles goes through these actions, each audited."""

from __future__ import annotations

import datetime
import secrets

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dti.accounts.models import Role, SecurityPolicy, User
from dti.audit.trail import Actor, record
from dti.units.models import Department, Unit

PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 - letters to draw from


def temporary_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))


def _account_state(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "active": user.is_active,
        "totp": user.totp_enabled,
    }


@transaction.atomic
def create_user(
    actor: Actor,
    username: str,
    full_name: str,
    email: str = "",
    position: str = "",
    phone: str = "",
    password: str | None = None,
) -> tuple[User, str]:
    """Create an account with a temporary password the person must change at first sign-in."""
    password = password or temporary_password()
    user = User(username=username, full_name=full_name, email=email, position=position, phone=phone)
    user.set_password(password)
    user.must_change_password = True
    user.save()
    record(actor, "account.create", user, before=None, after=_account_state(user))
    return user, password


@transaction.atomic
def update_user(actor: Actor, user: User, **fields: object) -> User:
    before = _account_state(user)
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    record(actor, "account.update", user, before=before, after=_account_state(user))
    return user


@transaction.atomic
def reset_password(actor: Actor, user: User) -> str:
    """The administrator resets a password: a temporary one, to be changed at next sign-in."""
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    user.save()
    record(actor, "account.reset_password", user, before=None, after={"must_change_password": True})
    return password


@transaction.atomic
def change_password(actor: Actor, user: User, new_password: str) -> None:
    user.set_password(new_password)
    user.must_change_password = False
    user.save()
    record(actor, "account.change_password", user)


@transaction.atomic
def register_failed_sign_in(actor: Actor, user: User) -> bool:
    """Count a failed sign-in; lock the account after too many. True when it got locked now."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.failed_logins += 1
    locked = user.failed_logins >= settings.DTI_LOCKOUT_ATTEMPTS
    if locked:
        user.locked_until = timezone.now() + datetime.timedelta(
            minutes=settings.DTI_LOCKOUT_MINUTES
        )
        user.failed_logins = 0
    user.save(update_fields=["failed_logins", "locked_until"])
    if locked:
        record(
            actor,
            "account.lock",
            user,
            before=None,
            after={"locked_until": user.locked_until.isoformat()},
        )  # type: ignore[union-attr]
    return locked


def register_sign_in(user: User) -> None:
    """A successful sign-in clears the failure count (not audited: it changes no state anyone set)."""
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)


@transaction.atomic
def unlock_user(actor: Actor, user: User) -> None:
    before = {"locked_until": user.locked_until.isoformat() if user.locked_until else None}
    user.locked_until = None
    user.failed_logins = 0
    user.save(update_fields=["failed_logins", "locked_until"])
    record(actor, "account.unlock", user, before=before, after={"locked_until": None})


@transaction.atomic
def start_totp(user: User) -> str:
    """A new secret, kept until the person confirms it with a code (not yet in force)."""
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.totp_enabled = False
    user.save(update_fields=["totp_secret", "totp_enabled"])
    return secret


def verify_totp(user: User, code: str) -> bool:
    """Check a 6-digit code (±30 s); a code is accepted once only."""
    if not user.totp_secret or not code.strip().isdigit():
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = timezone.now().timestamp()
    for drift in (0, -1, 1):
        step = int(now // totp.interval) + drift
        if secrets.compare_digest(totp.at(step * totp.interval), code.strip()):
            updated = User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(
                totp_last_step=step
            )
            return bool(updated)
    return False


@transaction.atomic
def confirm_totp(actor: Actor, user: User) -> None:
    user.totp_enabled = True
    user.save(update_fields=["totp_enabled"])
    record(actor, "account.totp_on", user, before={"totp": False}, after={"totp": True})


@transaction.atomic
def disable_totp(actor: Actor, user: User) -> None:
    user.totp_enabled = False
    user.totp_secret = ""
    user.save(update_fields=["totp_enabled", "totp_secret"])
    record(actor, "account.totp_off", user, before={"totp": True}, after={"totp": False})


def _role_state(role: Role) -> dict[str, object]:
    return {
        "user": role.user.username,
        "kind": role.kind,
        "unit": role.unit.name if role.unit else None,
        "department": role.department.name if role.department else None,
        "chair": role.is_chair,
    }


@transaction.atomic
def grant_role(
    actor: Actor,
    user: User,
    kind: str,
    unit: Unit | None = None,
    department: Department | None = None,
    is_chair: bool = False,
) -> Role:
    """Give a person a role in a scope (a unit, a department), audited."""
    if department is not None:
        unit = department.unit
    role, created = Role.objects.get_or_create(
        user=user, kind=kind, unit=unit, department=department, defaults={"is_chair": is_chair}
    )
    if not created and role.is_chair != is_chair:
        before = _role_state(role)
        role.is_chair = is_chair
        role.save(update_fields=["is_chair"])
        record(actor, "role.update", role, before=before, after=_role_state(role))
    elif created:
        record(actor, "role.grant", role, before=None, after=_role_state(role))
    return role


@transaction.atomic
def revoke_role(actor: Actor, role: Role) -> None:
    before = _role_state(role)
    record(actor, "role.revoke", role, before=before, after=None)
    role.delete()


@transaction.atomic
def set_security_policy(actor: Actor, require_totp_for_staff: bool) -> SecurityPolicy:
    policy = SecurityPolicy.current()
    before = {"require_totp_for_staff": policy.require_totp_for_staff}
    policy.require_totp_for_staff = require_totp_for_staff
    policy.save()
    record(
        actor,
        "security.policy",
        policy,
        before=before,
        after={"require_totp_for_staff": require_totp_for_staff},
    )
    return policy


PERSON_DETAILS = ("username", "full_name", "email", "position", "phone")


def _person_details(user: User) -> dict[str, object]:
    return {name: getattr(user, name) for name in PERSON_DETAILS}


@transaction.atomic
def update_person_details(actor: Actor, user: User, **fields: str) -> User:
    """Change a person's username, full name, e-mail, position or phone; audited with before/after.

    (``update_user`` audits the account's state; this one records the details an
    administrator edits, position and phone included.)
    """
    unknown = set(fields) - set(PERSON_DETAILS)
    if unknown:
        raise TypeError(f"update_person_details() cannot change {', '.join(sorted(unknown))}")
    before = _person_details(user)
    for name, value in fields.items():
        setattr(user, name, value)
    user.save(update_fields=list(fields) or None)
    record(actor, "account.update", user, before=before, after=_person_details(user))
    return user
