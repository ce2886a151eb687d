"""The chair's council page: every unit's appraisal in figures, finalisation unit by unit, and the
approval of the period's results; only the chair finalises, the chair or the administrator
approves, anyone else is refused and nothing changes."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from helpers import AppraisalCase

from dti.appraisal.models import Review
from dti.assessments.models import Assessment
from dti.audit.models import AuditRecord
from dti.periods import actions as period_actions
from dti.periods.models import Period

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2024, 11, 4, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    with time_machine.travel(TODAY, tick=False):
        return AppraisalCase(personas, builtin_frameworks)


def council_url(case: AppraisalCase) -> str:
    return reverse("appraisal:council", args=[case.period.pk])


def finalise_url(case: AppraisalCase) -> str:
    return reverse("appraisal:finalise", args=[case.assessment.pk])


def approve_url(case: AppraisalCase) -> str:
    return reverse("appraisal:approve", args=[case.period.pk])


def unit_row(html: str, unit_id: int) -> str:
    """The table row of one unit, as rendered."""
    match = re.search(rf'<tr id="u-{unit_id}".*?</tr>', html, re.S)
    assert match, f"no row for unit {unit_id}"
    return match.group(0)


def text_of(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def to_final(case: AppraisalCase) -> None:
    for status in ("explanation", "final"):
        case.period = period_actions.move_period(case.admin, case.period, status)


def test_the_page_shows_counts_and_points_moved(case: AppraisalCase) -> None:
    # Self-assessed: 1.1 yes 20 + 1.2 no 0 + 1.3 4/4 10 = 30. The council accepts 1.1, corrects
    # 1.3 to 1/4 (2,5: −7,5) and asks about 1.2 (a question not sent yet).
    case.decide("1.1", "accepted")
    case.decide("1.3", "corrected", inputs={"numerator": 1, "denominator": 4}, reason="Chỉ 1/4")
    case.ask("1.2", "Văn bản nào?")
    response = case.client("chair", language="vi").get(council_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    row = text_of(unit_row(html, case.personas.unit_a.pk))
    leaves = response.context["sections"][0].rows[0].leaves
    assert leaves == 45  # every scored component of the department framework
    # self-assessed, appraised, points moved (decimal comma, a true minus sign), criteria
    # decided of all, criteria corrected
    assert f"30 22,5 −7,5 2 / {leaves} 1" in row
    # the summary counts the one correction and the one open question
    unit = response.context["sections"][0].rows[0]
    assert (unit.decided, unit.corrected, unit.open_questions, unit.drafts) == (2, 1, 1, 1)
    # unit B never submitted: no figures, and the page says so
    english = case.client("chair").get(council_url(case)).content.decode()
    # when the unit submitted, and who appraises it (the persona's full name)
    assert "submitted 04/11/2024 · Appraiser" in text_of(unit_row(english, case.personas.unit_a.pk))
    absent = text_of(unit_row(english, case.personas.unit_b.pk))
    assert absent == "2 Sở Y tế No appraiser yet — — — — — — Not submitted"
    # the group's total adds up the units that submitted
    footer = text_of(re.search(r"<tfoot>.*?</tfoot>", html, re.S).group(0))  # type: ignore[union-attr]
    assert "30 22,5 −7,5" in footer


def test_points_given_back_show_with_a_plus(case: AppraisalCase) -> None:
    case.decide("1.2", "scored", points="5", reason="Có văn bản")
    html = case.client("chair", language="vi").get(council_url(case)).content.decode()
    assert "+5" in text_of(unit_row(html, case.personas.unit_a.pk))


def test_no_finalise_button_while_a_question_is_open_and_a_forged_post_changes_nothing(
    case: AppraisalCase,
) -> None:
    with time_machine.travel(TODAY, tick=False):
        case.ask("1.3", "Vì sao 4/4?")
        case.send(due=datetime.date(2024, 11, 11))
        client = case.client("chair")
        html = client.get(council_url(case)).content.decode()
        row = text_of(unit_row(html, case.personas.unit_a.pk))
        assert finalise_url(case) not in html
        assert "1 question open" in row
        assert "1 awaiting the unit" in row
        assert "Round 1: answers due 11/11/2024" in row
        response = client.post(finalise_url(case), follow=True)
    assert response.redirect_chain[0] == (
        f"{council_url(case)}#u-{case.personas.unit_a.pk}",
        302,
    )
    assert "still open" in response.content.decode()
    case.review.refresh_from_db()
    assert case.review.status == Review.Status.IN_PROGRESS
    assert not AuditRecord.objects.filter(action="appraisal.finalise").exists()


def test_an_appraiser_who_is_not_chair_is_refused_and_nothing_changes(case: AppraisalCase) -> None:
    to_final(case)
    before = AuditRecord.objects.count()
    client = case.client("appraiser")
    assert client.get(council_url(case)).status_code == 403
    assert client.post(finalise_url(case)).status_code == 403
    case.finalise()  # so that only the permission stands between the appraiser and approval
    before = AuditRecord.objects.count()
    assert client.post(approve_url(case)).status_code == 403
    case.period.refresh_from_db()
    assert case.period.status == Period.Status.FINAL
    assert AuditRecord.objects.count() == before


def test_an_appraiser_cannot_finalise_by_a_forged_post(case: AppraisalCase) -> None:
    before = AuditRecord.objects.count()
    assert case.client("appraiser").post(finalise_url(case)).status_code == 403
    case.review.refresh_from_db()
    assert not case.review.is_final
    assert AuditRecord.objects.count() == before


def test_the_chair_finalises_through_the_view(case: AppraisalCase) -> None:
    case.decide("1.3", "corrected", inputs={"numerator": 1, "denominator": 4}, reason="Chỉ 1/4")
    client = case.client("chair")
    html = client.get(council_url(case)).content.decode()
    # the row's “Finalise…” opens the confirmation, which posts to the finalise view
    assert f'href="#finalise-{case.personas.unit_a.pk}"' in unit_row(html, case.personas.unit_a.pk)
    assert finalise_url(case) in html
    response = client.post(finalise_url(case))
    assert response.status_code == 302
    assert response["Location"] == f"{council_url(case)}#u-{case.personas.unit_a.pk}"
    case.review.refresh_from_db()
    assert case.review.is_final
    assert case.review.finalised_by == case.personas.users["chair"]
    record = AuditRecord.objects.get(action="appraisal.finalise")
    assert record.actor == case.personas.users["chair"]
    page = client.get(council_url(case))
    row = text_of(unit_row(page.content.decode(), case.personas.unit_a.pk))
    assert "Finalised" in row and "by Chủ tịch Hội đồng" in row
    assert finalise_url(case) not in page.content.decode()
    # finalising again is refused with a message, and writes nothing
    again = client.post(finalise_url(case), follow=True)
    assert "already finalised" in again.content.decode()
    assert AuditRecord.objects.filter(action="appraisal.finalise").count() == 1


def test_the_administrator_follows_but_does_not_finalise(case: AppraisalCase) -> None:
    client = case.client("admin")
    response = client.get(council_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert finalise_url(case) not in html
    assert "Ready for the chair" in text_of(unit_row(html, case.personas.unit_a.pk))
    forged = client.post(finalise_url(case), follow=True)
    assert "Only the chair" in forged.content.decode()
    case.review.refresh_from_db()
    assert not case.review.is_final
    assert not AuditRecord.objects.filter(action="appraisal.finalise").exists()


def test_finalising_an_unknown_unit_is_not_found(case: AppraisalCase) -> None:
    client = case.client("chair")
    missing = reverse("appraisal:finalise", args=[case.assessment.pk + 1000])
    assert client.post(missing).status_code == 404
    assert client.get(reverse("appraisal:council", args=[case.period.pk + 1000])).status_code == 404


def test_approval_waits_for_every_unit_then_moves_the_period(case: AppraisalCase) -> None:
    to_final(case)
    client = case.client("chair")
    html = client.get(council_url(case)).content.decode()
    assert approve_url(case) not in html
    refused = client.post(approve_url(case), follow=True)
    assert "Sở Tư pháp" in text_of(refused.content.decode().split('class="messages"')[1][:600])
    case.period.refresh_from_db()
    assert case.period.status == Period.Status.FINAL
    assert not AuditRecord.objects.filter(action="period.status", after__status="approved").exists()

    client.post(finalise_url(case))
    html = client.get(council_url(case)).content.decode()
    assert approve_url(case) in html
    assert "Sở Y tế" in html.split('id="approval"')[1]  # unit B never submitted: listed
    response = client.post(approve_url(case))
    assert response["Location"] == council_url(case)
    case.period.refresh_from_db()
    assert case.period.status == Period.Status.APPROVED
    record = AuditRecord.objects.get(action="period.status", after__status="approved")
    assert (record.actor, record.before) == (case.personas.users["chair"], {"status": "final"})
    assert approve_url(case) not in client.get(council_url(case)).content.decode()


def test_a_reopened_unit_says_so(case: AppraisalCase) -> None:
    Assessment.objects.filter(pk=case.assessment.pk).update(status="draft")
    html = case.client("chair").get(council_url(case)).content.decode()
    row = text_of(unit_row(html, case.personas.unit_a.pk))
    assert "Reopened" in row
    assert finalise_url(case) not in html


def test_the_page_costs_the_same_queries_for_more_units_and_decisions(
    case: AppraisalCase,
) -> None:
    client = case.client("chair")
    client.get(council_url(case))  # warm the framework cache
    with CaptureQueriesContext(connection) as few:
        assert client.get(council_url(case)).status_code == 200
    # more decisions, a question, a round, and a second submitted unit
    with time_machine.travel(TODAY, tick=False):
        case.decide("1.1", "accepted")
        case.decide("1.3", "corrected", inputs={"numerator": 1, "denominator": 4}, reason="x")
        case.ask("1.2", "?")
        case.send(due=datetime.date(2024, 11, 11))
    other = Assessment.objects.create(
        period=case.period,
        unit=case.personas.unit_b,
        group=case.group,
        status=Assessment.Status.SUBMITTED,
    )
    Review.objects.create(assessment=other)
    with CaptureQueriesContext(connection) as many:
        response = client.get(council_url(case))
    assert response.context["summary"]["submitted"] == 2
    assert len(many) == len(few)
