"""The public site: nothing of a period shows before it is published, everything after — on the
hand-computed results of tests/test_results.py (unit A 22,5, unit B 40 of 1000)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from helpers import AppraisalCase, results_case

from dti.assessments.models import Assessment
from dti.audit.trail import Actor
from dti.periods import actions as period_actions
from dti.periods.models import Period
from dti.results.models import UnitResult
from dti.units.models import Unit

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    """Unit A (Sở Tư pháp) 22,5: 1.1 yes (20), 1.3 corrected to 1/4 (2,5). Unit B (Sở Y tế) 40:
    1.1 and 2.1 yes. Both finalised; the 2024 period approved, so results exist, unpublished."""
    case = results_case(personas, builtin_frameworks, approve=True)
    assert UnitResult.objects.filter(period=case.period).count() == 2
    return case


def publish(case: AppraisalCase) -> None:
    case.period = period_actions.move_period(case.admin, case.period, "published")


def visitor(language: str = "vi") -> Client:
    """Someone who never signed in."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def urls(case: AppraisalCase) -> dict[str, str]:
    pk = case.period.pk
    return {
        "period": reverse("public:period", args=[pk]),
        "unit_a": reverse("public:unit", args=[pk, case.personas.unit_a.pk]),
        "unit_b": reverse("public:unit", args=[pk, case.personas.unit_b.pk]),
    }


def test_nothing_of_an_approved_period_shows_before_publication(case: AppraisalCase) -> None:
    client = visitor()
    index = client.get(reverse("public:index"))
    assert index.status_code == 200
    html = index.content.decode()
    assert list(index.context["periods"]) == []
    for secret in ("DTI 2024", "Sở Tư pháp", "Sở Y tế", "22,5", ">40<", "0,0225"):
        assert secret not in html, secret
    assert reverse("public:period", args=[case.period.pk]) not in html
    for name, url in urls(case).items():
        assert client.get(url).status_code == 404, name
    # nor to someone signed in: the public pages never show more to anyone
    officer = case.client("officer_a")
    for url in urls(case).values():
        assert officer.get(url).status_code == 404


def test_everything_shows_once_published(case: AppraisalCase) -> None:
    publish(case)
    client = visitor()
    index = client.get(reverse("public:index"))
    assert index.status_code == 200
    assert reverse("public:period", args=[case.period.pk]) in index.content.decode()
    assert [p.pk for p in index.context["periods"]] == [case.period.pk]

    response = client.get(urls(case)["period"])
    assert response.status_code == 200
    html = response.content.decode()
    for shown in ("DTI 2024", "Sở Tư pháp", "Sở Y tế", "22,5", "0,0225", "0,0400", "Xuất sắc"):
        assert shown in html, shown
    (group,) = response.context["groups"]
    lines = [(line.result.unit.name, line.rank, line.dti, line.result.band) for line in group.lines]
    assert lines == [
        ("Sở Y tế", "1/2", "0,0400", "Xuất sắc"),
        ("Sở Tư pháp", "2/2", "0,0225", "Khá"),
    ]
    assert [line.scores[:3] for line in group.lines] == [
        [D(20), D(20), D(0)],
        [D("22.5"), D(0), D(0)],
    ]
    assert group.maximum == D(1000) and group.average == D("31.25")
    assert re.search(r'<td class="num pub-total">40</td>', html)
    assert re.search(r'<td class="num pub-total">22,5</td>', html)
    for url in urls(case).values():
        assert url in html or url == urls(case)["period"]
    for name in ("workbook", "csv", "json", "annex"):
        assert reverse(f"public:{name}", args=[case.period.pk]) in html
    # the bands' legend: thresholds in points of the group's maximum, units in each
    assert [
        (row["band"].label, row["groups"][0]["count"]) for row in response.context["band_rows"]
    ] == [
        ("Xuất sắc", 1),
        ("Khá", 1),
        ("Kém", 0),
    ]
    assert "<svg" in html and 'role="img"' in html  # the bars and the heatmap, inline


