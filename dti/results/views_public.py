"""Being written (issue 6)."""

from typing import Any

from django.http import Http404


def index(request: Any, **kwargs: Any) -> Any:
    raise Http404


def period(request: Any, **kwargs: Any) -> Any:
    raise Http404


def unit(request: Any, **kwargs: Any) -> Any:
    raise Http404
