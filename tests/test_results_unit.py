"""The unit's analysis of its appraised result, on hand-computed data: points lost per criterion,
self against appraised with the council's reason, ranks and the group's average and best per
pillar, last year through ``dti.results.history``; the page, who may see it, and its queries.

Unit A (Sở Tư pháp): 1.1 yes (20), 1.2 no (0), 1.3 4/4 (10) corrected by the council to 1/4
(2,5) with the reason "1/4": 22,5 of 1000. Unit B (Sở Y tế): 1.1 and 2.1 yes: 40.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from helpers import AppraisalCase, results_case

from dti.appraisal.models import Decision
from dti.assessments.models import Assessment
from dti.audit.trail import Actor
from dti.periods import actions as period_actions
from dti.periods.models import Period
from dti.results.analysis import build_analysis, format_dti, rank_text
from dti.results.history import last_year
from dti.results.models import UnitResult
from dti.units.models import Unit

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    """Both units appraised and finalised, the period in its final step (not yet approved)."""
    case = results_case(personas, builtin_frameworks, approve=False)
    return case


def approve(case: AppraisalCase) -> UnitResult:
    """Approve the period (the results are computed); unit A's result."""
    case.period = period_actions.move_period(case.admin, case.period, "approved")
    return UnitResult.objects.select_related("group__framework", "unit", "period").get(
        period=case.period, unit=case.personas.unit_a
    )


def url(case: AppraisalCase, unit: Unit | None = None, period: Period | None = None) -> str:
    unit = unit or case.personas.unit_a
    return reverse("results:unit", args=[unit.pk, (period or case.period).pk])


# ------------------------------------------------------------ the computations


def test_points_lost_largest_first_with_the_councils_reason(case: AppraisalCase) -> None:
    analysis = build_analysis(approve(case))
    lost = analysis.lost
    # every leaf but 1.1 (full marks) lost points; 45 leaves in the department framework
    assert len(lost) == 44 and "1.1" not in [c.code for c in lost]
    losses = [c.lost for c in lost]
    assert losses == sorted(losses, reverse=True)
    assert sum(losses) == analysis.lost_total == D("977.5")
    # the 30-point criteria come first, in framework order; then the 20-point ones, 1.2 first
    assert lost[0].code == "3.1" and lost[0].lost == D(30)
    first_twenty = next(c for c in lost if c.lost == 20)
    assert (first_twenty.code, first_twenty.score, first_twenty.self_score) == ("1.2", D(0), D(0))
    assert not first_twenty.differs and first_twenty.reason == ""
    # the smallest loss: 1.3, which the council corrected from 10 to 2,5
    last = lost[-1]
    assert (last.code, last.max, last.score, last.self_score, last.lost) == (
        "1.3",
        D(10),
        D("2.5"),
        D(10),
        D("7.5"),
    )
    assert last.differs and last.difference == D("-7.5")
    assert last.reason == "1/4" and last.decision is not None
    assert last.decision.kind == Decision.Kind.CORRECTED
    # self against appraised: only 1.3 differs
    assert [(c.code, c.self_score, c.score) for c in analysis.differing] == [
        ("1.3", D(10), D("2.5"))
    ]
    assert analysis.points_moved == D("-7.5")


def test_ranks_and_the_groups_average_and_best_per_pillar(case: AppraisalCase) -> None:
    analysis = build_analysis(approve(case))
    pillars = {p.code: p for p in analysis.pillars}
    one, two, three = pillars["1"], pillars["2"], pillars["3"]
    assert (one.score, one.max, one.lost, one.rank_text) == (D("22.5"), D(100), D("77.5"), "1/2")
    assert (one.group.average, one.group.best) == (D("21.25"), D("22.5"))
    assert one.behind_best == 0
    assert (two.score, two.rank_text, two.group.average, two.group.best) == (
        D(0),
        "2/2",
        D(10),
        D(20),
    )
    assert two.behind_best == D(20)
    assert (three.rank_text, three.group.average, three.group.best) == ("1/2", D(0), D(0))
    assert analysis.rank_text == "2/2"
    assert (analysis.group.average, analysis.group.best) == (D("31.25"), D(40))
    # per criterion: 1.1 full marks for both units; 1.3 only unit A scored
    by_code = {c.code: c for c in analysis.criteria}
    assert by_code["1.1"].group.full_marks == 2
    assert (by_code["1.3"].group.average, by_code["1.3"].group.best) == (D("1.25"), D("2.5"))
    # nothing earlier: no comparison, a history of one year
    assert analysis.earlier is None and analysis.changes == [] and analysis.total_change is None
    assert [(p.year, p.total) for p in analysis.history] == [(2024, D("22.5"))]