def test_a_unit_page_shows_the_breakdown(case: AppraisalCase) -> None:
    publish(case)
    response = visitor().get(urls(case)["unit_a"])
    assert response.status_code == 200
    html = response.content.decode()
    for shown in ("Sở Tư pháp", "22,5", "0,0225", "2/2", "Khá"):
        assert shown in html, shown
    assert response.context["rank"] == "2/2" and response.context["dti"] == "0,0225"
    pillars = {p.code: (p.score, p.rank) for p in response.context["pillars"]}
    assert pillars["1"] == (D("22.5"), "1/2")
    assert pillars["2"] == (D(0), "2/2")
    assert pillars["3"] == (D(0), "1/2")  # shared with unit B
    criteria = {c.code: c for c in response.context["criteria"]}
    assert (criteria["1.3"].score, criteria["1.3"].max, criteria["1.3"].depth) == (
        D("2.5"),
        D(10),
        2,
    )
    assert criteria["1"].is_pillar and criteria["1.1"].score == D(20)
    assert criteria["1.2"].score == D(0) and criteria["1.2"].state == "scored"
    assert response.context["earlier"] is None  # no earlier published year

    b = visitor().get(urls(case)["unit_b"])
    assert b.status_code == 200
    assert b.context["rank"] == "1/2" and "Xuất sắc" in b.content.decode()


def test_the_radar_compares_with_the_group_average_and_best(case: AppraisalCase) -> None:
    publish(case)
    response = visitor("en").get(urls(case)["unit_a"])
    lines = {p.code: (p.average, p.best) for p in response.context["pillars"]}
    # unit A 22,5 / 0 / 0 and unit B 20 / 20 / 0 on the first three pillars
    assert lines["1"] == (D("21.25"), D("22.5"))
    assert lines["2"] == (D(10), D(20))
    assert lines["3"] == (D(0), D(0))
    svg = response.context["radar"].wide
    first, second = response.context["pillars"][:2]
    assert (
        f"{first.title} (100): Sở Tư pháp 22.5, Group average 21.25, Best in the group 22.5" in svg
    )
    assert f"{second.title} (100): Sở Tư pháp 0, Group average 10, Best in the group 20" in svg
    assert response.context["total_average"] == D("31.25")
    assert response.context["total_best"] == D(40)


def test_anonymous_visitors_and_signed_in_people_alike(case: AppraisalCase) -> None:
    publish(case)
    pages = [reverse("public:index"), *urls(case).values()]
    for client in (visitor(), visitor("en"), case.client("officer_b"), case.client("admin")):
        for url in pages:
            assert client.get(url).status_code == 200, url
    # the main navigation leads there, for everyone
    home = visitor("en").get(reverse("home")).content.decode()
    assert reverse("public:index") in home and "Published results" in home


def test_a_unit_without_a_result_is_not_found(case: AppraisalCase) -> None:
    publish(case)
    other = Unit.objects.create(name="Sở Xây dựng", code="sxd", kind=Unit.Kind.DEPARTMENT)
    client = visitor()
    assert client.get(reverse("public:unit", args=[case.period.pk, other.pk])).status_code == 404
    assert client.get(reverse("public:unit", args=[case.period.pk, 99999])).status_code == 404
    assert client.get(reverse("public:period", args=[99999])).status_code == 404


def test_periods_before_publication_are_not_found(case: AppraisalCase) -> None:
    actor = Actor(label="t")
    draft = period_actions.create_period(
        actor,
        year=2025,
        name="DTI 2025",
        data_start=datetime.date(2024, 10, 1),
        data_end=datetime.date(2025, 9, 30),
        submission_deadline=datetime.date(2025, 10, 10),
    )
    period_actions.set_group(
        actor, draft, 1, "Nhóm 1", case.framework, [case.personas.unit_a, case.personas.unit_b]
    )
    client = visitor()
    unit_a = case.personas.unit_a.pk
    for status in ("draft", "open"):
        if status == "open":
            draft = period_actions.move_period(case.admin, draft, "open")
        assert client.get(reverse("public:period", args=[draft.pk])).status_code == 404
        assert client.get(reverse("public:unit", args=[draft.pk, unit_a])).status_code == 404
    assert "DTI 2025" not in client.get(reverse("public:index")).content.decode()


