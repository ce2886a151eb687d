"""Personal access tokens: the key to the API, made and revoked by their owner.

Only the SHA-256 of a token is stored; the token itself is shown once, when it is made. A token
is 32 random bytes, so a fast hash is enough (there is nothing to guess from it). Its first
characters (``prefix``) are kept to tell tokens apart on the owner's page and in the audit trail.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: Every token starts with this, so one found in a log or a repository is recognised.
TOKEN_PREFIX = "dti_"  # noqa: S105 - a marker, not a secret
#: Characters of the token kept in clear to tell it apart ("dti_Ab12Cd").
SHOWN_CHARS = 10


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=SHOWN_CHARS)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: object = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)  # type: ignore[operator]
