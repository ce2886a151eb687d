"""Every change to units and their departments goes through these actions, each audited once."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils.translation import gettext_lazy

from dti.audit.trail import Actor, record
from dti.units.models import Department, Unit


class DepartmentInUse(Exception):
    """A department that people's roles (or other records) still point at cannot be removed."""

    def __init__(self, department: Department, roles: int) -> None:
        self.department = department
        self.roles = roles
        super().__init__(
            gettext_lazy(
                "The department “%(name)s” cannot be removed: %(count)s role(s) still use it. "
                "Revoke those roles first."
            )
            % {"name": department.name, "count": roles}
        )


def _unit_state(unit: Unit) -> dict[str, object]:
    return {
        "name": unit.name,
        "code": unit.code,
        "kind": unit.kind,
        "parent": unit.parent.code if unit.parent_id else None,  # type: ignore[union-attr]
        "merged_into": unit.merged_into.code if unit.merged_into_id else None,  # type: ignore[union-attr]
        "merged_on": unit.merged_on.isoformat() if unit.merged_on else None,
        "position": unit.position,
    }


def _department_state(department: Department) -> dict[str, object]:
    return {"unit": department.unit.code, "name": department.name, "position": department.position}


def _next_position(queryset: object) -> int:
    highest = queryset.aggregate(top=Max("position"))["top"]  # type: ignore[attr-defined]
    return (highest or 0) + 1


@transaction.atomic
def create_unit(
    actor: Actor,
    name: str,
    code: str,
    kind: str,
    parent: Unit | None = None,
    merged_into: Unit | None = None,
    merged_on: datetime.date | None = None,
    position: int | None = None,
) -> Unit:
    """Create a unit (đơn vị); without a position it goes to the end of the list."""
    if position is None:
        position = _next_position(Unit.objects.all())
    unit = Unit.objects.create(
        name=name,
        code=code,
        kind=kind,
        parent=parent,
        merged_into=merged_into,
        merged_on=merged_on,
        position=position,
    )
    record(actor, "unit.create", unit, before=None, after=_unit_state(unit))
    return unit


UNIT_FIELDS = ("name", "code", "kind", "parent", "merged_into", "merged_on", "position")


@transaction.atomic
def update_unit(actor: Actor, unit: Unit, **fields: object) -> Unit:
    """Change a unit's name, short code, kind, parent, merger or order; audited with before/after."""
    unknown = set(fields) - set(UNIT_FIELDS)
    if unknown:
        raise TypeError(f"update_unit() cannot change {', '.join(sorted(unknown))}")
    before = _unit_state(unit)
    for name, value in fields.items():
        setattr(unit, name, value)
    unit.save()
    record(actor, "unit.update", unit, before=before, after=_unit_state(unit))
    return unit


@transaction.atomic
def add_department(actor: Actor, unit: Unit, name: str) -> Department:
    """Add a department (phòng chuyên môn) at the end of the unit's list."""
    department = Department.objects.create(
        unit=unit, name=name, position=_next_position(unit.departments.all())
    )
    record(actor, "department.create", department, before=None, after=_department_state(department))
    return department


@transaction.atomic
def rename_department(actor: Actor, department: Department, name: str) -> Department:
    before = _department_state(department)
    department.name = name
    department.save(update_fields=["name"])
    record(
        actor, "department.rename", department, before=before, after=_department_state(department)
    )
    return department


@transaction.atomic
def remove_department(actor: Actor, department: Department) -> None:
    """Remove a department nobody's role uses; raise ``DepartmentInUse`` otherwise.

    Roles point at departments with a cascading key, so removing a department
    in use would silently take people's roles away: it is refused instead.
    """
    roles = department.roles.count()
    if roles:
        raise DepartmentInUse(department, roles)
    before = _department_state(department)
    record(actor, "department.remove", department, before=before, after=None)
    try:
        department.delete()
    except ProtectedError as exc:  # records of other parts of DTI may protect it too
        raise DepartmentInUse(department, len(exc.protected_objects)) from exc
