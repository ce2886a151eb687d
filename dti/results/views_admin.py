"""The administrator's results screens (kết quả đánh giá): the ranking of each group with its
charts, the classification bands, publication, and the mapping of criteria between framework
versions that drives the comparison with last year.

Every view: signed in, then ``require_admin`` first; POST views call one action, say what
happened and redirect back (the mapping form is shown again with its errors).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import zip_longest
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dti.accounts.access import require_admin
from dti.assessments.models import Assessment
from dti.audit.models import AuditRecord
from dti.audit.trail import Actor
from dti.charts import WEB_WIDTH, RankingRow, heatmap, ranking_bars, to_svg
from dti.frameworks.models import Criterion, Framework
from dti.periods import actions as period_actions
from dti.periods.actions import PeriodError
from dti.periods.models import Period, PeriodGroup
from dti.results import actions
from dti.results.actions import ResultsError
from dti.results.models import FrameworkMapping, UnitResult
from dti.scoring.numbers import format_points, round_points

#: What an empty bands form suggests (placeholders only: the province sets its own).
EXAMPLE_BANDS = (
    ("Xuất sắc", "90"),
    ("Tốt", "75"),
    ("Khá", "65"),
    ("Trung bình", "50"),
    ("Kém", "0"),
)
BAND_ROWS = 5
#: What the last save of the bands said, and the rows it refused, kept for one page view.
BANDS_FEEDBACK = "results-bands-{}"
RESULT_STATUSES = (Period.Status.APPROVED, Period.Status.PUBLISHED)


def _lang() -> str:
    return get_language() or "vi"


def format_dti(value: Decimal) -> str:
    """The DTI value with its 4 decimals: "0,0225" in Vietnamese, "0.0225" in English."""
    text = f"{value:.4f}"
    return text.replace(".", ",") if _lang().startswith("vi") else text


def _svg(chart: Any) -> SafeString:
    # to_svg escapes every text it draws and writes no script: the picture is safe to inline.
    return mark_safe(to_svg(chart))  # noqa: S308


# ------------------------------------------------------------ the ranking of a period


@dataclass
class PillarCell:
    code: str
    score: Decimal | None
    rank: str


@dataclass
class RankedRow:
    result: UnitResult
    rank: str
    dti: str
    pillars: list[PillarCell]


@dataclass
class Column:
    code: str
    title: str
    max: Decimal


@dataclass
class Missing:
    name: str
    reason: str


@dataclass
class GroupSection:
    group: PeriodGroup
    columns: list[Column] = field(default_factory=list)
    rows: list[RankedRow] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    maximum: Decimal | None = None
    average: Decimal | None = None
    bands: list[tuple[str, int]] = field(default_factory=list)
    bars: SafeString | None = None
    heatmap: SafeString | None = None

    @property
    def anchor(self) -> str:
        return f"group-{self.group.number}"


def _rank_text(rank: int | None, size: int) -> str:
    return "—" if rank is None else f"{rank}/{size}"


def _section(
    group: PeriodGroup, results: list[UnitResult], missing: list[Missing], lang: str
) -> GroupSection:
    """A group's ranking table and charts, from its stored results (already in rank order)."""
    section = GroupSection(group, missing=missing)
    columns: dict[str, Column] = {}
    for result in results:
        for pillar in result.pillars:
            if pillar["code"] not in columns:
                columns[pillar["code"]] = Column(
                    pillar["code"], pillar["title"], Decimal(pillar["max"] or 0)
                )
    section.columns = list(columns.values())
    for result in results:
        by_code = {p["code"]: p for p in result.pillars}
        cells = []
        for column in section.columns:
            pillar = by_code.get(column.code)
            if pillar is None:
                cells.append(PillarCell(column.code, None, "—"))
            else:
                cells.append(
                    PillarCell(
                        column.code,
                        Decimal(pillar["score"]),
                        _rank_text(pillar.get("rank"), result.group_size),
                    )
                )
        section.rows.append(
            RankedRow(
                result, _rank_text(result.rank, result.group_size), format_dti(result.dti), cells
            )
        )
    if not results:
        return section
    section.maximum = max(r.maximum for r in results)
    section.average = round_points(sum((r.total for r in results), Decimal(0)) / len(results))
    counts: dict[str, int] = defaultdict(int)
    for result in results:
        counts[result.band] += 1
    section.bands = sorted(counts.items(), key=lambda kv: kv[0] == "")
    section.bars = _svg(
        ranking_bars(
            [RankingRow(r.rank, r.unit.name, r.total, str(r.unit_id)) for r in results],
            section.maximum,
            _("Appraised total — %(group)s") % {"group": group.name},
            lang=lang,
            average=section.average,
            average_label=_("Group average"),
            width=WEB_WIDTH,
        )
    )
    section.heatmap = _svg(
        heatmap(
            [r.unit.name for r in results],
            [c.title for c in section.columns],
            [[cell.score for cell in row.pillars] for row in section.rows],
            [c.max for c in section.columns],
            _("Pillar scores — %(group)s") % {"group": group.name},
            lang=lang,
            legend_label=_("Colour: the score as a share of the pillar's maximum"),
            width=WEB_WIDTH,
        )
    )
    return section


