"""Being written (issue 6)."""

from typing import Any

from django.http import Http404


def workbook(request: Any, **kwargs: Any) -> Any:
    raise Http404


def annex(request: Any, **kwargs: Any) -> Any:
    raise Http404


def public_csv(request: Any, **kwargs: Any) -> Any:
    raise Http404


def public_json(request: Any, **kwargs: Any) -> Any:
    raise Http404


def public_workbook(request: Any, **kwargs: Any) -> Any:
    raise Http404


def public_annex(request: Any, **kwargs: Any) -> Any:
    raise Http404
