"""What the base layout needs on every page: the navigation for the signed-in person."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def nav(request: HttpRequest) -> dict[str, Any]:
    def build() -> dict[str, Any]:
        if not request.user.is_authenticated:
            return {"is_admin": False, "is_appraiser": False, "units": []}
        from dti.accounts.access import access_of

        access = access_of(request)
        units = {r.unit.pk: r.unit for r in access.roles if r.unit is not None}
        return {
            "is_admin": access.is_admin,
            "is_appraiser": access.is_appraiser,
            "is_steering": access.is_steering,
            "units": list(units.values())[:3],
        }

    return {"nav": SimpleLazyObject(build)}
