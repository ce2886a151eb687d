"""What-if (thử tính điểm): how many points, and how many ranks, a unit gains by changing its figures.

The starting point (``Base``) is the unit's APPRAISED position in a period: its own figures with
the council's corrections applied and the scores the council set outright
(``dti.appraisal.compare.appraised_inputs``), its general information, the frozen framework, and
the totals of the other units of its group from the period's stored results.

``simulate(base, changes)`` applies new inputs to one or more criteria and scores the whole
framework again with ``dti.scoring.score`` — the one implementation of scoring — so a what-if
figure is always what a real re-scoring of the changed figures would give. A changed criterion
is scored from its figures: a score the council set on it no longer applies. Inputs the scoring
package refuses (a numerator above the denominator, a word where a number belongs) are reported
per criterion with its own messages and left out; they never raise.

``best_gains(base)`` and ``largest_gains(base)`` look, for every criterion not at full marks,
for the smallest change of its figures that raises its points and for the change that takes it
to its best (see ``suggestions`` for the rule of each kind of criterion and for the "effort"
measure the lists are sorted by).

Everything here is pure and deterministic except ``load_base``, the one function that reads
the database.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dti.scoring import Criterion, Framework, Problem, Result, rank, score
from dti.scoring.numbers import CENT, format_points, parse_decimal
from dti.scoring.problems import gettext_noop
from dti.scoring.rules import ZERO, _field_sum, check_inputs, leaf_points

if TYPE_CHECKING:  # pragma: no cover
    from dti.results.models import UnitResult

Inputs = Mapping[str, Any]

#: Keys that carry no figure: a note changes no score.
IGNORED_INPUTS = ("note",)

NO_POINTS = gettext_noop("“%(code)s” carries no points: there is nothing to try on it")


# ------------------------------------------------------------------ the starting point


def _clean(inputs: Inputs) -> dict[str, Any]:
    """Inputs without the empty ones (None or ""), which the scoring package ignores anyway."""
    return {k: v for k, v in inputs.items() if v is not None and v != ""}


@dataclass(frozen=True)
class Base:
    """A unit's appraised position in a period, the starting point of every what-if.

    ``figures``: criterion code → the appraised inputs (the council's corrected figures where it
    corrected them); ``overrides``: code → the score the council set outright; ``others``: the
    other units of the group → their totals; ``key`` names this unit among them.
    """

    framework: Framework
    figures: Mapping[str, Inputs]
    general: Mapping[str, Any] = field(default_factory=dict)
    overrides: Mapping[str, Decimal] = field(default_factory=dict)
    others: Mapping[Hashable, Decimal | None] = field(default_factory=dict)
    key: Hashable = "unit"
    #: codes whose figures the council corrected (for display only)
    corrected: frozenset[str] = frozenset()

    @cached_property
    def result(self) -> Result:
        return score(self.framework, self.figures, self.general, self.overrides)

    @property
    def total(self) -> Decimal:
        return self.result.total

    @property
    def group_size(self) -> int:
        return len({**self.others, self.key: ZERO})

    @cached_property
    def rank(self) -> int | None:
        return rank_in_group(self, self.total)

    @cached_property
    def order(self) -> dict[str, int]:
        """Each criterion's place in the framework, for stable sorting."""
        return {node.code: index for index, node in enumerate(self.framework.walk())}

    @cached_property
    def pillar_of(self) -> dict[str, str]:
        return {node.code: root.code for root in self.framework.criteria for node in root.walk()}

    def inputs(self, code: str) -> dict[str, Any]:
        return _clean(self.figures.get(code, {}))

    @cached_property
    def suggestions(self) -> list[tuple[Suggestion, Suggestion]]:
        """``suggestions(self)``, computed once for both lists."""
        return suggestions(self)


def rank_in_group(base: Base, total: Decimal) -> int | None:
    """The unit's rank in its group with ``total`` in place of its own (shared ranks)."""
    return rank({**base.others, base.key: total})[base.key]


# ------------------------------------------------------------------ simulating


@dataclass(frozen=True)
class CriterionChange:
    """One changed criterion: its inputs and points before and after."""

    code: str
    before: dict[str, Any]
    after: dict[str, Any]
    old: Decimal | None
    new: Decimal | None
    max: Decimal
    #: the score the council had set on it, which no longer applies
    override: Decimal | None = None

    @property
    def gained(self) -> Decimal:
        return (self.new or ZERO) - (self.old or ZERO)


