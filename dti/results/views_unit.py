"""The unit's analysis of its appraised result, for its own people and the administrator.

Once the period's results are approved, the unit sees where its points went: the points lost per
criterion, largest first, with the council's reasons where it corrected the unit's score; its rank,
the group's average and best per pillar; and the change from last year. Before approval the page
only says when the analysis will come. The computations are in ``dti.results.analysis``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dti.accounts.access import get_unit_for_user
from dti.charts import Series, radar, to_svg, trend
from dti.periods.models import Period, PeriodUnit
from dti.results.analysis import Analysis, build_analysis, format_dti
from dti.results.history import INTERNAL
from dti.results.models import UnitResult

CHART_WIDTH = 560


def _radar_svg(analysis: Analysis, unit_name: str, lang: str) -> str:
    pillars = analysis.pillars
    chart = radar(
        [f"{p.printed}. {p.title}" if p.printed else p.title for p in pillars],
        [
            Series(unit_name, [p.score for p in pillars]),
            Series(_("Group average"), [p.group.average for p in pillars]),
            Series(_("Best in the group"), [p.group.best for p in pillars]),
        ],
        [p.max for p in pillars],
        _("Pillars against the group"),
        lang=lang,
        width=CHART_WIDTH,
        show_title=False,
    )
    return to_svg(chart)


def _trend_svg(analysis: Analysis, lang: str) -> str:
    points = analysis.history
    chart = trend(
        [p.year for p in points],
        [Series(_("Total score"), [p.total for p in points])],
        _("Total score over the years"),
        maximum=analysis.result.maximum,
        lang=lang,
        width=CHART_WIDTH,
        show_title=False,
    )
    return to_svg(chart)


@login_required
@require_GET
def analysis(request: HttpRequest, unit_id: int, period_id: int) -> HttpResponse:
    """The unit's analysis of a period: summary, pillars against the group and last year, points
    lost per criterion with the council's reasons, and the change per criterion from last year."""
    unit = get_unit_for_user(request, unit_id)
    period = Period.objects.filter(pk=period_id).exclude(status=Period.Status.DRAFT).first()
    if period is None:
        raise Http404
    context: dict[str, Any] = {"unit": unit, "period": period}
    if period.status not in INTERNAL:
        membership = (
            PeriodUnit.objects.filter(period=period, unit=unit).select_related("group").first()
        )
        if membership is None:
            raise Http404
        context["group"] = membership.group
        return render(request, "results/unit/waiting.html", context)
    result = (
        UnitResult.objects.filter(period=period, unit=unit)
        .select_related("group__framework", "assessment", "unit", "period")
        .first()
    )
    if result is None:
        raise Http404
    lang = get_language() or "vi"
    found = build_analysis(result)
    context.update(
        result=result,
        group=result.group,
        analysis=found,
        dti=format_dti(result.dti, lang),
        merged_from=", ".join(found.earlier.merged_from) if found.earlier else "",
        history_merged=[p for p in found.history if p.merged_from],
        radar=mark_safe(_radar_svg(found, unit.name, lang)),  # noqa: S308 - drawn by dti.charts, text escaped
        trend=mark_safe(_trend_svg(found, lang)) if found.history else "",  # noqa: S308
    )
    return render(request, "results/unit/analysis.html", context)
