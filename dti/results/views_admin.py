"""Being written (issue 6)."""

from typing import Any

from django.http import Http404


def period(request: Any, **kwargs: Any) -> Any:
    raise Http404


def bands(request: Any, **kwargs: Any) -> Any:
    raise Http404


def publish(request: Any, **kwargs: Any) -> Any:
    raise Http404


def mappings(request: Any, **kwargs: Any) -> Any:
    raise Http404


def mapping(request: Any, **kwargs: Any) -> Any:
    raise Http404
