"""The appraisal through the API: the council's list and one unit's appraisal, decisions,
questions, rounds and finalisation; the unit's questions, answers and results. Every write goes
through the same actions as the web pages and leaves the same audit record, marked as coming
from the API; outsiders get 404, people who may look but not act 403, and nothing of the
council's work reaches the unit before the chair finalises."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from helpers import AppraisalCase, AssessmentCase, api_client

from dti.appraisal import actions as appraisal_actions
from dti.appraisal.models import Decision, Message, Review, Round
from dti.assessments import actions as assessment_actions
from dti.assessments.models import Assessment, Evidence
from dti.audit.models import AuditRecord
from dti.frameworks.models import Criterion
from dti.periods import actions as period_actions

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2024, 11, 4, 9, 0, tzinfo=datetime.UTC)
DUE = datetime.date(2024, 11, 11)
AFTER_DUE = datetime.datetime(2024, 11, 11, 17, 0, tzinfo=datetime.UTC)  # midnight in Hà Nội
API = "/api/v1/appraisal"

# Distinctive strings: if the unit's answers contain them, the council's work leaked.
REASON = "LÝ-DO-HỘI-ĐỒNG-ZQX: thiếu quyết định ban hành"
FLAG = "CẢNH-BÁO-TỰ-ĐỘNG-WQY"
DRAFT = "CÂU-HỎI-NHÁP-KVB"
QUESTION = "Đề nghị giải trình vì sao 4/4 hồ sơ đạt"


@pytest.fixture(autouse=True)
def today() -> Iterator[None]:
    """A fixed day in the appraisal (time frozen), and a fresh count of requests per token."""
    cache.clear()
    with time_machine.travel(TODAY, tick=False):
        yield
    cache.clear()


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    return AppraisalCase(personas, builtin_frameworks)


@pytest.fixture
def two_units(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    """Unit A as in ``case``, and unit B (1.1 and 2.1 yes: 40 points) submitted too."""

    def unit_b(case: AppraisalCase) -> None:
        case.assessment_b = case.submit_unit_b({"1.1": {"yes": True}, "2.1": {"yes": True}})  # type: ignore[attr-defined]

    return AppraisalCase(personas, builtin_frameworks, before_appraisal=unit_b)


def client(case: AssessmentCase, name: str, language: str = "en") -> Any:
    return api_client(case.personas.users[name], language)


def review_url(case: AssessmentCase, suffix: str = "") -> str:
    return f"{API}/reviews/{case.assessment.pk}{suffix}"


def unit_url(case: AssessmentCase, suffix: str) -> str:
    return f"{API}/units/{case.assessment.pk}{suffix}"


def post(api: Any, url: str, data: Any = None) -> Any:
    return api.post(url, data if data is not None else {}, content_type="application/json")


def decide(api: Any, case: AssessmentCase, code: str, **data: Any) -> Any:
    return post(api, review_url(case, f"/criteria/{code}/decision"), data)


def ask(api: Any, case: AssessmentCase, code: str, text: str, asks: str = "explanation") -> Any:
    return post(api, review_url(case, f"/criteria/{code}/questions"), {"asks": asks, "text": text})


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()["error"]
    assert body["code"] == code
    return body


def criterion_of(body: dict[str, Any], code: str) -> dict[str, Any]:
    return next(c for c in body["criteria"] if c["code"] == code)


def audited(action: str) -> AuditRecord:
    record = AuditRecord.objects.get(action=action)
    assert "API" in record.source
    return record


def send_round(case: AppraisalCase) -> Round:
    """The council asks about 1.3 and sends the round, to answer by 11/11/2024."""
    case.ask("1.3", QUESTION)
    return case.send(due=DUE)


# ------------------------------------------------------------------ the council's list


def test_an_appraiser_lists_the_units_assigned_with_their_totals(two_units: AppraisalCase) -> None:
    case = two_units
    case.decide("1.3", "corrected", inputs={"numerator": 1, "denominator": 4}, reason="1/4")
    case.ask("1.1", "Văn bản nào?")
    response = client(case, "appraiser").get(f"{API}/reviews")
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["pages"], body["next"]) == (1, 1, None)
    assert body["results"] == [
        {
            "assessment_id": case.assessment.pk,
            "period_id": case.period.pk,
            "unit_id": case.personas.unit_a.pk,
            "unit": "Sở Tư pháp",
            "group": 1,
            "self_total": "30.00",
            "appraised_total": "22.50",
            "final": False,
            "state": "working",
            "status": "Submitted, being appraised",
            "open_questions": 1,
            "flags": len(case.review.flags),
        }
    ]


def test_the_chair_and_the_administrator_list_every_submitted_unit(
    two_units: AppraisalCase,
) -> None:
    case = two_units
    for name in ("chair", "admin"):
        body = client(case, name).get(f"{API}/reviews").json()
        assert [(r["unit"], r["self_total"], r["appraised_total"]) for r in body["results"]] == [
            ("Sở Tư pháp", "30.00", "30.00"),
            ("Sở Y tế", "40.00", "40.00"),
        ]
    page = client(case, "chair").get(f"{API}/reviews?page_size=1&page=2").json()
    assert (page["count"], page["pages"], page["results"][0]["unit"]) == (2, 2, "Sở Y tế")
    assert page["previous"].endswith("page_size=1&page=1")


def test_the_list_keeps_one_period_and_shows_final_units(two_units: AppraisalCase) -> None:
    case = two_units
    case.finalise()
    api = client(case, "chair")
    body = api.get(f"{API}/reviews?period={case.period.pk}").json()
    first = body["results"][0]
    assert (first["final"], first["state"], first["status"]) == (True, "final", "Finalised")
    assert (first["self_total"], first["appraised_total"]) == ("30.00", "30.00")
    assert api.get(f"{API}/reviews?period={case.period.pk + 1}").json()["count"] == 0
    error(api.get(f"{API}/reviews?period=abc"), 400, "invalid")


@pytest.mark.parametrize("name", ["officer_a", "leader_a", "staff_a", "officer_b"])
def test_people_off_the_council_may_not_use_its_list(case: AppraisalCase, name: str) -> None:
    body = error(client(case, name).get(f"{API}/reviews"), 403, "forbidden")
    assert body["message"] == "You may not do this."


def test_the_list_in_vietnamese(case: AppraisalCase) -> None:
    error(client(case, "officer_a", "vi").get(f"{API}/reviews"), 403, "forbidden")
    assert client(case, "appraiser", "vi").get(f"{API}/reviews").json()["count"] == 1


def test_the_list_queries_do_not_grow_with_the_units(two_units: AppraisalCase) -> None:
    case = two_units
    case.decide("1.1", "accepted")
    case.ask("1.3", "?")
    api = client(case, "chair")
    counts = []
    for size in (1, 2):
        url = f"{API}/reviews?page_size={size}"
        api.get(url)
        with CaptureQueriesContext(connection) as captured:
            body = api.get(url).json()
        assert len(body["results"]) == size
        counts.append(len(captured))
    # The token, the roles; the count and the page; answers, decisions, rounds, open questions.
    assert counts == [8, 8]


# ------------------------------------------------------------------ one unit's appraisal


def test_the_appraisal_of_a_unit(case: AppraisalCase) -> None:
    case.decide("1.3", "corrected", inputs={"numerator": 1, "denominator": 4}, reason="Chỉ 1/4")
    draft = case.ask("1.1", "Văn bản nào?", asks="evidence")
    response = client(case, "appraiser").get(review_url(case))
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("unit", "group", "final", "self_total", "appraised_total")} == {
        "unit": "Sở Tư pháp",
        "group": 1,
        "final": False,
        "self_total": "30.00",
        "appraised_total": "22.50",
    }
    assert (body["points_moved"], body["decided"], body["corrected"]) == ("-7.50", 1, 1)
    assert (body["open_questions"], body["may_decide"], body["reason"]) == (1, True, "")
    assert body["rounds"] == [] and body["pillars"] == []
    assert {"check": "full_marks_no_evidence", "severity": "warning", "criterion": "1.1",
            "message": "20 of 20 points are claimed with no evidence."} in body["flags"]  # fmt: skip
    assert len(body["flags"]) == len(case.review.flags)
    leaves = Criterion.objects.filter(framework=case.framework).exclude(rule_type__in=["", "info"])
    assert len(body["criteria"]) == leaves.count()
    line = criterion_of(body, "1.3")
    decision = line.pop("decision")
    assert line == {
        "code": "1.3",
        "title": "Lãnh đạo đơn vị tham gia đầy đủ các cuộc họp về CĐS của tỉnh",
        "max": "10.00",
        "inputs": {"numerator": 4, "denominator": 4},
        "note": "4/4 hồ sơ",
        "self_score": "10.00",
        "appraised_score": "2.50",
        "may_decide": True,
        "may_ask": True,
        "thread": [],
    }
    assert decision == {
        "kind": "corrected",
        "inputs": {"numerator": 1, "denominator": 4},
        "score": "2.50",
        "reason": "Chỉ 1/4",
        "decided_by": "Appraiser",
        "decided_at": "2024-11-04T09:00:00Z",
    }
    assert criterion_of(body, "1.1")["thread"] == [
        {
            "id": draft.pk,
            "kind": "question",
            "asks": "evidence",
            "text": "Văn bản nào?",
            "round": None,
            "author": "Appraiser",
            "created_at": "2024-11-04T09:00:00Z",
            "evidence_ids": [],
            "resolved_at": None,
        }
    ]
    assert criterion_of(body, "1.2")["decision"] is None


def test_the_rounds_and_their_threads(case: AppraisalCase) -> None:
    send_round(case)
    case.answer("1.3", "Đã bổ sung báo cáo")
    body = client(case, "appraiser").get(review_url(case)).json()
    assert body["rounds"] == [
        {
            "number": 1,
            "due": "2024-11-11",
            "sent_at": "2024-11-04T09:00:00Z",
            "state": "open",
            "answered": False,
            "answered_at": None,
            "questions": 1,
            "answers": 1,
        }
    ]
    thread = criterion_of(body, "1.3")["thread"]
    assert [(m["kind"], m["round"], m["text"]) for m in thread] == [
        ("question", 1, QUESTION),
        ("answer", 1, "Đã bổ sung báo cáo"),
    ]
    assert thread[1]["author"] == "Officer_A"
    assert criterion_of(body, "1.3")["may_decide"] is True


def test_the_administrator_reads_and_may_decide_nothing(case: AppraisalCase) -> None:
    body = client(case, "admin").get(review_url(case)).json()
    assert body["may_decide"] is False
    assert body["reason"] == "The administrator follows the appraisal; the council decides."
    assert not any(c["may_decide"] or c["may_ask"] for c in body["criteria"])


def test_a_sectoral_appraiser_sees_which_criteria_are_theirs(case: AppraisalCase) -> None:
    case.assign(pillars=["2"])
    body = client(case, "appraiser").get(review_url(case)).json()
    assert body["pillars"] == ["2"]
    assert criterion_of(body, "1.1")["may_decide"] is False
    assert criterion_of(body, "2.1")["may_decide"] is True


def test_an_unknown_or_malformed_unit_is_404_or_400(case: AppraisalCase) -> None:
    api = client(case, "chair")
    error(api.get(f"{API}/reviews/987654"), 404, "not_found")
    error(api.get(f"{API}/reviews/abc"), 400, "invalid")


def _large(personas: Any, frameworks: dict[str, Any]) -> AssessmentCase:
    """Unit A's assessment on the district framework (76 scored criteria), submitted and under
    appraisal by the appraiser, with a decision and a draft question."""
    large = AssessmentCase(personas, frameworks, "bacninh-huyen", 2025)
    large.save("officer_a", "1.1", {"yes": True})
    actor, access = large.who("leader_a")
    assessment_actions.submit_assessment(actor, access, large.assessment)
    period_actions.move_period(large.admin, large.period, "appraisal")
    appraisal_actions.assign_appraiser(
        large.admin, large.period, personas.users["appraiser"], personas.unit_a
    )
    return large


def test_the_appraisal_queries_do_not_grow_with_the_criteria(
    case: AppraisalCase, personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    large = _large(personas, builtin_frameworks)
    api = client(case, "appraiser")
    for target in (case, large):
        assert decide(api, target, "1.1", kind="accept").status_code == 200
        assert ask(api, target, "1.2", "?").status_code == 201
    counts = []
    for target, leaves in ((case, 45), (large, 76)):
        api.get(review_url(target))  # the scoring framework is cached per version
        with CaptureQueriesContext(connection) as captured:
            body = api.get(review_url(target)).json()
        assert len(body["criteria"]) == leaves
        counts.append(len(captured))
    # The token, the roles; the assessment, its review, the assignments; criteria, answers,
    # decisions, rounds, messages and their evidence.
    assert counts == [11, 11]


# ------------------------------------------------------------------ decisions


def test_accepting_keeps_the_score_and_is_audited_as_from_the_api(case: AppraisalCase) -> None:
    response = decide(client(case, "appraiser"), case, "1.1", kind="accept")
    assert response.status_code == 200
    body = response.json()
    assert (body["self_total"], body["appraised_total"]) == ("30.00", "30.00")
    assert body["criterion"]["decision"]["kind"] == "accepted"
    assert body["criterion"]["appraised_score"] == "20.00"
    record = audited("appraisal.decide")
    assert (record.after["kind"], record.after["criterion"]) == ("accepted", "1.1")
    assert record.actor == case.personas.users["appraiser"]


def test_correcting_the_figures_rescores_from_them(case: AppraisalCase) -> None:
    response = decide(
        client(case, "appraiser"),
        case,
        "1.3",
        kind="correct",
        inputs={"numerator": "1", "denominator": 4},
        reason="Chỉ 1/4 đạt",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["appraised_total"] == "22.50"  # 30 − 10 + 2.5
    assert body["criterion"]["appraised_score"] == "2.50"
    assert body["criterion"]["decision"]["inputs"] == {"numerator": 1, "denominator": 4}
    # stored exactly as the web form stores them
    assert Decision.objects.get().inputs == {"numerator": 1, "denominator": 4}
    record = audited("appraisal.decide")
    assert (record.after["score"], record.reason) == ("2.50", "Chỉ 1/4 đạt")


@pytest.mark.parametrize("figures", [{"yes": False}, {"yes": 0}, {"yes": "0"}])
def test_correcting_a_yes_to_a_no(case: AppraisalCase, figures: dict[str, Any]) -> None:
    response = decide(
        client(case, "appraiser"), case, "1.1", kind="correct", inputs=figures, reason="Không có"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["criterion"]["appraised_score"], body["appraised_total"]) == ("0.00", "10.00")
    assert Decision.objects.get().inputs == {"yes": False}


@pytest.mark.parametrize(
    ("score", "stored", "total"),
    [
        ("7,5", "7.50", "17.50"),
        (7.5, "7.50", "17.50"),
        ("0", "0.00", "10.00"),
        (20, "20.00", "30.00"),
    ],
)
def test_setting_the_score_moves_the_total_by_the_difference(
    case: AppraisalCase, score: Any, stored: str, total: str
) -> None:
    response = decide(
        client(case, "appraiser"), case, "1.1", kind="set", score=score, reason="Thiếu văn bản"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["criterion"]["appraised_score"], body["appraised_total"]) == (stored, total)
    assert body["criterion"]["decision"]["reason"] == "Thiếu văn bản"
    assert audited("appraisal.decide").after["score"] == stored


@pytest.mark.parametrize("kind", ["correct", "set"])
def test_a_correction_without_a_reason_is_400_on_the_reason(case: AppraisalCase, kind: str) -> None:
    extra = {"inputs": {"numerator": 1, "denominator": 4}} if kind == "correct" else {"score": 5}
    body = error(
        decide(client(case, "appraiser"), case, "1.3", kind=kind, reason="  ", **extra),
        400,
        "invalid",
    )
    text = "Give the reason for the correction: the unit will read it."
    assert body["message"] == text
    assert body["fields"] == [{"field": "body.reason", "message": text}]
    assert not Decision.objects.exists()
    assert not AuditRecord.objects.filter(action="appraisal.decide").exists()


@pytest.mark.parametrize(
    ("score", "message"),
    [
        (None, "This field is required."),
        ("abc", "Enter the score as a number, such as 7,5."),
        ("21", "The score must be between 0 and 20."),
        (-1, "The score must be between 0 and 20."),
        ("7.125", "A score has at most 2 decimals."),
    ],
)
def test_a_score_that_is_not_valid_is_400_on_the_score(
    case: AppraisalCase, score: Any, message: str
) -> None:
    body = error(
        decide(client(case, "appraiser"), case, "1.1", kind="set", score=score, reason="x"),
        400,
        "invalid",
    )
    assert body["fields"] == [{"field": "body.score", "message": message}]
    assert not Decision.objects.exists()


def test_corrected_figures_that_are_not_valid_are_400_on_the_figure(case: AppraisalCase) -> None:
    api = client(case, "appraiser")
    body = error(
        decide(
            api, case, "1.3", kind="correct", inputs={"numerator": 5, "denominator": 4}, reason="x"
        ),
        400,
        "invalid",
    )
    assert body["fields"] == [
        {"field": "body.inputs.numerator", "message": "the numerator 5 is above the denominator 4"}
    ]
    body = error(
        decide(api, case, "1.3", kind="correct", inputs={"yes": True}, reason="x"), 400, "invalid"
    )
    assert body["fields"] == [
        {"field": "body.inputs.yes", "message": "This field is not expected."}
    ]
    body = error(decide(api, case, "1.3", kind="maybe"), 400, "invalid")
    assert body["fields"][0]["message"] == "Choose one of: 'accept', 'correct' or 'set'."
    assert not Decision.objects.exists()


def test_a_decision_refused_in_vietnamese(case: AppraisalCase) -> None:
    body = error(
        decide(client(case, "appraiser", "vi"), case, "1.1", kind="set", score="5"),
        400,
        "invalid",
    )
    assert body["fields"][0]["field"] == "body.reason"


def test_an_unknown_criterion_is_404_a_pillar_refused(case: AppraisalCase) -> None:
    api = client(case, "appraiser")
    error(decide(api, case, "9.9", kind="accept"), 404, "not_found")
    error(decide(api, case, "1", kind="accept"), 409, "refused")  # a pillar carries no points
    assert not Decision.objects.exists()


def test_the_administrator_and_other_pillars_may_look_but_not_decide(case: AppraisalCase) -> None:
    body = error(decide(client(case, "admin"), case, "1.1", kind="accept"), 403, "forbidden")
    assert body["message"] == "The administrator follows the appraisal; the council decides."
    case.assign(pillars=["2"])
    api = client(case, "appraiser")
    body = error(decide(api, case, "1.1", kind="accept"), 403, "forbidden")
    assert body["message"] == "You appraise pillars 2 of this unit, not criterion 1.1."
    error(ask(api, case, "1.2", "?"), 403, "forbidden")
    assert not Decision.objects.exists() and not Message.objects.exists()
    assert decide(api, case, "2.1", kind="accept").status_code == 200


def test_deciding_while_the_unit_can_answer_or_after_finalising_is_refused(
    case: AppraisalCase,
) -> None:
    send_round(case)
    api = client(case, "appraiser")
    body = error(decide(api, case, "1.3", kind="accept"), 409, "refused")
    assert body["message"] == (
        "The unit can still answer on this criterion; decide after its answers are in."
    )
    case.send_answers()
    assert decide(api, case, "1.3", kind="accept").status_code == 200
    case.finalise()
    body = error(decide(api, case, "1.1", kind="accept"), 409, "refused")
    assert body["message"] == "The appraisal of this unit is finalised."


# ------------------------------------------------------------------ questions and rounds


def test_asking_writes_a_draft_question(case: AppraisalCase) -> None:
    response = ask(client(case, "appraiser"), case, "1.3", QUESTION, asks="evidence")
    assert response.status_code == 201
    message = Message.objects.get()
    assert response.json() == {
        "id": message.pk,
        "kind": "question",
        "asks": "evidence",
        "text": QUESTION,
        "round": None,
        "author": "Appraiser",
        "created_at": "2024-11-04T09:00:00Z",
        "evidence_ids": [],
        "resolved_at": None,
    }
    assert message.round is None and message.criterion.code == "1.3"
    assert audited("appraisal.ask").after == {
        "criterion": "1.3",
        "asks": "evidence",
        "text": QUESTION,
    }


def test_an_empty_question_or_one_out_of_the_rounds_is_refused(case: AppraisalCase) -> None:
    api = client(case, "appraiser")
    body = error(ask(api, case, "1.3", "   "), 400, "invalid")
    assert body["fields"] == [{"field": "body.text", "message": "Write the question for the unit."}]
    body = error(ask(api, case, "1.3", "?", asks="opinion"), 400, "invalid")
    assert body["fields"][0]["field"].endswith("asks")
    period_actions.move_period(case.admin, case.period, "explanation")
    period_actions.move_period(case.admin, case.period, "final")
    body = error(ask(api, case, "1.3", "?"), 409, "refused")
    assert body["message"] == "Questions can be sent to units only during appraisal rounds 1 and 2."
    assert not Message.objects.exists()


def test_sending_a_round(case: AppraisalCase) -> None:
    api = client(case, "appraiser")
    url = review_url(case, "/rounds")
    body = error(post(api, url, {"due": "2024-11-11"}), 409, "refused")
    assert body["message"] == "There is no question to send: ask about a criterion first."
    ask(api, case, "1.3", QUESTION)
    body = error(post(api, url, {"due": "2024-11-03"}), 400, "invalid")
    assert body["fields"] == [
        {"field": "body.due", "message": "The answer date must be today or later."}
    ]
    error(post(api, url, {"due": "11/11/2024"}), 400, "invalid")
    response = post(api, url, {"due": "2024-11-11"})
    assert response.status_code == 201
    assert response.json() == {
        "number": 1,
        "due": "2024-11-11",
        "sent_at": "2024-11-04T09:00:00Z",
        "state": "open",
        "answered": False,
        "answered_at": None,
        "questions": 1,
        "answers": 0,
    }
    assert Message.objects.get().round == Round.objects.get()
    assert audited("appraisal.send_round").after == {
        "round": 1,
        "due": "2024-11-11",
        "criteria": ["1.3"],
    }
    ask(api, case, "1.1", "Văn bản nào?")
    body = error(post(api, url, {"due": "2024-11-20"}), 409, "refused")
    assert "previous round" in body["message"]


# ------------------------------------------------------------------ finalisation


def test_the_chair_finalises(case: AppraisalCase) -> None:
    case.decide("1.3", "corrected", inputs={"numerator": 1, "denominator": 4}, reason="1/4")
    response = post(client(case, "chair"), review_url(case, "/finalise"))
    assert response.status_code == 200
    assert response.json() == {
        "assessment_id": case.assessment.pk,
        "final": True,
        "self_total": "30.00",
        "appraised_total": "22.50",
        "finalised_at": "2024-11-04T09:00:00Z",
        "finalised_by": "Chủ tịch Hội đồng",
    }
    assert Review.objects.get().is_final
    assert audited("appraisal.finalise").after["appraised_total"] == "22.50"
    body = error(post(client(case, "chair"), review_url(case, "/finalise")), 409, "refused")
    assert body["message"] == "The appraisal of this unit is already finalised."


@pytest.mark.parametrize("name", ["appraiser", "admin", "officer_a", "leader_a"])
def test_only_the_chair_finalises(case: AppraisalCase, name: str) -> None:
    body = error(post(client(case, name), review_url(case, "/finalise")), 403, "forbidden")
    assert body["message"] == "Only the chair of the council finalises the appraisal."
    assert not Review.objects.get().is_final
    assert not AuditRecord.objects.filter(action="appraisal.finalise").exists()


def test_finalising_with_open_questions_is_refused(case: AppraisalCase) -> None:
    case.ask("1.3", "?")
    api = client(case, "chair", "vi")
    error(post(api, review_url(case, "/finalise")), 409, "refused")
    error(post(api, f"{API}/reviews/987654/finalise"), 404, "not_found")
    assert not Review.objects.get().is_final


# ------------------------------------------------------------------ outsiders


def test_an_appraiser_not_assigned_gets_404_everywhere_and_nothing_is_written(
    case: AppraisalCase,
) -> None:
    draft = case.ask("1.3", "Vì sao 4/4?", who="chair")
    case.unassign()
    # assigned elsewhere: still an appraiser, just not of unit A
    appraisal_actions.assign_appraiser(
        case.admin, case.period, case.personas.users["appraiser"], case.personas.unit_b
    )
    api = client(case, "appraiser")
    before = AuditRecord.objects.count()  # after the token's own record
    assert api.get(f"{API}/reviews").json()["count"] == 0
    error(api.get(review_url(case)), 404, "not_found")
    forged = [
        (review_url(case, "/criteria/1.1/decision"), {"kind": "accept"}),
        (review_url(case, "/criteria/1.1/decision"), {"kind": "set", "score": 0, "reason": "x"}),
        (review_url(case, "/criteria/1.2/questions"), {"asks": "explanation", "text": "?"}),
        (review_url(case, "/rounds"), {"due": "2024-11-11"}),
    ]
    for url, data in forged:
        error(post(api, url, data), 404, "not_found")
    error(post(api, review_url(case, "/finalise")), 403, "forbidden")  # as on the web: chair only
    error(api.get(unit_url(case, "/questions")), 404, "not_found")
    assert not Decision.objects.exists() and not Round.objects.exists()
    assert list(Message.objects.values_list("pk", flat=True)) == [draft.pk]
    assert AuditRecord.objects.count() == before


@pytest.mark.parametrize("name", ["officer_a", "leader_a", "staff_a", "officer_b"])
def test_the_unit_never_reaches_the_councils_side(case: AppraisalCase, name: str) -> None:
    api = client(case, name)
    error(api.get(review_url(case)), 404, "not_found")
    error(decide(api, case, "1.1", kind="accept"), 404, "not_found")
    error(ask(api, case, "1.1", "?"), 404, "not_found")
    error(post(api, review_url(case, "/rounds"), {"due": "2024-11-11"}), 404, "not_found")
    assert not Decision.objects.exists() and not Message.objects.exists()


# ------------------------------------------------------------------ the unit's side


def _unit_questions(case: AppraisalCase, name: str = "officer_a") -> dict[str, Any]:
    response = client(case, name).get(unit_url(case, "/questions"))
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def test_the_unit_reads_the_questions_sent_to_it(case: AppraisalCase) -> None:
    assert _unit_questions(case)["rounds"] == []
    send_round(case)
    body = _unit_questions(case)
    assert (body["final"], body["may_send"], body["may_answer"]) == (False, True, True)
    (round_,) = body["rounds"]
    items = round_.pop("items")
    assert round_ == {
        "number": 1,
        "due": "2024-11-11",
        "sent_at": "2024-11-04T09:00:00Z",
        "state": "open",
        "answered": False,
        "answered_at": None,
        "questions": 1,
        "answers": 0,
    }
    (item,) = items
    questions = item.pop("questions")
    assert item == {
        "code": "1.3",
        "title": "Lãnh đạo đơn vị tham gia đầy đủ các cuộc họp về CĐS của tỉnh",
        "max": "10.00",
        "inputs": {"numerator": 4, "denominator": 4},
        "note": "4/4 hồ sơ",
        "self_score": "10.00",
        "answers": [],
        "can_answer": True,
    }
    assert [(q["kind"], q["asks"], q["text"], q["round"]) for q in questions] == [
        ("question", "explanation", QUESTION, 1)
    ]
    assert "resolved_at" not in questions[0]
    # department staff read it, but have nothing to answer and do not send
    staff = _unit_questions(case, "staff_a")
    assert (staff["may_send"], staff["may_answer"]) == (False, False)
    assert staff["rounds"][0]["items"][0]["can_answer"] is False


def test_before_finalisation_the_unit_sees_nothing_of_the_councils_work(
    case: AppraisalCase,
) -> None:
    case.decide("1.1", "scored", points="5", reason=REASON)
    Review.objects.filter(pk=case.review.pk).update(
        flags=[
            *case.review.flags,
            {"check": "ratio_above_100", "code": "1.1", "severity": "error", "template": FLAG},
        ]
    )
    send_round(case)
    case.ask("1.2", DRAFT)  # a draft of the next round
    for name in ("officer_a", "leader_a", "staff_a"):
        api = client(case, name)
        for path in ("/questions", "/results"):
            response = api.get(unit_url(case, path))
            assert response.status_code == 200
            text = response.content.decode()
            for secret in (REASON, FLAG, DRAFT, "scored", "resolved_at", "flags"):
                assert secret not in text, (name, path, secret)
    results = client(case, "officer_a").get(unit_url(case, "/results")).json()
    assert results == {
        "assessment_id": case.assessment.pk,
        "final": False,
        "self_total": None,
        "appraised_total": None,
        "finalised_at": None,
        "criteria": [],
    }


def test_once_final_the_unit_reads_its_results_with_the_reasons(case: AppraisalCase) -> None:
    case.decide("1.3", "corrected", inputs={"numerator": 1, "denominator": 4}, reason=REASON)
    case.finalise()
    body = client(case, "leader_a").get(unit_url(case, "/results")).json()
    assert (body["final"], body["self_total"], body["appraised_total"]) == (
        True,
        "30.00",
        "22.50",
    )
    line = next(c for c in body["criteria"] if c["code"] == "1.3")
    assert line == {
        "code": "1.3",
        "title": "Lãnh đạo đơn vị tham gia đầy đủ các cuộc họp về CĐS của tỉnh",
        "depth": 1,
        "leaf": True,
        "max": "10.00",
        "self_score": "10.00",
        "appraised_score": "2.50",
        "decision": "corrected",
        "corrected_inputs": {"numerator": 1, "denominator": 4},
        "reason": REASON,
    }
    pillar = body["criteria"][0]
    assert (pillar["depth"], pillar["leaf"], pillar["decision"]) == (0, False, None)
    assert _unit_questions(case)["final"] is True


@pytest.mark.parametrize("name", ["officer_b", "appraiser", "chair"])
def test_the_units_side_is_404_to_others(case: AppraisalCase, name: str) -> None:
    send_round(case)
    api = client(case, name)
    error(api.get(unit_url(case, "/questions")), 404, "not_found")
    error(api.get(unit_url(case, "/results")), 404, "not_found")
    error(post(api, unit_url(case, "/criteria/1.3/answers"), {"text": "x"}), 404, "not_found")
    error(post(api, unit_url(case, "/answers/send")), 404, "not_found")
    assert not Message.objects.filter(kind="answer").exists()
    assert Round.objects.get().answered_at is None


def test_the_unit_answers_and_sends_its_answers(case: AppraisalCase) -> None:
    send_round(case)
    link = Evidence.objects.create(
        assessment=case.assessment, kind=Evidence.Kind.LINK, url="https://stp.gov.vn/bao-cao"
    )
    api = client(case, "officer_a")
    response = post(
        api,
        unit_url(case, "/criteria/1.3/answers"),
        {"text": "Đã bổ sung báo cáo", "evidence": [link.pk]},
    )
    assert response.status_code == 201
    message = Message.objects.get(kind="answer")
    assert response.json() == {
        "id": message.pk,
        "kind": "answer",
        "asks": "",
        "text": "Đã bổ sung báo cáo",
        "round": 1,
        "author": "Officer_A",
        "created_at": "2024-11-04T09:00:00Z",
        "evidence_ids": [link.pk],
    }
    assert list(message.evidence.all()) == [link]
    assert audited("appraisal.answer").after["round"] == 1
    answers = _unit_questions(case)["rounds"][0]["items"][0]["answers"]
    assert [a["text"] for a in answers] == ["Đã bổ sung báo cáo"]
    # staff may not send; the data officer does, and the round closes
    body = error(post(client(case, "staff_a"), unit_url(case, "/answers/send")), 403, "forbidden")
    assert body["message"] == "Only the unit's leader or data officer sends the answers."
    response = post(api, unit_url(case, "/answers/send"))
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["answered"], body["questions"], body["answers"]) == (
        "answered",
        True,
        1,
        1,
    )
    assert body["answered_at"] == "2024-11-04T09:00:00Z"
    assert audited("appraisal.send_answers").after == {"round": 1}
    body = error(post(api, unit_url(case, "/answers/send")), 409, "refused")
    assert body["message"] == "No explanation round is open for your unit."


def test_answers_that_are_refused(case: AppraisalCase) -> None:
    api = client(case, "officer_a")
    url = unit_url(case, "/criteria/1.3/answers")
    body = error(post(api, url, {"text": "Sớm"}), 409, "refused")
    assert body["message"] == "No explanation round is open for your unit."
    send_round(case)
    body = error(post(api, unit_url(case, "/criteria/1.1/answers"), {"text": "x"}), 409, "refused")
    assert body["message"] == "This criterion was not asked about, or is not yours to answer."
    body = error(post(api, url, {"text": "  "}), 400, "invalid")
    assert body["fields"] == [
        {
            "field": "body.text",
            "message": "Write your explanation or choose the evidence you add.",
        }
    ]
    other = Assessment.objects.create(
        period=case.period, unit=case.personas.unit_b, group=case.group
    )
    foreign = Evidence.objects.create(
        assessment=other, kind=Evidence.Kind.LINK, url="https://syt.gov.vn"
    )
    body = error(post(api, url, {"text": "x", "evidence": [foreign.pk]}), 400, "invalid")
    assert body["fields"][0]["field"] == "body.evidence"
    error(post(api, unit_url(case, "/criteria/9.9/answers"), {"text": "x"}), 404, "not_found")
    body = error(post(client(case, "admin"), url, {"text": "x"}), 403, "forbidden")
    error(post(client(case, "officer_a", "vi"), url, {"text": " "}), 400, "invalid")
    with time_machine.travel(AFTER_DUE, tick=False):
        error(post(api, url, {"text": "Muộn"}), 409, "refused")
    assert not Message.objects.filter(kind="answer").exists()
    assert not AuditRecord.objects.filter(action="appraisal.answer").exists()
