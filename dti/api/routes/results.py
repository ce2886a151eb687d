"""Published results (kết quả đã công bố): the public site's periods, rankings and unit breakdowns,
readable without a token, with the field names of the open data (docs/open-data.md).

Only a published period exists here: any other period, whatever its state, is 404, as on the
public site (``published_period_or_404``). Self-assessed scores are not public (the public site
and the open data show appraised scores only): they are given to the administrator and to the
unit's own people calling with their token, and are null for everyone else.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from dti.api.auth import PUBLIC
from dti.api.common import access, answers
from dti.api.errors import not_found
from dti.api.models import ApiToken
from dti.api.pagination import Page, PageQuery, paginate
from dti.frameworks.store import to_scoring
from dti.periods.models import Period, PeriodGroup
from dti.results.models import ResultSettings, UnitResult
from dti.scoring.numbers import round_dti, round_points

router = Router()


class BandOut(Schema):
    label: str = Field(description="The classification (xếp loại), e.g. Xuất sắc.")
    min_percent: Decimal = Field(description="The least total, in percent of the group's maximum.")


class FrameworkRef(Schema):
    id: int
    code: str
    version: int
    name: str


class PublishedGroupOut(Schema):
    number: int
    name: str
    framework: FrameworkRef
    units_ranked: int = Field(description="How many units of the group have a result.")


class PublishedPeriodOut(Schema):
    id: int
    year: int
    name: str
    data_start: datetime.date
    data_end: datetime.date
    publication_date: datetime.date | None
    bands: list[BandOut] = Field(description="The classification bands, highest first.")
    groups: list[PublishedGroupOut]


class PillarResultOut(Schema):
    code: str
    title: str
    score: Decimal | None = Field(description="Appraised points; null if it does not apply.")
    max: Decimal
    rank: int | None = Field(description="The rank in the group on this pillar alone.")


class UnitResultOut(Schema):
    group: int = Field(description="The number of the unit's group.")
    group_name: str
    unit_id: int
    code: str = Field(description="The unit's code.")
    name: str = Field(description="The unit's name.")
    rank: int | None = Field(description="The rank in the group; equal totals share a rank.")
    group_size: int = Field(description="How many units the group ranks.")
    total: Decimal = Field(description="The total appraised score.")
    maximum: Decimal = Field(description="The group's maximum.")
    dti: Decimal = Field(description="The DTI value: total / maximum, four decimals.")
    band: str | None = Field(description="The classification; null when the period has none.")
    self_total: Decimal | None = Field(
        description="The self-assessed total: for the administrator and the unit's own people "
        "only (null for everyone else)."
    )
    pillars: list[PillarResultOut]


class CriterionResultOut(Schema):
    code: str
    parent: str | None = Field(description="The parent's code; null for a pillar.")
    title: str
    max: Decimal
    leaf: bool = Field(description="True for a criterion units answer.")
    score: Decimal | None = Field(description="Appraised points; null where it does not apply.")
    self_score: Decimal | None = Field(
        description="Self-assessed points: for the administrator and the unit's own people only."
    )


class UnitResultDetail(UnitResultOut):
    period_id: int
    year: int
    framework: FrameworkRef
    criteria: list[CriterionResultOut] = Field(
        description="Every scored criterion of the unit's framework, in tree order."
    )


# ------------------------------------------------------------ reading


def _points(value: Any) -> Decimal | None:
    """Points as stored (a Decimal, or text in the JSON columns) → two decimals."""
    if value is None or value == "":
        return None
    return round_points(Decimal(value))


def _published(period_id: int) -> Period:
    """The period if it is published; 404 for any other, whatever its state."""
    period = Period.objects.filter(pk=period_id, status=Period.Status.PUBLISHED).first()
    if period is None:
        raise not_found()
    return period


def _sees_self_scores(request: HttpRequest) -> Any:
    """Whose self-assessed scores the caller may read: a predicate on a unit id. Only a token's
    owner counts (a browser's session on a public endpoint does not)."""
    if not isinstance(getattr(request, "auth", None), ApiToken):
        return lambda unit_id: False
    caller = access(request)
    if caller.is_admin:
        return lambda unit_id: True
    own = caller.unit_ids()
    return lambda unit_id: unit_id in own


def _framework_ref(group: PeriodGroup) -> dict[str, Any]:
    framework = group.framework
    return {
        "id": framework.pk,
        "code": framework.code,
        "version": framework.version,
        "name": framework.name,
    }


def _bands(period: Period) -> list[dict[str, Any]]:
    try:
        settings: ResultSettings = period.result_settings
    except ResultSettings.DoesNotExist:
        return []
    return [{"label": b["label"], "min_percent": Decimal(b["min"])} for b in settings.bands]


def _period_out(period: Period) -> dict[str, Any]:
    return {
        "id": period.pk,
        "year": period.year,
        "name": period.name,
        "data_start": period.data_start,
        "data_end": period.data_end,
        "publication_date": period.publication_date,
        "bands": _bands(period),
        "groups": [
            {
                "number": g.number,
                "name": g.name,
                "framework": _framework_ref(g),
                "units_ranked": g.ranked,
            }
            for g in period.groups.all()
            if g.ranked
        ],
    }


def _ranked(period: Period) -> QuerySet[UnitResult]:
    """The period's results by group, then rank (unranked last), then the units' order."""
    return (
        UnitResult.objects.filter(period=period)
        .select_related("unit", "group")
        .order_by(
            "group__number", F("rank").asc(nulls_last=True), "unit__position", "unit__name", "pk"
        )
    )


def _result_out(result: UnitResult, self_visible: bool) -> dict[str, Any]:
    return {
        "group": result.group.number,
        "group_name": result.group.name,
        "unit_id": result.unit_id,
        "code": result.unit.code,
        "name": result.unit.name,
        "rank": result.rank,
        "group_size": result.group_size,
        "total": _points(result.total),
        "maximum": _points(result.maximum),
        "dti": round_dti(result.dti),
        "band": result.band or None,
        "self_total": _points(result.self_total) if self_visible else None,
        "pillars": [
            {
                "code": p["code"],
                "title": p.get("title", ""),
                "score": _points(p.get("score")),
                "max": _points(p["max"]),
                "rank": p.get("rank"),
            }
            for p in result.pillars
        ],
    }


# ------------------------------------------------------------ endpoints


@router.get(
    "/periods",
    response=answers(Page[PublishedPeriodOut]),
    auth=PUBLIC,
    url_name="results_periods",
)
def list_published_periods(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """The published periods, newest first, with their classification bands and the groups that
    rank units. No token needed."""
    groups = (
        PeriodGroup.objects.select_related("framework")
        .annotate(ranked=Count("results"))
        .order_by("number")
    )
    periods = (
        Period.objects.filter(status=Period.Status.PUBLISHED)
        .select_related("result_settings")
        .prefetch_related(Prefetch("groups", queryset=groups))
        .order_by("-year", "-publication_date", "-created_at", "-pk")
    )
    return paginate(request, periods, query, lambda rows: [_period_out(p) for p in rows])


@router.get(
    "/periods/{period_id}",
    response=answers(Page[UnitResultOut], 404),
    auth=PUBLIC,
    url_name="results_period",
)
def list_period_results(
    request: HttpRequest,
    period_id: int,
    query: Query[PageQuery],
    group: int | None = Query(None, description="Keep one group, by its number."),
) -> dict[str, Any]:
    """A published period's results in ranking order: by group, then rank. Any period that is
    not published is 404. No token needed."""
    period = _published(period_id)
    results = _ranked(period)
    if group is not None:
        results = results.filter(group__number=group)
    visible = _sees_self_scores(request)
    return paginate(
        request, results, query, lambda rows: [_result_out(r, visible(r.unit_id)) for r in rows]
    )


@router.get(
    "/periods/{period_id}/units/{unit_id}",
    response=answers(UnitResultDetail, 404),
    auth=PUBLIC,
    url_name="results_unit",
)
def get_unit_result(request: HttpRequest, period_id: int, unit_id: int) -> dict[str, Any]:
    """One unit's published result with every scored criterion of its framework: appraised
    points (and self-assessed points for the administrator and the unit's own people)."""
    period = _published(period_id)
    result = (
        UnitResult.objects.filter(period=period, unit_id=unit_id)
        .select_related("unit", "group__framework")
        .first()
    )
    if result is None:
        raise not_found()
    self_visible = _sees_self_scores(request)(result.unit_id)
    framework = to_scoring(result.group.framework)
    parents = {child.code: node.code for node in framework.walk() for child in node.children}
    criteria = [
        {
            "code": node.code,
            "parent": parents.get(node.code),
            "title": node.title,
            "max": round_points(node.effective_max),
            "leaf": node.is_leaf,
            "score": _points(result.scores.get(node.code)),
            "self_score": _points(result.self_scores.get(node.code)) if self_visible else None,
        }
        for node in framework.walk()
        if node.counts
    ]
    return {
        **_result_out(result, self_visible),
        "period_id": period.pk,
        "year": period.year,
        "framework": _framework_ref(result.group),
        "criteria": criteria,
    }
