"""Self-assessed against appraised: both scored by the scoring engine, side by side.

The appraised score of a criterion comes from the unit's figures when the council accepted them
(or has not decided yet), from the corrected figures when it corrected them, and from the score
it set when it set one. Parents add up as the engine adds them, so pillar and total subtotals of
both columns follow the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dti.appraisal.models import Decision, Review
from dti.assessments.models import Answer, Assessment
from dti.assessments.scoring import answers_map, framework_of
from dti.scoring import Framework, Result, score

ZERO = Decimal(0)


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
