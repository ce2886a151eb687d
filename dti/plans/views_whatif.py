"""Being written (issue 7)."""

from typing import Any

from django.http import Http404


def whatif(request: Any, **kwargs: Any) -> Any:
    raise Http404
