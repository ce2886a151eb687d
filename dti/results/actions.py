"""Computing, classifying and publishing a period's results. Each action writes one audit record.

Everything is scored by the scoring package from the council's finalised appraisals: the
appraised score of each criterion, pillar subtotals, the total, the DTI value, ranks within the
group (shared when equal) and per pillar, and the period's classification band.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from dti.appraisal.compare import appraised_inputs
from dti.appraisal.models import Decision, Review
from dti.assessments.models import Answer, Assessment
from dti.audit.trail import Actor, record
from dti.frameworks.models import Framework
from dti.frameworks.store import to_scoring
from dti.periods.models import Period
from dti.results.models import FrameworkMapping, ResultSettings, UnitResult
from dti.scoring import Result, score
from dti.scoring.model import Band
from dti.scoring.numbers import parse_decimal, plain, round_points
from dti.scoring.ranking import classify, rank, rank_by_pillar

HUNDRED = Decimal(100)


class ResultsError(Exception):
    """A change the rules do not allow; the message says why, in the user's language."""


# ------------------------------------------------------------ classification bands


def clean_bands(raw: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, str]], list[str]]:
    """Bands as entered (label, least percent) → clean bands, highest first, and the errors."""
    bands: list[dict[str, str]] = []
    errors: list[str] = []
    for number, item in enumerate(raw, 1):
        label = str(item.get("label") or "").strip()
        text = str(item.get("min") if item.get("min") is not None else "").strip()
        if not label and not text:
            continue
        if not label:
            errors.append(_("Band %(number)s: give it a name.") % {"number": number})
            continue
        try:
            least = parse_decimal(text)
        except (ValueError, InvalidOperation):
            errors.append(
                _("Band “%(label)s”: enter the least percentage, from 0 to 100.") % {"label": label}
            )
            continue
        if least < 0 or least > HUNDRED:
            errors.append(
                _("Band “%(label)s”: enter the least percentage, from 0 to 100.") % {"label": label}
            )
            continue
        bands.append({"label": label[:100], "min": plain(least)})
    labels = [b["label"] for b in bands]
    if len(set(labels)) != len(labels):
        errors.append(_("Two bands have the same name."))
    minima = [Decimal(b["min"]) for b in bands]
    if len(set(minima)) != len(minima):
        errors.append(_("Two bands start at the same percentage."))
    bands.sort(key=lambda b: Decimal(b["min"]), reverse=True)
    return bands, errors


def bands_of(period: Period) -> list[dict[str, str]]:
    stored = ResultSettings.objects.filter(period=period).values_list("bands", flat=True).first()
    return list(stored or [])


def _scoring_bands(bands: Sequence[Mapping[str, str]], maximum: Decimal) -> list[Band]:
    """The period's bands in points of a group whose maximum is ``maximum``."""
    return [Band(b["label"], Decimal(b["min"]) * maximum / HUNDRED) for b in bands]


@transaction.atomic
def set_bands(actor: Actor, period: Period, raw: Sequence[Mapping[str, Any]]) -> ResultSettings:
    """Set the period's classification bands; results already computed are classified again.

    Refused once the period is published: published results never change.
    """
    if period.status == Period.Status.PUBLISHED:
        raise ResultsError(
            _("The results are published: their classification can no longer change.")
        )
    bands, errors = clean_bands(raw)
    if errors:
        raise ResultsError(" ".join(errors))
    settings, _created = ResultSettings.objects.select_for_update().get_or_create(period=period)
    before = list(settings.bands)
    settings.bands = bands
    settings.save()
    record(actor, "results.bands", settings, before=before, after=bands)
    if period.results.exists():
        compute_results(actor, period)
    return settings


# ------------------------------------------------------------ computing the results


def appraised_results(period: Period) -> dict[int, tuple[Assessment, Result, Result]]:
    """Every finalised appraisal of the period, scored: assessment id → (assessment, appraised
    result, self-assessed result). Answers and decisions are loaded in two queries for all."""
    assessments = {
        a.pk: a
        for a in Assessment.objects.filter(
            period=period, review__status=Review.Status.FINALISED
        ).select_related("unit", "group__framework")
    }
    answers: dict[int, list[Answer]] = defaultdict(list)
    for answer in Answer.objects.filter(assessment_id__in=list(assessments)).select_related(
        "criterion"
    ):
        answers[answer.assessment_id].append(answer)
    decisions: dict[int, list[Decision]] = defaultdict(list)
    for decision in Decision.objects.filter(
        review__assessment_id__in=list(assessments)
    ).select_related("criterion", "review"):
        decisions[decision.review.assessment_id].append(decision)
    scored: dict[int, tuple[Assessment, Result, Result]] = {}
    for pk, assessment in assessments.items():
        framework = to_scoring(assessment.group.framework)
        own = {a.criterion.code: a.inputs for a in answers[pk] if a.inputs}
        figures, overrides = appraised_inputs(answers[pk], decisions[pk])
        appraised = score(framework, figures, assessment.general_info, overrides)
        scored[pk] = (assessment, appraised, score(framework, own, assessment.general_info))
    return scored


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(round_points(value))