def _sections(period: Period) -> list[GroupSection]:
    """Every group of the period with its ranked results and the units that have none; a fixed
    number of queries whatever the number of units."""
    lang = _lang()
    groups = list(period.groups.select_related("framework").order_by("number"))
    results: dict[int, list[UnitResult]] = defaultdict(list)
    ranked: set[int] = set()
    for result in UnitResult.objects.filter(period=period).select_related("unit"):
        results[result.group_id].append(result)
        ranked.add(result.unit_id)
    statuses = dict(Assessment.objects.filter(period=period).values_list("unit_id", "status"))
    missing: dict[int, list[Missing]] = defaultdict(list)
    memberships = (
        period.memberships.exclude(unit_id__in=ranked)
        .select_related("unit")
        .order_by("unit__position", "unit__name")
    )
    for membership in memberships:
        status = statuses.get(membership.unit_id)
        if status == Assessment.Status.SUBMITTED:
            reason = _("Submitted, but its appraisal was not finalised")
        elif status is not None:
            reason = _("Not submitted")
        else:
            reason = _("Never started its self-assessment")
        missing[membership.group_id].append(Missing(membership.unit.name, reason))
    return [_section(g, results[g.pk], missing[g.pk], lang) for g in groups]


@dataclass
class BandsForm:
    """The bands form as shown: its rows, whether they show the example, and what the last
    save said (shown in the form itself, which the page scrolls to)."""

    rows: list[dict[str, str]]
    example: bool
    error: str = ""
    saved: str = ""


def _bands_form(period: Period, bands: list[dict[str, str]], request: HttpRequest) -> BandsForm:
    """The rows of the bands form: what was just refused, else the current bands, then empty
    rows up to five; the example shows as placeholders when there is no band at all."""
    feedback = request.session.pop(BANDS_FEEDBACK.format(period.pk), None) or {}
    draft = feedback.get("rows")
    if draft:
        rows = [{"label": str(r.get("label", "")), "min": str(r.get("min", ""))} for r in draft]
    else:
        rows = [
            {"label": b["label"], "min": format_points(Decimal(b["min"]), _lang())} for b in bands
        ]
    empty = not any(r["label"] or r["min"] for r in rows)
    rows += [{"label": "", "min": ""} for _i in range(BAND_ROWS - len(rows))]
    if empty:
        for row, (label, least) in zip(rows, EXAMPLE_BANDS, strict=False):
            row["label_example"], row["min_example"] = label, least
    return BandsForm(rows, empty, str(feedback.get("error", "")), str(feedback.get("saved", "")))


