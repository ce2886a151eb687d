"""The public site (trang công khai kết quả): published results, with no sign-in.

Every view first fetches the period with ``published_period_or_404``: a period that is not
published does not exist here, whatever its state. Everything else a page shows — earlier years,
trends, comparisons, group averages and bests — is read from published periods only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dti.charts import WEB_WIDTH, RankingRow, Series, heatmap, radar, ranking_bars, to_svg, trend
from dti.charts.scene import Chart
from dti.frameworks.store import to_scoring
from dti.periods.models import Period, PeriodGroup
from dti.results.actions import bands_of
from dti.results.history import Earlier, Point, history, last_year
from dti.results.models import UnitResult
from dti.scoring.numbers import round_points
from dti.web.backup import dti_version

#: Charts are drawn twice: wide for screens and paper, narrow for phones (the page picks one
#: with a media query; no script).
NARROW_WIDTH = 360
#: the trend shares its row with the table of years
TREND_WIDTH = 560
HUNDRED = Decimal(100)
#: How long a drawn chart stays in the cache (its key changes with anything it shows).
CHART_SECONDS = 3600
VERSION = dti_version()


def published_period_or_404(period_id: int) -> Period:
    """The period if it is published; 404 for any other period, whatever its state."""
    return get_object_or_404(Period, pk=period_id, status=Period.Status.PUBLISHED)


def _lang() -> str:
    return get_language() or "vi"


def dti_text(value: Decimal | None, lang: str) -> str:
    """A DTI value with its 4 decimals: "0,0225" in Vietnamese, "0.0225" in English."""
    if value is None:
        return "—"
    text = f"{value:.4f}"
    return text.replace(".", ",") if lang.startswith("vi") else text


def rank_text(rank: int | None, size: int) -> str:
    """A rank within a group as people write it: "3/18"; "—" when there is none."""
    return "—" if rank is None else f"{rank}/{size}"


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    return round_points(sum(values, Decimal(0)) / len(values)) if values else None


@dataclass(frozen=True)
class ChartPair:
    """One chart drawn for wide screens and for phones, as inline SVG, with its text."""

    wide: SafeString
    narrow: SafeString | None
    description: str


def _pair(
    draw: Callable[..., Chart],
    arguments: dict[str, Any],
    narrow: bool = True,
    width: int = WEB_WIDTH,
    wide_only: dict[str, Any] | None = None,
) -> ChartPair:
    """``draw(**arguments, width=…)`` wide (with ``wide_only`` too) and, unless ``narrow`` is
    false, for phones. Published results do not change, and every visitor of a page sees the
    same charts: they are kept in the cache under a digest of everything they are drawn from
    (and DTI's version, for a change in the drawing itself)."""
    wide_only = wide_only or {}
    key = (
        "dti:chart:"
        + hashlib.sha256(
            repr(
                (
                    draw.__module__,
                    draw.__qualname__,
                    sorted(arguments.items()),
                    narrow,
                    width,
                    sorted(wide_only.items()),
                    VERSION,
                )
            ).encode()
        ).hexdigest()
    )
    kept = cache.get(key)
    if kept is None:
        wide: Chart = draw(**arguments, **wide_only, width=width)
        small: Chart | None = draw(**arguments, width=NARROW_WIDTH) if narrow else None
        kept = (to_svg(wide), None if small is None else to_svg(small), wide.description)
        cache.set(key, kept, CHART_SECONDS)
    svg, narrow_svg, description = kept
    return ChartPair(
        # to_svg escapes every text it writes: the markup is safe to put in the page.
        wide=mark_safe(svg),  # noqa: S308
        narrow=None if narrow_svg is None else mark_safe(narrow_svg),  # noqa: S308
        description=description,
    )


@dataclass(frozen=True)
class Band:
    """A classification band for the legend: its label, the least share of the maximum, and
    its level (0 the highest) for the colour."""

    label: str
    least: Decimal
    level: int


def _bands(period: Period) -> list[Band]:
    bands = bands_of(period)
    top = max(len(bands) - 1, 1)
    return [
        Band(b["label"], Decimal(b["min"]), round(index * 4 / top)) for index, b in enumerate(bands)
    ]


def _band_level(bands: Sequence[Band], label: str) -> int | None:
    return next((b.level for b in bands if b.label == label), None)


# ------------------------------------------------------------ the list of published periods


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The published periods, newest first, each with its groups and how many units they rank;
    the leaders of each group of the latest one."""
    groups = PeriodGroup.objects.select_related("framework").annotate(ranked=Count("results"))
    periods = list(
        Period.objects.filter(status=Period.Status.PUBLISHED)
        .order_by("-year", "-publication_date", "-created_at")
        .prefetch_related(Prefetch("groups", queryset=groups.order_by("number")))
    )
    latest = periods[0] if periods else None
    leaders: dict[int, list[UnitResult]] = {}
    if latest is not None:
        for result in UnitResult.objects.filter(period=latest, rank__lte=3).select_related("unit"):
            leaders.setdefault(result.group_id, []).append(result)
    latest_groups = [
        {"group": group, "leaders": leaders.get(group.pk, [])}
        for group in (latest.groups.all() if latest is not None else [])
        if group.ranked
    ]
    return render(
        request,
        "results/public/index.html",
        {
            "periods": periods,
            "latest": latest,
            "latest_groups": latest_groups,
            "lang": _lang(),
        },
    )


# ------------------------------------------------------------ a period's rankings


@dataclass(frozen=True)
class PillarHead:
    code: str
    title: str
    max: Decimal


@dataclass(frozen=True)
class RankingLine:
    result: UnitResult
    rank: str
    dti: str
    band_level: int | None
    #: the pillar scores in the order of the heads (None: the unit has no such pillar)
    scores: list[Decimal | None]


@dataclass(frozen=True)
class GroupRanking:
    group: PeriodGroup
    pillars: list[PillarHead]
    lines: list[RankingLine]
    maximum: Decimal
    average: Decimal | None
    bars: ChartPair
    heat: ChartPair | None
    band_counts: dict[str, int] = field(default_factory=dict)


def _pillar_heads(results: Iterable[UnitResult]) -> list[PillarHead]:
    """The pillars of a group, in framework order (the union, should a result lack one)."""
    heads: dict[str, PillarHead] = {}
    for result in results:
        for p in result.pillars:
            if p["code"] not in heads:
                heads[p["code"]] = PillarHead(p["code"], p["title"], Decimal(p["max"]))
    return list(heads.values())


def _group_ranking(
    group: PeriodGroup, results: list[UnitResult], bands: Sequence[Band], lang: str
) -> GroupRanking:
    heads = _pillar_heads(results)
    maximum = max((r.maximum for r in results), default=Decimal(0))
    average = _mean([r.total for r in results])
    lines = []
    for r in results:
        scores = {p["code"]: Decimal(p["score"]) for p in r.pillars}
        lines.append(
            RankingLine(
                result=r,
                rank=rank_text(r.rank, r.group_size),
                dti=dti_text(r.dti, lang),
                band_level=_band_level(bands, r.band),
                scores=[scores.get(h.code) for h in heads],
            )
        )
    rows = [RankingRow(r.rank, r.unit.name, r.total, key=str(r.unit_id)) for r in results]
    bars_title = _("Total score of each unit, %(group)s") % {"group": group.name}
    bars = _pair(
        ranking_bars,
        {
            "rows": rows,
            "maximum": maximum,
            "title": bars_title,
            "lang": lang,
            "average": average,
            "average_label": _("Group average"),
            "show_title": False,
        },
    )
    heat = None
    if heads:
        heat_title = _("Pillar scores of each unit, %(group)s") % {"group": group.name}
        heat = _pair(
            heatmap,
            {
                "rows": [r.unit.name for r in results],
                "columns": [h.title for h in heads],
                "values": [line.scores for line in lines],
                "maxima": [h.max for h in heads],
                "title": heat_title,
                "lang": lang,
                "legend_label": _("Colour: share of the pillar's maximum"),
                "show_title": False,
            },
            narrow=False,
        )
    counts = {b.label: 0 for b in bands}
    for r in results:
        if r.band in counts:
            counts[r.band] += 1
    return GroupRanking(group, heads, lines, maximum, average, bars, heat, counts)


@require_GET
def period(request: HttpRequest, period_id: int) -> HttpResponse:
    """A published period: each group's ranking as a table, ranking bars and a heatmap of units
    × pillars; the classification bands; the downloads; the other published years."""
    period = published_period_or_404(period_id)
    lang = _lang()
    bands = _bands(period)
    by_group: dict[int, list[UnitResult]] = {}
    for result in UnitResult.objects.filter(period=period).select_related("unit"):
        by_group.setdefault(result.group_id, []).append(result)
    groups = [
        _group_ranking(group, by_group[group.pk], bands, lang)
        for group in period.groups.select_related("framework").order_by("number")
        if by_group.get(group.pk)
    ]
    others = (
        Period.objects.filter(status=Period.Status.PUBLISHED)
        .exclude(pk=period.pk)
        .order_by("-year", "-publication_date")
    )
    band_rows = [
        {
            "band": band,
            "groups": [
                {
                    "least": round_points(band.least * g.maximum / HUNDRED),
                    "count": g.band_counts.get(band.label, 0),
                }
                for g in groups
            ],
        }
        for band in bands
    ]
    return render(
        request,
        "results/public/period.html",
        {
            "period": period,
            "groups": groups,
            "bands": bands,
            "band_rows": band_rows,
            "ranked": sum(len(g.lines) for g in groups),
            "others": list(others),
        },
    )


# ------------------------------------------------------------ a unit's breakdown


@dataclass(frozen=True)
class PillarLine:
    code: str
    title: str
    score: Decimal
    max: Decimal
    share: int
    rank: str
    average: Decimal | None
    best: Decimal | None
    last_year: Decimal | None
    change: Decimal | None


@dataclass(frozen=True)
class CriterionLine:
    code: str
    title: str
    depth: int
    is_pillar: bool
    is_leaf: bool
    score: Decimal | None
    max: Decimal
    #: "scored", "na" (not applicable) or "none" (no score recorded)
    state: str
    last_year: Decimal | None = None
    #: no counterpart in last year's framework
    unmapped: bool = False


def _criteria(result: UnitResult, earlier: Earlier | None) -> list[CriterionLine]:
    framework = to_scoring(result.group.framework)
    lines: list[CriterionLine] = []

    def walk(nodes: Iterable[Any], depth: int) -> None:
        for node in nodes:
            if not node.counts:
                continue
            if node.code in result.scores:
                score = result.score_of(node.code)
                state = "na" if score is None else "scored"
            else:
                score, state = None, "none"
            lines.append(
                CriterionLine(
                    code=node.code,
                    title=node.title,
                    depth=depth,
                    is_pillar=depth == 1,
                    is_leaf=node.is_leaf,
                    score=score,
                    max=node.effective_max,
                    state=state,
                    last_year=None if earlier is None else earlier.scores.get(node.code),
                    unmapped=earlier is not None and node.code in earlier.unmapped,
                )
            )
            walk(node.children, depth + 1)

    walk(framework.criteria, 1)
    return lines


def _pillar_lines(
    result: UnitResult, group_results: Sequence[UnitResult], earlier: Earlier | None
) -> list[PillarLine]:
    values: dict[str, list[Decimal]] = {}
    for other in group_results:
        for p in other.pillars:
            values.setdefault(p["code"], []).append(Decimal(p["score"]))
    lines = []
    for p in result.pillars:
        score, maximum = Decimal(p["score"]), Decimal(p["max"])
        before = None if earlier is None else earlier.pillars.get(p["code"])
        lines.append(
            PillarLine(
                code=p["code"],
                title=p["title"],
                score=score,
                max=maximum,
                share=round(score * 100 / maximum) if maximum > 0 else 0,
                rank=rank_text(p.get("rank"), result.group_size),
                average=_mean(values.get(p["code"], [])),
                best=max(values.get(p["code"], []), default=None),
                last_year=before,
                change=None if before is None else score - before,
            )
        )
    return lines


@dataclass(frozen=True)
class YearLine:
    point: Point
    dti: str
    current: bool
    #: the unit's own published result that year (None: the mean of its predecessors)
    has_page: bool


@require_GET
def unit(request: HttpRequest, period_id: int, unit_id: int) -> HttpResponse:
    """A unit's published result: totals, rank and band; each pillar with its rank against the
    group average and best; every criterion; a radar; its trend over the published years; the
    comparison with the previous published year."""
    period = published_period_or_404(period_id)
    result = get_object_or_404(
        UnitResult.objects.select_related("unit__merged_into", "group__framework"),
        period=period,
        unit_id=unit_id,
    )
    result.period = period  # already at hand: no second query for it
    lang = _lang()
    bands = _bands(period)
    group_results = list(UnitResult.objects.filter(period=period, group=result.group_id))
    earlier = last_year(result)
    pillars = _pillar_lines(result, group_results, earlier)
    unit_name = result.unit.name

    radar_pair = None
    if pillars:
        axes = [p.title for p in pillars]
        series = [
            Series(unit_name, [p.score for p in pillars]),
            Series(_("Group average"), [p.average for p in pillars]),
            Series(_("Best in the group"), [p.best for p in pillars]),
        ]
        radar_title = _("Pillars of %(unit)s against the group average and the best") % {
            "unit": unit_name
        }
        radar_pair = _pair(
            radar,
            {
                "axes": axes,
                "series": series,
                "maximum": [p.max for p in pillars],
                "title": radar_title,
                "lang": lang,
                "show_title": False,
            },
        )

    points = history(result.unit)
    trend_title = _("Total score of %(unit)s over the years") % {"unit": unit_name}
    trend_pair = _pair(
        trend,
        {
            "years": [p.year for p in points],
            "series": [Series(_("Total score"), [p.total for p in points])],
            "title": trend_title,
            "lang": lang,
            "show_title": False,
        },
        width=TREND_WIDTH,
        wide_only={"height": 260},
    )
    years = [
        YearLine(p, dti_text(p.dti, lang), p.period.pk == period.pk, not p.merged_from)
        for p in reversed(points)
    ]
    return render(
        request,
        "results/public/unit.html",
        {
            "period": period,
            "result": result,
            "unit": result.unit,
            "group": result.group,
            "rank": rank_text(result.rank, result.group_size),
            "dti": dti_text(result.dti, lang),
            "band_level": _band_level(bands, result.band),
            "bands": bands,
            "pillars": pillars,
            "criteria": _criteria(result, earlier),
            "earlier": earlier,
            "earlier_dti": None if earlier is None else dti_text(earlier.dti, lang),
            "earlier_change": None if earlier is None else result.total - earlier.total,
            "radar": radar_pair,
            "trend": trend_pair,
            "years": years,
            "merged_years": [p.year for p in points if p.merged_from],
            "group_size": len(group_results),
            "total_average": _mean([r.total for r in group_results]),
            "total_best": max((r.total for r in group_results), default=None),
        },
    )
