"""The what-if (thử tính điểm): new inputs, new score, points gained and new rank in the group; the
changes that gain the most points for the least change; the page, who may see it, and that it
writes nothing.

The property the issue asks for: for random valid changes — on the hand-computed results and on
random input sets over the built-in frameworks — the what-if figures equal a real re-scoring of
the changed figures through ``dti.scoring.score``, and the rank equals one counted by hand.

Hand-computed results (``helpers.results_case``): unit A (Sở Tư pháp) 1.1 yes (20), 1.2 no (0),
1.3 4/4 corrected by the council to 1/4 (2,5): 22,5, rank 2/2; unit B (Sở Y tế) 40, rank 1/2.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation
from helpers import AppraisalCase, results_case
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dti.frameworks.fileformat import builtin_codes, builtin_path, load_file
from dti.plans.whatif import (
    Base,
    Suggestion,
    best_gains,
    changes_from_form,
    describe_change,
    largest_gains,
    load_base,
    simulate,
)
from dti.results.models import UnitResult
from dti.scoring import Criterion, Framework, Result, Rule, score
from dti.scoring.rules import leaf_points

D = Decimal

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ an independent re-scoring


def rescored(base: Base, changes: Mapping[str, Mapping[str, Any]]) -> Result:
    """The changed figures scored directly: each changed criterion's inputs REPLACED by the new
    ones (None removes an input), its council score dropped."""
    figures = {code: dict(inputs) for code, inputs in base.figures.items()}
    overrides = dict(base.overrides)
    for code, change in changes.items():
        merged = {**figures.get(code, {}), **change}
        figures[code] = {k: v for k, v in merged.items() if v is not None and v != ""}
        overrides.pop(code, None)
    return score(base.framework, figures, base.general, overrides)


def rank_by_hand(others: Mapping[Any, Decimal | None], total: Decimal) -> int:
    """1 + the number of other units strictly ahead: shared ranks, as the decisions rank."""
    return 1 + sum(1 for other in others.values() if other is not None and other > total)


def assert_equals_rescoring(base: Base, changes: Mapping[str, Mapping[str, Any]]) -> None:
    outcome = simulate(base, changes)
    expected = rescored(base, changes)
    assert outcome.problems == {}
    assert outcome.total == expected.total
    assert outcome.gained == expected.total - base.total
    assert outcome.result.pillar_scores() == expected.pillar_scores()
    assert {p.code: p.new for p in outcome.pillars} == expected.pillar_scores()
    assert outcome.dti == expected.dti
    assert outcome.rank == rank_by_hand(base.others, expected.total)
    assert outcome.group_size == len(base.others) + 1
    assert sorted(c.code for c in outcome.changes) == sorted(changes)
    for line in outcome.changes:
        assert line.new == expected.nodes[line.code].score
        assert line.old == base.result.nodes[line.code].score


# ------------------------------------------------------------------ random valid inputs


def numeric_fields(framework: Framework) -> list[str]:
    return [f.key for f in framework.general_fields if f.type in ("integer", "decimal")]


def field_total(names: Any, general: Mapping[str, Any]) -> int | None:
    keys = [names] if isinstance(names, str) else list(names or [])
    if not keys or any(general.get(k) is None for k in keys):
        return None
    return sum(int(general[k]) for k in keys)


@st.composite
def valid_inputs(draw: st.DrawFn, node: Criterion, general: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs the scoring package accepts for ``node``'s rule (sometimes none at all)."""
    assert node.rule is not None
    kind, params = node.rule.type, node.rule.params
    if node.na_allowed and draw(st.integers(0, 7)) == 0:
        return {"na": True}
    if draw(st.integers(0, 11)) == 0:
        return {}
    if kind == "yesno":
        return {"yes": draw(st.booleans())}
    if kind == "ratio" or (kind == "bands" and params.get("input") == "ratio"):
        fixed = field_total(params.get("denominator_field"), general)
        if fixed is not None and draw(st.booleans()):
            return {"numerator": draw(st.integers(0, fixed))}
        denominator = draw(st.integers(0, 60))
        top = 2 * denominator + 3 if params.get("allow_over") else denominator
        return {"numerator": draw(st.integers(0, top)), "denominator": denominator}
    if kind == "bands":
        return {"value": str(draw(st.decimals(0, 100, places=1)))}
    if kind == "count":
        target = params.get("target") or field_total(params.get("target_field"), general) or 5
        return {"count": draw(st.integers(0, 2 * int(target) + 1))}
    if kind == "choice":
        return {"choice": draw(st.sampled_from([str(o["key"]) for o in params["options"]]))}
    if kind == "manual":
        return {"score": str(draw(st.decimals(0, node.effective_max, places=2)))}
    return {}


