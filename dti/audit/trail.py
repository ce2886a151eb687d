"""Writing the audit trail. Every action calls ``record`` inside its transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from dti.audit.models import AuditRecord


@dataclass(frozen=True)
class Actor:
    """Who acts and from where: a signed-in user with the request's address, or the command line."""

    user: Any = None
    label: str = ""
    source: str = ""

    @classmethod
    def from_request(cls, request: Any) -> Actor:
        user = request.user if request.user.is_authenticated else None
        label = user.get_username() if user else "anonymous"
        source = request.META.get("REMOTE_ADDR", "")
        token = getattr(request, "api_token", None)
        if token is not None:  # through the API: say with which token
            source = f"{source} API {token.prefix}…".strip()
        return cls(user, label, source)

    @classmethod
    def command_line(cls, command: str) -> Actor:
        import getpass

        try:
            who = getpass.getuser()
        except Exception:
            who = "?"
        return cls(None, f"cli:{who}", f"dti {command}")


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return str(o)
        return super().default(o)


def _plain(value: Any) -> Any:
    return None if value is None else json.loads(json.dumps(value, cls=_Encoder))


def record(
    actor: Actor,
    action: str,
    obj: Any,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditRecord:
    """Write one audit record for ``obj``; call it inside the action's transaction."""
    return AuditRecord.objects.create(
        actor=actor.user,
        actor_label=actor.label,
        source=actor.source,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_label=str(obj)[:500],
        before=_plain(before),
        after=_plain(after),
        reason=reason,
    )
