"""Self-assessed against appraised: both scored by the scoring engine, side by side.

The appraised score of a criterion comes from the unit's figures when the council accepted them
(or has not decided yet), from the corrected figures when it corrected them, and from the score
it set when it set one. Parents add up as the engine adds them, so pillar and total subtotals of
both columns follow the same rules.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache

from dti.appraisal.models import Decision, Review
from dti.assessments.models import Answer, Assessment
from dti.assessments.scoring import answers_map, framework_of
from dti.scoring import Framework, Result, score

ZERO = Decimal(0)
#: How long a unit's live totals stay in the cache. Their key changes with every figure the
#: totals depend on, so this only bounds how long an unused entry occupies the cache.
TOTALS_SECONDS = 24 * 3600


def appraised_inputs(
    answers: Iterable[Answer], decisions: Iterable[Decision]
) -> tuple[dict[str, dict[str, Any]], dict[str, Decimal]]:
    """The figures the appraised scores come from, and the scores the council set outright."""
    figures = answers_map(answers)
    overrides: dict[str, Decimal] = {}
    for decision in decisions:
        code = decision.criterion.code
        if decision.kind == Decision.Kind.CORRECTED:
            figures[code] = dict(decision.inputs)
        elif decision.kind == Decision.Kind.SCORED and decision.score is not None:
            overrides[code] = decision.score
    return figures, overrides


def appraised_result(
    assessment: Assessment,
    review: Review,
    answers: Iterable[Answer] | None = None,
    decisions: Iterable[Decision] | None = None,
) -> Result:
    if answers is None:
        answers = assessment.answers.select_related("criterion")
    if decisions is None:
        decisions = review.decisions.select_related("criterion")
    figures, overrides = appraised_inputs(answers, decisions)
    return score(framework_of(assessment), figures, assessment.general_info, overrides)


@dataclass(frozen=True)
class Line:
    """One criterion, self-assessed and appraised."""

    code: str
    title: str
    depth: int
    is_leaf: bool
    max: Decimal
    self_score: Decimal | None
    appraised_score: Decimal | None
    self_status: str
    appraised_status: str
    decision: Decision | None = None

    @property
    def difference(self) -> Decimal:
        """Appraised minus self-assessed: negative when the council took points away."""
        return (self.appraised_score or ZERO) - (self.self_score or ZERO)

    @property
    def differs(self) -> bool:
        return self.self_score != self.appraised_score


@dataclass(frozen=True)
class Comparison:
    framework: Framework
    self_result: Result
    appraised: Result
    lines: list[Line]
    decisions: Mapping[str, Decision]

    @property
    def pillars(self) -> list[Line]:
        return [line for line in self.lines if line.depth == 0]

    @property
    def leaves(self) -> list[Line]:
        return [line for line in self.lines if line.is_leaf]

    @property
    def self_total(self) -> Decimal:
        return self.self_result.total

    @property
    def appraised_total(self) -> Decimal:
        return self.appraised.total

    @property
    def points_moved(self) -> Decimal:
        return self.appraised_total - self.self_total

    @property
    def corrected(self) -> int:
        """Criteria whose figures the council corrected or whose score it set."""
        return sum(1 for d in self.decisions.values() if d.kind != Decision.Kind.ACCEPTED)

    @property
    def decided(self) -> int:
        return len(self.decisions)


def compare(
    assessment: Assessment,
    review: Review,
    answers: Iterable[Answer] | None = None,
    decisions: Iterable[Decision] | None = None,
) -> Comparison:
    """Every criterion of the unit's framework, in order, with both scores."""
    if answers is None:
        answers = list(assessment.answers.select_related("criterion"))
    else:
        answers = list(answers)
    if decisions is None:
        decisions = list(review.decisions.select_related("criterion"))
    else:
        decisions = list(decisions)
    framework = framework_of(assessment)
    own = score(framework, answers_map(answers), assessment.general_info)
    figures, overrides = appraised_inputs(answers, decisions)
    appraised = score(framework, figures, assessment.general_info, overrides)
    by_code = {d.criterion.code: d for d in decisions}
    lines: list[Line] = []

    def walk(node: Any, depth: int) -> None:
        mine, theirs = own.nodes[node.code], appraised.nodes[node.code]
        if mine.status != "info":
            lines.append(
                Line(
                    node.code,
                    node.title,
                    depth,
                    node.is_leaf,
                    mine.max,
                    mine.score,
                    theirs.score,
                    mine.status,
                    theirs.status,
                    by_code.get(node.code),
                )
            )
        for child in node.children:
            walk(child, depth + 1)

    for root in framework.criteria:
        walk(root, 0)
    return Comparison(framework, own, appraised, lines, by_code)


def _totals_key(assessment: Assessment, decisions: Sequence[Decision]) -> str:
    """A key that changes whenever the unit's totals can: the submission (the unit's figures and
    general information are read-only while submitted, and resubmitting changes its time) and
    every decision's version (decisions are changed in place, never deleted)."""
    submitted = assessment.submitted_at.isoformat() if assessment.submitted_at else "-"
    parts = sorted(f"{d.pk}.{d.version}" for d in decisions)
    digest = hashlib.sha256(",".join(parts).encode()).hexdigest()[:32]
    return (
        f"dti:totals:{assessment.pk}:{assessment.group_id}:{assessment.general_version}:"
        f"{submitted}:{digest}"
    )


def live_totals(
    units: Sequence[tuple[Assessment, Review, Sequence[Decision]]],
) -> dict[int, tuple[Decimal, Decimal]]:
    """Self-assessed and appraised totals of submitted assessments under appraisal, by assessment
    id: from the cache when nothing they depend on changed since they were computed, otherwise
    scored (with every missing unit's answers read in one query) and kept for next time."""
    keys = {
        assessment.pk: _totals_key(assessment, decisions) for assessment, _r, decisions in units
    }
    kept = cache.get_many(list(keys.values()))
    totals: dict[int, tuple[Decimal, Decimal]] = {}
    missing = []
    for assessment, review, decisions in units:
        if keys[assessment.pk] in kept:
            own, appraised = kept[keys[assessment.pk]]
            totals[assessment.pk] = (Decimal(own), Decimal(appraised))
        else:
            missing.append((assessment, review, decisions))
    if not missing:
        return totals
    answers: dict[int, list[Answer]] = defaultdict(list)
    for answer in (
        Answer.objects.filter(assessment__in=[a for a, _r, _d in missing])
        .select_related("criterion")
        .only("assessment_id", "inputs", "criterion__code")
    ):
        answers[answer.assessment_id].append(answer)
    fresh = {}
    for assessment, _review, decisions in missing:
        mine = answers.get(assessment.pk, [])
        framework = framework_of(assessment)
        own = score(framework, answers_map(mine), assessment.general_info).total
        figures, overrides = appraised_inputs(mine, decisions)
        appraised = score(framework, figures, assessment.general_info, overrides).total
        totals[assessment.pk] = (own, appraised)
        fresh[keys[assessment.pk]] = (str(own), str(appraised))
    cache.set_many(fresh, TOTALS_SECONDS)
    return totals