def test_numbers_as_the_decisions_write_them() -> None:
    assert format_dti(D("0.0225"), "vi") == "0,0225"
    assert format_dti(D("0.7"), "vi") == "0,7000"
    assert format_dti(D("0.7"), "en") == "0.7000"
    assert format_dti(None) == "—"
    assert rank_text(3, 18) == "3/18" and rank_text(None, 18) == "—"


def _earlier(
    case: AppraisalCase, status: str, pillars: dict[str, str], scores: dict[str, str]
) -> Period:
    """Unit A's 2023 result in ``status``, on the same framework, written directly."""
    actor = Actor(label="t")
    period = period_actions.create_period(
        actor,
        year=2023,
        name="DTI 2023",
        data_start=datetime.date(2022, 10, 1),
        data_end=datetime.date(2023, 9, 30),
        submission_deadline=datetime.date(2023, 10, 10),
    )
    group = period_actions.set_group(
        actor, period, 1, "Nhóm 1", case.framework, [case.personas.unit_a]
    )
    Period.objects.filter(pk=period.pk).update(status=status)
    period.refresh_from_db()
    total = sum(D(v) for v in pillars.values())
    UnitResult.objects.create(
        period=period,
        group=group,
        unit=case.personas.unit_a,
        assessment=Assessment.objects.create(period=period, unit=case.personas.unit_a, group=group),
        total=total,
        maximum=D(1000),
        dti=total / 1000,
        self_total=total,
        rank=1,
        group_size=1,
        pillars=[
            {"code": c, "title": c, "score": v, "max": "100", "rank": 1} for c, v in pillars.items()
        ],
        scores=scores,
        self_scores=scores,
    )
    return period


def test_against_last_year_approved_results_count_for_the_unit_itself(
    case: AppraisalCase,
) -> None:
    # 1.3 has no score last year: it has no counterpart, and is shown as such
    p2023 = _earlier(
        case, "approved", {"1": "10", "2": "5"}, {"1": "10", "2": "5", "1.1": "10", "1.2": "0"}
    )
    result = approve(case)
    assert last_year(result) is None  # the public sees published years only
    analysis = build_analysis(result)
    assert analysis.earlier is not None and analysis.earlier.period == p2023
    pillars = {p.code: p for p in analysis.pillars}
    assert (pillars["1"].last_year, pillars["1"].change) == (D(10), D("12.5"))
    assert (pillars["2"].last_year, pillars["2"].change) == (D(5), D(-5))
    assert pillars["3"].last_year is None and pillars["3"].change is None
    assert analysis.total_change == D("22.5") - D(15)
    changes = {c.code: c for c in analysis.changes}
    assert (changes["1.1"].before, changes["1.1"].change) == (D(10), D(10))
    assert (changes["1.2"].before, changes["1.2"].change) == (D(0), D(0))
    assert not changes["1.3"].counterpart and changes["1.3"].change is None
    assert changes["1"].depth == 0 and changes["1.1"].depth == 1 and changes["1.1"].is_leaf
    assert "1.3" in [c.code for c in analysis.unmapped]
    assert [(p.year, p.total) for p in analysis.history] == [(2023, D(15)), (2024, D("22.5"))]

    client = case.client("officer_a")
    page = client.get(url(case)).content.decode()
    assert "no counterpart last year" in page
    assert "DTI 2023" in page


