"""Self-assessment actions: saving figures, general information, departments, evidence, submission."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from helpers import AssessmentCase

from dti.assessments import actions
from dti.assessments.models import Answer, Evidence
from dti.audit.models import AuditRecord
from dti.audit.trail import Actor
from dti.periods import actions as period_actions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Any:
    """The actions' messages are checked in English (the product shows them in Vietnamese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


class Case(AssessmentCase):
    """Unit A's assessment on the department framework (bacninh-so) in an open 2024 period."""


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> Case:
    return Case(personas, builtin_frameworks)


def test_saving_figures_scores_them_and_audits(case: Case) -> None:
    answer = case.save("officer_a", "3.3", {"numerator": 2, "denominator": 13}, note="2/13 HTTT")
    assert (answer.score, answer.status, answer.version) == (Decimal("3.08"), "scored", 1)
    record = AuditRecord.objects.get(action="answer.save")
    assert record.before == {"inputs": {}, "note": "", "score": None}
    assert record.after == {
        "inputs": {"numerator": 2, "denominator": 13},
        "note": "2/13 HTTT",
        "score": "3.08",
    }


def test_invalid_figures_save_nothing(case: Case) -> None:
    with pytest.raises(actions.Invalid) as info:
        case.save("officer_a", "3.3", {"numerator": 14, "denominator": 13})
    assert info.value.problems[0].message() == "the numerator 14 is above the denominator 13"
    assert not Answer.objects.filter(inputs__has_key="numerator").exists()
    assert not AuditRecord.objects.filter(action="answer.save").exists()


def test_the_second_of_two_concurrent_saves_is_told_and_shown_the_other(case: Case) -> None:
    case.save("officer_a", "1.1", {"yes": True}, version=0)
    with pytest.raises(actions.Conflict) as info:
        case.save("leader_a", "1.1", {"yes": False}, version=0)
    assert info.value.current.inputs == {"yes": True}
    assert Answer.objects.get(criterion__code="1.1").inputs == {"yes": True}
    # Having seen it, the second person saves on top of version 1.
    assert case.save("leader_a", "1.1", {"yes": False}, version=1).version == 2


def test_department_staff_edit_only_their_criteria(case: Case) -> None:
    with pytest.raises(actions.NotAllowed):
        case.save("staff_a", "1.1", {"yes": True})
    actor, access = case.who("officer_a")
    actions.assign_criteria(
        actor,
        access,
        case.assessment,
        [case.criterion("1.1"), case.criterion("1.2")],
        case.personas.department_a,
        [],
    )
    assert case.save("staff_a", "1.1", {"yes": True}).score == Decimal(20)
    with pytest.raises(actions.NotAllowed):
        case.save("staff_a", "1.3", {"yes": True})
    staff_actor, staff_access = case.who("staff_a")
    with pytest.raises(actions.NotAllowed):
        actions.assign_criteria(
            staff_actor,
            staff_access,
            case.assessment,
            [case.criterion("1.3")],
            case.personas.department_a,
            [],
        )


def test_outsiders_cannot_save(case: Case) -> None:
    with pytest.raises(actions.NotAllowed):
        case.save("officer_b", "1.1", {"yes": True})
    with pytest.raises(actions.NotAllowed):
        case.save("admin", "1.1", {"yes": True})


def test_general_information_feeds_ratio_denominators(case: Case) -> None:
    answer = case.save("officer_a", "4.3", {"numerator": 10})
    assert answer.status == "unanswered"
    actor, access = case.who("officer_a")
    _assessment, errors = actions.save_general_info(
        actor, access, case.assessment, {"civil_servants": "30", "public_employees": 10}, 0
    )
    assert errors == {}
    answer.refresh_from_db()
    assert (answer.score, answer.status) == (Decimal(5), "scored")
    _assessment, errors = actions.save_general_info(
        actor, access, case.assessment, {"civil_servants": "ba mươi", "website": "x"}, 1
    )
    assert set(errors) == {"civil_servants", "website"}
    case.assessment.refresh_from_db()
    assert case.assessment.general_info == {"civil_servants": 30, "public_employees": 10}
    with pytest.raises(actions.Conflict):
        actions.save_general_info(actor, access, case.assessment, {"civil_servants": 31}, 0)


def test_leader_submits_a_frozen_snapshot_and_then_it_is_read_only(case: Case) -> None:
    case.save("officer_a", "1.1", {"yes": True})
    case.save("officer_a", "3.3", {"numerator": 2, "denominator": 13})
    actor, access = case.who("officer_a")
    evidence = actions.add_evidence(
        actor,
        access,
        case.assessment,
        Evidence(
            kind=Evidence.Kind.DOCUMENT,
            doc_number="105/QĐ-STP",
            doc_date=datetime.date(2022, 6, 13),
            summary="Thành lập BCĐ",
        ),
        [case.criterion("1.1")],
    )
    summary = actions.summary(case.assessment)
    assert len(summary["unanswered"]) == 43
    assert [leaf.code for leaf in summary["without_evidence"]] == ["3.3"]
    with pytest.raises(actions.NotAllowed):
        actions.submit_assessment(actor, access, case.assessment)
    leader, leader_access = case.who("leader_a")
    submission = actions.submit_assessment(leader, leader_access, case.assessment)
    assert submission.total == Decimal("23.08")
    assert submission.snapshot["answers"]["1.1"]["score"] == "20.00"
    assert submission.snapshot["evidence"][0]["doc_number"] == "105/QĐ-STP"
    assert submission.snapshot["evidence"][0]["id"] == evidence.pk
    case.assessment.refresh_from_db()
    assert case.assessment.status == "submitted"
    with pytest.raises(actions.NotAllowed, match="submitted"):
        case.save("officer_a", "1.1", {"yes": False}, version=1)
    # The administrator reopens the unit: it can edit again until then.
    admin = Actor(case.personas.users["admin"], "admin")
    period_actions.reopen_unit(
        admin,
        case.period,
        case.personas.unit_a,
        timezone.now() + datetime.timedelta(days=2),
        "Bổ sung số liệu",
    )
    assert case.save("officer_a", "1.1", {"yes": False}, version=1).score == Decimal(0)


def test_nothing_can_be_saved_after_the_deadline(case: Case) -> None:
    type(case.period).objects.filter(pk=case.period.pk).update(
        submission_deadline=datetime.date(2024, 10, 10)
    )
    after = datetime.datetime(
        2024, 10, 10, 17, 0, 1, tzinfo=datetime.UTC
    )  # 00:00:01 on 11/10 in Hà Nội
    with (
        time_machine.travel(after, tick=False),
        pytest.raises(actions.NotAllowed, match="deadline"),
    ):
        case.save("officer_a", "1.1", {"yes": True})
    before = datetime.datetime(2024, 10, 10, 16, 59, 59, tzinfo=datetime.UTC)
    with time_machine.travel(before, tick=False):
        assert case.save("officer_a", "1.1", {"yes": True}).version == 1
