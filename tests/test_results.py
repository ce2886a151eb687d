"""A period's results, on hand-computed data: totals, DTI values, shared ranks, ranks per
pillar, classification bands; computed at approval, frozen at publication; earlier years."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from helpers import BANDS, AppraisalCase, results_case

from dti.appraisal.models import Review
from dti.assessments.models import Assessment
from dti.audit.models import AuditRecord
from dti.periods import actions as period_actions
from dti.periods.actions import PeriodError
from dti.results import actions
from dti.results.actions import ResultsError
from dti.results.history import compare_with, history, last_year
from dti.results.models import FrameworkMapping, UnitResult
from dti.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Any:
    """The actions' messages, asserted in English (the msgids)."""
    from django.utils import translation

    with translation.override("en"):
        yield


D = Decimal


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    """Unit A: 1.1 yes (20), 1.2 no, 1.3 4/4 (10), corrected by the council to 1/4 (2,5):
    22,5. Unit B: 1.1 and 2.1 yes: 40. Both finalised; the period in its final step."""
    case = results_case(personas, builtin_frameworks, approve=False)
    return case


def approve(case: AppraisalCase) -> dict[str, UnitResult]:
    case.period = period_actions.move_period(case.admin, case.period, "approved")
    return {r.unit.name: r for r in UnitResult.objects.filter(period=case.period)}


def test_results_are_computed_at_approval_on_hand_computed_figures(case: AppraisalCase) -> None:
    assert not UnitResult.objects.exists()
    results = approve(case)
    a, b = results["Sở Tư pháp"], results["Sở Y tế"]
    assert (a.total, a.self_total, a.maximum, a.dti) == (D("22.5"), D(30), D(1000), D("0.0225"))
    assert (b.total, b.dti) == (D(40), D("0.0400"))
    assert (b.rank, a.rank, a.group_size) == (1, 2, 2)
    assert (b.band, a.band) == ("Xuất sắc", "Khá")
    pillars_a = {p["code"]: (p["score"], p["rank"]) for p in a.pillars}
    pillars_b = {p["code"]: (p["score"], p["rank"]) for p in b.pillars}
    assert pillars_a["1"] == ("22.50", 1) and pillars_b["1"] == ("20.00", 2)
    assert pillars_a["2"] == ("0.00", 2) and pillars_b["2"] == ("20.00", 1)
    assert pillars_a["3"] == ("0.00", 1) and pillars_b["3"] == ("0.00", 1)  # shared
    assert a.scores["1.3"] == "2.50" and a.self_scores["1.3"] == "10.00"
    assert AuditRecord.objects.get(action="results.compute").after["units"] == 2


def test_equal_totals_share_a_rank(personas: Any, builtin_frameworks: dict[str, Any]) -> None:
    def same_as_a(case: AppraisalCase) -> None:
        case.assessment_b = case.submit_unit_b(
            {"1.1": {"yes": True}, "1.3": {"numerator": 4, "denominator": 4}}
        )

    case = AppraisalCase(personas, builtin_frameworks, before_appraisal=same_as_a)
    case.finalise()
    from dti.appraisal import actions as appraisal_actions

    actor, access = case.who("chair")
    appraisal_actions.finalise(actor, access, Review.objects.get(assessment=case.assessment_b))
    for status in ("explanation", "final"):
        case.period = period_actions.move_period(case.admin, case.period, status)
    results = approve(case)
    assert [r.rank for r in results.values()] == [1, 1]


def test_bands_are_checked_and_reclassify_until_publication(case: AppraisalCase) -> None:
    with pytest.raises(ResultsError):
        actions.set_bands(case.admin, case.period, [{"label": "", "min": "5"}])
    with pytest.raises(ResultsError):
        actions.set_bands(case.admin, case.period, [{"label": "Tốt", "min": "120"}])
    with pytest.raises(ResultsError):
        actions.set_bands(
            case.admin, case.period, [{"label": "Tốt", "min": "5"}, {"label": "Tốt", "min": "1"}]
        )
    approve(case)
    actions.set_bands(case.admin, case.period, [{"label": "Đạt", "min": "2,5"}])
    bands = dict(UnitResult.objects.values_list("unit__name", "band"))
    assert bands == {"Sở Y tế": "Đạt", "Sở Tư pháp": ""}
    case.period = period_actions.move_period(case.admin, case.period, "published")
    with pytest.raises(ResultsError):
        actions.set_bands(case.admin, case.period, BANDS)
    with pytest.raises(ResultsError):
        actions.compute_results(case.admin, case.period)


def test_nothing_to_publish_without_results(case: AppraisalCase) -> None:
    approve(case)
    UnitResult.objects.all().delete()
    with pytest.raises(PeriodError):
        period_actions.move_period(case.admin, case.period, "published")


