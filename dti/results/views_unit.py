"""Being written (issue 6)."""

from typing import Any

from django.http import Http404


def analysis(request: Any, **kwargs: Any) -> Any:
    raise Http404
