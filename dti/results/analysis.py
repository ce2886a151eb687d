"""The unit's analysis of its appraised result (phân tích kết quả): the material an agency needs
to write its improvement plan.

For one ``UnitResult``: the points lost on each criterion, largest first; the self-score against
the appraised score with the council's reason; the rank, group average and group best per pillar
(and per criterion); the change from last year through the framework mapping, with the criteria
that have no counterpart last year named as such; the totals over the years.

Everything is read from stored results (``UnitResult``, computed by the scoring package at
approval), the council's decisions and the frozen framework; nothing is scored again here. The
queries do not grow with the number of criteria or units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from dti.appraisal.models import Decision, Review
from dti.frameworks.store import to_scoring
from dti.results.history import INTERNAL, Earlier, Point, history, last_year
from dti.results.models import UnitResult
from dti.scoring import Criterion
from dti.scoring.numbers import TEN_THOUSANDTH, round_points

ZERO = Decimal(0)


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def mean(values: Sequence[Decimal]) -> Decimal | None:
    """The average, rounded to 2 decimals half up as points are; None for no values."""
    if not values:
        return None
    return round_points(sum(values, ZERO) / len(values))


def format_dti(value: Decimal | None, lang: str = "vi") -> str:
    """A DTI value always with 4 decimals: "0,0225" in Vietnamese, "0.7000" in English."""
    if value is None:
        return "—"
    text = format(Decimal(value).quantize(TEN_THOUSANDTH), "f")
    return text.replace(".", ",") if lang.startswith("vi") else text


def rank_text(rank: int | None, size: int) -> str:
    """A rank as the decisions write it: "3/18"; "—" when there is none."""
    return "—" if rank is None else f"{rank}/{size}"


@dataclass(frozen=True)
class GroupFigures:
    """One criterion or pillar across the unit's group: the average and the best score."""

    average: Decimal | None = None
    best: Decimal | None = None
    #: how many units of the group earned the full maximum
    full_marks: int = 0


@dataclass(frozen=True)
class PillarLine:
    """One pillar (chỉ số chính) of the unit: its score, rank and the group's figures."""

    code: str
    printed: str
    title: str
    score: Decimal
    max: Decimal
    rank: int | None
    group_size: int
    group: GroupFigures
    last_year: Decimal | None = None

    @property
    def lost(self) -> Decimal:
        return self.max - self.score

    @property
    def rank_text(self) -> str:
        return rank_text(self.rank, self.group_size)

    @property
    def change(self) -> Decimal | None:
        return None if self.last_year is None else self.score - self.last_year

    @property
    def behind_best(self) -> Decimal | None:
        """Points between the unit and the best of its group on this pillar."""
        return None if self.group.best is None else self.group.best - self.score


@dataclass(frozen=True)
class CriterionLine:
    """One scored leaf: appraised and self-assessed points, and the council's decision."""

    code: str
    printed: str
    title: str
    pillar: str  # the pillar's code
    max: Decimal
    score: Decimal | None  # appraised; None: not applicable
    self_score: Decimal | None
    decision: Decision | None
    group: GroupFigures

    @property
    def lost(self) -> Decimal:
        """Points lost (điểm bị trừ): nothing is lost on a criterion that does not apply."""
        return ZERO if self.score is None else max(self.max - self.score, ZERO)

    @property
    def differs(self) -> bool:
        """The council's score is not the unit's own."""
        return self.self_score != self.score

    @property
    def difference(self) -> Decimal:
        """Appraised minus self-assessed: negative when the council took points away."""
        return (self.score or ZERO) - (self.self_score or ZERO)

    @property
    def reason(self) -> str:
        return self.decision.reason if self.decision is not None else ""


@dataclass(frozen=True)
class ChangeLine:
    """One criterion against last year: this year's points, last year's through the mapping."""

    code: str
    printed: str
    title: str
    depth: int
    is_leaf: bool
    score: Decimal | None
    before: Decimal | None
    #: False: the criterion has no counterpart in last year's framework
    counterpart: bool

    @property
    def change(self) -> Decimal | None:
        if not self.counterpart or self.score is None or self.before is None:
            return None
        return self.score - self.before