@transaction.atomic
def compute_results(actor: Actor, period: Period) -> int:
    """Compute and store the period's results from the finalised appraisals; return how many
    units have a result. Only while the period is approved: published results are frozen."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != Period.Status.APPROVED:
        raise ResultsError(
            _("Results are computed when the appraisal is approved, and frozen once published.")
        )
    bands = bands_of(period)
    scored = appraised_results(period)
    by_group: dict[int, list[tuple[Assessment, Result, Result]]] = defaultdict(list)
    for item in scored.values():
        by_group[item[0].group_id].append(item)
    rows: list[UnitResult] = []
    for items in by_group.values():
        results = {a.unit_id: appraised for a, appraised, _own in items}
        ranks = rank({unit: result.total for unit, result in results.items()})
        pillar_ranks = rank_by_pillar(results)
        for assessment, appraised, own in items:
            framework = appraised.framework
            maximum = appraised.max
            band = classify(appraised.total, _scoring_bands(bands, maximum)) if bands else None
            rows.append(
                UnitResult(
                    period=period,
                    group_id=assessment.group_id,
                    unit_id=assessment.unit_id,
                    assessment=assessment,
                    total=appraised.total,
                    maximum=maximum,
                    dti=appraised.dti,
                    self_total=own.total,
                    rank=ranks[assessment.unit_id],
                    group_size=len(items),
                    band=band or "",
                    pillars=[
                        {
                            "code": root.code,
                            "title": root.title,
                            "score": _text(appraised.nodes[root.code].score or Decimal(0)),
                            "max": _text(appraised.nodes[root.code].max),
                            "rank": pillar_ranks[assessment.unit_id].get(root.code),
                        }
                        for root in framework.criteria
                        if root.counts
                    ],
                    scores={
                        code: _text(node.score)
                        for code, node in appraised.nodes.items()
                        if node.status != "info"
                    },
                    self_scores={
                        code: _text(node.score)
                        for code, node in own.nodes.items()
                        if node.status != "info"
                    },
                )
            )
    UnitResult.objects.filter(period=period).delete()
    UnitResult.objects.bulk_create(rows)
    record(
        actor,
        "results.compute",
        period,
        after={"units": len(rows), "groups": len(by_group), "bands": [b["label"] for b in bands]},
    )
    return len(rows)


# ------------------------------------------------------------ criteria across years


def suggest_links(older: Framework, newer: Framework) -> dict[str, str]:
    """A starting point for a mapping: criteria with the same code and the same title."""
    old = {node.code: node.title.strip().casefold() for node in to_scoring(older).walk()}
    return {
        node.code: node.code
        for node in to_scoring(newer).walk()
        if old.get(node.code) == node.title.strip().casefold()
    }


@transaction.atomic
def set_mapping(
    actor: Actor, older: Framework, newer: Framework, links: Mapping[str, str]
) -> FrameworkMapping:
    """Say which criterion of ``older`` each criterion of ``newer`` continues; empty: none."""
    old_codes = {node.code for node in to_scoring(older).walk()}
    new_codes = {node.code for node in to_scoring(newer).walk()}
    clean: dict[str, str] = {}
    errors: list[str] = []
    for new, old in links.items():
        old = (old or "").strip()
        if not old:
            continue
        if new not in new_codes:
            errors.append(
                _("%(code)s is not a criterion of %(framework)s.")
                % {"code": new, "framework": newer}
            )
        elif old not in old_codes:
            errors.append(
                _("%(code)s is not a criterion of %(framework)s.")
                % {"code": old, "framework": older}
            )
        else:
            clean[new] = old
    if errors:
        raise ResultsError(" ".join(errors))
    mapping, _created = FrameworkMapping.objects.select_for_update().get_or_create(
        older=older, newer=newer
    )
    before = dict(mapping.links)
    mapping.links = clean
    mapping.save()
    record(actor, "results.mapping", mapping, before=before, after=clean)
    return mapping