def test_a_merged_unit_is_told_last_year_is_its_predecessors_mean(
    personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    so = builtin_frameworks["bacninh-so"]
    actor = Actor(label="t")
    a = Unit.objects.create(name="Sở Kế hoạch và Đầu tư", code="khdt", kind="department")
    b = Unit.objects.create(name="Sở Tài chính", code="stc", kind="department")
    merged = Unit.objects.create(name="Sở Tài chính (mới)", code="stc2", kind="department")

    def period(year: int, units: list[Unit]) -> tuple[Period, Any]:
        p = period_actions.create_period(
            actor,
            year=year,
            name=f"DTI {year}",
            data_start=datetime.date(year - 1, 10, 1),
            data_end=datetime.date(year, 9, 30),
            submission_deadline=datetime.date(year, 10, 10),
        )
        group = period_actions.set_group(actor, p, 1, "Nhóm 1", so, units)
        Period.objects.filter(pk=p.pk).update(status="published")
        p.refresh_from_db()
        return p, group

    def result(p: Period, group: Any, unit: Unit, pillar: str, score: str) -> UnitResult:
        scores = {"1": pillar, "1.1": score}
        return UnitResult.objects.create(
            period=p,
            group=group,
            unit=unit,
            assessment=Assessment.objects.create(period=p, unit=unit, group=group),
            total=D(pillar),
            maximum=D(1000),
            dti=D(pillar) / 1000,
            self_total=D(pillar),
            rank=1,
            group_size=1,
            pillars=[{"code": "1", "title": "Nhận thức số", "score": pillar, "max": "100"}],
            scores=scores,
            self_scores=scores,
        )

    p2024, g2024 = period(2024, [a, b])
    result(p2024, g2024, a, "60", "20")
    result(p2024, g2024, b, "80", "10")
    Unit.objects.filter(pk__in=[a.pk, b.pk]).update(
        merged_into=merged, merged_on=datetime.date(2025, 3, 1)
    )
    p2025, g2025 = period(2025, [merged])
    now = result(p2025, g2025, merged, "90", "20")
    analysis = build_analysis(now)
    assert analysis.earlier is not None
    assert analysis.earlier.merged_from == ("Sở Kế hoạch và Đầu tư", "Sở Tài chính")
    assert analysis.pillars[0].last_year == D(70) and analysis.pillars[0].change == D(20)
    assert {c.code: c.before for c in analysis.changes} == {"1": D(70), "1.1": D(15)}

    client = personas.client("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("results:unit", args=[merged.pk, p2025.pk])).content.decode()
    assert "the mean of the units merged into it — Sở Kế hoạch và Đầu tư, Sở Tài chính" in page


# ------------------------------------------------------------ the page


def _cells(page: str, row_id: str) -> list[str]:
    """The text of each cell of the table row ``row_id``, tags dropped and spaces squeezed."""
    row = page[page.index(f'id="{row_id}"') :]
    row = row[: row.index("</tr>")]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def test_the_page_in_vietnamese_shows_the_figures(case: AppraisalCase) -> None:
    approve(case)
    response = case.client("officer_a", "vi").get(url(case))
    assert response.status_code == 200
    page = response.content.decode()
    assert "22,5" in page and "/ 1000" in page  # total of maximum
    assert "0,0225" in page  # the DTI value, 4 decimals
    assert "Khá" in page  # the band
    assert "2/2" in page  # rank in the group
    assert "31,25" in page  # the group's average total
    assert "977,5" in page  # points lost in all
    assert page.count("<svg") == 2  # the radar and the trend
    # pillar 1: 22,5 of 100, 77,5 lost, first of two, group average 21,25, best 22,5
    cells = _cells(page, "p-1")
    assert cells == ["1", "Nhận thức số", "22,5 / 100", "77,5", "1/2", "21,25", "22,5"]
    assert _cells(page, "p-2")[2:] == ["0 / 100", "100", "2/2", "10", "20"]
    # 1.3: 2,5 of 10, 7,5 lost, the group's average and best, self-score and reason
    cells = _cells(page, "c-1.3")
    assert cells[2:6] == ["2,5 / 10", "7,5", "1,25", "2,5"]
    assert "10 → " in cells[6] and "2,5" in cells[6] and "1/4" in cells[6]
    # the points lost table: 1.2 (20 lost) before 1.3 (7,5 lost)
    lost = page[page.index('id="lost"') : page.index('id="self"')]
    assert lost.index('id="c-1.2"') < lost.index('id="c-1.3"')
    assert 'id="c-1.1"' not in lost


def test_the_page_in_english_quotes_self_against_appraised(case: AppraisalCase) -> None:
    approve(case)
    page = case.client("leader_a", "en").get(url(case)).content.decode()
    row = page[page.index('id="c-1.3"') :]
    row = row[: row.index("</tr>")]
    assert "self 10 → appraised 2.5" in row and "Reason" in row and "1/4" in row
    assert "0.0225" in page
    assert "There is no earlier approved result of your unit to compare with." in page


def test_who_may_see_it(case: AppraisalCase) -> None:
    approve(case)
    statuses = {
        name: case.personas.client(name).get(url(case)).status_code
        for name in ("admin", "officer_a", "leader_a", "staff_a", "appraiser", "officer_b")
    }
    assert statuses == {
        "admin": 200,
        "officer_a": 200,
        "leader_a": 200,
        "staff_a": 200,
        "appraiser": 404,
        "officer_b": 404,
    }
    anonymous = case.personas.client("anonymous").get(url(case))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))
    # unit B's own analysis is unit B's
    assert case.client("officer_b").get(url(case, case.personas.unit_b)).status_code == 200
    assert case.client("officer_a").get(url(case, case.personas.unit_b)).status_code == 404
    assert case.client("officer_a").post(url(case)).status_code == 405