def _thresholds(
    bands: list[dict[str, str]], sections: list[GroupSection]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each group's bands in points: "Xuất sắc from 900" for a group of 1 000 points."""
    lang = _lang()
    out = []
    for section in sections:
        maximum = section.maximum or section.group.framework.total_max
        out.append(
            (
                section.group.name,
                [
                    (
                        b["label"],
                        format_points(round_points(Decimal(b["min"]) * maximum / 100), lang),
                    )
                    for b in bands
                ],
            )
        )
    return out


def _published_at(period: Period) -> Any:
    """When the period was published: its audit record (the planned date if there is none)."""
    record = (
        AuditRecord.objects.filter(
            action="period.status",
            object_type=Period._meta.label_lower,
            object_id=str(period.pk),
            after__status=Period.Status.PUBLISHED,
        )
        .order_by("-at")
        .first()
    )
    return record.at if record is not None else period.publication_date


@login_required
@require_GET
def period(request: HttpRequest, period_id: int) -> HttpResponse:
    """The period's results for the administrator: ranking and charts per group, the
    classification bands, and publication."""
    require_admin(request)
    period = get_object_or_404(Period, pk=period_id)
    has_results = period.status in RESULT_STATUSES
    sections = _sections(period) if has_results else []
    bands = actions.bands_of(period)
    context: dict[str, Any] = {
        "period": period,
        "has_results": has_results,
        "published": period.status == Period.Status.PUBLISHED,
        "approved": period.status == Period.Status.APPROVED,
        "sections": sections,
        "ranked": sum(len(s.rows) for s in sections),
        "unranked": sum(len(s.missing) for s in sections),
        "bands_form": _bands_form(period, bands, request),
        "bands": bands,
        "thresholds": _thresholds(bands, sections),
        "published_at": _published_at(period) if period.status == Period.Status.PUBLISHED else None,
    }
    return render(request, "results/admin/period.html", context)


@login_required
@require_POST
def bands(request: HttpRequest, period_id: int) -> HttpResponse:
    """Set the period's classification bands from the form's rows (label, least percent)."""
    require_admin(request)
    period = get_object_or_404(Period, pk=period_id)
    rows = [
        {"label": label, "min": least}
        for label, least in zip_longest(
            request.POST.getlist("label"), request.POST.getlist("min"), fillvalue=""
        )
    ][:20]
    feedback: dict[str, Any]
    try:
        actions.set_bands(Actor.from_request(request), period, rows)
    except ResultsError as error:
        feedback = {"error": str(error)}
        if period.status != Period.Status.PUBLISHED:
            feedback["rows"] = rows  # shown again, to correct
    else:
        if period.results.exists():
            saved = _("The classification bands are saved and every unit is classified again.")
        else:
            saved = _(
                "The classification bands are saved; they classify the units when the "
                "appraisal is approved."
            )
        feedback = {"saved": saved}
    request.session[BANDS_FEEDBACK.format(period.pk)] = feedback
    return redirect(f"{_period_url(period)}#bands")


def _period_url(period: Period) -> str:
    return reverse("results:period", args=[period.pk])


@login_required
@require_POST
def publish(request: HttpRequest, period_id: int) -> HttpResponse:
    """Publish the approved results: they go on the public site and never change again."""
    require_admin(request)
    period = get_object_or_404(Period, pk=period_id)
    if period.status != Period.Status.APPROVED:
        if period.status == Period.Status.PUBLISHED:
            messages.error(request, _("The results of this period are already published."))
        else:
            messages.error(
                request, _("Only approved results can be published: approve the appraisal first.")
            )
        return redirect(_period_url(period))
    try:
        period = period_actions.move_period(
            Actor.from_request(request),
            period,
            Period.Status.PUBLISHED,
            reason=request.POST.get("reason", "").strip()[:2000],
        )
    except PeriodError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "The results of %(period)s are published: anyone can now read them on the public site."
            )
            % {"period": period.name},
        )
    return redirect(_period_url(period))


# ------------------------------------------------------------ criteria across framework versions


@dataclass
class Pair:
    """Two framework versions used one after the other by a group, and where."""

    older: Framework
    newer: Framework
    uses: list[tuple[Period, PeriodGroup, Period]] = field(default_factory=list)
    state: str = ""
    mapped: int = 0
    total: int = 0

    @property
    def same(self) -> bool:
        return self.older.pk == self.newer.pk