def test_suggested_links_and_a_checked_mapping(builtin_frameworks: dict[str, Any]) -> None:
    from dti.audit.trail import Actor

    so, huyen = builtin_frameworks["bacninh-so"], builtin_frameworks["bacninh-huyen"]
    links = actions.suggest_links(so, huyen)
    # same code and same title only: the pillars and two components read the same in both
    assert links == {c: c for c in ("1", "2", "3", "4", "5", "6.1", "6.19")}
    assert "1.1" not in links  # same code, another criterion
    with pytest.raises(ResultsError):
        actions.set_mapping(Actor(label="t"), so, huyen, {"99.9": "1.1"})
    mapping = actions.set_mapping(Actor(label="t"), so, huyen, {"1.1": "1.1", "1.2": ""})
    assert FrameworkMapping.objects.get().links == {"1.1": "1.1"} == mapping.links


# ------------------------------------------------------------ earlier years


def _result(
    period: Any, group: Any, unit: Unit, total: str, pillars: dict[str, str], scores: dict[str, str]
) -> UnitResult:
    assessment = Assessment.objects.create(period=period, unit=unit, group=group)
    return UnitResult.objects.create(
        period=period,
        group=group,
        unit=unit,
        assessment=assessment,
        total=D(total),
        maximum=D(1000),
        dti=D(total) / 1000,
        self_total=D(total),
        rank=1,
        group_size=1,
        pillars=[
            {"code": c, "title": c, "score": v, "max": "100", "rank": 1} for c, v in pillars.items()
        ],
        scores=scores,
        self_scores=scores,
    )


def _period(year: int, group_units: list[Unit], framework: Any) -> tuple[Any, Any]:
    from dti.audit.trail import Actor

    actor = Actor(label="t")
    period = period_actions.create_period(
        actor,
        year=year,
        name=f"DTI {year}",
        data_start=datetime.date(year - 1, 10, 1),
        data_end=datetime.date(year, 9, 30),
        submission_deadline=datetime.date(year, 10, 10),
    )
    group = period_actions.set_group(actor, period, 1, "Nhóm 1", framework, group_units)
    type(period).objects.filter(pk=period.pk).update(status="published")
    period.refresh_from_db()
    return period, group


def test_a_merged_unit_is_compared_with_the_mean_of_its_predecessors(
    builtin_frameworks: dict[str, Any],
) -> None:
    so = builtin_frameworks["bacninh-so"]
    a = Unit.objects.create(name="Sở Kế hoạch và Đầu tư", code="khdt", kind="department")
    b = Unit.objects.create(name="Sở Tài chính", code="stc", kind="department")
    merged = Unit.objects.create(name="Sở Tài chính (mới)", code="stc2", kind="department")
    p2024, g2024 = _period(2024, [a, b], so)
    _result(p2024, g2024, a, "600", {"1": "60", "2": "40"}, {"1.1": "20", "1.2": "0"})
    _result(p2024, g2024, b, "700", {"1": "80", "2": "50"}, {"1.1": "10", "1.2": "20"})
    Unit.objects.filter(pk__in=[a.pk, b.pk]).update(
        merged_into=merged, merged_on=datetime.date(2025, 3, 1)
    )
    p2025, g2025 = _period(2025, [merged], so)
    now = _result(p2025, g2025, merged, "720", {"1": "90", "2": "45"}, {"1.1": "20", "1.2": "20"})
    earlier = last_year(now)
    assert earlier is not None and earlier.period == p2024
    assert earlier.merged_from == ("Sở Kế hoạch và Đầu tư", "Sở Tài chính")
    assert (earlier.total, earlier.dti) == (D("650.00"), D("0.6500"))
    assert earlier.pillars == {"1": D("70.00"), "2": D("45.00")}
    assert earlier.scores == {"1.1": D("15.00"), "1.2": D("10.00")}
    points = history(merged)
    assert [(p.year, p.total, p.merged_from) for p in points] == [
        (2024, D("650.00"), ("Sở Kế hoạch và Đầu tư", "Sở Tài chính")),
        (2025, D(720), ()),
    ]


def test_criteria_are_compared_only_through_a_mapping(builtin_frameworks: dict[str, Any]) -> None:
    from dti.audit.trail import Actor

    so, huyen = builtin_frameworks["bacninh-so"], builtin_frameworks["bacninh-huyen"]
    unit = Unit.objects.create(name="UBND huyện Gia Bình", code="gb", kind="district")
    p2024, g2024 = _period(2024, [unit], so)
    _result(p2024, g2024, unit, "500", {"1": "60"}, {"1.1": "20", "1.2": "0"})
    p2025, g2025 = _period(2025, [unit], huyen)
    now = _result(p2025, g2025, unit, "600", {"1": "70"}, {"1.1": "10", "1.2": "5"})
    earlier = compare_with(now, p2024, now.scores)
    assert earlier is not None
    assert earlier.scores == {} and earlier.unmapped == {"1.1", "1.2"}
    actions.set_mapping(Actor(label="t"), so, huyen, {"1.2": "1.1", "1": "1"})
    earlier = compare_with(now, p2024, now.scores)
    assert earlier is not None
    assert earlier.scores == {"1.2": D("20.00")} and earlier.unmapped == {"1.1"}
    assert earlier.pillars == {"1": D("60.00")}
