"""Access helpers: every view asks here for the framework it shows.

Frameworks are public documents (the decisions that issue them are published),
so anyone may read them; changing them is for administrators and the command line.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from dti.frameworks.models import Framework


def frameworks_for_user(request: HttpRequest) -> list[Framework]:
    """The newest version of every framework, for the list page."""
    newest: dict[str, Framework] = {}
    for framework in Framework.objects.order_by("code", "-version"):
        newest.setdefault(framework.code, framework)
    return sorted(newest.values(), key=lambda f: (f.level, f.name))


def get_framework_for_user(
    request: HttpRequest, code: str, version: int | None = None
) -> Framework:
    """The framework version the user asked for (the newest by default), or 404."""
    queryset = Framework.objects.filter(code=code)
    framework = (
        queryset.filter(version=version).first()
        if version is not None
        else queryset.order_by("-version").first()
    )
    if framework is None:
        raise Http404
    return framework
