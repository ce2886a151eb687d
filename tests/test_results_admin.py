"""The administrator's results screens: the ranking of each group with its charts, the
classification bands, publication, and the mapping of criteria between framework versions.

Hand-computed figures (as in test_results.py): unit A (Sở Tư pháp) 22,5 points of 1000
(DTI 0,0225), self-assessed 30; unit B (Sở Y tế) 40 points (DTI 0,0400). Bands Xuất sắc from
3 %, Khá from 2 %, Kém from 0 %: B is Xuất sắc and first, A is Khá and 2/2.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from helpers import BANDS, AppraisalCase, results_case

from dti.appraisal.models import Review
from dti.audit.models import AuditRecord
from dti.audit.trail import Actor
from dti.periods import actions as period_actions
from dti.periods.models import Period, PeriodUnit
from dti.results import actions
from dti.results.models import FrameworkMapping, ResultSettings, UnitResult
from dti.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    """Both units appraised and finalised, the period in its final step, bands set."""
    case = results_case(personas, builtin_frameworks, approve=False)
    return case


@pytest.fixture
def approved(case: AppraisalCase) -> AppraisalCase:
    case.period = period_actions.move_period(case.admin, case.period, "approved")
    return case


def url(name: str, case: AppraisalCase) -> str:
    return reverse(f"results:{name}", args=[case.period.pk])


def page(case: AppraisalCase, language: str = "en") -> str:
    response = case.client("admin", language).get(url("period", case))
    assert response.status_code == 200
    return response.content.decode()


def text(html: str) -> str:
    """The page's words, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def bands_in_db(case: AppraisalCase) -> list[dict[str, str]]:
    return list(ResultSettings.objects.get(period=case.period).bands)


# ------------------------------------------------------------ the ranking


def test_before_approval_the_page_says_when_results_come(case: AppraisalCase) -> None:
    html = page(case)
    assert "Results are computed when the appraisal is approved" in html
    assert reverse("appraisal:council", args=[case.period.pk]) in html
    assert "<svg" not in html and 'class="data ranking"' not in html
    assert reverse("results:publish", args=[case.period.pk]) not in html
    # the bands can be prepared before approval
    assert 'value="Xuất sắc"' in html and '<fieldset class="plain" disabled' not in html


def test_ranking_shows_the_hand_computed_figures_in_vietnamese(approved: AppraisalCase) -> None:
    html = page(approved, "vi")
    rows = re.findall(r"<tr[^>]*>.*?</tr>", html.split('class="data ranking"')[1], re.S)
    b, a = (text(row) for row in rows[1:3])  # after the header row, in rank order
    assert b.startswith(" 1/2 Sở Y tế ")
    assert a.startswith(" 2/2 Sở Tư pháp ")
    # A: pillar 1 22,5 (first of 2), pillar 2 0 (second), total 22,5, self 30, DTI 0,0225, Khá
    assert re.search(r"22,5 \D+ 1/2 0 \D+ 2/2 ", a)
    assert " 22,5 30 0,0225 Khá " in a
    assert " 40 40 0,0400 Xuất sắc " in b
    # the two charts of the group, inline, with the Vietnamese decimal comma
    assert html.count("<svg") == 2
    assert "22,5</text>" in html
    assert "Nhóm 1" in html


def test_shared_ranks_are_visible(personas: Any, builtin_frameworks: dict[str, Any]) -> None:
    from dti.appraisal import actions as appraisal_actions

    def same_as_a(case: AppraisalCase) -> None:
        case.assessment_b = case.submit_unit_b(
            {"1.1": {"yes": True}, "1.3": {"numerator": 4, "denominator": 4}}
        )

    case = AppraisalCase(personas, builtin_frameworks, before_appraisal=same_as_a)
    case.finalise()
    actor, access = case.who("chair")
    appraisal_actions.finalise(actor, access, Review.objects.get(assessment=case.assessment_b))
    for status in ("explanation", "final", "approved"):
        case.period = period_actions.move_period(case.admin, case.period, status)
    table = page(case, "vi").split('class="data ranking"')[1].split("</table>")[0]
    rows = [text(row) for row in re.findall(r"<tr[^>]*>.*?</tr>", table, re.S)[1:]]
    assert [row.split()[0] for row in rows] == ["1/2", "1/2"]
    assert all(" 30 30 0,0300 " in row for row in rows)


