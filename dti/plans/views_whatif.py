"""The what-if page (thử tính điểm): change a unit's figures and see the new score and rank.

For the unit's own people and the administrator, once the period's results are approved. The
figures are sent back with a GET form, so the page works without JavaScript, a scenario is a
link one can keep or send, and nothing is saved: nothing changes, so nothing is audited. The
computations are in ``dti.plans.whatif``; this module reads the form and lays out the page.

Query string: ``<input>.<criterion code>=<value>``, the input named by one letter so that a
form of a hundred criteria stays a short address: ``y`` yes (1/0), ``n`` numerator, ``d``
denominator, ``v`` value, ``c`` count, ``o`` choice (an option's key), ``s`` score, ``x`` not
applicable (1/0). ``all=1`` lists every criterion, not only those below full marks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dti.accounts.access import get_unit_for_user
from dti.assessments.views_form import normalise
from dti.frameworks.present import describe_rule, render_problem
from dti.periods.models import Period, PeriodUnit
from dti.plans.whatif import (
    Base,
    Outcome,
    Suggestion,
    best_gains,
    changes_from_form,
    describe_change,
    describe_figures,
    input_labels,
    largest_gains,
    load_base,
    number_text,
    simulate,
)
from dti.results.analysis import format_dti, rank_text
from dti.results.history import INTERNAL
from dti.results.models import UnitResult
from dti.scoring import Criterion
from dti.scoring.numbers import plain, round_points
from dti.scoring.rules import _field_sum

#: one letter per input in the query string
LETTERS = {
    "y": "yes",
    "n": "numerator",
    "d": "denominator",
    "v": "value",
    "c": "count",
    "o": "choice",
    "s": "score",
    "x": "na",
}
LETTER_OF = {name: letter for letter, name in LETTERS.items()}
#: the most criteria a query string may change (a form sends at most one per criterion)
MOST_CODES = 500


# ------------------------------------------------------------------ the query string


def read_query(query: QueryDict) -> dict[str, dict[str, Any]]:
    """The figures in a query string: criterion code → inputs, typed as the form's fields are
    read on the assessment form ("1,5" → 1.5, "1.250" → 1250). What is not understood is passed
    on as typed, for the scoring package to refuse with its own message."""
    submitted: dict[str, dict[str, Any]] = {}
    for key in query:
        letter, dot, code = key.partition(".")
        if not dot or letter not in LETTERS or not code:
            continue
        if code not in submitted and len(submitted) >= MOST_CODES:
            continue
        raw = (query.getlist(key) or [""])[-1].strip()
        name = LETTERS[letter]
        value: Any = raw
        if name in ("yes", "na"):
            value = {"1": True, "0": False, "": None}.get(raw, raw)
        submitted.setdefault(code, {})[name] = value
    return {code: normalise(inputs) for code, inputs in submitted.items()}


def _query_value(value: Any) -> str:
    if value is True:
        return "1"
    if value is False:
        return "0"
    if isinstance(value, Decimal):
        return plain(value)
    return str(value)


def query_of(changes: Mapping[str, Mapping[str, Any]]) -> str:
    """A query string carrying ``changes`` (code → inputs), for links."""
    pairs = [
        (f"{LETTER_OF[name]}.{code}", _query_value(value))
        for code, inputs in changes.items()
        for name, value in inputs.items()
        if name in LETTER_OF and value is not None
    ]
    return urlencode(pairs)


# ------------------------------------------------------------------ the page's rows


@dataclass
class Field:
    """One input of a criterion in the form."""

    name: str  # the query key, e.g. "n.1.3"
    input: str  # numerator, yes, …
    kind: str  # yesno | number | choice | fixed | na
    label: str
    value: Any = ""
    options: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Row:
    """A line of the form: a leaf with its inputs, or a group of criteria (``fields`` empty)."""

    node: Criterion
    depth: int
    is_leaf: bool
    rule: str = ""
    figures: str = ""
    score: Decimal | None = None
    max: Decimal | None = None
    new: Decimal | None = None
    changed: bool = False
    fields: list[Field] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    overridden: bool = False
    corrected: bool = False
    na: bool = False


@dataclass
class Section:
    """A pillar (chỉ số chính) of the form."""

    node: Criterion
    score: Decimal
    max: Decimal
    new: Decimal
    rows: list[Row]


def _fields(
    node: Criterion, inputs: Mapping[str, Any], general: Mapping[str, Any], lang: str
) -> list[Field]:
    assert node.rule is not None  # noqa: S101 - only scored leaves get fields
    rule, params, code = node.rule.type, node.rule.params, node.code
    labels = input_labels()
    fields: list[Field] = []

    def number(name: str) -> None:
        fields.append(
            Field(
                f"{LETTER_OF[name]}.{code}",
                name,
                "number",
                labels[name],
                "" if inputs.get(name) is None else number_text(inputs[name], lang),
            )
        )

    def fixed(name: str, label: str, keys: Any) -> None:
        total = _field_sum(keys, general)
        fields.append(Field("", name, "fixed", label, number_text(total, lang)))

    if rule == "yesno":
        fields.append(Field(f"y.{code}", "yes", "yesno", _("Answer"), inputs.get("yes")))
    elif rule == "ratio" or (rule == "bands" and params.get("input") == "ratio"):
        number("numerator")
        if params.get("denominator_field") and inputs.get("denominator") is None:
            fixed("denominator", labels["denominator"], params["denominator_field"])
        else:
            number("denominator")
    elif rule == "bands":
        number("value")
    elif rule == "count":
        number("count")
        if params.get("target_field"):
            fixed("target", _("Target"), params["target_field"])
    elif rule == "choice":
        fields.append(
            Field(
                f"o.{code}",
                "choice",
                "choice",
                "",
                str(inputs.get("choice", "")),
                [
                    {
                        "key": str(o["key"]),
                        "text": f"{o.get('label', o['key'])} ({number_text(o['points'], lang)})",
                    }
                    for o in params.get("options", [])
                ],
            )
        )
    elif rule == "manual":
        number("score")
    if node.na_allowed:
        fields.append(Field(f"x.{code}", "na", "na", "", inputs.get("na") is True))
    return fields


@dataclass
class _Page:
    """What every row of the form is built from."""

    base: Base
    outcome: Outcome
    submitted: Mapping[str, Mapping[str, Any]]
    show_all: bool
    lang: str
    labels: Mapping[str, str]
    problems: dict[str, list[dict[str, str]]]

    def rows(self, node: Criterion, depth: int) -> list[Row]:
        """The rows under ``node``: its leaves to show, under the groups that hold them."""
        if not node.is_leaf:
            rows = [row for child in node.children for row in self.rows(child, depth + 1)]
            return [Row(node, depth, False), *rows] if rows and depth > 0 else rows
        base, code = self.base, node.code
        now = base.result.nodes.get(code)
        if node.rule is None or not node.counts or now is None:
            return []
        changed = code in self.outcome.changed_codes
        below_max = now.score is not None and now.score < now.max
        if not (self.show_all or changed or code in self.problems or below_max):
            return []
        inputs = {**base.inputs(code), **self.submitted.get(code, {})}
        return [
            Row(
                node=node,
                depth=depth,
                is_leaf=True,
                rule=describe_rule(node.rule.type, node.rule.params, self.lang, self.labels),
                figures=describe_figures(node, base.inputs(code), base.general),
                score=now.score,
                max=now.max,
                new=self.outcome.result.nodes[code].score,
                changed=changed,
                fields=_fields(node, inputs, base.general, self.lang),
                problems=self.problems.get(code, []),
                overridden=code in base.overrides,
                corrected=code in base.corrected,
                na=now.status == "na",
            )
        ]


def _sections(
    base: Base,
    outcome: Outcome,
    submitted: Mapping[str, Mapping[str, Any]],
    show_all: bool,
    lang: str,
    labels: Mapping[str, str],
) -> list[Section]:
    """The form, pillar by pillar."""
    problems = {
        code: [render_problem(p, lang) for p in found] for code, found in outcome.problems.items()
    }
    page = _Page(base, outcome, submitted, show_all, lang, labels, problems)
    return [
        Section(
            node=root,
            score=base.result.nodes[root.code].score or Decimal(0),
            max=base.result.nodes[root.code].max,
            new=outcome.result.nodes[root.code].score or Decimal(0),
            rows=page.rows(root, 0),
        )
        for root in base.framework.criteria
        if root.counts
    ]


def _suggestion_rows(
    base: Base, found: list[Suggestion], current: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    by_code = base.framework.by_code
    rows = []
    for s in found:
        node = by_code[s.code]
        rows.append(
            {
                "s": s,
                "node": node,
                "change": describe_change(node, s.before, s.after, base.general),
                "try": query_of({s.code: s.change}),
                # the current changes and this one, when there are others
                "add": query_of({**current, s.code: s.change})
                if current and s.code not in current
                else "",
                "rank": rank_text(s.rank, base.group_size),
                "per": round_points(s.per_unit),
            }
        )
    return rows


# ------------------------------------------------------------------ the view


@login_required
@require_GET
def whatif(request: HttpRequest, unit_id: int, period_id: int) -> HttpResponse:
    """The what-if of a unit in a period: its appraised total, DTI value and rank; the form to
    change its figures, with the new score, points gained and rank; the changes that gain the
    most points for the least change, each one click away."""
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
        return render(request, "plans/whatif/waiting.html", context)
    result = (
        UnitResult.objects.filter(period=period, unit=unit)
        .select_related("group__framework", "assessment")
        .first()
    )
    if result is None:
        raise Http404
    lang = get_language() or "vi"
    base = load_base(result)
    submitted = read_query(request.GET)
    outcome = simulate(base, changes_from_form(base, submitted))
    by_code = base.framework.by_code
    # the changes as they stand, compactly: for links that keep them
    current = {c.code: submitted.get(c.code, {}) for c in outcome.changes}
    labels = {f.key: f.label for f in base.framework.general_fields}
    show_all = request.GET.get("all") == "1"
    context.update(
        result=result,
        group=result.group,
        base=base,
        outcome=outcome,
        show_all=show_all,
        base_dti=format_dti(base.result.dti, lang),
        base_rank=rank_text(base.rank, base.group_size),
        new_dti=format_dti(outcome.dti, lang),
        new_rank=rank_text(outcome.rank, outcome.group_size),
        recomputed_differs=base.total != result.total,
        tried=bool(outcome.changes or outcome.problems),
        changes=[
            {
                "c": c,
                "node": by_code[c.code],
                "text": describe_change(by_code[c.code], c.before, c.after, base.general),
            }
            for c in outcome.changes
        ],
        problems=[
            {
                "code": code,
                "node": by_code.get(code),
                "messages": [render_problem(p, lang)["message"] for p in found],
            }
            for code, found in outcome.problems.items()
        ],
        pillars_changed=[p for p in outcome.pillars if p.gained],
        permalink=query_of(current),
        best=_suggestion_rows(base, best_gains(base), current),
        largest=_suggestion_rows(base, largest_gains(base), current),
        overridden=[
            {"node": by_code[code], "score": base.result.nodes[code].score}
            for code in sorted(base.overrides, key=lambda c: base.order.get(c, 0))
            if code in by_code and code not in current
        ],
        sections=_sections(base, outcome, submitted, show_all, lang, labels),
    )
    return render(request, "plans/whatif/page.html", context)
