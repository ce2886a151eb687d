"""Being written (issue 5)."""

from typing import Any

from django.http import Http404


def home(request: Any, **kwargs: Any) -> Any:
    raise Http404


def review(request: Any, **kwargs: Any) -> Any:
    raise Http404


def decide(request: Any, **kwargs: Any) -> Any:
    raise Http404


def ask(request: Any, **kwargs: Any) -> Any:
    raise Http404


def withdraw(request: Any, **kwargs: Any) -> Any:
    raise Http404


def send_round(request: Any, **kwargs: Any) -> Any:
    raise Http404


def rerun_checks(request: Any, **kwargs: Any) -> Any:
    raise Http404


def evidence_file(request: Any, **kwargs: Any) -> Any:
    raise Http404