@dataclass(frozen=True)
class Analysis:
    result: UnitResult
    pillars: list[PillarLine]
    #: every scored leaf in framework order
    criteria: list[CriterionLine]
    earlier: Earlier | None = None
    #: every scored criterion (pillars, groups, leaves) in framework order, against last year
    changes: list[ChangeLine] = field(default_factory=list)
    history: list[Point] = field(default_factory=list)
    #: the group's average and best total
    group: GroupFigures = GroupFigures()

    @property
    def lost(self) -> list[CriterionLine]:
        """The leaves on which points were lost, largest loss first (framework order on ties)."""
        return sorted((c for c in self.criteria if c.lost > 0), key=lambda c: -c.lost)

    @property
    def lost_total(self) -> Decimal:
        return self.result.maximum - self.result.total

    @property
    def differing(self) -> list[CriterionLine]:
        """The leaves whose appraised score is not the self-score, in framework order."""
        return [c for c in self.criteria if c.differs]

    @property
    def points_moved(self) -> Decimal:
        """Appraised total minus self-assessed total."""
        return self.result.total - self.result.self_total

    @property
    def rank_text(self) -> str:
        return rank_text(self.result.rank, self.result.group_size)

    @property
    def total_change(self) -> Decimal | None:
        """The total against last year's (the mean of the predecessors', for a merged unit)."""
        return None if self.earlier is None else self.result.total - self.earlier.total

    @property
    def unmapped(self) -> list[ChangeLine]:
        return [c for c in self.changes if not c.counterpart]

    @property
    def compared(self) -> list[ChangeLine]:
        return [c for c in self.changes if c.counterpart]


def group_figures(values: Iterable[Decimal | None], maximum: Decimal | None = None) -> GroupFigures:
    present = [v for v in values if v is not None]
    return GroupFigures(
        average=mean(present),
        best=max(present) if present else None,
        full_marks=sum(1 for v in present if maximum is not None and maximum > 0 and v >= maximum),
    )


def _printed(node: Criterion | None, code: str) -> str:
    """The number as printed in the decision ("6.19", "a"), or the code when it has none."""
    return (node.printed if node is not None else "") or code


def _final_decisions(result: UnitResult) -> dict[str, Decision]:
    """The council's decisions on the unit's criteria, once its appraisal is final (its
    reasons are the unit's to read from then on): one query."""
    return {
        d.criterion.code: d
        for d in Decision.objects.filter(
            review__assessment_id=result.assessment_id,
            review__status=Review.Status.FINALISED,
        ).select_related("criterion")
    }


def build_analysis(
    result: UnitResult,
    group_results: Sequence[UnitResult] | None = None,
    decisions: Mapping[str, Decision] | None = None,
    statuses: Sequence[str] = INTERNAL,
) -> Analysis:
    """Everything the unit's analysis shows, for ``result``.

    ``group_results`` are the results of the unit's group in the period (the unit's own among
    them), loaded when not given; ``decisions`` the council's final decisions by criterion code.
    Last year and the history come from periods in ``statuses`` (approved or published: this
    analysis is for the unit itself).
    """
    if group_results is None:
        group_results = list(
            UnitResult.objects.filter(period_id=result.period_id, group_id=result.group_id).only(
                "id", "unit_id", "total", "pillars", "scores"
            )
        )
    if decisions is None:
        decisions = _final_decisions(result)
    framework = to_scoring(result.group.framework)

    pillar_values: dict[str, list[Decimal]] = {}
    for other in group_results:
        for p in other.pillars:
            pillar_values.setdefault(p["code"], []).append(Decimal(p["score"]))

    earlier = last_year(result, statuses)
    earlier_pillars = earlier.pillars if earlier is not None else {}
    pillars = [
        PillarLine(
            code=p["code"],
            printed=_printed(framework.by_code.get(p["code"]), p["code"]),
            title=p["title"],
            score=Decimal(p["score"]),
            max=Decimal(p["max"]),
            rank=p.get("rank"),
            group_size=result.group_size,
            group=group_figures(pillar_values.get(p["code"], []), Decimal(p["max"])),
            last_year=earlier_pillars.get(p["code"]),
        )
        for p in result.pillars
    ]

    criteria: list[CriterionLine] = []
    changes: list[ChangeLine] = []

    def walk(node: Criterion, depth: int, pillar: str) -> None:
        code = node.code
        if code in result.scores:
            score = result.score_of(code)
            if node.is_leaf:
                maximum = node.effective_max
                criteria.append(
                    CriterionLine(
                        code=code,
                        printed=_printed(node, code),
                        title=node.title,
                        pillar=pillar,
                        max=maximum,
                        score=score,
                        self_score=_decimal(result.self_scores.get(code)),
                        decision=decisions.get(code),
                        group=group_figures(
                            (_decimal(other.scores.get(code)) for other in group_results), maximum
                        ),
                    )
                )
            if earlier is not None:
                changes.append(
                    ChangeLine(
                        code=code,
                        printed=_printed(node, code),
                        title=node.title,
                        depth=depth,
                        is_leaf=node.is_leaf,
                        score=score,
                        before=earlier.scores.get(code),
                        counterpart=code not in earlier.unmapped,
                    )
                )
        for child in node.children:
            walk(child, depth + 1, pillar)

    for root in framework.criteria:
        walk(root, 0, root.code)

    return Analysis(
        result=result,
        pillars=pillars,
        criteria=criteria,
        earlier=earlier,
        changes=changes,
        history=history(result.unit, statuses),
        group=group_figures([r.total for r in group_results], result.maximum),
    )