@dataclass(frozen=True)
class PillarChange:
    code: str
    printed: str
    title: str
    old: Decimal
    new: Decimal
    max: Decimal

    @property
    def gained(self) -> Decimal:
        return self.new - self.old


@dataclass(frozen=True)
class Outcome:
    """What the changes give: the new total, DTI value and rank, per pillar and per criterion."""

    base: Base
    result: Result
    changes: list[CriterionChange]
    #: criterion code → the problems that kept its change out
    problems: dict[str, list[Problem]]

    @property
    def total(self) -> Decimal:
        return self.result.total

    @property
    def gained(self) -> Decimal:
        return self.total - self.base.total

    @property
    def dti(self) -> Decimal:
        return self.result.dti

    @cached_property
    def rank(self) -> int | None:
        return rank_in_group(self.base, self.total)

    @property
    def group_size(self) -> int:
        return self.base.group_size

    @property
    def ranks_gained(self) -> int:
        """Places moved up in the group (negative: down)."""
        if self.rank is None or self.base.rank is None:
            return 0
        return self.base.rank - self.rank

    @property
    def ranks_lost(self) -> int:
        return -self.ranks_gained

    @cached_property
    def pillars(self) -> list[PillarChange]:
        old, new = self.base.result.pillar_scores(), self.result.pillar_scores()
        by_code = self.base.framework.by_code
        return [
            PillarChange(
                code,
                by_code[code].printed or code,
                by_code[code].title,
                old[code],
                new[code],
                self.result.nodes[code].max,
            )
            for code in new
        ]

    @property
    def changed_codes(self) -> list[str]:
        return [c.code for c in self.changes]


def _leaf_problem(framework: Framework, code: str, inputs: Inputs) -> list[Problem] | None:
    """Why ``code`` cannot be changed at all (unknown, a group, no points), or None."""
    node = framework.by_code.get(code)
    if node is None or not node.is_leaf:
        # the scoring package's own messages for an unknown code and for a group of criteria
        found = score(framework, {code: inputs}).problems
        return [p for p in found if p.code == code]
    if node.rule is None or not node.counts:
        return [Problem("error", NO_POINTS, {"code": code}, code=code)]
    return None


def simulate(base: Base, changes: Mapping[str, Inputs]) -> Outcome:
    """Score the unit again with ``changes`` (criterion code → new inputs) applied.

    The new inputs of a criterion are laid over its appraised inputs: ``{"numerator": 3}``
    keeps the denominator; an input given as None or "" is removed. Every criterion named in
    ``changes`` counts as changed and loses the council's score override, if it had one.
    A change the scoring package refuses is left out and reported in ``Outcome.problems``
    with the package's messages.
    """
    framework = base.framework
    figures = {code: dict(inputs) for code, inputs in base.figures.items()}
    overrides = dict(base.overrides)
    problems: dict[str, list[Problem]] = {}
    applied: list[tuple[str, dict[str, Any], dict[str, Any], Decimal | None]] = []
    for code, change in changes.items():
        before = base.inputs(code)
        after = _clean({**before, **change})
        refused = _leaf_problem(framework, code, after)
        if refused is not None:
            problems[code] = refused
            continue
        node = framework.by_code[code]
        assert node.rule is not None  # noqa: S101 - _leaf_problem refuses leaves without a rule
        checked = leaf_points(node.rule, node.effective_max, after, base.general, node.na_allowed)
        if checked.status == "invalid":
            problems[code] = [
                Problem(p.level, p.template, p.params, code=code) for p in checked.problems
            ]
            continue
        figures[code] = after
        applied.append((code, before, after, overrides.pop(code, None)))
    result = score(framework, figures, base.general, overrides)
    applied.sort(key=lambda item: base.order.get(item[0], 0))
    return Outcome(
        base,
        result,
        [
            CriterionChange(
                code,
                before,
                after,
                base.result.nodes[code].score,
                result.nodes[code].score,
                result.nodes[code].max,
                override,
            )
            for code, before, after, override in applied
        ],
        problems,
    )