def replacing(base: Base, code: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A change that replaces the criterion's inputs: the old ones removed, the new ones set."""
    return {**dict.fromkeys(base.inputs(code)), **inputs}


@st.composite
def random_changes(draw: st.DrawFn, base: Base) -> dict[str, dict[str, Any]]:
    leaves = [leaf for leaf in base.framework.leaves if leaf.rule is not None]
    chosen = draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=6, unique_by=id))
    return {
        leaf.code: replacing(base, leaf.code, draw(valid_inputs(leaf, base.general)))
        for leaf in chosen
    }


def synthetic() -> Framework:
    """The rules the built-in frameworks do not use: full marks from 80 %, a ratio allowed over
    100 %, bands on a ratio, a 1-point ratio on 1000 (where rounding decides), a manual score;
    and a not-applicable leaf in a pillar that is rescaled."""

    def leaf(code: str, maximum: str, rule: Rule, na: bool = False) -> Criterion:
        return Criterion(code, code, code, max=D(maximum), rule=rule, na_allowed=na)

    bands = [{"min": D(90), "points": D(10)}, {"min": D(50), "points": D(4)}]
    return Framework(
        code="synthetic",
        name="synthetic",
        criteria=[
            Criterion(
                "1",
                "1",
                "Một",
                children=[
                    leaf("1.1", "10", Rule("ratio", {"full_from": D(80)})),
                    leaf("1.2", "10", Rule("ratio", {"allow_over": True})),
                    leaf("1.3", "10", Rule("bands", {"bands": bands, "input": "ratio"})),
                    leaf("1.4", "1", Rule("ratio")),
                    leaf("1.5", "5", Rule("manual")),
                ],
            ),
            Criterion(
                "2",
                "2",
                "Hai",
                children=[
                    leaf("2.1", "20", Rule("yesno"), na=True),
                    leaf("2.2", "10", Rule("ratio"), na=True),
                    leaf("2.3", "10", Rule("count", {"target": D(3)})),
                ],
            ),
        ],
    )


FRAMEWORKS: list[Framework] = [
    result.framework
    for result in (load_file(builtin_path(code)) for code in builtin_codes())  # type: ignore[arg-type]
    if result.framework is not None
] + [synthetic()]


@st.composite
def random_bases(draw: st.DrawFn) -> Base:
    """A unit's appraised figures on one of the frameworks: random answers, general
    information, council scores and the totals of the other units of its group."""
    framework = draw(st.sampled_from(FRAMEWORKS))
    general = {key: draw(st.integers(0, 400)) for key in numeric_fields(framework)}
    leaves = [leaf for leaf in framework.leaves if leaf.rule is not None]
    figures = {
        leaf.code: draw(valid_inputs(leaf, general))
        for leaf in leaves
        if draw(st.integers(0, 4)) > 0  # most criteria answered
    }
    overridden = draw(st.lists(st.sampled_from(leaves), max_size=3, unique_by=id))
    overrides = {
        leaf.code: draw(st.decimals(0, leaf.effective_max, places=2)) for leaf in overridden
    }
    base = Base(framework, figures, general, overrides)
    totals = st.one_of(
        st.decimals(0, framework.max, places=2),
        st.just(base.total),  # ties with the unit itself
        st.none(),
    )
    others = draw(st.lists(totals, max_size=12))
    return Base(framework, figures, general, overrides, {f"u{i}": t for i, t in enumerate(others)})


PROPERTY = hypothesis_settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


# ------------------------------------------------------------------ the hand-computed results


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    return results_case(personas, builtin_frameworks, approve=True)


def result_of(case: AppraisalCase, unit: Any = None) -> UnitResult:
    return UnitResult.objects.select_related("group__framework", "assessment").get(
        period=case.period, unit=unit or case.personas.unit_a
    )


