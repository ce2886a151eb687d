"""Periods (kỳ đánh giá) and units: what the other endpoints refer to by id.

Periods that are not drafts, and the list of units, are known to everyone signed in (they are
published in the period's decision); drafts are the administrator's.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from dti.api.common import access, answers
from dti.api.errors import not_found
from dti.api.pagination import Page, PageQuery, paginate
from dti.periods.models import Period, PeriodGroup
from dti.units.models import Unit

router = Router()


class GroupOut(Schema):
    number: int
    name: str
    framework_id: int
    unit_ids: list[int]


class PeriodOut(Schema):
    id: int
    year: int
    name: str
    status: str = Field(
        description="draft, open, appraisal, explanation, final, approved or published"
    )
    status_label: str
    data_start: datetime.date
    data_end: datetime.date
    submission_deadline: datetime.date
    publication_date: datetime.date | None


class PeriodDetail(PeriodOut):
    groups: list[GroupOut]


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    merged_into_id: int | None


def period_out(period: Period) -> dict[str, Any]:
    return {
        "id": period.pk,
        "year": period.year,
        "name": period.name,
        "status": period.status,
        "status_label": str(period.get_status_display()),
        "data_start": period.data_start,
        "data_end": period.data_end,
        "submission_deadline": period.submission_deadline,
        "publication_date": period.publication_date,
    }


def unit_out(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.pk,
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent_id": unit.parent_id,
        "merged_into_id": unit.merged_into_id,
    }


def _periods(request: HttpRequest) -> Any:
    periods = Period.objects.order_by("-year", "-pk")
    if not access(request).is_admin:
        periods = periods.exclude(status=Period.Status.DRAFT)
    return periods


@router.get("/periods", response=answers(Page[PeriodOut]), url_name="periods")
def list_periods(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    return paginate(request, _periods(request), query, lambda rows: [period_out(p) for p in rows])


@router.get("/periods/{period_id}", response=answers(PeriodDetail, 404), url_name="period")
def get_period(request: HttpRequest, period_id: int) -> dict[str, Any]:
    period = _periods(request).filter(pk=period_id).first()
    if period is None:
        raise not_found()
    groups = PeriodGroup.objects.filter(period=period).prefetch_related("memberships")
    return {
        **period_out(period),
        "groups": [
            {
                "number": g.number,
                "name": g.name,
                "framework_id": g.framework_id,
                "unit_ids": sorted(m.unit_id for m in g.memberships.all()),
            }
            for g in groups
        ],
    }


@router.get("/units", response=answers(Page[UnitOut]), url_name="units")
def list_units(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    units = Unit.objects.order_by("position", "name")
    return paginate(request, units, query, lambda rows: [unit_out(u) for u in rows])


@router.get("/units/{unit_id}", response=answers(UnitOut, 404), url_name="unit")
def get_unit(request: HttpRequest, unit_id: int) -> dict[str, Any]:
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise not_found()
    return unit_out(unit)