def _typed(node: Criterion, inputs: Inputs, general: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs as the scoring package reads them, without what changes no score."""
    assert node.rule is not None  # noqa: S101 - callers pass scored leaves only
    typed, _problems = check_inputs(node.rule, node.effective_max, inputs, general, True)
    if not typed.get("na"):
        typed.pop("na", None)
    for key in IGNORED_INPUTS:
        typed.pop(key, None)
    return typed


def changes_from_form(base: Base, submitted: Mapping[str, Inputs]) -> dict[str, dict[str, Any]]:
    """The criteria whose submitted inputs differ from the appraised ones, with those inputs.

    A form that shows every criterion sends every figure back; only what really differs (after
    reading "4", "4,0" and 4 as the same number) is a change, so that a criterion left alone
    keeps the council's score. Inputs the scoring package refuses always count as a change, so
    that they are reported. Codes that are not scored leaves are passed on, to be reported.
    """
    changes: dict[str, dict[str, Any]] = {}
    for code, inputs in submitted.items():
        node = base.framework.by_code.get(code)
        if node is None or not node.is_leaf or node.rule is None or not node.counts:
            changes[code] = dict(inputs)
            continue
        before = base.inputs(code)
        after = _clean({**before, **inputs})
        if _typed(node, after, base.general) != _typed(node, before, base.general) or _errors(
            base, node, after
        ) != _errors(base, node, before):
            changes[code] = dict(inputs)
    return changes


def _errors(base: Base, node: Criterion, inputs: Inputs) -> list[tuple[str, dict[str, Any]]]:
    assert node.rule is not None  # noqa: S101 - callers pass scored leaves only
    _typed_inputs, problems = check_inputs(
        node.rule, node.effective_max, inputs, base.general, node.na_allowed
    )
    return [(p.template, dict(p.params)) for p in problems if p.level == "error"]


# ------------------------------------------------------------------ suggestions


@dataclass(frozen=True)
class Suggestion:
    """A change of one criterion's figures and what it gains.

    ``change`` holds only the inputs that change (what a "try this" link carries); ``after`` the
    criterion's inputs once changed. ``gained`` is the gain of the TOTAL, from ``simulate`` (it
    can exceed the criterion's own gain where a pillar is rescaled for criteria that do not
    apply). ``effort`` is the size of the change, see ``suggestions``.
    """

    code: str
    kind: str  # "next": the smallest change that raises the points; "best": to the best points
    change: dict[str, Any]
    before: dict[str, Any]
    after: dict[str, Any]
    old: Decimal
    new: Decimal
    max: Decimal
    gained: Decimal
    effort: Decimal
    total: Decimal
    rank: int | None

    @property
    def per_unit(self) -> Decimal:
        """Points gained per unit of effort."""
        return self.gained / self.effort if self.effort else self.gained


def _whole(value: Decimal, rounding: str) -> int:
    return int(value.to_integral_value(rounding=rounding))


class _Leaf:
    """One leaf's figures and its points as the scoring package computes them."""

    def __init__(self, base: Base, node: Criterion) -> None:
        assert node.rule is not None  # noqa: S101 - only scored leaves are looked at
        self.base, self.node, self.rule = base, node, node.rule
        self.params = node.rule.params
        self.max = node.effective_max
        self.inputs = base.inputs(node.code)
        self.typed = _typed(node, self.inputs, base.general)
        current = base.result.nodes[node.code].score
        self.current = current if current is not None else ZERO

    def points(self, change: Inputs) -> Decimal | None:
        """The leaf's points with ``change`` laid over its figures; None if refused or n/a."""
        outcome = leaf_points(
            self.rule, self.max, {**self.inputs, **change}, self.base.general, self.node.na_allowed
        )
        return outcome.points if outcome.status in ("scored", "unanswered") else None

    def least(self, key: str, start: int, stop: int, target: Decimal) -> int | None:
        """The least whole value of ``key`` in [start, stop] whose points reach ``target``.

        The points of a ratio, a ratio with bands, and a count never fall when the figure
        rises, so a binary search finds it with a few calls to the scoring package.
        """
        if start > stop:
            return None
        reached = self.points({key: stop})
        if reached is None or reached < target:
            return None
        low, high = start, stop
        while low < high:
            middle = (low + high) // 2
            points = self.points({key: middle})
            if points is not None and points >= target:
                high = middle
            else:
                low = middle + 1
        return low

    def denominator(self) -> Decimal | None:
        if "denominator" in self.typed:
            value: Decimal = self.typed["denominator"]
            return value
        return _field_sum(self.params.get("denominator_field"), self.base.general)

    def target(self) -> Decimal | None:
        target = self.params.get("target")
        if target:
            return Decimal(target)
        return _field_sum(self.params.get("target_field"), self.base.general)


