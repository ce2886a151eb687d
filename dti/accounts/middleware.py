"""Before anything else: a temporary password must be changed, and staff must enrol in 2FA if
required. And a session in use stays alive without being written on every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class AccountGuardMiddleware:
    ALWAYS_ALLOWED = ("accounts:password", "accounts:logout", "accounts:totp_setup", "set_language")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith("/static/"):
            allowed = {reverse(name) for name in self.ALWAYS_ALLOWED}
            if request.path not in allowed:
                if user.must_change_password:  # type: ignore[union-attr]
                    return redirect("accounts:password")
                from dti.accounts.views import needs_totp_enrolment

                if needs_totp_enrolment(user):  # type: ignore[arg-type]
                    return redirect("accounts:totp_setup")
        return self.get_response(request)


class SessionRefreshMiddleware:
    """A session ends ``SESSION_COOKIE_AGE`` seconds after its last refresh; every request
    refreshes it once the last refresh is a few minutes old (a tenth of that age, five minutes at
    most). Refreshing on every request (Django's ``SESSION_SAVE_EVERY_REQUEST``) wrote the session
    to the database on every page view; now a person reading pages writes it every five minutes,
    and an idle session still ends after two hours (less at most those five minutes)."""

    KEY = "_dti_refreshed"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        # Visitors without a session, or with the cookie of one that ended, get none.
        if session.session_key is not None and session.keys():
            now = int(time.time())
            every = min(300, settings.SESSION_COOKIE_AGE // 10)
            if now - session.get(self.KEY, 0) >= every:
                session[self.KEY] = now  # modified: saved, with a new expiry, after the view
        return self.get_response(request)
