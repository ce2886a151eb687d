"""The council's appraisal of a submitted unit: the flags stored at submission, decisions on
criteria, explanation rounds, and the chair's finalisation; each audited, each refused when the
rules say so."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from helpers import AppraisalCase

from dti.accounts.access import Access
from dti.accounts.models import Role
from dti.appraisal import actions
from dti.appraisal.access import appraising_for
from dti.appraisal.actions import AppraisalError
from dti.appraisal.compare import compare
from dti.appraisal.models import Decision, Message, Review
from dti.assessments import actions as assessment_actions
from dti.assessments.access import editing_for
from dti.assessments.models import Assessment
from dti.audit.models import AuditRecord
from dti.periods import actions as period_actions
from dti.periods.actions import PeriodError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Any:
    """The actions' messages, asserted in English (the msgids)."""
    from django.utils import translation

    with translation.override("en"):
        yield


TODAY = datetime.datetime(2024, 11, 4, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    with time_machine.travel(TODAY, tick=False):
        return AppraisalCase(personas, builtin_frameworks)


def test_submission_runs_the_checks_and_stores_their_flags(case: AppraisalCase) -> None:
    review = case.review
    assert review.checked_at is not None
    # 1.1 has full marks and no evidence: the check that says so fired, and only on what it should
    codes = {(f["check"], f["code"]) for f in review.flags}
    assert ("full_marks_no_evidence", "1.1") in codes
    assert ("full_marks_no_evidence", "1.2") not in codes  # 1.2 answered "no": no full marks
    assert review.self_total == case.assessment.submissions.get().total
    audit = AuditRecord.objects.get(action="appraisal.checks")
    assert audit.after["flags"] == len(review.flags)


def test_an_appraiser_sees_only_assigned_units(case: AppraisalCase) -> None:
    _actor, access = case.who("appraiser")
    assert appraising_for(access, case.assessment, case.review).read
    case.unassign()
    assert not appraising_for(access, case.assessment, case.review).read


def test_accepting_keeps_the_unit_score_and_audits(case: AppraisalCase) -> None:
    decision = case.decide("1.1", "accepted")
    assert decision.score == Decimal("20.00")
    record = AuditRecord.objects.get(action="appraisal.decide")
    assert record.after["kind"] == "accepted"
    assert record.after["self_score"] == "20.00"


def test_a_correction_needs_a_reason(case: AppraisalCase) -> None:
    with pytest.raises(AppraisalError):
        case.decide("1.1", "scored", points="10", reason="  ")
    assert not Decision.objects.exists()
    assert not AuditRecord.objects.filter(action="appraisal.decide").exists()


def test_correcting_figures_rescores_from_them(case: AppraisalCase) -> None:
    decision = case.decide(
        "1.3", "corrected", inputs={"numerator": 1, "denominator": 4}, reason="Chỉ 1/4 đạt"
    )
    assert decision.score == Decimal("2.50")
    comparison = compare(case.assessment, case.review)
    line = next(x for x in comparison.leaves if x.code == "1.3")
    assert (line.self_score, line.appraised_score, line.difference) == (
        Decimal("10.00"),
        Decimal("2.50"),
        Decimal("-7.50"),
    )
    pillar = comparison.pillars[0]
    assert pillar.self_score - pillar.appraised_score == Decimal("7.50")
    assert comparison.points_moved == Decimal("-7.50")
    record = AuditRecord.objects.get(action="appraisal.decide")
    assert (record.before, record.after["score"], record.reason) == (None, "2.50", "Chỉ 1/4 đạt")


def test_invalid_corrected_figures_save_nothing(case: AppraisalCase) -> None:
    with pytest.raises(assessment_actions.Invalid):
        case.decide("1.3", "corrected", inputs={"numerator": 5, "denominator": 4}, reason="x")
    assert not Decision.objects.exists()


def test_setting_a_score_outside_the_maximum_is_refused(case: AppraisalCase) -> None:
    for points in ("21", "-1", "abc", "7.125"):
        with pytest.raises(AppraisalError):
            case.decide("1.1", "scored", points=points, reason="Thiếu văn bản")
    decision = case.decide("1.1", "scored", points="7,5", reason="Thiếu văn bản")
    assert decision.score == Decimal("7.50")
    comparison = compare(case.assessment, case.review)
    assert comparison.appraised_total == comparison.self_total - Decimal("12.50")


def test_a_sectoral_appraiser_decides_only_on_their_pillars(case: AppraisalCase) -> None:
    case.assign(pillars=["2"])
    with pytest.raises(AppraisalError, match="pillars 2"):
        case.decide("1.1", "accepted")
    case.decide("2.1", "accepted")


def test_the_chair_decides_anywhere_the_administrator_nowhere(case: AppraisalCase) -> None:
    case.unassign()
    case.decide("1.1", "accepted", who="chair")
    _actor, access = case.who("admin")
    appraising = appraising_for(access, case.assessment, case.review)
    assert appraising.read and not appraising.decide


def test_a_round_reopens_only_the_criteria_asked_about(case: AppraisalCase) -> None:
    case.ask("1.3", "Vì sao 4/4?")
    _actor, officer = case.who("officer_a")
    with time_machine.travel(TODAY, tick=False):
        assert not editing_for(officer, case.assessment).anything  # a draft reopens nothing
        round_ = case.send(due=datetime.date(2024, 11, 11))
        assert round_.number == 1
        editing = editing_for(officer, case.assessment)
        assert editing.may_edit(case.criterion("1.3").pk)
        assert not editing.may_edit(case.criterion("1.1").pk)
        assert not editing.general
        # a forged save on a criterion that was not reopened is refused
        with pytest.raises(assessment_actions.NotAllowed):
            case.save("officer_a", "1.1", {"yes": False})
        case.save("officer_a", "1.3", {"numerator": 3, "denominator": 4})
        # the leader cannot "submit" again through the reopened criteria
        leader_actor, leader = case.who("leader_a")
        with pytest.raises(assessment_actions.NotAllowed):
            assessment_actions.submit_assessment(leader_actor, leader, case.assessment)
    with time_machine.travel(datetime.datetime(2024, 11, 11, 16, 59, 59, tzinfo=datetime.UTC)):
        assert editing_for(officer, case.assessment).may_edit(case.criterion("1.3").pk)
    with time_machine.travel(datetime.datetime(2024, 11, 11, 17, 0, 0, tzinfo=datetime.UTC)):
        # midnight in Hà Nội: the round is over, the assessment read-only again
        assert not editing_for(officer, case.assessment).anything


def test_the_appraiser_decides_only_after_the_round(case: AppraisalCase) -> None:
    with time_machine.travel(TODAY, tick=False):
        case.ask("1.3", "Vì sao 4/4?")
        case.send(due=datetime.date(2024, 11, 11))
        with pytest.raises(AppraisalError, match="still answer"):
            case.decide("1.3", "accepted")
        case.answer("1.3", "Đã bổ sung báo cáo")
        case.send_answers()
        assert actions.open_questions(case.review) == 1
        case.decide("1.3", "accepted")
    assert actions.open_questions(case.review) == 0
    thread = list(
        Message.objects.filter(criterion=case.criterion("1.3")).values_list("kind", "round__number")
    )
    assert thread == [("question", 1), ("answer", 1)]


def test_the_unit_answers_only_what_was_asked(case: AppraisalCase) -> None:
    case.ask("1.3", "Vì sao 4/4?")
    with time_machine.travel(TODAY, tick=False):
        case.send(due=datetime.date(2024, 11, 11))
        with pytest.raises(AppraisalError):
            case.answer("1.1", "Không được hỏi")
        with pytest.raises(AppraisalError, match="leader or data officer"):
            case.send_answers(who="staff_a")
    late = datetime.datetime(2024, 11, 12, tzinfo=datetime.UTC)
    with time_machine.travel(late), pytest.raises(AppraisalError, match="No explanation round"):
        case.answer("1.3", "Muộn")


def test_rounds_are_numbered_and_one_at_a_time(case: AppraisalCase) -> None:
    with time_machine.travel(TODAY, tick=False):
        with pytest.raises(AppraisalError, match="no question"):
            case.send(due=datetime.date(2024, 11, 11))
        case.ask("1.3", "Vì sao 4/4?")
        case.send(due=datetime.date(2024, 11, 11))
        case.ask("1.1", "Văn bản nào?")
        with pytest.raises(AppraisalError, match="previous round"):
            case.send(due=datetime.date(2024, 11, 20))
        case.send_answers()
        with pytest.raises(AppraisalError, match="today or later"):
            case.send(due=datetime.date(2024, 11, 3))
        assert case.send(due=datetime.date(2024, 11, 20)).number == 2


def test_finalisation_waits_for_open_questions_and_is_the_chairs(case: AppraisalCase) -> None:
    case.decide("1.1", "scored", points="10", reason="Thiếu văn bản")
    case.ask("1.3", "Vì sao 4/4?")
    with pytest.raises(AppraisalError, match="chair"):
        case.finalise(who="appraiser")
    with pytest.raises(AppraisalError, match="still open"):
        case.finalise()
    message = Message.objects.get()
    _actor, appraiser = case.who("appraiser")
    actions.withdraw_question(
        case.actor("appraiser"),
        appraising_for(appraiser, case.assessment, case.review),
        message,
    )
    review = case.finalise()
    assert review.status == Review.Status.FINALISED
    assert review.appraised_total == review.self_total - Decimal("10.00")
    # nothing changes afterwards
    with pytest.raises(AppraisalError, match="finalised"):
        case.decide("1.2", "accepted")
    record = AuditRecord.objects.get(action="appraisal.finalise")
    assert record.after["corrected"] == 1


def test_the_period_is_approved_only_when_every_unit_is_final(case: AppraisalCase) -> None:
    for status in ("explanation", "final"):
        case.period = period_actions.move_period(case.admin, case.period, status)
    with pytest.raises(PeriodError, match="Sở Tư pháp"):
        period_actions.move_period(case.admin, case.period, "approved")
    case.finalise()
    assert period_actions.move_period(case.admin, case.period, "approved").status == "approved"


def test_a_reopened_unit_cannot_be_finalised(case: AppraisalCase) -> None:
    Assessment.objects.filter(pk=case.assessment.pk).update(status="draft")
    with pytest.raises(AppraisalError, match="reopened"):
        case.finalise()


def test_no_appraisal_outside_the_appraisal_steps(case: AppraisalCase) -> None:
    for status in ("explanation", "final", "approved"):
        case.finalise() if status == "approved" else None
        case.period = period_actions.move_period(case.admin, case.period, status)
    with pytest.raises(AppraisalError):
        case.decide("1.1", "accepted", who="chair")


def test_a_person_without_a_role_in_the_council_is_not_an_appraiser(case: AppraisalCase) -> None:
    user = case.personas.users["officer_b"]
    access = Access(user, list(Role.objects.filter(user=user)))
    assert not appraising_for(access, case.assessment, case.review).read


def test_last_year_means_the_appraised_scores_once_final(
    personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    from helpers import AssessmentCase

    from dti.appraisal.checks import previous_scores

    with time_machine.travel(datetime.datetime(2023, 11, 4, tzinfo=datetime.UTC), tick=False):
        last = AppraisalCase(personas, builtin_frameworks, year=2023)
    this = AssessmentCase(personas, builtin_frameworks, year=2024)
    assert previous_scores(this.assessment)["1.1"] == Decimal("20.00")  # as submitted
    last.decide("1.1", "scored", points="5", reason="Chưa có kế hoạch")
    assert previous_scores(this.assessment)["1.1"] == Decimal("20.00")  # not final yet
    last.finalise()
    assert previous_scores(this.assessment)["1.1"] == Decimal("5.00")


def test_an_appraiser_assigned_single_criteria_decides_only_those(case: AppraisalCase) -> None:
    with pytest.raises(AppraisalError, match=r"no pillar or criterion 9\.9"):
        case.assign(pillars=["9.9"])
    case.assign(pillars=["1.3", "2"])
    with pytest.raises(AppraisalError):
        case.decide("1.1", "accepted")
    case.decide("1.3", "accepted")
    case.decide("2.1", "accepted")  # under pillar 2


def test_assigning_by_form_takes_pillars_and_criteria(case: AppraisalCase) -> None:
    from dti.appraisal.models import Assignment

    client = case.client("admin")
    response = client.post(
        f"/appraisal/{case.period.pk}/assignments/",
        {
            "appraiser": case.personas.users["appraiser"].pk,
            "unit": case.personas.unit_a.pk,
            "pillars-1": ["2"],
            "criteria-1": "1.3; 4.1",
        },
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get(appraiser__username="appraiser")
    assert assignment.pillars == ["1.3", "2", "4.1"]