#: A candidate change: (the inputs that change, the effort), the smallest first.
Candidate = tuple[dict[str, Any], Decimal]


def _whole_figure_steps(leaf: _Leaf, key: str, stop: int) -> tuple[Candidate, Candidate] | None:
    """Numerators and counts: one more document, system, person… at a time."""
    now: Decimal = leaf.typed.get(key, ZERO)
    start = _whole(now, ROUND_FLOOR) + 1
    if start > stop:
        return None
    best = leaf.points({key: stop})
    if best is None or best <= leaf.current:
        return None
    first = leaf.least(key, start, stop, leaf.current + CENT)
    full = leaf.least(key, start, stop, best)
    if first is None or full is None:  # pragma: no cover - both exist once ``best`` is better
        return None
    return ({key: first}, first - now), ({key: full}, full - now)


def _ratio_steps(leaf: _Leaf) -> tuple[Candidate, Candidate] | None:
    denominator = leaf.denominator()
    if denominator is None or denominator <= 0:
        return None  # nothing to count against: the numerator alone moves nothing
    if leaf.rule.type == "ratio" and leaf.params.get("allow_over"):
        full_from = Decimal(leaf.params.get("full_from", 100))
        stop = _whole(denominator * full_from / 100, ROUND_CEILING)
    else:
        stop = _whole(denominator, ROUND_FLOOR)
    return _whole_figure_steps(leaf, "numerator", stop)


def _count_steps(leaf: _Leaf) -> tuple[Candidate, Candidate] | None:
    target = leaf.target()
    if not target:
        return None
    return _whole_figure_steps(leaf, "count", _whole(target, ROUND_CEILING))


def _band_steps(leaf: _Leaf) -> tuple[Candidate, Candidate] | None:
    """Bands on a value: the threshold of the next band up; the best band's threshold."""
    now: Decimal = leaf.typed.get("value", ZERO)
    reachable: list[tuple[Decimal, Decimal]] = []
    for band in sorted(leaf.params["bands"], key=lambda b: b["min"]):
        threshold = Decimal(band["min"])
        points = leaf.points({"value": str(threshold)})
        if threshold > now and points is not None and points > leaf.current:
            reachable.append((threshold, points))
    if not reachable:
        return None
    first = reachable[0][0]
    best_points = max(points for _threshold, points in reachable)
    full = next(threshold for threshold, points in reachable if points == best_points)
    return ({"value": str(first)}, first - now), ({"value": str(full)}, full - now)


def _choice_steps(leaf: _Leaf) -> tuple[Candidate, Candidate] | None:
    """Choices: the next better option; the best one. Effort: the levels of points climbed."""
    options = leaf.params["options"]
    own = leaf.points({}) or ZERO
    better = [
        o
        for o in options
        if Decimal(o["points"]) > leaf.current and str(o["key"]) != leaf.typed.get("choice")
    ]
    if not better:
        return None
    levels = sorted({Decimal(o["points"]) for o in options})
    first = min(better, key=lambda o: Decimal(o["points"]))  # the first of equals, in order
    full = max(better, key=lambda o: Decimal(o["points"]))

    def climbed(option: Mapping[str, Any]) -> Decimal:
        return Decimal(sum(1 for level in levels if own < level <= Decimal(option["points"])))

    return (
        ({"choice": str(first["key"])}, max(climbed(first), Decimal(1))),
        ({"choice": str(full["key"])}, max(climbed(full), Decimal(1))),
    )


def _steps(leaf: _Leaf) -> tuple[Candidate, Candidate] | None:
    rule = leaf.rule
    if rule.type == "yesno":
        if leaf.typed.get("yes") is True:
            return None
        return ({"yes": True}, Decimal(1)), ({"yes": True}, Decimal(1))
    if rule.type == "ratio" or (rule.type == "bands" and leaf.params.get("input") == "ratio"):
        return _ratio_steps(leaf)
    if rule.type == "bands":
        return _band_steps(leaf)
    if rule.type == "count":
        return _count_steps(leaf)
    if rule.type == "choice":
        return _choice_steps(leaf)
    return None  # manual: a score the unit cannot reach by its figures


