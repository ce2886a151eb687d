"""Being written (issue 5)."""

from typing import Any

from django.http import Http404


def questions(request: Any, **kwargs: Any) -> Any:
    raise Http404


def answer(request: Any, **kwargs: Any) -> Any:
    raise Http404


def send_answers(request: Any, **kwargs: Any) -> Any:
    raise Http404


def results(request: Any, **kwargs: Any) -> Any:
    raise Http404