@pytest.fixture
def base(case: AppraisalCase) -> Base:
    return load_base(result_of(case))


def test_the_starting_point_is_the_appraised_result(case: AppraisalCase, base: Base) -> None:
    result = result_of(case)
    assert base.total == result.total == D("22.5")
    assert base.result.nodes["1.3"].score == D("2.5")  # the council's 1/4, not the unit's 4/4
    assert base.figures["1.3"] == {"numerator": 1, "denominator": 4}
    assert base.corrected == {"1.3"} and base.overrides == {}
    assert base.others == {case.personas.unit_b.pk: D(40)}
    assert (base.rank, base.group_size) == (2, 2) == (result.rank, result.group_size)


def test_answering_1_2_yes_gains_20_and_first_place(base: Base) -> None:
    outcome = simulate(base, {"1.2": {"yes": True}})
    assert (outcome.total, outcome.gained, outcome.dti) == (D("42.5"), D(20), D("0.0425"))
    assert (outcome.rank, outcome.group_size, outcome.ranks_gained) == (1, 2, 1)
    [line] = outcome.changes
    assert (line.code, line.old, line.new, line.gained) == ("1.2", D(0), D(20), D(20))
    assert (line.before, line.after) == ({"yes": False}, {"yes": True})
    pillars = {p.code: p for p in outcome.pillars}
    assert (pillars["1"].old, pillars["1"].new, pillars["1"].gained) == (D("22.5"), D("42.5"), 20)
    assert all(p.gained == 0 for code, p in pillars.items() if code != "1")


def test_several_changes_at_once_and_a_tie_shares_the_rank(base: Base) -> None:
    # 1.3 back to 4/4 (+7,5) and 2.2 "late" (+10): 40, level with unit B
    outcome = simulate(base, {"1.3": {"numerator": 4}, "2.2": {"choice": "chua-dung"}})
    assert outcome.total == D(40) and outcome.rank == 1 and outcome.ranks_gained == 1
    assert [(c.code, c.old, c.new) for c in outcome.changes] == [
        ("1.3", D("2.5"), D(10)),
        ("2.2", D(0), D(10)),
    ]
    assert outcome.changes[0].after == {"numerator": 4, "denominator": 4}
    # and a change that loses points: 1.1 "no" drops unit A below nothing — still 2/2
    worse = simulate(base, {"1.1": {"yes": False}})
    assert (worse.total, worse.gained, worse.rank, worse.ranks_gained) == (D("2.5"), -20, 2, 0)


def test_best_gains_of_unit_a(base: Base) -> None:
    best = best_gains(base, limit=None)
    by_code = {s.code: s for s in best}
    yesno = [leaf for leaf in base.framework.leaves if leaf.rule and leaf.rule.type == "yesno"]
    # every yes/no criterion not answered "yes": one "yes" gains its maximum
    for leaf in yesno:
        if leaf.code == "1.1":
            assert leaf.code not in by_code  # at full marks
            continue
        s = by_code[leaf.code]
        assert (s.change, s.effort, s.gained) == ({"yes": True}, 1, leaf.effective_max)
    twenty = [s for s in best if s.change == {"yes": True} and s.gained == 20]
    assert "1.2" in [s.code for s in twenty] and len(twenty) >= 10
    assert by_code["1.2"].total == D("42.5") and by_code["1.2"].rank == 1
    # 1.3: the next step from the council's 1/4 is 2/4, 2,5 → 5
    step = by_code["1.3"]
    assert (step.change, step.old, step.new, step.gained, step.effort) == (
        {"numerator": 2},
        D("2.5"),
        D(5),
        D("2.5"),
        1,
    )
    assert step.after == {"numerator": 2, "denominator": 4}
    # most points per unit of change first; the 30-point yes/no criteria lead
    ratios = [s.per_unit for s in best]
    assert ratios == sorted(ratios, reverse=True)
    assert best[0].gained == 30 and best[0].change == {"yes": True}
    assert best_gains(base) == best[:15]
    # the largest gains: 1.3 to full marks is 4/4, +7,5
    largest = {s.code: s for s in largest_gains(base, limit=None)}
    assert (largest["1.3"].change, largest["1.3"].gained, largest["1.3"].effort) == (
        {"numerator": 4},
        D("7.5"),
        3,
    )
    gains = [s.gained for s in largest_gains(base, limit=None)]
    assert gains == sorted(gains, reverse=True)