def suggestions(base: Base) -> list[tuple[Suggestion, Suggestion]]:
    """For every criterion not at full marks, the smallest change of its figures that raises its
    points, and the change that takes it to the best points its figures can give.

    By kind of criterion:

    - yes/no: "no" (or no answer) → "yes"; effort 1.
    - ratio (and bands on a ratio): the least WHOLE increase of the numerator that raises the
      rounded points — a "full marks from" threshold and the rounding to 2 decimals are those
      of the scoring package, which computes every candidate; the denominator (a fact such as
      the number of procedures) never changes; effort: the increase of the numerator. Not
      suggested when the denominator is unknown or zero.
    - bands on a value: the next band's threshold; effort: the increase of the value.
    - count: the least whole increase that raises the points, up to the target; effort: the
      increase of the count.
    - choice: the next better option (the least points above the current ones); effort: the
      levels of points climbed (1 per distinct level of the options).
    - manual scores are not suggested; nor are criteria that do not apply, whose figures are
      refused, or that are at full marks.

    A criterion whose score the council set outright is compared with that score, and its
    figures are changed from its appraised figures. The gain is the gain of the total.
    """
    found: list[tuple[Suggestion, Suggestion]] = []
    for node in base.framework.leaves:
        score_now = base.result.nodes.get(node.code)
        if (
            node.rule is None
            or score_now is None
            or score_now.status in ("na", "invalid")
            or score_now.score is None
            or score_now.score >= score_now.max
        ):
            continue
        leaf = _Leaf(base, node)
        if leaf.typed.get("na"):
            continue  # marked not applicable (the council may have set a score all the same)
        steps = _steps(leaf)
        if steps is None:
            continue
        first = _suggestion(base, leaf, "next", steps[0])
        best = _suggestion(base, leaf, "best", steps[1])
        if first is not None and best is not None:
            found.append((first, best))
    return found


def _suggestion(base: Base, leaf: _Leaf, kind: str, step: Candidate) -> Suggestion | None:
    change, effort = step
    outcome = simulate(base, {leaf.node.code: change})
    line = outcome.changes[0] if outcome.changes else None
    if line is None or line.new is None or line.new <= leaf.current or outcome.gained <= 0:
        return None  # the change does not raise the criterion's points after all
    return Suggestion(
        code=leaf.node.code,
        kind=kind,
        change=change,
        before=line.before,
        after=line.after,
        old=leaf.current,
        new=line.new,
        max=line.max,
        gained=outcome.gained,
        effort=effort,
        total=outcome.total,
        rank=outcome.rank,
    )


def best_gains(base: Base, limit: int | None = 15) -> list[Suggestion]:
    """The smallest changes that raise a criterion's points, most points per unit of effort
    first (then the larger gain, then the framework's order)."""
    lines = [first for first, _best in base.suggestions]
    lines.sort(key=lambda s: (-s.per_unit, -s.gained, base.order[s.code]))
    return lines[:limit] if limit is not None else lines


def largest_gains(base: Base, limit: int | None = 15) -> list[Suggestion]:
    """The changes that take a criterion to its best points, the largest gain first (then the
    smaller effort, then the framework's order)."""
    lines = [best for _first, best in base.suggestions]
    lines.sort(key=lambda s: (-s.gained, s.effort, base.order[s.code]))
    return lines[:limit] if limit is not None else lines


# ------------------------------------------------------------------ in words


def number_text(value: Any, lang: str | None = None) -> str:
    """A figure as the reader writes it: "2,5" in Vietnamese; "—" when there is none."""
    if value is None or value == "":
        return "—"
    try:
        return format_points(parse_decimal(value), lang or get_language() or "vi")
    except ValueError:
        return str(value)


def input_labels() -> dict[str, str]:
    return {
        "numerator": _("Numerator"),
        "denominator": _("Denominator"),
        "value": _("Value"),
        "count": _("Count"),
        "score": _("Score"),
    }


def option_label(node: Criterion, key: Any) -> str:
    options = node.rule.params.get("options", []) if node.rule else []
    return next((str(o.get("label", o["key"])) for o in options if str(o["key"]) == str(key)), "")


