"""Comparing a unit's result with earlier years.

Frameworks change from year to year: a criterion of this year's framework is compared with last
year's only through an explicit mapping (``FrameworkMapping``), or when both years used the same
framework version. Criteria without a counterpart are reported as unmapped, never guessed.

A unit formed by merging others (``Unit.merged_into``) is compared, for the years before the
merger, with the mean of its predecessors' values, and labelled so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from dti.periods.models import Period
from dti.results.models import FrameworkMapping, UnitResult
from dti.scoring.numbers import round_dti, round_points
from dti.units.models import Unit

VISIBLE = (Period.Status.PUBLISHED,)
INTERNAL = (Period.Status.APPROVED, Period.Status.PUBLISHED)


def links_between(older_id: int, newer_id: int) -> dict[str, str]:
    """This year's criterion code → last year's, for two framework versions."""
    if older_id == newer_id:
        from dti.frameworks.models import Criterion

        codes = Criterion.objects.filter(framework_id=newer_id).values_list("code", flat=True)
        return {code: code for code in codes}
    mapping = FrameworkMapping.objects.filter(older_id=older_id, newer_id=newer_id).first()
    return dict(mapping.links) if mapping is not None else {}


@dataclass(frozen=True)
class Earlier:
    """A unit's result of an earlier period, seen with this year's criterion codes."""

    period: Period
    #: the results compared: the unit's own, or those of the units merged into it
    results: Sequence[UnitResult]
    total: Decimal
    dti: Decimal
    #: this year's pillar code → last year's value (mean, for a merged unit)
    pillars: dict[str, Decimal]
    #: this year's criterion code → last year's points (mean, for a merged unit)
    scores: dict[str, Decimal | None]
    #: this year's criterion codes with no counterpart in that year's framework
    unmapped: frozenset[str] = field(default_factory=frozenset)

    #: names of the units merged into this one, when their mean is compared
    merged_from: tuple[str, ...] = ()


def _mean(values: Sequence[Decimal]) -> Decimal:
    return round_points(sum(values, Decimal(0)) / len(values))


def _earlier_results(unit: Unit, period: Period) -> list[UnitResult]:
    own = list(UnitResult.objects.filter(period=period, unit=unit).select_related("unit", "group"))
    if own:
        return own
    return list(
        UnitResult.objects.filter(period=period, unit__merged_into=unit)
        .select_related("unit", "group")
        .order_by("unit__name")
    )


def compare_with(
    result: UnitResult, earlier_period: Period, codes: Iterable[str]
) -> Earlier | None:
    """``result`` against the same unit (or its predecessors) in ``earlier_period``."""
    before = _earlier_results(result.unit, earlier_period)
    if not before:
        return None
    links_by_framework: dict[int, dict[str, str]] = {}
    pillar_values: dict[str, list[Decimal]] = {}
    score_values: dict[str, list[Decimal | None]] = {}
    codes = list(codes)
    pillar_codes = [p["code"] for p in result.pillars]
    unmapped: set[str] = set()
    for old in before:
        framework_id = old.group.framework_id
        if framework_id not in links_by_framework:
            links_by_framework[framework_id] = links_between(
                framework_id, result.group.framework_id
            )
        links = links_by_framework[framework_id]
        old_pillars = {p["code"]: Decimal(p["score"]) for p in old.pillars}
        for code in pillar_codes:
            source = links.get(code)
            if source is not None and source in old_pillars:
                pillar_values.setdefault(code, []).append(old_pillars[source])
        for code in codes:
            source = links.get(code)
            if source is None or source not in old.scores:
                unmapped.add(code)
                continue
            score_values.setdefault(code, []).append(old.score_of(source))
    scores: dict[str, Decimal | None] = {}
    for code, values in score_values.items():
        present = [v for v in values if v is not None]
        scores[code] = _mean(present) if present else None
    return Earlier(
        period=earlier_period,
        results=before,
        total=_mean([r.total for r in before]),
        dti=round_dti(sum((r.dti for r in before), Decimal(0)) / len(before)),
        pillars={code: _mean(values) for code, values in pillar_values.items()},
        scores=scores,
        unmapped=frozenset(unmapped - set(scores)),
        merged_from=()
        if before[0].unit_id == result.unit_id
        else tuple(r.unit.name for r in before),
    )


def previous_period(period: Period, statuses: Sequence[str] = VISIBLE) -> Period | None:
    """The latest period of an earlier year with results in one of ``statuses``."""
    return (
        Period.objects.filter(year__lt=period.year, status__in=statuses, results__isnull=False)
        .distinct()
        .order_by("-year", "-created_at")
        .first()
    )


def last_year(result: UnitResult, statuses: Sequence[str] = VISIBLE) -> Earlier | None:
    """The unit against its latest earlier result (published ones by default)."""
    earlier = previous_period(result.period, statuses)
    if earlier is None:
        return None
    return compare_with(result, earlier, result.scores.keys())


@dataclass(frozen=True)
class Point:
    year: int
    period: Period
    total: Decimal
    dti: Decimal
    #: names of the predecessors whose mean this is, when the unit did not exist yet
    merged_from: tuple[str, ...] = ()


def history(unit: Unit, statuses: Sequence[str] = VISIBLE) -> list[Point]:
    """The unit's totals and DTI values over the years, oldest first; before a merger, the mean
    of its predecessors (labelled with their names)."""
    points: list[Point] = []
    own = {
        r.period_id: r
        for r in UnitResult.objects.filter(unit=unit, period__status__in=statuses).select_related(
            "period"
        )
    }
    predecessors: dict[int, list[UnitResult]] = {}
    for r in UnitResult.objects.filter(
        unit__merged_into=unit, period__status__in=statuses
    ).select_related("period", "unit"):
        predecessors.setdefault(r.period_id, []).append(r)
    periods = {r.period_id: r.period for r in own.values()}
    for items in predecessors.values():
        periods.setdefault(items[0].period_id, items[0].period)
    for period_id, period in sorted(periods.items(), key=lambda kv: (kv[1].year, kv[1].pk)):
        if period_id in own:
            r = own[period_id]
            points.append(Point(period.year, period, r.total, r.dti))
        else:
            items = sorted(predecessors[period_id], key=lambda r: r.unit.name)
            points.append(
                Point(
                    period.year,
                    period,
                    _mean([r.total for r in items]),
                    round_dti(sum((r.dti for r in items), Decimal(0)) / len(items)),
                    tuple(r.unit.name for r in items),
                )
            )
    return points