def test_changes_in_words(base: Base) -> None:
    fw = base.framework.by_code
    step = next(s for s in best_gains(base, limit=None) if s.code == "1.3")
    with translation.override("en"):
        assert describe_change(fw["1.3"], step.before, step.after, base.general) == (
            "Numerator: 1 → 2 (of 4)"
        )
        assert describe_change(fw["1.2"], {"yes": False}, {"yes": True}, {}) == "Yes"
        assert (
            describe_change(fw["2.2"], {}, {"choice": "dung-han"}, {})
            == "Choose: Ban hành đúng thời gian, đúng biểu mẫu"
        )
        assert describe_change(fw["5.1"], {"count": 1}, {"count": 2}, {}) == (
            "Count: 1 → 2 (target 2)"
        )
        assert describe_change(fw["1.3"], {"numerator": 1}, {"numerator": "1.0"}, {}) == (
            "no change"
        )
    with translation.override("vi"):
        text = describe_change(fw["1.3"], step.before, step.after, base.general)
        assert text.startswith("Tử số: 1 → 2 (") and text.endswith("4)")
        assert describe_change(fw["1.2"], {}, {"yes": True}, {}) == "Có"
    huyen = load_file(builtin_path("bacninh-huyen")).framework
    assert huyen is not None
    with translation.override("en"):
        assert describe_change(huyen.by_code["1.6"], {}, {"choice": "hang-tuan"}, {}) == (
            "Choose: Hằng tuần"
        )


def test_invalid_inputs_are_reported_not_raised(base: Base) -> None:
    outcome = simulate(
        base,
        {
            "1.3": {"numerator": 5},  # 5 of 4
            "1.2": {"yes": "maybe"},
            "9.9": {"yes": True},
            "1": {"yes": True},
            "2.1": {"yes": True},  # the one valid change is still tried
        },
    )
    with translation.override("en"):
        messages = {
            code: [p.message(translation.gettext) for p in found]
            for code, found in outcome.problems.items()
        }
    assert messages == {
        "1.3": ["the numerator 5 is above the denominator 4"],
        "1.2": ["“yes” must be true or false"],
        "9.9": ["there is no criterion “9.9” in this framework"],
        "1": ["“1” is a group of criteria; answer its sub-criteria"],
    }
    assert [c.code for c in outcome.changes] == ["2.1"]
    assert outcome.total == D("42.5") and outcome.result.nodes["1.3"].score == D("2.5")


def test_a_changed_criterion_loses_the_councils_score(base: Base) -> None:
    # the council set 1.1 (answered yes, 20) at 5 points
    scored = Base(base.framework, base.figures, base.general, {"1.1": D(5)}, base.others, base.key)
    assert scored.total == D("7.5")
    outcome = simulate(scored, {"1.1": {"yes": True}})
    assert outcome.total == D("22.5") and outcome.changes[0].override == D(5)
    # a form sent back untouched changes nothing, so the council's score stays
    assert changes_from_form(scored, {"1.1": {"yes": True}, "1.3": {"numerator": "1,0"}}) == {}
    assert changes_from_form(scored, {"1.3": {"numerator": 2}}) == {"1.3": {"numerator": 2}}
    # a figure the scoring package refuses is a change, so that it is reported
    assert changes_from_form(scored, {"1.3": {"numerator": "abc"}}) == {"1.3": {"numerator": "abc"}}
    # nothing in the lists can raise a score the council set on figures already at "yes"
    assert "1.1" not in [s.code for s in best_gains(scored, limit=None)]


@PROPERTY
@given(data=st.data())
def test_property_whatif_equals_rescoring_on_the_hand_computed_results(
    base: Base, data: st.DataObject
) -> None:
    assert_equals_rescoring(base, data.draw(random_changes(base)))


# ------------------------------------------------------------------ random input sets


@PROPERTY
@given(data=st.data())
def test_property_whatif_equals_rescoring_on_random_input_sets(data: st.DataObject) -> None:
    base = data.draw(random_bases())
    assert_equals_rescoring(base, data.draw(random_changes(base)))


