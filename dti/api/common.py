"""What every endpoint shares: the documented answers, the caller's access, the actor."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language

from dti.accounts.access import Access, access_of
from dti.api.errors import ErrorOut
from dti.audit.trail import Actor

#: The largest id a query may name (a database's 64-bit integer): larger ones are refused as
#: invalid rather than reaching the database.
MAX_ID = 2**63 - 1

#: Every endpoint may answer: a bad query or body, no or a wrong token, a body too large, too
#: many requests.
ALWAYS = (400, 401, 413, 429)


def answers(ok: Any, *errors: int, status: int = 200) -> dict[int, Any]:
    """The responses an endpoint documents: ``status`` with ``ok``, and the error format for
    ``errors`` (403, 404, 409 …) and for those every endpoint may give."""
    return {status: ok, **{code: ErrorOut for code in sorted({*ALWAYS, *errors})}}


def access(request: HttpRequest) -> Access:
    return access_of(request)


def actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


def lang() -> str:
    return get_language() or "vi"
