"""The unit's side of the appraisal: the questions sent to it and its answers, the criteria that
reopen (and only those), and its appraised results — with nothing of the council's work shown
before the chair finalises."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from helpers import AppraisalCase

from dti.appraisal.models import Message, Review, Round
from dti.assessments import actions as assessment_actions
from dti.assessments.models import Answer, Assessment, Evidence
from dti.audit.models import AuditRecord

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2024, 11, 4, 9, 0, tzinfo=datetime.UTC)
DUE = datetime.date(2024, 11, 11)
AFTER_DUE = datetime.datetime(2024, 11, 11, 17, 0, tzinfo=datetime.UTC)  # midnight in Hà Nội

# Distinctive strings: if the unit's pages contain them, the council's work leaked.
REASON = "LÝ-DO-HỘI-ĐỒNG-ZQX: thiếu quyết định ban hành"
FLAG = "CẢNH-BÁO-TỰ-ĐỘNG-WQY"
DRAFT = "CÂU-HỎI-NHÁP-KVB"
QUESTION = "Đề nghị giải trình vì sao 4/4 hồ sơ đạt"


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    with time_machine.travel(TODAY, tick=False):
        return AppraisalCase(personas, builtin_frameworks)


def url(case: AppraisalCase, name: str, code: str | None = None) -> str:
    args: list[Any] = [case.assessment.pk]
    if code is not None:
        args.append(case.criterion(code).pk)
    return reverse(f"appraisal:{name}", args=args)


def send_round(case: AppraisalCase) -> Round:
    """The council asks about 1.3 and sends the round, to answer by 11/11/2024."""
    case.ask("1.3", QUESTION)
    with time_machine.travel(TODAY, tick=False):
        return case.send(due=DUE)


def page(case: AppraisalCase, name: str, who: str = "officer_a", language: str = "en") -> str:
    if name == "form":
        target = reverse("assessments:form", args=[case.assessment.pk])
    elif name == "home":
        target = reverse("units:home", args=[case.personas.unit_a.pk])
    else:
        target = url(case, name)
    with time_machine.travel(TODAY, tick=False):
        response = case.client(who, language).get(target)
    assert response.status_code == 200
    return response.content.decode()


def add_flag(case: AppraisalCase) -> None:
    Review.objects.filter(pk=case.review.pk).update(
        flags=[
            *case.review.flags,
            {"check": "ratio_above_100", "code": "1.1", "severity": "error", "template": FLAG},
        ]
    )


# ------------------------------------------------------------ the questions


def test_the_unit_sees_the_questions_sent_not_the_drafts(case: AppraisalCase) -> None:
    send_round(case)
    case.ask("1.1", DRAFT)  # asked after the round: waits for the next one
    content = page(case, "questions")
    assert QUESTION in content
    assert DRAFT not in content
    assert "open until 11/11/2024 24:00" in content
    # the answer form is there for the criterion asked about, and only for it
    assert url(case, "answer", "1.3") in content
    assert url(case, "answer", "1.1") not in content
    # with the links to change its figures and add evidence
    assert reverse("assessments:form", args=[case.assessment.pk]) + "#c-1.3" in content
    evidence = reverse("assessments:evidence", args=[case.assessment.pk])
    assert f"{evidence}?criterion={case.criterion('1.3').pk}" in content
    # the data officer may send the answers; department staff may not
    assert url(case, "send_answers") in content
    assert url(case, "send_answers") not in page(case, "questions", who="staff_a")


def test_the_assessment_page_and_the_unit_home_announce_the_round(case: AppraisalCase) -> None:
    send_round(case)
    form = page(case, "form")
    assert "Explanation round 1: the council asks about 1 criterion; answer by 11/11/2024." in form
    assert url(case, "questions") in form
    home = page(case, "home")
    assert "Explanation round 1: answer by 11/11/2024" in home
    assert url(case, "questions") in home
    assert url(case, "results") not in home


def test_without_questions_the_page_says_so(case: AppraisalCase) -> None:
    case.ask("1.1", DRAFT)
    content = page(case, "questions")
    assert "The council has not sent any question to your unit." in content
    assert DRAFT not in content


def test_nothing_of_the_council_shows_before_finalisation(case: AppraisalCase) -> None:
    send_round(case)
    case.decide("1.1", "scored", points="13,37", reason=REASON)
    add_flag(case)
    for who in ("officer_a", "leader_a", "staff_a", "admin"):
        for name in ("questions", "results", "form", "home"):
            for language in ("vi", "en"):
                content = page(case, name, who, language)
                for secret in (REASON, "13,37", "13.37", FLAG, "Score set"):
                    assert secret not in content, (who, name, language, secret)
    results = page(case, "results")
    assert "The council has not finalised its appraisal of your unit yet." in results


def test_after_finalisation_the_unit_reads_its_appraised_scores_and_reasons(
    case: AppraisalCase,
) -> None:
    send_round(case)
    with time_machine.travel(TODAY, tick=False):
        case.answer("1.3", "Đã bổ sung báo cáo số 12/BC-STP")
        case.send_answers(who="leader_a")
        case.decide("1.3", "corrected", inputs={"numerator": 1, "denominator": 4}, reason=REASON)
        case.decide("1.1", "scored", points="12,5", reason="Chưa có văn bản ban hành")
        case.finalise()
    content = page(case, "results", language="vi")
    # 1.1: 20 → 12,5 (−7,5); 1.3: 10 → 2,5 (−7,5); the total moves by 15
    assert "12,5" in content and "2,5" in content
    assert content.count("\u22127,5") >= 4  # each twice: in the list of changes and the table
    assert "\u221215" in content
    assert REASON in content
    assert "Chưa có văn bản ban hành" in content
    assert "Đã bổ sung báo cáo số 12/BC-STP" in content  # the thread stays with the criterion
    assert QUESTION in content
    assert FLAG not in content
    review = Review.objects.get(pk=case.review.pk)
    assert review.self_total - review.appraised_total == Decimal("15.00")
    total = f"{review.appraised_total:.2f}".replace(".", ",").rstrip("0").rstrip(",")
    assert total in content
    # the assessment page and the unit's home lead there
    assert url(case, "results") in page(case, "form")
    assert url(case, "results") in page(case, "home")


# ------------------------------------------------------------ answers


def _evidence(case: AppraisalCase, codes: list[str], name: str = "bao-cao.pdf") -> Evidence:
    evidence = Evidence.objects.create(
        assessment=case.assessment,
        kind=Evidence.Kind.LINK,
        url=f"https://stp.bacninh.gov.vn/{name}",
        summary=name,
    )
    evidence.criteria.set([case.criterion(c) for c in codes])
    return evidence


def test_the_unit_answers_with_text_and_evidence(case: AppraisalCase) -> None:
    send_round(case)
    evidence = _evidence(case, ["1.3"])
    with time_machine.travel(TODAY, tick=False):
        response = case.client("officer_a").post(
            url(case, "answer", "1.3"),
            {"text": "Báo cáo 12/BC-STP liệt kê 4 hồ sơ", "evidence": [str(evidence.pk)]},
        )
    assert response.status_code == 302
    assert response["Location"] == url(case, "questions") + "#c-1.3"
    answer = Message.objects.get(kind=Message.Kind.ANSWER)
    assert (answer.criterion.code, answer.text) == ("1.3", "Báo cáo 12/BC-STP liệt kê 4 hồ sơ")
    assert list(answer.evidence.all()) == [evidence]
    content = page(case, "questions")
    assert "Báo cáo 12/BC-STP liệt kê 4 hồ sơ" in content
    assert "you have answered 1 of 1." in content


def test_a_forged_answer_on_a_criterion_not_asked_about_changes_nothing(
    case: AppraisalCase,
) -> None:
    send_round(case)
    before = AuditRecord.objects.count()
    with time_machine.travel(TODAY, tick=False):
        client = case.client("officer_a")
        response = client.post(url(case, "answer", "1.1"), {"text": "Không được hỏi"}, follow=True)
    assert "This criterion was not asked about" in response.content.decode()
    assert not Message.objects.filter(kind=Message.Kind.ANSWER).exists()
    assert AuditRecord.objects.count() == before
    assert not AuditRecord.objects.filter(action="appraisal.answer").exists()


def test_evidence_of_another_assessment_is_refused(case: AppraisalCase) -> None:
    send_round(case)
    other = Assessment.objects.create(
        period=case.period, unit=case.personas.unit_b, group=case.group
    )
    foreign = Evidence.objects.create(
        assessment=other, kind=Evidence.Kind.LINK, url="https://syt.bacninh.gov.vn/x"
    )
    with time_machine.travel(TODAY, tick=False):
        response = case.client("officer_a").post(
            url(case, "answer", "1.3"), {"text": "Xem tài liệu", "evidence": [str(foreign.pk)]}
        )
        assert response.status_code == 302
        content = case.client("officer_a").get(url(case, "questions")).content.decode()
    assert not Message.objects.filter(kind=Message.Kind.ANSWER).exists()
    assert not AuditRecord.objects.filter(action="appraisal.answer").exists()
    assert "Xem tài liệu" not in content


def test_a_criterion_of_another_framework_is_404(case: AppraisalCase) -> None:
    send_round(case)
    from dti.frameworks.models import Criterion

    other = Criterion.objects.exclude(framework=case.framework).exclude(rule_type="").first()
    target = reverse("appraisal:answer", args=[case.assessment.pk, other.pk])
    with time_machine.travel(TODAY, tick=False):
        assert case.client("officer_a").post(target, {"text": "x"}).status_code == 404
    assert not Message.objects.filter(kind=Message.Kind.ANSWER).exists()


def test_after_the_due_date_an_answer_is_refused(case: AppraisalCase) -> None:
    send_round(case)
    with time_machine.travel(AFTER_DUE, tick=False):
        response = case.client("officer_a").post(
            url(case, "answer", "1.3"), {"text": "Muộn"}, follow=True
        )
    content = response.content.decode()
    assert "No explanation round is open for your unit." in content
    assert "closed on 11/11/2024 24:00" in content
    assert url(case, "answer", "1.3") not in content  # no form any more
    assert not Message.objects.filter(kind=Message.Kind.ANSWER).exists()


def test_the_forged_save_of_a_criterion_not_reopened_is_refused(case: AppraisalCase) -> None:
    send_round(case)

    def save(code: str, inputs: dict[str, Any], version: int) -> Any:
        target = reverse(
            "assessments:save_answer", args=[case.assessment.pk, case.criterion(code).pk]
        )
        with time_machine.travel(TODAY, tick=False):
            return case.client("officer_a").post(
                target,
                json.dumps({"inputs": inputs, "note": "", "version": version}),
                content_type="application/json",
            )

    before = {a.criterion.code: (a.inputs, a.version) for a in Answer.objects.all()}
    assert save("1.1", {"yes": False}, before["1.1"][1]).status_code == 403
    assert Answer.objects.get(criterion__code="1.1").inputs == before["1.1"][0]
    response = save("1.3", {"numerator": 3, "denominator": 4}, before["1.3"][1])
    assert response.status_code == 200
    assert response.json()["display"] == "7.5"
    assert Answer.objects.get(criterion__code="1.3").inputs == {"numerator": 3, "denominator": 4}


def test_the_leader_sends_the_answers_and_the_round_closes(case: AppraisalCase) -> None:
    round_ = send_round(case)
    with time_machine.travel(TODAY, tick=False):
        refused = case.client("staff_a").post(url(case, "send_answers"), follow=True)
        assert "Only the unit&#x27;s leader or data officer" in refused.content.decode()
        round_.refresh_from_db()
        assert round_.answered_at is None
        response = case.client("leader_a").post(url(case, "send_answers"))
        assert response.status_code == 302
        round_.refresh_from_db()
        assert round_.answered_at is not None
        assert round_.answered_by == case.personas.users["leader_a"]
        # the criterion is read-only again
        with pytest.raises(assessment_actions.NotAllowed):
            case.save("officer_a", "1.3", {"numerator": 3, "denominator": 4})
    content = page(case, "questions")
    assert "answers sent on" in content
    assert url(case, "answer", "1.3") not in content
    assert AuditRecord.objects.filter(action="appraisal.send_answers").count() == 1


# ------------------------------------------------------------ who may


@pytest.mark.parametrize("who", ["officer_b", "appraiser", "chair"])
def test_outsiders_get_404_everywhere(case: AppraisalCase, who: str) -> None:
    send_round(case)
    with time_machine.travel(TODAY, tick=False):
        client = case.client(who)
        for name in ("questions", "results"):
            assert client.get(url(case, name)).status_code == 404, name
        assert client.post(url(case, "answer", "1.3"), {"text": "x"}).status_code == 404
        assert client.post(url(case, "send_answers")).status_code == 404
    assert not Message.objects.filter(kind=Message.Kind.ANSWER).exists()
    assert Round.objects.get().answered_at is None


def test_wrong_methods_get_405(case: AppraisalCase) -> None:
    client = case.client("officer_a")
    assert client.post(url(case, "questions")).status_code == 405
    assert client.post(url(case, "results")).status_code == 405
    assert client.get(url(case, "answer", "1.3")).status_code == 405
    assert client.get(url(case, "send_answers")).status_code == 405


def test_the_questions_page_costs_the_same_queries_for_more_questions(
    case: AppraisalCase,
) -> None:
    def count() -> int:
        client = case.client("officer_a")
        with time_machine.travel(TODAY, tick=False):
            client.get(url(case, "questions"))
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url(case, "questions")).status_code == 200
        return len(captured)

    send_round(case)
    _evidence(case, ["1.3"])
    one = count()
    with time_machine.travel(TODAY, tick=False):
        case.answer("1.3", "Đã giải trình", evidence=[_evidence(case, ["1.3"], "b.pdf")])
        case.send_answers()
        case.decide("1.3", "accepted")
        for code in ("1.1", "1.2", "2.1"):
            case.ask(code, f"Giải trình {code}")
        case.send(due=DUE)
    _evidence(case, ["1.1", "1.2"], "c.pdf")
    assert count() == one


def test_the_results_page_costs_the_same_queries_for_more_corrections(
    case: AppraisalCase,
) -> None:
    from dti.appraisal.models import Decision

    def count() -> int:
        client = case.client("officer_a")
        client.get(url(case, "results"))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(case, "results")).status_code == 200
        return len(captured)

    send_round(case)
    with time_machine.travel(TODAY, tick=False):
        case.answer("1.3", "Đã giải trình", evidence=[_evidence(case, ["1.3"])])
        case.send_answers()
        case.decide("1.3", "corrected", inputs={"numerator": 1, "denominator": 4}, reason=REASON)
        case.finalise()
    one = count()
    # more decisions and threads, as a larger appraisal would have (written directly: a final
    # appraisal takes no more decisions through the actions)
    review = Review.objects.get(pk=case.review.pk)
    for code in ("1.1", "1.2", "2.1", "2.2"):
        Decision.objects.create(
            review=review,
            criterion=case.criterion(code),
            kind="scored",
            score=Decimal(0),
            reason=f"Lý do {code}",
            decided_by=case.personas.users["appraiser"],
            decided_at=TODAY,
        )
        Message.objects.create(
            review=review,
            criterion=case.criterion(code),
            round=Round.objects.get(),
            kind="question",
            asks="evidence",
            text=f"Bổ sung {code}",
            author=case.personas.users["appraiser"],
            created_at=TODAY,
        )
    assert count() == one
    assert "Lý do 2.2" in case.client("officer_a").get(url(case, "results")).content.decode()
