"""Access helpers: the one place that decides what a signed-in person may see and do.

Every view calls one of these first. Outsiders get 404 (the object is not
theirs to know about); people who may look but not act get 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from dti.accounts.models import Role, User
from dti.units.models import Unit


@dataclass
class Access:
    """What one person may do, worked out once per request from their roles."""

    user: User | None
    roles: list[Role] = field(default_factory=list)

    @property
    def is_admin(self) -> bool:
        return any(r.kind == Role.Kind.ADMIN for r in self.roles)

    @property
    def is_appraiser(self) -> bool:
        return any(r.kind == Role.Kind.APPRAISER for r in self.roles)

    @property
    def is_chair(self) -> bool:
        return any(r.kind == Role.Kind.APPRAISER and r.is_chair for r in self.roles)

    @property
    def is_steering(self) -> bool:
        return any(r.kind == Role.Kind.STEERING for r in self.roles)

    def unit_ids(self, *kinds: str) -> set[int]:
        """Units in which the person holds one of ``kinds`` (any unit role by default)."""
        wanted = kinds or Role.UNIT_KINDS
        return {r.unit_id for r in self.roles if r.kind in wanted and r.unit_id is not None}

    def department_ids(self, unit: Unit) -> set[int]:
        return {
            r.department_id
            for r in self.roles
            if r.kind == Role.Kind.DEPARTMENT_STAFF
            and r.unit_id == unit.pk
            and r.department_id is not None
        }

    def is_data_officer(self, unit: Unit) -> bool:
        return unit.pk in self.unit_ids(Role.Kind.DATA_OFFICER)

    def is_leader(self, unit: Unit) -> bool:
        return unit.pk in self.unit_ids(Role.Kind.LEADER)


def access_of(request: HttpRequest) -> Access:
    """The request's Access, computed once (one query for the roles)."""
    cached = getattr(request, "_dti_access", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    user = request.user if request.user.is_authenticated else None
    roles = (
        list(Role.objects.filter(user=user).select_related("unit", "department")) if user else []
    )
    access = Access(user, roles)  # type: ignore[arg-type]
    request._dti_access = access  # type: ignore[attr-defined]
    return access


def require_admin(request: HttpRequest) -> Access:
    """The administrator's screens: anyone else signed in gets 403."""
    access = access_of(request)
    if not access.is_admin:
        raise PermissionDenied
    return access


def get_unit_for_user(request: HttpRequest, unit_id: int, write: bool = False) -> Unit:
    """The unit, if the person may see it: the administrator, or someone with a role in it.

    Others get 404. ``write`` asks for the right to change the unit's own data
    (its data officer or leader, or the administrator); department staff get 403.
    """
    access = access_of(request)
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    if access.is_admin:
        return unit
    if unit.pk not in access.unit_ids():
        raise Http404
    if write and unit.pk not in access.unit_ids(Role.Kind.DATA_OFFICER, Role.Kind.LEADER):
        raise PermissionDenied
    return unit