def test_only_get(case: AppraisalCase) -> None:
    publish(case)
    client = visitor()
    for url in [reverse("public:index"), *urls(case).values()]:
        assert client.post(url).status_code == 405


# ------------------------------------------------------------ earlier and later years


def _period_with_result(
    case: AppraisalCase, year: int, status: str, total: str, pillar_1: str
) -> Period:
    """A period of ``year`` in ``status`` where unit A alone has a result (``total`` of 1000)."""
    actor = Actor(label="t")
    period = period_actions.create_period(
        actor,
        year=year,
        name=f"DTI {year}",
        data_start=datetime.date(year - 1, 10, 1),
        data_end=datetime.date(year, 9, 30),
        submission_deadline=datetime.date(year, 10, 10),
    )
    unit = case.personas.unit_a
    group = period_actions.set_group(actor, period, 1, "Nhóm 1", case.framework, [unit])
    Period.objects.filter(pk=period.pk).update(status=status)
    UnitResult.objects.create(
        period=period,
        group=group,
        unit=unit,
        assessment=Assessment.objects.create(period=period, unit=unit, group=group),
        total=D(total),
        maximum=D(1000),
        dti=D(total) / 1000,
        self_total=D(total),
        rank=1,
        group_size=1,
        band="",
        pillars=[
            {"code": "1", "title": "Nhận thức số", "score": pillar_1, "max": "100", "rank": 1}
        ],
        scores={"1": pillar_1, "1.1": "20", "1.3": "5"},
        self_scores={"1": pillar_1},
    )
    period.refresh_from_db()
    return period


def test_earlier_years_and_trends_show_published_periods_only(case: AppraisalCase) -> None:
    publish(case)
    p2022 = _period_with_result(case, 2022, "published", "15", "15")
    p2023 = _period_with_result(case, 2023, "approved", "999", "99")  # never published
    p2025 = _period_with_result(case, 2025, "approved", "888", "88")  # not yet published
    client = visitor()
    response = client.get(urls(case)["unit_a"])
    assert response.status_code == 200
    html = response.content.decode()
    assert [y.point.year for y in response.context["years"]] == [2024, 2022]
    earlier = response.context["earlier"]
    assert earlier.period == p2022 and earlier.total == D(15)
    assert response.context["earlier_change"] == D("7.5")
    pillar_1 = response.context["pillars"][0]
    assert (pillar_1.last_year, pillar_1.change) == (D(15), D("7.5"))
    criteria = {c.code: c for c in response.context["criteria"]}
    assert criteria["1.3"].last_year == D(5) and criteria["1.2"].last_year is None
    assert "2022" in response.context["trend"].description
    for hidden in ("2023", "2025", "999", "888"):
        assert not re.search(rf"\b{hidden}\b", html), hidden
    assert reverse("public:unit", args=[p2022.pk, case.personas.unit_a.pk]) in html

    period_page = client.get(urls(case)["period"])
    assert [p.pk for p in period_page.context["others"]] == [p2022.pk]
    index = client.get(reverse("public:index"))
    assert [p.year for p in index.context["periods"]] == [2024, 2022]
    for unpublished in (p2023, p2025):
        assert client.get(reverse("public:period", args=[unpublished.pk])).status_code == 404
        unit_url = reverse("public:unit", args=[unpublished.pk, case.personas.unit_a.pk])
        assert client.get(unit_url).status_code == 404

    # the 2022 page compares with nothing: 2023 was never published
    old = client.get(reverse("public:unit", args=[p2022.pk, case.personas.unit_a.pk]))
    assert old.context["earlier"] is None
    assert [y.point.year for y in old.context["years"]] == [2024, 2022]


