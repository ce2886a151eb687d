"""Scoring a whole framework: leaves by rule, parents by adding rounded children.

Leaf scores are rounded half up to 2 decimals and parents add up the rounded
scores of their children, as appraisal councils do by hand. A leaf marked not
applicable follows the framework's policy: ``full`` awards its maximum;
``exclude`` leaves it out and rescales its parent to the parent's full maximum
(so a pillar keeps its weight), rounded again to 2 decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dti.scoring.model import Criterion, Framework
from dti.scoring.numbers import round_dti, round_points
from dti.scoring.problems import Problem
from dti.scoring.problems import gettext_noop as _
from dti.scoring.rules import ZERO, leaf_points

Answers = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class NodeScore:
    """The score of one criterion: ``score`` is None when it is not applicable."""

    code: str
    score: Decimal | None
    max: Decimal
    status: str  # scored | unanswered | invalid | na | info | partial (parents: some unanswered)
    rescaled: bool = False

    @property
    def lost(self) -> Decimal:
        """Points lost (điểm bị trừ): nothing is lost on a criterion that does not apply."""
        return ZERO if self.score is None else self.max - self.score


@dataclass(frozen=True)
class Result:
    framework: Framework
    nodes: dict[str, NodeScore]
    problems: list[Problem] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((self._root_score(r) for r in self.framework.criteria), ZERO)

    @property
    def max(self) -> Decimal:
        return sum((self.nodes[r.code].max for r in self.framework.criteria if r.counts), ZERO)

    @property
    def dti(self) -> Decimal:
        """The DTI value: total / maximum, 4 decimals."""
        return round_dti(self.total / self.max) if self.max else ZERO

    def pillar_scores(self) -> dict[str, Decimal]:
        """Score of each pillar (chỉ số chính), not-applicable pillars counting as 0."""
        return {r.code: self._root_score(r) for r in self.framework.criteria if r.counts}

    def _root_score(self, root: Criterion) -> Decimal:
        node = self.nodes.get(root.code)
        return node.score if node is not None and node.score is not None else ZERO


def score(
    framework: Framework,
    answers: Answers,
    general: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Decimal] | None = None,
) -> Result:
    """Score every criterion of ``framework`` from ``answers`` (code -> inputs).

    ``general`` holds the unit's general information, which ratio rules may use
    as denominators. Answers for unknown codes or for parents come back as
    problems; so do invalid inputs, which score nothing.

    ``overrides`` sets the score of some leaves outright (an appraiser's decision):
    kept between 0 and the leaf's maximum and rounded half up, whatever the inputs.
    """
    general = general or {}
    overrides = overrides or {}
    nodes: dict[str, NodeScore] = {}
    problems: list[Problem] = []
    for code in answers:
        node = framework.by_code.get(code)
        if node is None:
            problems.append(
                Problem(
                    "error",
                    _("there is no criterion “%(code)s” in this framework"),
                    {"code": code},
                    code=code,
                )
            )
        elif not node.is_leaf:
            problems.append(
                Problem(
                    "error",
                    _("“%(code)s” is a group of criteria; answer its sub-criteria"),
                    {"code": code},
                    code=code,
                )
            )
    for root in framework.criteria:
        _score_node(root, framework, answers, general, overrides, nodes, problems)
    # Not-applicable roots are rescaled at the top as well, so totals stay on the full scale.
    return Result(framework, nodes, problems)


def _score_node(
    node: Criterion,
    framework: Framework,
    answers: Answers,
    general: Mapping[str, Any],
    overrides: Mapping[str, Decimal],
    nodes: dict[str, NodeScore],
    problems: list[Problem],
) -> NodeScore:
    if node.is_leaf and node.code in overrides and node.rule is not None and node.counts:
        maximum = node.effective_max
        points = round_points(min(max(overrides[node.code], ZERO), maximum))
        result = NodeScore(node.code, points, maximum, "scored")
    elif node.is_leaf:
        result = _score_leaf(node, framework, answers.get(node.code, {}), general, problems)
    else:
        children = [
            _score_node(c, framework, answers, general, overrides, nodes, problems)
            for c in node.children
        ]
        result = _add_up(node.code, [c for c in children if c.status != "info"])
    nodes[node.code] = result
    return result


def _score_leaf(
    node: Criterion,
    framework: Framework,
    inputs: Mapping[str, Any],
    general: Mapping[str, Any],
    problems: list[Problem],
) -> NodeScore:
    if node.rule is None or not node.counts:
        return NodeScore(node.code, None, ZERO, "info")
    maximum = node.effective_max
    outcome = leaf_points(node.rule, maximum, inputs, general, node.na_allowed)
    problems.extend(
        Problem(p.level, p.template, p.params, code=node.code) for p in outcome.problems
    )
    if outcome.status == "na" and framework.na_policy == "full":
        return NodeScore(node.code, maximum, maximum, "na")
    return NodeScore(node.code, outcome.points, maximum, outcome.status)


def _add_up(code: str, children: list[NodeScore]) -> NodeScore:
    if not children:
        return NodeScore(code, None, ZERO, "info")
    full_max = sum((c.max for c in children), ZERO)
    applicable = [c for c in children if c.score is not None]
    if not applicable:
        return NodeScore(code, None, full_max, "na")
    raw = sum((c.score for c in applicable if c.score is not None), ZERO)
    applicable_max = sum((c.max for c in applicable), ZERO)
    statuses = {c.status for c in children}
    status = (
        "scored"
        if statuses <= {"scored", "na"}
        else ("unanswered" if statuses == {"unanswered"} else "partial")
    )
    if applicable_max == full_max:
        return NodeScore(code, raw, full_max, status)
    if applicable_max == 0:
        return NodeScore(code, None, full_max, "na")
    return NodeScore(
        code, round_points(raw * full_max / applicable_max), full_max, status, rescaled=True
    )