@hypothesis_settings(max_examples=30, deadline=None)
@given(base=random_bases())
def test_property_suggestions_gain_what_they_say_and_are_the_smallest(base: Base) -> None:
    for suggestion in [*best_gains(base, limit=None), *largest_gains(base, limit=None)]:
        expected = rescored(base, {suggestion.code: suggestion.change})
        assert suggestion.gained == expected.total - base.total > 0
        assert suggestion.new == expected.nodes[suggestion.code].score
        assert suggestion.rank == rank_by_hand(base.others, expected.total)
        assert_smallest(base, suggestion)


def assert_smallest(base: Base, s: Suggestion) -> None:
    """One less in the numerator or the count does not raise the points (the next step), or
    does not reach the best points (the largest gain)."""
    node = base.framework.by_code[s.code]
    [(key, value)] = s.change.items()
    if key not in ("numerator", "count"):
        return
    if value - 1 <= D(str(base.inputs(s.code).get(key, 0))):
        return
    assert node.rule is not None
    inputs = {**base.inputs(s.code), key: value - 1}
    less = leaf_points(node.rule, node.effective_max, inputs, base.general, node.na_allowed)
    assert less.points is not None
    if s.kind == "next":
        assert less.points <= base.result.nodes[s.code].score  # type: ignore[operator]
    else:
        assert less.points < s.new


def test_full_marks_threshold_and_rounding_are_the_scoring_packages() -> None:
    framework = synthetic()
    base = Base(
        framework,
        {
            "1.1": {"numerator": 2, "denominator": 13},  # full marks from 80 %: 1,92
            "1.3": {"numerator": 10, "denominator": 40},  # 25 %: no band
            "1.4": {"numerator": 0, "denominator": 1000},  # 1 point on 1000: 0
            "1.5": {"score": "2"},
            "2.3": {"count": 1},
        },
    )
    first = {s.code: s for s in best_gains(base, limit=None)}
    best = {s.code: s for s in largest_gains(base, limit=None)}
    assert (first["1.1"].change, first["1.1"].new) == ({"numerator": 3}, D("2.88"))
    # 80 % of 13 is 10,4: 11 gives full marks, 10 gives 9,62
    assert (best["1.1"].change, best["1.1"].new, best["1.1"].effort) == (
        {"numerator": 11},
        D(10),
        9,
    )
    # 5/1000 of a point rounds half up to 0,01; 4/1000 to 0
    assert (first["1.4"].change, first["1.4"].new, first["1.4"].effort) == (
        {"numerator": 5},
        D("0.01"),
        5,
    )
    # bands on the ratio: 50 % of 40 is 20 (4 points), 90 % is 36 (10 points)
    assert (first["1.3"].change, first["1.3"].new) == ({"numerator": 20}, D(4))
    assert (best["1.3"].change, best["1.3"].new) == ({"numerator": 36}, D(10))
    assert (first["2.3"].change, best["2.3"].change) == ({"count": 2}, {"count": 3})
    assert "1.5" not in first  # a manual score is not suggested
    # unanswered with no denominator: nothing to count against
    assert "1.2" not in first and "2.2" not in first


def test_bands_and_choices_step_to_the_next_one_up() -> None:
    so = load_file(builtin_path("bacninh-so")).framework
    huyen = load_file(builtin_path("bacninh-huyen")).framework
    assert so is not None and huyen is not None
    base = Base(so, {"6.9": {"value": "72"}, "2.2": {"choice": "khong"}})
    first = {s.code: s for s in best_gains(base, limit=None)}
    best = {s.code: s for s in largest_gains(base, limit=None)}
    # 72 % satisfaction: 18 points; the next band from 80 % gives 24, the best from 90 % 30
    assert (first["6.9"].change, first["6.9"].gained, first["6.9"].effort) == (
        {"value": "80"},
        D(6),
        D(8),
    )
    assert (best["6.9"].change, best["6.9"].gained) == ({"value": "90"}, D(12))
    assert (first["2.2"].change, first["2.2"].gained, first["2.2"].effort) == (
        {"choice": "chua-dung"},
        D(10),
        1,
    )
    assert (best["2.2"].change, best["2.2"].effort) == ({"choice": "dung-han"}, 2)
    weekly = Base(huyen, {"1.6": {"choice": "hang-thang"}})
    step = next(s for s in best_gains(weekly, limit=None) if s.code == "1.6")
    assert step.change == {"choice": "hang-tuan"} and step.gained == 4
    with translation.override("en"):
        text = describe_change(huyen.by_code["1.6"], step.before, step.after, {})
    assert text == "Choose: Hằng tuần"