def test_a_merged_unit_is_compared_with_its_predecessors_mean(case: AppraisalCase) -> None:
    publish(case)
    unit_a, unit_b = case.personas.unit_a, case.personas.unit_b
    merged = Unit.objects.create(name="Sở Tư pháp và Y tế", code="stpyt", kind="department")
    Unit.objects.filter(pk__in=[unit_a.pk, unit_b.pk]).update(
        merged_into=merged, merged_on=datetime.date(2025, 3, 1)
    )
    actor = Actor(label="t")
    p2025 = period_actions.create_period(
        actor,
        year=2025,
        name="DTI 2025",
        data_start=datetime.date(2024, 10, 1),
        data_end=datetime.date(2025, 9, 30),
        submission_deadline=datetime.date(2025, 10, 10),
    )
    group = period_actions.set_group(actor, p2025, 1, "Nhóm 1", case.framework, [merged])
    Period.objects.filter(pk=p2025.pk).update(status="published")
    UnitResult.objects.create(
        period=p2025,
        group=group,
        unit=merged,
        assessment=Assessment.objects.create(period=p2025, unit=merged, group=group),
        total=D(50),
        maximum=D(1000),
        dti=D("0.05"),
        self_total=D(50),
        rank=1,
        group_size=1,
        pillars=[{"code": "1", "title": "Nhận thức số", "score": "30", "max": "100", "rank": 1}],
        scores={"1": "30"},
        self_scores={"1": "30"},
    )
    response = visitor().get(reverse("public:unit", args=[p2025.pk, merged.pk]))
    assert response.status_code == 200
    earlier = response.context["earlier"]
    assert earlier.merged_from == ("Sở Tư pháp", "Sở Y tế")
    assert earlier.total == D("31.25")  # (22,5 + 40) / 2
    assert response.context["merged_years"] == [2024]
    (_now, before) = response.context["years"]
    assert before.point.merged_from == ("Sở Tư pháp", "Sở Y tế") and not before.has_page
    assert "Sở Tư pháp, Sở Y tế" in response.content.decode()
    english = visitor("en").get(reverse("public:unit", args=[p2025.pk, merged.pk]))
    assert "Before the merger (2024): the mean of the units merged into this one." in (
        english.content.decode()
    )
    # the predecessor's own page says where it went
    old = visitor("en").get(urls(case)["unit_a"]).content.decode()
    assert "merged into Sở Tư pháp và Y tế" in old


def test_query_counts_are_pinned(case: AppraisalCase, django_assert_num_queries: Any) -> None:
    """Every list is read in one query, whatever the number of units, pillars or criteria."""
    publish(case)
    client = visitor()
    with django_assert_num_queries(3):
        client.get(reverse("public:index"))
    with django_assert_num_queries(5):
        client.get(urls(case)["period"])
    with django_assert_num_queries(7):
        client.get(urls(case)["unit_a"])


def test_charts_are_drawn_once_and_again_when_what_they_show_changes(
    case: AppraisalCase, monkeypatch: Any
) -> None:
    """Every visitor sees the same charts: drawn at the first view and kept in the cache under
    a digest of what they show, so a renamed unit or another language draws them anew."""
    from dti.results import views_public

    publish(case)
    drawn: list[str] = []
    real = views_public.to_svg

    def counting(chart: Any) -> str:
        drawn.append(chart.description)
        return str(real(chart))

    monkeypatch.setattr(views_public, "to_svg", counting)

    def charts(language: str = "vi") -> list[str]:
        html = visitor(language).get(urls(case)["period"]).content.decode()
        return re.findall(r"<svg.*?</svg>", html, re.S)

    first = charts()
    assert len(first) >= 2 and len(drawn) == len(first)
    assert charts() == first and len(drawn) == len(first)  # the second visitor: nothing drawn
    english = charts("en")
    assert len(drawn) == 2 * len(first) and english != first
    Unit.objects.filter(pk=case.personas.unit_a.pk).update(name="Sở Tư pháp tỉnh Bắc Ninh")
    renamed = charts()
    assert len(drawn) == 3 * len(first)
    assert "Sở Tư pháp tỉnh Bắc Ninh" in "".join(renamed) and renamed != first