def test_units_without_a_result_are_listed_as_such(approved: AppraisalCase) -> None:
    unit = Unit.objects.create(name="Sở Xây dựng", code="sxd", kind=Unit.Kind.DEPARTMENT)
    PeriodUnit.objects.create(period=approved.period, group=approved.group, unit=unit)
    html = text(page(approved))
    assert "1 unit without a result" in html
    assert "Sở Xây dựng — Never started its self-assessment" in html
    assert UnitResult.objects.filter(unit=unit).count() == 0


def test_the_ranking_costs_the_same_queries_whatever_the_units(
    approved: AppraisalCase, django_assert_num_queries: Any
) -> None:
    client = approved.client("admin")
    client.get(url("period", approved))  # the session and the framework caches, once
    with django_assert_num_queries(10):  # the session is not saved again within minutes
        assert client.get(url("period", approved)).status_code == 200
    for n in range(5):
        unit = Unit.objects.create(name=f"Đơn vị {n}", code=f"dv{n}", kind=Unit.Kind.DEPARTMENT)
        PeriodUnit.objects.create(period=approved.period, group=approved.group, unit=unit)
    with django_assert_num_queries(10):  # the session is not saved again within minutes
        assert client.get(url("period", approved)).status_code == 200


def test_the_period_page_links_to_the_results_once_approved(case: AppraisalCase) -> None:
    detail = reverse("periods:detail", args=[case.period.pk])
    assert url("period", case) not in case.client("admin").get(detail).content.decode()
    case.period = period_actions.move_period(case.admin, case.period, "approved")
    assert url("period", case) in case.client("admin").get(detail).content.decode()


# ------------------------------------------------------------ classification bands


