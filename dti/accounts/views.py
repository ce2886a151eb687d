"""Sign-in (with lockout and two-factor), sign-out, password change, the start page."""

from __future__ import annotations

import datetime
import hashlib
import io

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, password_validation
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dti.accounts import actions
from dti.accounts.access import access_of
from dti.accounts.models import Role, SecurityPolicy, User
from dti.audit.trail import Actor

PENDING = "dti_pending_user"


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return reverse("start")


def needs_totp_enrolment(user: User) -> bool:
    """Administrators and appraisers must set up two-factor sign-in when the policy says so."""
    if user.totp_enabled or not SecurityPolicy.current().require_totp_for_staff:
        return False
    return Role.objects.filter(user=user, kind__in=[Role.Kind.ADMIN, Role.Kind.APPRAISER]).exists()


#: How long the failures of a username nobody holds are remembered (see ``_unknown_failure``).
UNKNOWN_MEMORY_SECONDS = 24 * 60 * 60


def _unknown_key(username: str) -> str:
    return "dti-sign-in:" + hashlib.sha256(username.casefold().encode()).hexdigest()


def _unknown_locked_until(username: str, now: datetime.datetime) -> datetime.datetime | None:
    state = cache.get(_unknown_key(username))
    until = state.get("until") if isinstance(state, dict) else None
    return until if until is not None and until > now else None


def _unknown_failure(username: str, now: datetime.datetime) -> bool:
    """Count a failed sign-in with a username nobody holds, as ``register_failed_sign_in``
    counts a person's: the lockout then looks the same, and does not tell who has an account.
    Kept in Django's cache (one process's memory unless a shared cache is configured).
    True when the name got "locked" now."""
    key = _unknown_key(username)
    state = cache.get(key)
    failures = (state.get("failures", 0) if isinstance(state, dict) else 0) + 1
    if failures >= settings.DTI_LOCKOUT_ATTEMPTS:
        until = now + datetime.timedelta(minutes=settings.DTI_LOCKOUT_MINUTES)
        cache.set(key, {"failures": 0, "until": until}, UNKNOWN_MEMORY_SECONDS)
        return True
    cache.set(key, {"failures": failures, "until": None}, UNKNOWN_MEMORY_SECONDS)
    return False


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Sign in. Whether the username exists shows neither in the messages (a wrong password, a
    lockout) nor in the time taken: every attempt hashes the password once."""
    error = ""
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        password = request.POST.get("password", "")
        user = User.objects.filter(username__iexact=username).first()
        now = timezone.now()
        if user is None:
            locked_until = _unknown_locked_until(username, now)
        elif user.locked_until and user.locked_until > now:
            locked_until = user.locked_until
        else:
            locked_until = None
        if locked_until is not None:
            User().set_password(password)  # the work of an attempt: a lock answers no faster
            local = timezone.localtime(locked_until)
            error = _(
                "This account is locked after too many failed sign-ins. Try again after %(time)s."
            ) % {"time": local.strftime("%H:%M")}
        else:
            authenticated = authenticate(
                request, username=user.username if user else username, password=password
            )
            if authenticated is None:
                locked = (
                    actions.register_failed_sign_in(Actor.from_request(request), user)
                    if user is not None
                    else _unknown_failure(username, now)
                )
                if locked:
                    error = _(
                        "Too many failed sign-ins: this account is locked for %(minutes)s minutes."
                    ) % {"minutes": settings.DTI_LOCKOUT_MINUTES}
                else:
                    error = _("The username or the password is wrong.")
            elif authenticated.totp_enabled:
                request.session[PENDING] = authenticated.pk
                request.session["dti_next"] = _safe_next(request)
                return redirect("accounts:totp")
            else:
                actions.register_sign_in(authenticated)
                login(request, authenticated)
                return redirect(_safe_next(request))
    return render(
        request,
        "accounts/login.html",
        {"error": error, "username": username, "next": request.GET.get("next", "")},
        status=200,
    )


@require_http_methods(["GET", "POST"])
def totp_view(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in: the 6-digit code of the person's authenticator app."""
    user = User.objects.filter(pk=request.session.get(PENDING)).first()
    if user is None:
        return redirect("accounts:login")
    error = ""
    if request.method == "POST":
        if user.locked_until and user.locked_until > timezone.now():
            request.session.pop(PENDING, None)
            return redirect("accounts:login")
        if actions.verify_totp(user, request.POST.get("code", "")):
            target = request.session.get("dti_next") or reverse("start")
            actions.register_sign_in(user)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(target)
        actions.register_failed_sign_in(Actor.from_request(request), user)
        error = _("This code is not right. Enter the 6 digits your authenticator app shows now.")
    return render(request, "accounts/totp.html", {"error": error})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def password_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    errors: list[str] = []
    if request.method == "POST":
        current = request.POST.get("current", "")
        new = request.POST.get("new", "")
        again = request.POST.get("again", "")
        if not user.check_password(current):
            errors.append(_("The current password is wrong."))
        elif new != again:
            errors.append(_("The two new passwords differ."))
        else:
            try:
                password_validation.validate_password(new, user)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if not errors:
            actions.change_password(Actor.from_request(request), user, new)
            login(
                request, user, backend="django.contrib.auth.backends.ModelBackend"
            )  # keep the session
            messages.success(request, _("Your password has been changed."))
            return redirect("start")
    return render(
        request, "accounts/password.html", {"errors": errors, "forced": user.must_change_password}
    )


@login_required
@require_http_methods(["GET", "POST"])
def totp_setup_view(request: HttpRequest) -> HttpResponse:
    """Turn on two-factor sign-in: scan the code, then confirm with a first code."""
    user: User = request.user  # type: ignore[assignment]
    error = ""
    if request.method == "POST" and request.POST.get("action") == "disable":
        if user.totp_enabled and not needs_totp_enrolment_if_disabled(user):
            actions.disable_totp(Actor.from_request(request), user)
            messages.success(request, _("Two-factor sign-in is off."))
        return redirect("accounts:me")
    if request.method == "POST":
        if actions.verify_totp(user, request.POST.get("code", "")):
            actions.confirm_totp(Actor.from_request(request), user)
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect("start")
        error = _("This code is not right. Enter the 6 digits your authenticator app shows now.")
    elif not user.totp_secret or not user.totp_enabled:
        actions.start_totp(user)
    import pyotp

    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name="DTI")
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", scale=5, xmldecl=False, svgns=True, nl=False
    )
    context = {
        "error": error,
        "secret": user.totp_secret,
        "qr_svg": buffer.getvalue().decode(),
        "enabled": user.totp_enabled,
        "required": needs_totp_enrolment_if_disabled(user),
    }
    return render(request, "accounts/totp_setup.html", context)


def needs_totp_enrolment_if_disabled(user: User) -> bool:
    return (
        SecurityPolicy.current().require_totp_for_staff
        and Role.objects.filter(user=user, kind__in=[Role.Kind.ADMIN, Role.Kind.APPRAISER]).exists()
    )


@login_required
def start_view(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own start page after sign-in."""
    access = access_of(request)
    if access.is_admin:
        return redirect("periods:list")
    if access.is_appraiser:
        return redirect("appraisal:home")
    if access.is_steering:
        return redirect("steering:dashboard")
    units = sorted(access.unit_ids())
    if units:
        return redirect("units:home", unit_id=units[0])
    return redirect("accounts:me")


@login_required
def me_view(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    return render(request, "accounts/me.html", {"access": access, "roles": access.roles})
