"""Who may see and do what in the steering committee's pages.

The committee's members (role “steering”) and the administrator see the whole plan; the lead
member of a target or a task reports on it, and the administrator may report on any. Everyone
else signed in gets 403 on the committee's pages and 404 on its items (not theirs to know of).
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from dti.accounts.access import Access, access_of
from dti.steering.models import ProgressReport

M = TypeVar("M", bound=Model)


def may_report(access: Access, item: object) -> bool:
    """The administrator, or the item's lead member."""
    return access.is_admin or (
        access.user is not None and getattr(item, "lead_member_id", None) == access.user.pk
    )


def require_steering(request: HttpRequest) -> Access:
    """The committee's pages: its members and the administrator; anyone else signed in gets 403."""
    access = access_of(request)
    if not (access.is_admin or access.is_steering):
        raise PermissionDenied
    return access


def get_item_for_user(
    request: HttpRequest, model: type[M], pk: int, report: bool = False
) -> tuple[M, Access]:
    """A target, task or report of a plan, for a member or the administrator; 404 for others.

    ``report`` asks for the right to report on it (``may_report``): other members get 403.
    """
    access = access_of(request)
    if not (access.is_admin or access.is_steering):
        raise Http404
    related = ("target", "task") if model is ProgressReport else ("plan", "lead_member")
    item = get_object_or_404(model.objects.select_related(*related), pk=pk)  # type: ignore[attr-defined]
    if report and not may_report(access, item):
        raise PermissionDenied
    return item, access
