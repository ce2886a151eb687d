"""Making and revoking tokens, each audited. Only the owner does either."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dti.accounts.models import User
from dti.api.models import SHOWN_CHARS, ApiToken, digest, new_token
from dti.audit.trail import Actor, record

MAX_NAME = 100
#: A person keeps at most this many live tokens.
MAX_TOKENS = 20


class TokenError(Exception):
    """The token cannot be made or revoked; the message says why, in the user's language."""


def _state(token: ApiToken) -> dict[str, object]:
    return {
        "name": token.name,
        "prefix": token.prefix,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "revoked": token.revoked_at is not None,
    }


@transaction.atomic
def create_token(
    actor: Actor, user: User, name: str, expires: datetime.date | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it and its secret, which is never shown again."""
    name = " ".join(name.split())
    if not name:
        raise TokenError(_("Give the token a name, e.g. the system that will use it."))
    if len(name) > MAX_NAME:
        raise TokenError(
            _("The name is too long (at most %(count)d characters).") % {"count": MAX_NAME}
        )
    today = timezone.localdate()
    if expires is not None and expires <= today:
        raise TokenError(_("The expiry date must be after today."))
    live = ApiToken.objects.filter(user=user, revoked_at=None)
    if live.count() >= MAX_TOKENS:
        raise TokenError(
            _("You already have %(count)d tokens; revoke one you no longer use first.")
            % {"count": MAX_TOKENS}
        )
    secret = new_token()
    expires_at = None
    if expires is not None:
        # Valid through the whole expiry day, local time.
        end = datetime.datetime.combine(expires + datetime.timedelta(days=1), datetime.time())
        expires_at = timezone.make_aware(end)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:SHOWN_CHARS],
        digest=digest(secret),
        expires_at=expires_at,
    )
    record(actor, "api.token_create", token, before=None, after=_state(token))
    return token, secret


@transaction.atomic
def revoke_token(actor: Actor, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if actor.user is None or token.user_id != actor.user.pk:
        raise TokenError(_("Only its owner can revoke a token."))
    if token.revoked_at is not None:
        return token
    before = _state(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(actor, "api.token_revoke", token, before=before, after=_state(token))
    return token
