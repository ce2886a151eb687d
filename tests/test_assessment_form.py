"""The unit's assessment page and its JSON saves: who sees it, live scores, errors, conflicts,
read-only after submission, and a query count that does not grow with the framework."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from helpers import AssessmentCase

from dti.assessments import actions
from dti.assessments.models import Answer, Assessment, Evidence
from dti.audit.models import AuditRecord
from dti.frameworks.models import Criterion

pytestmark = pytest.mark.django_db


def _vi(message: str) -> str:
    with translation.override("vi"):
        return translation.gettext(message)


class Case(AssessmentCase):
    """Unit A on the department framework (bacninh-so) in an open 2024 period."""

    def form_url(self) -> str:
        return reverse("assessments:form", args=[self.assessment.pk])

    def answer_url(self, code: str) -> str:
        return reverse(
            "assessments:save_answer", args=[self.assessment.pk, self.criterion(code).pk]
        )

    def general_url(self) -> str:
        return reverse("assessments:save_general", args=[self.assessment.pk])

    def post(self, name: str, url: str, body: dict[str, Any]) -> Any:
        return self.personas.client(name).post(
            url, json.dumps(body), content_type="application/json"
        )


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> Case:
    return Case(personas, builtin_frameworks)


# ---------------------------------------------------------------- who sees the page


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("officer_a", 200),
        ("leader_a", 200),
        ("staff_a", 200),
        ("admin", 200),
        ("officer_b", 404),
        ("appraiser", 404),
        ("anonymous", 302),
    ],
)
def test_who_sees_the_page(case: Case, persona: str, status: int) -> None:
    response = case.personas.client(persona).get(case.form_url())
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("accounts:login"))


def test_open_starts_the_assessment_and_redirects(case: Case, personas: Any) -> None:
    url = reverse("assessments:open", args=[case.period.pk, personas.unit_b.pk])
    assert personas.client("officer_a").get(url).status_code == 404
    assert personas.client("appraiser").get(url).status_code == 404
    response = personas.client("officer_b").get(url)
    assessment = Assessment.objects.get(period=case.period, unit=personas.unit_b)
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:form", args=[assessment.pk])
    # The second visit finds the same assessment.
    assert personas.client("officer_b").get(url)["Location"] == response["Location"]
    assert Assessment.objects.filter(unit=personas.unit_b).count() == 1
    assert personas.client("officer_b").post(url).status_code == 405


def test_the_unit_page_links_to_the_assessment(case: Case, personas: Any) -> None:
    response = personas.client("officer_a").get(reverse("units:home", args=[personas.unit_a.pk]))
    assert (
        reverse("assessments:open", args=[case.period.pk, personas.unit_a.pk])
        in response.content.decode()
    )


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("open", "post"),
        ("form", "post"),
        ("form", "put"),
        ("save_answer", "get"),
        ("save_answer", "put"),
        ("save_general", "get"),
        ("save_general", "delete"),
    ],
)
def test_wrong_methods_get_405(case: Case, name: str, method: str) -> None:
    args = {
        "open": [case.period.pk, case.personas.unit_a.pk],
        "form": [case.assessment.pk],
        "save_answer": [case.assessment.pk, case.criterion("1.1").pk],
        "save_general": [case.assessment.pk],
    }[name]
    response = getattr(case.personas.client("officer_a"), method)(
        reverse(f"assessments:{name}", args=args)
    )
    assert response.status_code == 405


# ---------------------------------------------------------------- what the page shows


def test_page_shows_general_information_then_the_criteria_with_their_inputs(case: Case) -> None:
    case.post(
        "officer_a",
        case.general_url(),
        {"values": {"civil_servants": "30", "public_employees": 5}, "version": 0},
    )
    case.post(
        "officer_a",
        case.answer_url("3.3"),
        {"inputs": {"numerator": "2", "denominator": "13"}, "version": 0},
    )
    html = case.personas.client("officer_a").get(case.form_url()).content.decode()
    assert html.index('id="general"') < html.index('id="criteria"')
    assert 'name="civil_servants" value="30"' in html
    row = html[html.index('id="c-3.3"') : html.index('id="c-3.4"')]
    assert 'data-input="numerator" value="2"' in row
    assert 'data-input="denominator" value="13"' in row
    assert 'data-input="na"' in row  # 3.3 may be not applicable
    assert ">3,08</strong>" in row
    # 4.3 takes its denominator from the general information: shown, not typed.
    row = html[html.index('id="c-4.3"') : html.index('id="c-5"')]
    assert '<output data-fixed="denominator">35</output>' in row
    assert 'data-input="denominator"' not in row
    # The pillar subtotal and the total, with a decimal comma.
    assert 'data-score-for="3">3,08<' in html
    assert '<span id="total-score">3,08</span>' in html
    # A choice lists its options with their points; yes/no has two radios.
    row = html[html.index('id="c-2.2"') : html.index('id="c-2.3"')]
    assert "Ban hành đúng thời gian, đúng biểu mẫu" in row and "<select" in row
    row = html[html.index('id="c-1.1"') : html.index('id="c-1.2"')]
    assert row.count('type="radio"') == 2


def test_what_the_unit_wrote_is_shown_as_text(case: Case) -> None:
    """The rows are drawn by Jinja2: a note that closes the text box stays inside it."""
    hostile = '</textarea><script>alert("x")</script>'
    response = case.post(
        "officer_a",
        case.answer_url("1.1"),
        {"inputs": {"yes": True}, "note": hostile, "version": 0},
    )
    assert response.status_code == 200
    html = case.personas.client("officer_a").get(case.form_url()).content.decode()
    assert "<script>alert" not in html
    row = html[html.index('id="c-1.1"') : html.index('id="c-1.2"')]
    assert "&lt;/textarea&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</textarea>" in row
    assert 'name="yes-' in row and 'value="1" data-input="yes" checked' in row


def test_page_counts_progress_evidence_and_assignments(case: Case) -> None:
    actor, access = case.who("officer_a")
    case.post("officer_a", case.answer_url("1.1"), {"inputs": {"yes": True}, "version": 0})
    actions.add_evidence(
        actor,
        access,
        case.assessment,
        Evidence(kind=Evidence.Kind.LINK, url="https://stp.bacninh.gov.vn/cds"),
        [case.criterion("1.1"), case.criterion("1.2")],
    )
    case.assign(["1.1", "1.3"])
    response = case.personas.client("staff_a").get(case.form_url())
    progress = response.context["progress"]
    assert progress == {"answered": 1, "leaves": 45, "without_evidence": 43, "mine": 2}
    html = response.content.decode()
    row = html[html.index('id="c-1.1"') : html.index('id="c-1.2"')]
    assert 'data-evidence="1"' in row and 'data-mine="1"' in row and "Văn phòng" in row
    assert " disabled" not in row  # assigned: editable
    row = html[html.index('id="c-1.2"') : html.index('id="c-1.3"')]
    assert 'data-mine="0"' in row and " disabled" in row
    assert response.context["editing"].general is False
    assert (
        'name="civil_servants" value="" inputmode="numeric" data-general="civil_servants" disabled'
        in html
    )
    # The data officer has everything assigned to them.
    assert case.personas.client("officer_a").get(case.form_url()).context["progress"]["mine"] == 45


def test_submitted_assessment_is_read_only_with_the_reason(case: Case) -> None:
    leader, access = case.who("leader_a")
    actions.submit_assessment(leader, access, case.assessment)
    response = case.personas.client("officer_a").get(case.form_url())
    html = response.content.decode()
    assert "readonly-banner" in html
    assert response.context["editing"].reason in html
    assert 'data-editable="1"' not in html
    assert (
        "Save the general information" not in html
        and _vi("Save the general information") not in html
    )


# ---------------------------------------------------------------- saving an answer


def test_saving_figures_returns_the_scores(case: Case) -> None:
    response = case.post(
        "officer_a",
        case.answer_url("3.3"),
        {"inputs": {"numerator": "2", "denominator": "13"}, "note": " 2/13 HTTT ", "version": 0},
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["score"], data["display"], data["status"], data["version"]) == (
        "3.08",
        "3,08",
        "scored",
        1,
    )
    assert data["pillar"] == {"code": "3", "score": "3.08", "display": "3,08"}
    assert (data["total"], data["total_display"], data["max"]) == ("3.08", "3,08", "1000.00")
    answer = Answer.objects.get(criterion__code="3.3", assessment=case.assessment)
    assert (answer.inputs, answer.note, answer.score) == (
        {"numerator": 2, "denominator": 13},
        "2/13 HTTT",
        Decimal("3.08"),
    )
    # The next save builds on version 1; the total adds up the rounded leaves.
    data = case.post(
        "officer_a", case.answer_url("3.1"), {"inputs": {"yes": True}, "version": 0}
    ).json()
    assert (data["pillar"]["score"], data["total"]) == ("33.08", "33.08")


def test_figures_typed_the_vietnamese_way_are_read_as_numbers(case: Case) -> None:
    data = case.post(
        "officer_a",
        case.answer_url("3.3"),
        {"inputs": {"numerator": "1.250", "denominator": "2.500"}, "version": 0},
    ).json()
    assert data["score"] == "10.00"
    assert Answer.objects.get(criterion__code="3.3").inputs == {
        "numerator": 1250,
        "denominator": 2500,
    }
    data = case.post(
        "officer_a",
        case.answer_url("3.3"),
        {"inputs": {"numerator": "0,5", "denominator": "2"}, "version": 1},
    ).json()
    assert data["score"] == "5.00"


def test_numerator_above_denominator_is_refused_on_its_field(case: Case) -> None:
    response = case.post(
        "officer_a",
        case.answer_url("3.3"),
        {"inputs": {"numerator": "14", "denominator": "13"}, "version": 0},
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "numerator"
    with translation.override("vi"):
        expected = translation.gettext(
            "the numerator %(numerator)s is above the denominator %(denominator)s"
        ) % {
            "numerator": "14",
            "denominator": "13",
        }
    assert error["message"] == expected
    assert not Answer.objects.filter(inputs__has_key="numerator").exists()


def test_a_word_for_a_number_is_refused_on_its_field(case: Case) -> None:
    response = case.post(
        "officer_a", case.answer_url("5.1"), {"inputs": {"count": "mười"}, "version": 0}
    )
    assert response.status_code == 400
    # named as the page shows the field (Vietnamese by default), not by its key
    assert response.json()["errors"] == [
        {"field": "count", "message": "“Số lượng” phải là số, không phải “mười”"}
    ]
    response = case.post(
        "officer_a", case.answer_url("5.1"), {"inputs": {"count": "1,5"}, "version": 0}
    )
    assert response.json()["errors"] == [
        {"field": "count", "message": "“Số lượng” phải là số nguyên"}
    ]
    client = case.personas.client("officer_a")
    response = client.post(case.answer_url("3.3"), b"not json", content_type="application/json")
    assert response.status_code == 400


def test_staff_cannot_save_an_unassigned_criterion(case: Case) -> None:
    case.assign(["1.1"])
    assert (
        case.post(
            "staff_a", case.answer_url("1.1"), {"inputs": {"yes": True}, "version": 0}
        ).status_code
        == 200
    )
    response = case.post("staff_a", case.answer_url("1.2"), {"inputs": {"yes": True}, "version": 0})
    assert response.status_code == 403
    assert response.json()["error"]
    assert not Answer.objects.filter(criterion__code="1.2", inputs__has_key="yes").exists()


def test_outsiders_and_readers_cannot_save(case: Case) -> None:
    body = {"inputs": {"yes": True}, "version": 0}
    assert case.post("officer_b", case.answer_url("1.1"), body).status_code == 404
    assert case.post("appraiser", case.answer_url("1.1"), body).status_code == 404
    assert case.post("anonymous", case.answer_url("1.1"), body).status_code == 302
    assert case.post("admin", case.answer_url("1.1"), body).status_code == 403
    # A criterion of another framework is not part of this assessment.
    other = Criterion.objects.exclude(framework=case.framework).filter(rule_type="yesno").first()
    url = reverse("assessments:save_answer", args=[case.assessment.pk, other.pk])
    assert case.post("officer_a", url, body).status_code == 404
    assert not Answer.objects.exists()


def test_a_forged_post_after_submission_is_refused(case: Case) -> None:
    case.post("officer_a", case.answer_url("1.1"), {"inputs": {"yes": True}, "version": 0})
    leader, access = case.who("leader_a")
    actions.submit_assessment(leader, access, case.assessment)
    response = case.post(
        "officer_a", case.answer_url("1.1"), {"inputs": {"yes": False}, "version": 1}
    )
    assert response.status_code == 403
    assert Answer.objects.get(criterion__code="1.1").inputs == {"yes": True}
    response = case.post(
        "leader_a", case.general_url(), {"values": {"civil_servants": "3"}, "version": 0}
    )
    assert response.status_code == 403
    case.assessment.refresh_from_db()
    assert case.assessment.general_info == {}


def test_the_second_of_two_saves_gets_409_with_the_other_version(case: Case) -> None:
    first = case.post(
        "officer_a",
        case.answer_url("3.3"),
        {"inputs": {"numerator": "2", "denominator": "13"}, "note": "HTTT", "version": 0},
    )
    assert first.status_code == 200
    response = case.post(
        "leader_a",
        case.answer_url("3.3"),
        {"inputs": {"numerator": "5", "denominator": "13"}, "version": 0},
    )
    assert response.status_code == 409
    data = response.json()
    current = data["current"]
    assert (current["inputs"], current["note"], current["version"]) == (
        {"numerator": 2, "denominator": 13},
        "HTTT",
        1,
    )
    assert current["updated_by"] == "Officer_A"
    assert current["updated_at"]
    assert "13" in current["summary"] and "HTTT" in current["summary"]
    assert data["score"] == "3.08"  # their score, to show next to theirs
    assert Answer.objects.get(criterion__code="3.3").inputs == {"numerator": 2, "denominator": 13}
    # Having seen it, the leader overwrites on top of version 1.
    response = case.post(
        "leader_a",
        case.answer_url("3.3"),
        {"inputs": {"numerator": "5", "denominator": "13"}, "version": 1},
    )
    assert (response.status_code, response.json()["version"]) == (200, 2)


def test_not_applicable_and_the_other_rules(case: Case) -> None:
    data = case.post(
        "officer_a", case.answer_url("3.2"), {"inputs": {"na": True}, "version": 0}
    ).json()
    assert (data["status"], data["score"], data["display"]) == ("na", None, "—")
    data = case.post(
        "officer_a", case.answer_url("2.2"), {"inputs": {"choice": "chua-dung"}, "version": 0}
    ).json()
    assert data["score"] == "10.00"
    response = case.post(
        "officer_a", case.answer_url("1.1"), {"inputs": {"na": True}, "version": 0}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "na"


# ---------------------------------------------------------------- general information


def test_saving_general_information_rescores_the_denominators(case: Case) -> None:
    case.post("officer_a", case.answer_url("4.3"), {"inputs": {"numerator": "10"}, "version": 0})
    response = case.post(
        "officer_a",
        case.general_url(),
        {"values": {"civil_servants": "30", "public_employees": "10"}, "version": 0},
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["version"], data["errors"]) == (1, {})
    assert data["nodes"]["4.3"] == {"score": "5.00", "display": "5", "status": "scored"}
    assert data["fixed"]["4.3"] == {"denominator": "40"}
    assert data["total"] == "5.00"
    assert data["values"]["civil_servants"] == "30"


def test_a_bad_integer_is_refused_and_nothing_is_saved(case: Case) -> None:
    response = case.post(
        "officer_a",
        case.general_url(),
        {
            "values": {
                "civil_servants": "ba mươi",
                "public_employees": "10",
                "address": "Số 1 Lý Thái Tổ",
            },
            "version": 0,
        },
    )
    assert response.status_code == 400
    data = response.json()
    assert set(data["errors"]) == {"civil_servants"}
    assert data["version"] == 0
    case.assessment.refresh_from_db()
    assert (case.assessment.general_info, case.assessment.general_version) == ({}, 0)
    assert not AuditRecord.objects.filter(action="assessment.general_info").exists()


def test_general_information_conflicts_and_refusals(case: Case) -> None:
    assert (
        case.post(
            "officer_a", case.general_url(), {"values": {"sub_units": "4"}, "version": 0}
        ).status_code
        == 200
    )
    response = case.post(
        "leader_a", case.general_url(), {"values": {"sub_units": "5"}, "version": 0}
    )
    assert response.status_code == 409
    assert response.json()["current"] == {"values": {"sub_units": 4}, "version": 1}
    assert (
        case.post(
            "staff_a", case.general_url(), {"values": {"sub_units": "5"}, "version": 1}
        ).status_code
        == 403
    )
    assert (
        case.post(
            "officer_b", case.general_url(), {"values": {"sub_units": "5"}, "version": 1}
        ).status_code
        == 404
    )


def test_general_information_from_a_plain_form(case: Case) -> None:
    client = case.personas.client("officer_a")
    response = client.post(case.general_url(), {"civil_servants": "1.250", "version": "0"})
    assert response.status_code == 302
    case.assessment.refresh_from_db()
    assert case.assessment.general_info == {"civil_servants": 1250}


# ---------------------------------------------------------------- queries


def _fill(case: Case, codes: list[str]) -> None:
    actor, access = case.who("officer_a")
    for code in codes:
        criterion = case.criterion(code)
        inputs: dict[str, Any] = {"yes": True} if criterion.rule_type == "yesno" else {}
        if inputs:
            actions.save_answer(actor, access, case.assessment, criterion, inputs, "ghi chú", 0)
    criteria = [case.criterion(code) for code in codes]
    actions.add_evidence(
        actor,
        access,
        case.assessment,
        Evidence(kind=Evidence.Kind.LINK, url="https://example.gov.vn/a"),
        criteria,
    )
    actions.assign_criteria(
        actor,
        access,
        case.assessment,
        criteria,
        case.personas.department_a,
        [case.personas.department_a],
    )


def _count_queries(client: Any, url: str) -> int:
    client.get(url)  # the scoring framework is cached per version after the first page
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("persona", ["officer_a", "staff_a"])
def test_queries_do_not_grow_with_the_criteria(
    personas: Any, builtin_frameworks: dict[str, Any], persona: str
) -> None:
    small = Case(personas, builtin_frameworks, "bacninh-so", 2024)
    large = Case(personas, builtin_frameworks, "bacninh-huyen", 2025)
    _fill(small, ["1.1", "1.2", "3.3"])
    _fill(large, ["1.1", "1.2", "2.1", "3.1", "3.3", "4.4", "5.1", "6.1", "7.1", "8.1"])
    assert Criterion.objects.filter(framework=large.framework).exclude(rule_type="").count() == 76
    client = personas.client(persona)
    counts = [_count_queries(client, small.form_url()), _count_queries(client, large.form_url())]
    assert counts[0] == counts[1]
    # Session and person (4; no save of the session within minutes), the assessment, criteria, answers,
    # assignments and their coordinating departments, evidence counts, a reopening; department
    # staff also read their assignments.
    assert counts[0] == {"officer_a": 11, "staff_a": 13}[persona]