def _pairs() -> list[Pair]:
    """For each period and group, the framework of the same group number in the latest earlier
    period: the pairs whose criteria must be mapped for the comparison with last year."""
    groups = PeriodGroup.objects.select_related("framework").order_by("number")
    periods = list(
        Period.objects.prefetch_related(Prefetch("groups", queryset=groups)).order_by(
            "year", "created_at"
        )
    )
    pairs: dict[tuple[int, int], Pair] = {}
    for index, current in enumerate(periods):
        for group in current.groups.all():
            earlier = next(
                (
                    (p, g)
                    for p in reversed(periods[:index])
                    if p.year < current.year
                    for g in p.groups.all()
                    if g.number == group.number
                ),
                None,
            )
            if earlier is None:
                continue
            before_period, before_group = earlier
            key = (before_group.framework_id, group.framework_id)
            if key not in pairs:
                pairs[key] = Pair(before_group.framework, group.framework)
            pairs[key].uses.append((current, group, before_period))
    # Mappings saved for other pairs (e.g. before next year's period exists) are listed too.
    for mapping in FrameworkMapping.objects.select_related("older", "newer"):
        key = (mapping.older_id, mapping.newer_id)
        if key not in pairs:
            pairs[key] = Pair(mapping.older, mapping.newer)
    if not pairs:
        return []
    sizes = dict(
        Criterion.objects.filter(framework_id__in={k[1] for k in pairs})
        .values_list("framework_id")
        .annotate(n=Count("id"))
        .values_list("framework_id", "n")
    )
    saved = {
        (m.older_id, m.newer_id): m
        for m in FrameworkMapping.objects.filter(
            older_id__in={k[0] for k in pairs}, newer_id__in={k[1] for k in pairs}
        )
    }
    for key, pair in pairs.items():
        pair.total = sizes.get(key[1], 0)
        mapping = saved.get(key)
        if pair.same:
            pair.state = "same"
        elif mapping is None:
            pair.state = "none"
        else:
            pair.state = "mapped"
            pair.mapped = len(mapping.links)

    def order(pair: Pair) -> tuple[int, int, str]:
        if not pair.uses:  # not used by a period: last
            return (1, 0, str(pair.newer))
        return (0, -max(u[0].year for u in pair.uses), str(pair.uses[0][1].number))

    return sorted(pairs.values(), key=order)


@login_required
@require_GET
def mappings(request: HttpRequest) -> HttpResponse:
    """The pairs of framework versions to map, and a way to open any two versions."""
    require_admin(request)
    frameworks = list(Framework.objects.order_by("code", "-version"))
    older_id, newer_id = request.GET.get("older"), request.GET.get("newer")
    if older_id or newer_id:
        known = {str(f.pk) for f in frameworks}
        if older_id in known and newer_id in known:
            return redirect("results:mapping", older_id, newer_id)
        messages.error(request, _("Choose last year's framework version and this year's."))
    return render(
        request,
        "results/admin/mappings.html",
        {"pairs": _pairs(), "frameworks": frameworks, "older_id": older_id, "newer_id": newer_id},
    )


@dataclass
class MappingRow:
    criterion: Criterion
    value: str
    older_title: str = ""
    known: bool = True

    @property
    def mapped(self) -> bool:
        return bool(self.value) and self.known


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: HttpRequest, older_id: int, newer_id: int) -> HttpResponse:
    """Which criterion of the older version each criterion of the newer one continues."""
    require_admin(request)
    older = get_object_or_404(Framework, pk=older_id)
    newer = get_object_or_404(Framework, pk=newer_id)
    criteria = list(Criterion.objects.filter(framework=newer).order_by("position"))
    old_criteria = list(Criterion.objects.filter(framework=older).order_by("position"))
    old_titles = {c.code: c.title for c in old_criteria}
    saved = FrameworkMapping.objects.filter(older=older, newer=newer).first()
    same = older.pk == newer.pk
    errors = ""
    suggested = False
    if request.method == "POST" and not same:
        links = {c.code: request.POST.get(f"link-{c.code}", "").strip() for c in criteria}
        try:
            actions.set_mapping(Actor.from_request(request), older, newer, links)
        except ResultsError as error:
            errors = str(error)
            values = links
        else:
            mapped = sum(1 for v in links.values() if v)
            messages.success(
                request,
                _(
                    "The mapping is saved: %(mapped)s of %(total)s criteria continue a criterion "
                    "of %(older)s."
                )
                % {"mapped": mapped, "total": len(criteria), "older": older},
            )
            return redirect("results:mapping", older.pk, newer.pk)
    elif saved is not None:
        values = dict(saved.links)
    elif same:
        values = {c.code: c.code for c in criteria}
    else:
        values = actions.suggest_links(older, newer)
        suggested = True
    rows = []
    for criterion in criteria:
        value = values.get(criterion.code, "")
        rows.append(
            MappingRow(
                criterion, value, old_titles.get(value, ""), not value or value in old_titles
            )
        )
    unmapped = [row.criterion for row in rows if not row.mapped]
    status = 400 if errors else 200
    return render(
        request,
        "results/admin/mapping.html",
        {
            "older": older,
            "newer": newer,
            "same": same,
            "rows": rows,
            "old_criteria": old_criteria,
            "saved": saved,
            "suggested": suggested,
            "errors": errors,
            "mapped": len(rows) - len(unmapped),
            "unmapped": unmapped,
        },
        status=status,
    )
