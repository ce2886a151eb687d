"""Being written (issue 5)."""

from typing import Any

from django.http import Http404


def council(request: Any, **kwargs: Any) -> Any:
    raise Http404


def finalise(request: Any, **kwargs: Any) -> Any:
    raise Http404


def approve(request: Any, **kwargs: Any) -> Any:
    raise Http404