def test_the_bands_form_changes_the_bands(approved: AppraisalCase) -> None:
    before = AuditRecord.objects.filter(action="results.bands").count()
    client = approved.client("admin")
    response = client.post(
        url("bands", approved),
        {"label": ["Đạt", "", "Chưa đạt"], "min": ["2,5", "", "0"]},
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith(url("period", approved) + "#bands")
    assert "The classification bands are saved" in response.content.decode()
    assert bands_in_db(approved) == [
        {"label": "Đạt", "min": "2.5"},
        {"label": "Chưa đạt", "min": "0"},
    ]
    assert AuditRecord.objects.filter(action="results.bands").count() == before + 1
    assert dict(UnitResult.objects.values_list("unit__name", "band")) == {
        "Sở Y tế": "Đạt",
        "Sở Tư pháp": "Chưa đạt",
    }


def test_bad_bands_show_the_message_and_change_nothing(approved: AppraisalCase) -> None:
    before = AuditRecord.objects.filter(action="results.bands").count()
    response = approved.client("admin").post(
        url("bands", approved),
        {"label": ["Xuất sắc", "Tốt"], "min": ["90", "120"]},
        follow=True,
    )
    html = response.content.decode()
    assert "Band “Tốt”: enter the least percentage, from 0 to 100." in html
    assert 'value="120"' in html  # what was typed is shown again, to correct
    assert bands_in_db(approved) == BANDS
    assert AuditRecord.objects.filter(action="results.bands").count() == before
    assert set(UnitResult.objects.values_list("band", flat=True)) == {"Xuất sắc", "Khá"}
    # the refused rows are shown once; the page then shows the saved bands again
    assert 'value="120"' not in page(approved)


def test_an_empty_bands_form_shows_the_example(personas: Any, builtin_frameworks: Any) -> None:
    case = AppraisalCase(personas, builtin_frameworks)
    html = page(case)
    assert 'placeholder="Xuất sắc"' in html and 'placeholder="90"' in html
    assert 'placeholder="Kém"' in html and 'placeholder="0"' in html
    assert html.count('name="label"') == 5


# ------------------------------------------------------------ publication


def test_publishing_asks_first_then_publishes(approved: AppraisalCase) -> None:
    html = page(approved)
    assert 'href="#publish-confirm"' in html and 'id="publish-confirm"' in html
    assert "They become public on the public site and can no longer change." in html
    response = approved.client("admin").post(
        url("publish", approved), {"reason": "QĐ 1234/QĐ-UBND"}, follow=True
    )
    assert "are published" in response.content.decode()
    approved.period.refresh_from_db()
    assert approved.period.status == Period.Status.PUBLISHED
    record = AuditRecord.objects.filter(action="period.status").first()
    assert record is not None
    assert record.after == {"status": "published"} and record.reason == "QĐ 1234/QĐ-UBND"

    html = page(approved)
    assert '<fieldset class="plain" disabled>' in html
    assert "Save the classification bands" not in html
    assert 'id="publish-confirm"' not in html
    assert reverse("public:period", args=[approved.period.pk]) in html
    assert f"Published on {timezone.localtime(record.at):%d/%m/%Y %H:%M}." in text(html)


def test_after_publication_a_forged_bands_post_is_refused(approved: AppraisalCase) -> None:
    approved.period = period_actions.move_period(approved.admin, approved.period, "published")
    before = AuditRecord.objects.filter(action="results.bands").count()
    response = approved.client("admin").post(
        url("bands", approved), {"label": ["Đạt"], "min": ["1"]}, follow=True
    )
    assert "The results are published: their classification can no longer change." in (
        response.content.decode()
    )
    assert bands_in_db(approved) == BANDS
    assert AuditRecord.objects.filter(action="results.bands").count() == before
    assert set(UnitResult.objects.values_list("band", flat=True)) == {"Xuất sắc", "Khá"}


def test_only_approved_results_are_published(case: AppraisalCase) -> None:
    client = case.client("admin")
    response = client.post(url("publish", case), follow=True)
    assert "Only approved results can be published" in response.content.decode()
    case.period.refresh_from_db()
    assert case.period.status == Period.Status.FINAL
    case.period = period_actions.move_period(case.admin, case.period, "approved")
    case.period = period_actions.move_period(case.admin, case.period, "published")
    response = client.post(url("publish", case), follow=True)
    assert "already published" in response.content.decode()


def test_nothing_to_publish_is_said(approved: AppraisalCase) -> None:
    UnitResult.objects.all().delete()
    response = approved.client("admin").post(url("publish", approved), follow=True)
    assert "There are no results to publish" in response.content.decode()
    approved.period.refresh_from_db()
    assert approved.period.status == Period.Status.APPROVED


# ------------------------------------------------------------ who may

GETS = ("period", "mappings", "mapping")
POSTS = ("bands", "publish")


def _urls(case: AppraisalCase, builtin: dict[str, Any]) -> dict[str, str]:
    so, huyen = builtin["bacninh-so"], builtin["bacninh-huyen"]
    return {
        "period": url("period", case),
        "bands": url("bands", case),
        "publish": url("publish", case),
        "mappings": reverse("results:mappings"),
        "mapping": reverse("results:mapping", args=[so.pk, huyen.pk]),
    }


@pytest.mark.parametrize("persona", ["appraiser", "officer_a"])
def test_others_signed_in_are_refused(
    approved: AppraisalCase, builtin_frameworks: dict[str, Any], persona: str
) -> None:
    client = approved.client(persona)
    urls = _urls(approved, builtin_frameworks)
    for name in GETS:
        assert client.get(urls[name]).status_code == 403, name
    for name in (*POSTS, "mapping"):
        assert client.post(urls[name], {"label": ["X"], "min": ["1"]}).status_code == 403, name
    assert bands_in_db(approved) == BANDS
    approved.period.refresh_from_db()
    assert approved.period.status == Period.Status.APPROVED
    assert not FrameworkMapping.objects.exists()


def test_anonymous_is_sent_to_sign_in(
    approved: AppraisalCase, builtin_frameworks: dict[str, Any]
) -> None:
    client = approved.personas.client("anonymous")
    sign_in = reverse("accounts:login")
    for name, address in _urls(approved, builtin_frameworks).items():
        for method in (client.get, client.post):
            response = method(address)
            assert response.status_code == 302, name
            assert response["Location"].startswith(sign_in), name
    approved.period.refresh_from_db()
    assert approved.period.status == Period.Status.APPROVED


def test_wrong_methods(approved: AppraisalCase) -> None:
    client = approved.client("admin")
    assert client.get(url("bands", approved)).status_code == 405
    assert client.get(url("publish", approved)).status_code == 405
    assert client.post(url("period", approved)).status_code == 405
    assert client.post(reverse("results:mappings")).status_code == 405
    assert client.get(reverse("results:period", args=[99999])).status_code == 404


# ------------------------------------------------------------ criteria across years


@pytest.fixture
def so_huyen(builtin_frameworks: dict[str, Any]) -> tuple[Any, Any]:
    return builtin_frameworks["bacninh-so"], builtin_frameworks["bacninh-huyen"]


def test_the_mapping_page_prefills_suggestions(personas: Any, so_huyen: tuple[Any, Any]) -> None:
    so, huyen = so_huyen
    client = personas.client("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("results:mapping", args=[so.pk, huyen.pk])).content.decode()
    assert "The links below are suggestions" in html
    assert re.search(r'name="link-1" value="1"', html)  # same code and title: suggested
    assert re.search(r'name="link-1.1" value=""', html)  # same code, another criterion
    assert "7 of 84" in html
    assert '<option value="1.1">1.1 — ' in html  # last year's criteria to pick from
    assert not FrameworkMapping.objects.exists()  # a suggestion saves nothing


def test_the_mapping_page_saves_links(personas: Any, so_huyen: tuple[Any, Any]) -> None:
    so, huyen = so_huyen
    client = personas.client("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    address = reverse("results:mapping", args=[so.pk, huyen.pk])
    response = client.post(address, {"link-1": "1", "link-1.2": " 1.1 ", "link-2": ""})
    assert response.status_code == 302 and response["Location"] == address
    assert FrameworkMapping.objects.get(older=so, newer=huyen).links == {"1": "1", "1.2": "1.1"}
    assert AuditRecord.objects.filter(action="results.mapping").count() == 1
    html = client.get(address).content.decode()
    assert "The mapping is saved: 2 of 84 criteria" in html
    assert "The links below are suggestions" not in html
    assert 'name="link-1.2" value="1.1"' in html and 'name="link-2" value=""' in html
    assert "82 criteria have no counterpart last year" in text(html)


def test_the_mapping_page_refuses_an_unknown_code(personas: Any, so_huyen: tuple[Any, Any]) -> None:
    so, huyen = so_huyen
    actions.set_mapping(Actor(label="t"), so, huyen, {"1": "1"})
    client = personas.client("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    address = reverse("results:mapping", args=[so.pk, huyen.pk])
    response = client.post(address, {"link-1": "1", "link-1.1": "9.99"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "9.99 is not a criterion of" in html
    assert 'name="link-1.1" value="9.99"' in html  # kept, to correct
    assert FrameworkMapping.objects.get().links == {"1": "1"}


def test_the_same_version_needs_no_mapping(personas: Any, so_huyen: tuple[Any, Any]) -> None:
    so, _huyen = so_huyen
    client = personas.client("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    address = reverse("results:mapping", args=[so.pk, so.pk])
    html = client.get(address).content.decode()
    assert "Both years use the same framework version" in html and '<form method="post"' not in html
    client.post(address, {"link-1": "1"})
    assert not FrameworkMapping.objects.exists()


def test_the_mappings_list_derives_the_pairs(
    case: AppraisalCase, so_huyen: tuple[Any, Any]
) -> None:
    so, huyen = so_huyen
    admin = case.admin
    nxt = period_actions.create_period(
        admin,
        year=2025,
        name="DTI 2025",
        data_start=datetime.date(2024, 10, 1),
        data_end=datetime.date(2025, 9, 30),
        submission_deadline=datetime.date(2025, 10, 10),
    )
    period_actions.set_group(admin, nxt, 1, "Nhóm 1", huyen, [case.personas.unit_a])
    period_actions.set_group(admin, nxt, 2, "Nhóm 2", so, [case.personas.unit_b])
    client = case.client("admin")
    address = reverse("results:mappings")
    html = text(client.get(address).content.decode())
    # 2025 group 1 (huyen) follows 2024 group 1 (so); 2025 group 2 has no earlier group 2
    assert "not mapped yet" in html and "DTI 2025 · Nhóm 1 (compared with 2024)" in html
    assert "Nhóm 2 (compared" not in html
    actions.set_mapping(admin, so, huyen, {"1": "1", "2": "2"})
    html = text(client.get(address).content.decode())
    assert "mapped: 2 of 84 criteria" in html and "not mapped yet" not in html
    assert "No period uses them" not in html
    # a mapping saved for versions no period has used yet is listed too
    actions.set_mapping(admin, huyen, so, {"1": "1"})
    html = text(client.get(address).content.decode())
    assert "No period uses them one after the other yet." in html
    assert "mapped: 1 of 51 criteria" in html
    # any two versions: the two selects open the mapping
    response = client.get(address, {"older": so.pk, "newer": huyen.pk})
    assert response["Location"] == reverse("results:mapping", args=[so.pk, huyen.pk])
    response = client.get(address, {"older": so.pk, "newer": "x"})
    assert response.status_code == 200