# ------------------------------------------------------------------ the page


def url(case: AppraisalCase, unit: Any = None, period: Any = None) -> str:
    unit = unit or case.personas.unit_a
    return reverse("plans:whatif", args=[unit.pk, (period or case.period).pk])


def client(case: AppraisalCase, name: str = "officer_a", language: str = "en") -> Any:
    browser = case.personas.client(name)
    browser.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return browser


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("admin", 200),
        ("officer_a", 200),
        ("leader_a", 200),
        ("staff_a", 200),
        ("officer_b", 404),
        ("appraiser", 404),
    ],
)
def test_who_may_see_the_page(case: AppraisalCase, name: str, status: int) -> None:
    assert client(case, name).get(url(case)).status_code == status


def test_anonymous_is_sent_to_sign_in(case: AppraisalCase) -> None:
    response = case.personas.client("anonymous").get(url(case))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )


def test_only_get(case: AppraisalCase) -> None:
    assert client(case).post(url(case), {"y.1.2": "1"}).status_code == 405


def test_before_approval_a_clear_page_without_figures(
    personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    case = results_case(personas, builtin_frameworks, approve=False)
    response = client(case).get(url(case) + "?y.1.2=1")
    assert response.status_code == 200
    text = text_of(response)
    assert "opens once the results are approved" in text
    assert "22.5" not in text and "42.5" not in text and "Points gained" not in text
    assert 'name="y.1.2"' not in response.content.decode()
    # unit B's data officer still gets nothing of unit A
    assert client(case, "officer_b").get(url(case)).status_code == 404


def test_no_result_or_a_draft_period_is_not_found(case: AppraisalCase) -> None:
    import datetime

    from dti.periods import actions as period_actions
    from dti.units.models import Unit

    other = Unit.objects.create(name="Sở Xây dựng", code="sxd", position=3)
    assert client(case, "admin").get(url(case, unit=other)).status_code == 404
    draft = period_actions.create_period(
        case.admin,
        year=2025,
        name="DTI 2025",
        data_start=datetime.date(2024, 10, 1),
        data_end=datetime.date(2025, 9, 30),
        submission_deadline=datetime.date(2025, 10, 10),
    )
    assert client(case).get(url(case, period=draft)).status_code == 404


def test_the_page_tries_1_2_yes(case: AppraisalCase) -> None:
    response = client(case, language="vi").get(url(case) + "?y.1.2=1")
    assert response.status_code == 200
    text = text_of(response)
    assert "22,5 → 42,5" in text  # the total
    assert "2/2 → 1/2" in text  # the rank
    assert "0,0225 → 0,0425" in text  # the DTI value
    assert "+20" in text
    english = text_of(client(case).get(url(case) + "?y.1.2=1&n.1.3=1"))
    assert "22.5 → 42.5" in english and "2/2 → 1/2" in english
    assert "Your changes" in english and "up 1 place" in english


def test_the_page_before_any_change_and_its_try_this_links(case: AppraisalCase) -> None:
    response = client(case).get(url(case))
    html = response.content.decode()
    text = text_of(response)
    assert "22.5 / 1000" in text and "2/2" in text and "Your changes" not in text
    # the one-click links carry the change in the query string
    assert 'href="?y.1.2=1#outcome"' in html
    assert html.count("Try this</a>") == 30  # 15 smallest changes, 15 largest gains
    assert "Add to my changes" not in html
    # with a change tried, each other suggestion can be added to it
    tried = client(case).get(url(case) + "?y.1.2=1").content.decode()
    assert 'href="?y.1.2=1&amp;y.3.1=1#outcome"' in tried
    # the form lists the criteria below full marks, with the appraised figures filled in
    assert 'name="y.1.2"' in html and 'name="y.1.1"' not in html
    assert re.search(r'name="n\.1\.3" value="1"', html)
    assert 'name="y.1.1"' in client(case).get(url(case) + "?all=1").content.decode()


def test_invalid_figures_are_shown_not_raised(case: AppraisalCase) -> None:
    response = client(case).get(url(case) + "?n.1.3=9&y.2.1=1&y.9.9=1&c.5.1=1%2C5")
    assert response.status_code == 200
    text = text_of(response)
    assert "the numerator 9 is above the denominator 4" in text
    assert "there is no criterion “9.9” in this framework" in text
    assert "“count” must be a whole number" in text
    assert "22.5 → 42.5" in text  # 2.1 "yes" is tried all the same


class _Form(HTMLParser):
    """The query string a browser sends for the page's form, left as it is."""

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name") or ""
        if tag == "input" and "." in name:
            kind = a.get("type")
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            self.pairs.append((name, a.get("value") or ""))
        elif tag == "select" and "." in name:
            self.select = name
        elif tag == "option" and self.select and "selected" in a:
            self.pairs.append((self.select, a.get("value") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None


def test_the_form_sent_back_untouched_changes_nothing(case: AppraisalCase) -> None:
    from urllib.parse import urlencode

    browser = client(case, language="vi")
    form = _Form()
    form.feed(browser.get(url(case) + "?all=1").content.decode())
    assert len(form.pairs) > 40
    text = text_of(browser.get(url(case) + "?all=1&" + urlencode(form.pairs)))
    assert "Các thay đổi" not in text and "22,5 / 1000" in text and "→ 22,5" not in text


def test_the_page_writes_nothing(case: AppraisalCase) -> None:
    from dti.audit.models import AuditRecord

    def rows() -> dict[str, int]:
        return {m._meta.label: m.objects.count() for m in apps.get_models()}

    browser = client(case)
    browser.get(url(case))  # the session is made before counting (it is saved on every request)
    before, records = rows(), AuditRecord.objects.count()
    totals = list(UnitResult.objects.order_by("pk").values_list("total", "rank"))
    for query in ("", "?y.1.2=1", "?n.1.3=4&o.2.2=dung-han&all=1", "?n.1.3=9"):
        assert browser.get(url(case) + query).status_code == 200
    assert rows() == before and AuditRecord.objects.count() == records
    assert list(UnitResult.objects.order_by("pk").values_list("total", "rank")) == totals


def test_queries_do_not_grow_with_the_changes(
    case: AppraisalCase, django_assert_num_queries: Any
) -> None:
    browser = client(case)
    browser.get(url(case))  # the frozen framework is read once and cached
    # the person (4: session, user, security policy, roles), the unit, the period, the result,
    # the council's decisions, the answers, the group's totals (no save of the session)
    with django_assert_num_queries(10):
        browser.get(url(case))
    with django_assert_num_queries(10):
        browser.get(url(case) + "?y.1.2=1&n.1.3=4&o.2.2=dung-han&c.5.1=2&all=1")


# ------------------------------------------------------------------ in a real browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_chromium_without_javascript(
    browser: Any, live_server: Any, personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    """The data officer ticks 1.2 "yes" and computes: 42,5, first of 2; then tries 1.3's next
    step with one click. JavaScript is off: the page is a plain GET form."""
    from pathlib import Path

    case = results_case(personas, builtin_frameworks, approve=True)
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="vi-VN", java_script_enabled=False
    )
    page = context.new_page()
    base = live_server.url
    page.goto(base + reverse("accounts:login"))
    page.fill("input[name=username]", "officer_a")
    page.fill("input[name=password]", "mật-khẩu-thử-nghiệm")
    page.click("form.form button[type=submit]")
    page.goto(base + url(case))
    assert "22,5" in page.inner_text("#outcome") and "2/2" in page.inner_text("#outcome")
    page.check("input[name='y.1.2'][value='1']")
    page.click("form.wi-form button[type=submit] >> nth=0")
    page.wait_for_load_state()
    outcome = page.inner_text("#outcome")
    assert "22,5 → 42,5" in outcome and "2/2 → 1/2" in outcome and "+20" in outcome
    assert "y.1.2=1" in page.url
    artifacts = Path(__file__).parent.parent / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "whatif-vi.png"), full_page=False)
    page.goto(base + url(case) + "?n.1.3=2")
    assert "22,5 → 25" in page.inner_text("#outcome")
    context.close()