def test_before_approval_the_page_says_when_the_analysis_comes(case: AppraisalCase) -> None:
    response = case.client("officer_a", "en").get(url(case))
    assert response.status_code == 200
    page = response.content.decode()
    assert "comes once the results are approved" in page
    assert "Final appraisal" in page  # the step the period is at
    assert "22.5" not in page and "<table" not in page and "<svg" not in page
    assert case.client("officer_b").get(url(case)).status_code == 404


def test_no_page_without_a_result_or_for_a_draft_period(case: AppraisalCase) -> None:
    result = approve(case)
    result.delete()
    assert case.client("officer_a").get(url(case)).status_code == 404
    draft = period_actions.create_period(
        case.admin,
        year=2025,
        name="DTI 2025",
        data_start=datetime.date(2024, 10, 1),
        data_end=datetime.date(2025, 9, 30),
        submission_deadline=datetime.date(2025, 10, 10),
    )
    period_actions.set_group(case.admin, draft, 1, "Nhóm 1", case.framework, [case.personas.unit_a])
    assert case.client("officer_a").get(url(case, period=draft)).status_code == 404
    assert case.client("admin").get(url(case, period=draft)).status_code == 404


def test_the_unit_home_links_to_the_analysis_once_approved(case: AppraisalCase) -> None:
    home = reverse("units:home", args=[case.personas.unit_a.pk])
    client = case.client("officer_a")
    assert url(case) not in client.get(home).content.decode()
    approve(case)
    assert url(case) in client.get(home).content.decode()


def test_the_page_costs_a_fixed_number_of_queries(
    case: AppraisalCase, django_assert_num_queries: Any
) -> None:
    _earlier(case, "published", {"1": "10"}, {"1": "10", "1.1": "10"})
    approve(case)
    client = case.client("officer_a")
    assert client.get(url(case)).status_code == 200  # the framework is read once, then cached
    # session, user, security policy, roles; unit, period, result, the group's results, the
    # council's decisions; last year's period, its result and the criteria it maps; the
    # history (own results, predecessors'); the session is not saved again within minutes
    with django_assert_num_queries(14):
        assert client.get(url(case)).status_code == 200
