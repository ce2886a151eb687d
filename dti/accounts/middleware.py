"""Before anything else: a temporary password must be changed, and staff must enrol in 2FA if required."""

from __future__ import annotations

from collections.abc import Callable

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
