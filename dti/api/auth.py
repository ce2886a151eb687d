"""Who calls: a personal access token in ``Authorization: Bearer dti_…`` acts as its owner.

The owner becomes ``request.user``, so the access helpers and the audit trail of the web pages
apply unchanged: the token can do exactly what its owner can, no more.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from dti.api.models import ApiToken, digest
from dti.api.ratelimit import check_rate

#: ``last_used_at`` is written at most this often, not on every request.
TOUCH_EVERY = datetime.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        row = (
            ApiToken.objects.select_related("user").filter(digest=digest(token.strip())).first()
            if token.strip()
            else None
        )
        now = timezone.now()
        if row is None or not row.is_usable(now) or not row.user.is_active:
            raise AuthenticationError
        check_rate(f"token:{row.pk}")
        request.user = row.user
        request.api_token = row  # type: ignore[attr-defined]
        if hasattr(request, "_dti_access"):
            del request._dti_access  # type: ignore[attr-defined]
        if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row


class Anonymous:
    """For the public endpoints (published results, frameworks): no token needed, counted per
    address. Tried after ``TokenAuth``, so a wrong token is still refused."""

    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get("Authorization"):
            raise AuthenticationError
        check_rate(
            f"addr:{request.META.get('REMOTE_ADDR', '')}", settings.DTI_API_ANON_RATE_PER_MINUTE
        )
        # The API knows callers by their token only, never by a browser's session.
        request.user = AnonymousUser()
        if hasattr(request, "_dti_access"):
            del request._dti_access  # type: ignore[attr-defined]
        return "anonymous"


token_auth = TokenAuth()
PUBLIC = [token_auth, Anonymous()]