def describe_figures(node: Criterion, inputs: Inputs, general: Mapping[str, Any]) -> str:
    """A criterion's figures in a few words: "Yes", "1/4", "Hằng tháng", "Count: 1"."""
    if node.rule is None:
        return ""
    inputs = _clean(inputs)
    if inputs.get("na") is True:
        return _("Not applicable")
    rule, params = node.rule.type, node.rule.params
    if rule == "yesno":
        if "yes" not in inputs:
            return "—"
        return _("Yes") if inputs["yes"] is True else _("No")
    if rule == "choice":
        return option_label(node, inputs["choice"]) if "choice" in inputs else "—"
    if rule == "ratio" or (rule == "bands" and params.get("input") == "ratio"):
        if "numerator" not in inputs:
            return "—"
        denominator = inputs.get("denominator")
        if denominator is None:
            denominator = _field_sum(params.get("denominator_field"), general)
        return f"{number_text(inputs['numerator'])}/{number_text(denominator)}"
    key = {"bands": "value", "count": "count", "manual": "score"}.get(rule)
    if key is None or key not in inputs:
        return "—"
    return f"{input_labels()[key]}: {number_text(inputs[key])}"


def describe_change(
    node: Criterion, before: Inputs, after: Inputs, general: Mapping[str, Any]
) -> str:
    """A change in words: "Numerator: 2 → 3 (of 13)", "Yes", "Choose: Hằng tuần"."""
    before, after = _clean(before), _clean(after)
    if after.get("na") is True and before.get("na") is not True:
        return _("Not applicable")
    changed = {k for k in set(before) | set(after) if not _same(before.get(k), after.get(k))}
    params = node.rule.params if node.rule is not None else {}
    labels = input_labels()
    parts: list[str] = []
    if "na" in changed:
        parts.append(_("Applicable"))
    for key in ("yes", "choice", "numerator", "denominator", "value", "count", "score"):
        if key not in changed:
            continue
        new = after.get(key)
        if key == "yes":
            parts.append("—" if new is None else (_("Yes") if new is True else _("No")))
            continue
        if key == "choice":
            parts.append(_("Choose: %(option)s") % {"option": option_label(node, new) or "—"})
            continue
        values = {
            "label": labels[key],
            "old": number_text(before.get(key)),
            "new": number_text(new),
        }
        if key == "numerator" and "denominator" not in changed:
            denominator = after.get("denominator")
            if denominator is None:
                denominator = _field_sum(params.get("denominator_field"), general)
            if denominator is not None:
                values["denominator"] = number_text(denominator)
                parts.append(_("%(label)s: %(old)s → %(new)s (of %(denominator)s)") % values)
                continue
        if key == "count":
            target = params.get("target") or _field_sum(params.get("target_field"), general)
            if target:
                values["target"] = number_text(target)
                parts.append(_("%(label)s: %(old)s → %(new)s (target %(target)s)") % values)
                continue
        parts.append(_("%(label)s: %(old)s → %(new)s") % values)
    return "; ".join(parts) or _("no change")


def _same(old: Any, new: Any) -> bool:
    """Two inputs that say the same: equal, or the same number written differently."""
    if old == new:
        return True
    if isinstance(old, bool) or isinstance(new, bool) or old is None or new is None:
        return False
    try:
        return parse_decimal(old) == parse_decimal(new)
    except ValueError:
        return False


# ------------------------------------------------------------------ from the database


def load_base(result: UnitResult) -> Base:
    """The appraised starting point of ``result``'s unit: the unit's answers with the council's
    final decisions applied, its general information, the frozen framework of its group, and
    the other units' totals from the period's stored results of the same group (3 queries)."""
    from dti.appraisal.compare import appraised_inputs
    from dti.appraisal.models import Decision, Review
    from dti.assessments.models import Answer
    from dti.frameworks.store import to_scoring
    from dti.results.models import UnitResult

    group_totals = (
        UnitResult.objects.filter(period_id=result.period_id, group_id=result.group_id)
        .exclude(unit_id=result.unit_id)
        .values_list("unit_id", "total")
    )
    answers = Answer.objects.filter(assessment_id=result.assessment_id).select_related("criterion")
    decisions = list(
        Decision.objects.filter(
            review__assessment_id=result.assessment_id, review__status=Review.Status.FINALISED
        ).select_related("criterion")
    )
    figures, overrides = appraised_inputs(answers, decisions)
    return Base(
        framework=to_scoring(result.group.framework),
        figures=figures,
        general=dict(result.assessment.general_info or {}),
        overrides=overrides,
        others={unit_id: Decimal(total) for unit_id, total in group_totals},
        key=result.unit_id,
        corrected=frozenset(
            d.criterion.code for d in decisions if d.kind == Decision.Kind.CORRECTED
        ),
    )
