"""The work split among departments, the leader's sign-off, and the frozen submissions."""

from __future__ import annotations

import datetime
import html
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from helpers import AssessmentCase

from dti.assessments import actions
from dti.assessments.models import Assessment, Assignment, Evidence, Submission
from dti.audit.models import AuditRecord
from dti.audit.trail import Actor
from dti.frameworks.models import Criterion
from dti.periods import actions as period_actions
from dti.units.models import Department

pytestmark = pytest.mark.django_db


class Case(AssessmentCase):
    """A 2024 period open for self-assessment, unit A's assessment on ``code``, and three
    departments in unit A: Văn phòng (staff_a's), Thanh tra and Phòng KHTH."""

    def __init__(self, personas: Any, frameworks: dict[str, Any], code: str = "bacninh-so") -> None:
        super().__init__(personas, frameworks, code)
        self.office = personas.department_a
        self.inspectorate = Department.objects.create(
            unit=personas.unit_a, name="Thanh tra", position=2
        )
        self.planning = Department.objects.create(
            unit=personas.unit_a, name="Phòng KHTH", position=3
        )

    def assign(  # type: ignore[override]
        self, codes: list[str], lead: Department | None, coordinating: list[Department]
    ) -> None:
        actor, access = self.who("officer_a")
        actions.assign_criteria(
            actor, access, self.assessment, [self.criterion(c) for c in codes], lead, coordinating
        )

    def document(self, codes: list[str], number: str = "105/QĐ-STP") -> Evidence:
        actor, access = self.who("officer_a")
        return actions.add_evidence(
            actor,
            access,
            self.assessment,
            Evidence(
                kind=Evidence.Kind.DOCUMENT,
                doc_number=number,
                doc_date=datetime.date(2022, 6, 13),
                summary="Thành lập Ban Chỉ đạo chuyển đổi số",
            ),
            [self.criterion(c) for c in codes],
        )

    def url(self, name: str, **kwargs: Any) -> str:
        return reverse(
            f"assessments:{name}", kwargs={"assessment_id": self.assessment.pk, **kwargs}
        )


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> Case:
    return Case(personas, builtin_frameworks)


@pytest.fixture
def plan_case(personas: Any, builtin_frameworks: dict[str, Any]) -> Case:
    return Case(personas, builtin_frameworks, "binhphuoc-agency")


def _assignment(case: Case, code: str) -> Assignment | None:
    return (
        Assignment.objects.filter(assessment=case.assessment, criterion__code=code)
        .select_related("lead")
        .first()
    )


def _coordinating(case: Case, code: str) -> set[str]:
    assignment = _assignment(case, code)
    return {d.name for d in assignment.coordinating.all()} if assignment else set()


# ---------------------------------------------------------------- the work split


def test_the_officer_assigns_criteria_in_bulk_with_one_audit_record(case: Case) -> None:
    pillar_2 = case.criterion("2")
    response = case.client("officer_a").post(
        case.url("departments"),
        {
            "do": "assign",
            "criteria": [case.criterion("1.1").pk, case.criterion("1.3").pk],
            "pillars": [pillar_2.pk],
            "lead": case.inspectorate.pk,
            # the lead is not also one of its own coordinating departments
            "coordinating": [case.office.pk, case.planning.pk, case.inspectorate.pk],
        },
    )
    assert response.status_code == 302
    pillar_2_leaves = set(
        Criterion.objects.filter(framework=case.framework, code__startswith="2.")
        .exclude(rule_type="")
        .values_list("code", flat=True)
    )
    assert pillar_2_leaves
    assigned = set(
        Assignment.objects.filter(assessment=case.assessment, lead=case.inspectorate).values_list(
            "criterion__code", flat=True
        )
    )
    assert assigned == {"1.1", "1.3"} | pillar_2_leaves
    assert _coordinating(case, "1.3") == {"Văn phòng", "Phòng KHTH"}
    records = AuditRecord.objects.filter(action="assessment.assign")
    assert records.count() == 1
    assert records.get().after["lead"] == "Thanh tra"
    assert set(records.get().after["criteria"]) == assigned

    # Choosing no department clears the assignment.
    case.client("leader_a").post(
        case.url("departments"),
        {"do": "assign", "criteria": [case.criterion("1.1").pk], "lead": ""},
    )
    assert _assignment(case, "1.1").lead is None
    assert _coordinating(case, "1.1") == set()


def test_assigning_needs_a_criterion_and_the_units_own_departments(case: Case) -> None:
    client = case.client("officer_a")
    response = client.post(case.url("departments"), {"do": "assign", "lead": case.office.pk})
    assert response.status_code == 400
    assert "Select at least one criterion" in text(response)
    elsewhere = Department.objects.create(unit=case.personas.unit_b, name="Văn phòng")
    response = client.post(
        case.url("departments"),
        {"do": "assign", "criteria": [case.criterion("1.1").pk], "lead": elsewhere.pk},
    )
    assert response.status_code == 400
    other_framework = (
        Criterion.objects.exclude(framework=case.framework).exclude(rule_type="").first()
    )
    response = client.post(
        case.url("departments"),
        {"do": "assign", "criteria": [other_framework.pk], "lead": case.office.pk},
    )
    assert response.status_code == 400
    assert not Assignment.objects.exists()
    assert client.post(case.url("departments"), {"do": "something"}).status_code == 400


def test_pre_assignment_from_the_frameworks_plan(plan_case: Case) -> None:
    case = plan_case
    case.assign(["1.1.2"], case.inspectorate, [])  # already assigned by hand: left alone
    client = case.client("officer_a")
    page = client.get(case.url("departments"))
    assert page.status_code == 200
    plan = page.context["plan"]
    assert {name for name, department in plan.names if department} == {
        "Văn phòng",
        "Thanh tra",
        "Phòng KHTH",
    }
    assert {"Công chức", "Các phòng thuộc ban", "Phòng TT&DB", "Lãnh đạo ban"} <= set(
        plan.unmatched
    )
    body = text(page)
    assert "By the framework's plan" in body
    assert "Các phòng thuộc ban · not found" in body

    response = client.post(case.url("departments"), {"do": "plan"}, follow=True)
    assert response.status_code == 200
    body = text(response)
    assert "No department of the unit is called" in body and "Công chức" in body
    assert "already assigned" in body

    # Văn phòng leads, the others coordinate, as the plan says.
    assert _assignment(case, "1.1.2").lead == case.inspectorate
    assert _assignment(case, "1.2.1").lead == case.office
    assert _assignment(case, "3.3.1").lead == case.inspectorate  # "Phòng TT&ĐB" is not a department
    assert _coordinating(case, "3.3.1") == set()
    assert _assignment(case, "4.1").lead == case.planning
    assert _coordinating(case, "4.1") == {"Văn phòng"}
    # "Công chức" is not a department, but Văn phòng coordinates.
    assert _assignment(case, "5.1.1").lead is None
    assert _coordinating(case, "5.1.1") == {"Văn phòng"}
    # Nothing of the plan matches: not assigned.
    assert _assignment(case, "1.1.1") is None
    led = Assignment.objects.filter(assessment=case.assessment)
    assert (
        led.filter(lead=case.office).count() == 27
    )  # 28 in the plan, but 1.1.2 was assigned by hand
    assert led.filter(lead=case.inspectorate).count() == 6  # 5 by the plan and 1.1.2 by hand
    assert led.filter(lead=case.planning).count() == 3
    assert AuditRecord.objects.filter(action="assessment.assign").count() >= 2

    # Applying the plan again changes nothing that is assigned.
    before = list(led.order_by("pk").values_list("criterion_id", "lead_id"))
    client.post(case.url("departments"), {"do": "plan"})
    assert list(led.order_by("pk").values_list("criterion_id", "lead_id")) == before


def test_plan_names_match_regardless_of_case(plan_case: Case) -> None:
    case = plan_case
    Department.objects.filter(pk=case.planning.pk).update(name="PHÒNG khth")
    case.client("leader_a").post(case.url("departments"), {"do": "plan"})
    assert _assignment(case, "4.1").lead == case.planning


def test_progress_by_department(case: Case) -> None:
    case.assign(["1.1", "1.2", "1.3"], case.office, [case.planning])
    case.assign(["3.3"], case.inspectorate, [case.office])
    case.save("officer_a", "1.1", {"yes": True})
    case.save("officer_a", "3.3", {"numerator": 2, "denominator": 13})
    case.save("officer_a", "1.4", {"yes": True})  # not assigned
    actor, access = case.who("staff_a")
    actions.mark_done(actor, access, case.assessment, [case.criterion("1.1").pk], True)

    response = case.client("officer_a").get(case.url("departments"))
    assert response.status_code == 200
    progress = {p.department.name: p for p in response.context["split"].progress}
    office, inspectorate, planning = (
        progress["Văn phòng"],
        progress["Thanh tra"],
        progress["Phòng KHTH"],
    )
    assert (office.lead, office.coordinating, office.answered, office.done) == (3, 1, 1, 1)
    assert (
        inspectorate.lead,
        inspectorate.coordinating,
        inspectorate.answered,
        inspectorate.done,
    ) == (1, 0, 1, 0)
    assert (planning.lead, planning.coordinating, planning.answered, planning.done) == (0, 3, 0, 0)
    unassigned = response.context["split"].unassigned
    leaves = Criterion.objects.filter(framework=case.framework).exclude(rule_type="").count()
    assert (unassigned.lead, unassigned.answered) == (leaves - 4, 1)
    body = text(response)
    assert 'id="c-1.1"' in body and "Marked finished" in body


def test_department_staff_mark_their_criteria_finished(case: Case) -> None:
    case.assign(["1.1", "1.2"], case.office, [])
    case.assign(["1.3"], case.inspectorate, [case.office])
    client = case.client("staff_a")
    page = client.get(case.url("departments"))
    assert page.status_code == 200
    body = text(page)
    assert "Mark all our criteria finished" in body
    assert 'id="assign-form"' not in body and 'value="plan"' not in body

    ids = [case.criterion("1.1").pk]
    assert client.post(case.url("departments"), {"do": "done", "criteria": ids}).status_code == 302
    assert _assignment(case, "1.1").done and not _assignment(case, "1.2").done
    record = AuditRecord.objects.get(action="assessment.done")
    assert (record.before, record.after) == ({"1.1": False}, {"1.1": True})

    # "Mark all our criteria finished" marks the rest of the department's.
    client.post(case.url("departments"), {"do": "done", "department": case.office.pk})
    assert _assignment(case, "1.2").done
    client.post(case.url("departments"), {"do": "undone", "criteria": ids})
    assert not _assignment(case, "1.1").done
    assert AuditRecord.objects.filter(action="assessment.done").count() == 3

    # A criterion the department only coordinates, or does not have, is refused: nothing changes.
    for forged in (
        {"do": "done", "criteria": [case.criterion("1.3").pk, case.criterion("1.2").pk]},
        {"do": "done", "criteria": [case.criterion("1.4").pk]},
        {"do": "done", "department": case.inspectorate.pk},
    ):
        response = client.post(case.url("departments"), forged)
        assert response.status_code == 403, forged
        assert "only the criteria it leads" in text(response)
    assert not _assignment(case, "1.3").done
    assert AuditRecord.objects.filter(action="assessment.done").count() == 3


def test_department_staff_cannot_assign(case: Case) -> None:
    case.assign(["1.1"], case.office, [])
    client = case.client("staff_a")
    forged = {"do": "assign", "criteria": [case.criterion("1.2").pk], "lead": case.office.pk}
    response = client.post(case.url("departments"), forged)
    assert response.status_code == 403
    assert "Only the unit" in text(response)
    assert client.post(case.url("departments"), {"do": "plan"}).status_code == 403
    assert _assignment(case, "1.2") is None
    assert AuditRecord.objects.filter(action="assessment.assign").count() == 1
    # The data officer does not mark a department's work finished for it.
    response = case.client("officer_a").post(
        case.url("departments"), {"do": "done", "criteria": [case.criterion("1.1").pk]}
    )
    assert response.status_code == 403
    assert not _assignment(case, "1.1").done


def test_nothing_is_marked_finished_once_submitted(case: Case) -> None:
    case.assign(["1.1"], case.office, [])
    leader, access = case.who("leader_a")
    actions.submit_assessment(leader, access, case.assessment)
    response = case.client("staff_a").post(
        case.url("departments"), {"do": "done", "criteria": [case.criterion("1.1").pk]}
    )
    assert response.status_code == 403
    assert "submitted" in text(response)
    assert not _assignment(case, "1.1").done


# ---------------------------------------------------------------- the leader's sign-off


def _form_url(case: Case) -> str:
    try:
        return case.url("form")
    except NoReverseMatch:  # the form page belongs to another module
        return ""


def test_summary_figures_are_the_scoring_engines(case: Case) -> None:
    case.save("officer_a", "1.1", {"yes": True})
    case.save("officer_a", "3.3", {"numerator": 2, "denominator": 13})
    # 4.3 takes its denominator from the general information, which shrinks after the answer.
    actor, access = case.who("officer_a")
    actions.save_general_info(
        actor, access, case.assessment, {"civil_servants": 30, "public_employees": 10}, 0
    )
    case.save("officer_a", "4.3", {"numerator": 30})
    actions.save_general_info(
        actor, access, case.assessment, {"civil_servants": 10, "public_employees": 5}, 1
    )
    case.assessment.refresh_from_db()
    case.document(["1.1"])
    expected = actions.summary(case.assessment)
    response = case.client("leader_a").get(case.url("summary"))
    assert response.status_code == 200
    context = response.context
    assert context["result"].total == expected["result"].total
    assert context["result"].dti == expected["result"].dti
    assert [(p.code, n.score) for p, n in context["pillars"]] == [
        (p.code, n.score) for p, n in expected["pillars"]
    ]
    assert [c.code for c in context["unanswered"]] == [c.code for c in expected["unanswered"]]
    assert [c.code for c in context["without_evidence"]] == [
        c.code for c in expected["without_evidence"]
    ]
    assert "3.3" in [c.code for c in expected["without_evidence"]]
    assert [c.code for c in context["over_100"]] == ["4.3"]
    body = text(response)
    total = expected["result"].total
    assert total == Decimal("23.08")  # 20 + 3,08; 30 of 15 people is no longer a valid answer
    assert "4.3" in [c.code for c in expected["unanswered"]]
    assert "23.08 / 1000" in body
    pillar_3 = dict((p.code, n) for p, n in expected["pillars"])["3"]
    vietnamese = text(case.client("leader_a", "vi").get(case.url("summary")))
    assert "23,08 / 1000" in vietnamese  # the decimal comma
    assert f'<td class="num">{pillar_3.score}</td>'.replace(".", ",") in vietnamese
    form_url = _form_url(case)
    assert f'href="{form_url}#c-4.3"' in body if form_url else ">4.3<" in body
    assert "I have reviewed the unit" in body
    assert f'action="{case.url("submit")}"' in body


def test_only_the_leader_sees_the_submit_form(case: Case) -> None:
    for name in ("officer_a", "staff_a", "admin"):
        body = text(case.client(name).get(case.url("summary")))
        assert f'action="{case.url("submit")}"' not in body, name
        assert "Only the unit's leader signs off" in body, name


def test_the_leader_submits_a_snapshot_and_the_assessment_becomes_read_only(case: Case) -> None:
    case.save("officer_a", "1.1", {"yes": True})
    client = case.client("leader_a")
    # No confirmation, no submission.
    response = client.post(case.url("submit"))
    assert response.status_code == 400
    assert "Tick the box" in text(response)
    assert not Submission.objects.exists()

    response = client.post(case.url("submit"), {"confirm": "yes"})
    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == case.url("submitted", number=submission.number)
    assert submission.submitted_by == case.personas.users["leader_a"]
    assert submission.total == Decimal(20)
    case.assessment.refresh_from_db()
    assert case.assessment.status == Assessment.Status.SUBMITTED
    with pytest.raises(actions.NotAllowed, match="submitted"):
        case.save("officer_a", "1.1", {"yes": False})
    assert AuditRecord.objects.filter(action="assessment.submit").count() == 1

    # Submitted: the summary says so and offers the submission, not the form.
    body = text(client.get(case.url("summary")))
    assert f'action="{case.url("submit")}"' not in body
    assert "read-only" in body
    assert case.url("submitted", number=1) in body
    # A second submission is refused until it is reopened.
    assert client.post(case.url("submit"), {"confirm": "yes"}).status_code == 403
    assert Submission.objects.count() == 1


def test_the_data_officer_cannot_submit(case: Case) -> None:
    for name in ("officer_a", "staff_a", "admin"):
        response = case.client(name).post(case.url("submit"), {"confirm": "yes"})
        assert response.status_code == 403, name
        assert "Only the unit's leader" in text(response)
    assert not Submission.objects.exists()
    case.assessment.refresh_from_db()
    assert case.assessment.status == Assessment.Status.DRAFT


def test_the_submission_page_shows_the_snapshot_not_the_live_data(case: Case) -> None:
    case.save("officer_a", "1.1", {"yes": True})
    case.save("officer_a", "3.3", {"numerator": 2, "denominator": 13})
    evidence = case.document(["1.1"])
    leader, leader_access = case.who("leader_a")
    submission = actions.submit_assessment(leader, leader_access, case.assessment)
    admin = Actor(case.personas.users["admin"], "admin")
    period_actions.reopen_unit(
        admin,
        case.period,
        case.personas.unit_a,
        timezone.now() + datetime.timedelta(days=2),
        "Bổ sung",
    )
    case.save("officer_a", "1.1", {"yes": False})
    case.save("officer_a", "3.3", {"numerator": 5, "denominator": 13})
    actor, access = case.who("officer_a")
    actions.remove_evidence(actor, access, evidence)
    case.document(["3.3"], number="999/QĐ-MỚI")

    response = case.client("officer_a").get(case.url("submitted", number=submission.number))
    assert response.status_code == 200
    body = text(response)
    assert "23.08 / 1000" in body
    assert "23,08 / 1000" in text(
        case.client("officer_a", "vi").get(case.url("submitted", number=1))
    )
    assert "2 / 13" in body and "5 / 13" not in body
    assert "105/QĐ-STP" in body and "999/QĐ-MỚI" not in body
    assert "13/06/2022" in body
    rows = {row.criterion.code: row for row in response.context["rows"]}
    assert rows["1.1"].score == Decimal(20) and rows["1.1"].figures == "Yes"
    assert rows["1.1"].evidence == ["105/QĐ-STP Thành lập Ban Chỉ đạo chuyển đổi số"]
    assert rows["3.3"].score == Decimal("3.08")
    assert rows["1"].score == Decimal(20)
    # while the live summary has moved on
    live = case.client("officer_a").get(case.url("summary")).context["result"]
    assert live.total == Decimal("7.69")
    assert case.client("officer_a").get(case.url("submitted", number=2)).status_code == 404


# ---------------------------------------------------------------- permissions


def test_who_may_see_the_pages(case: Case) -> None:
    leader, access = case.who("leader_a")
    actions.submit_assessment(leader, access, case.assessment)
    pages = [case.url("departments"), case.url("summary"), case.url("submitted", number=1)]
    for url in pages:
        for name in ("officer_a", "leader_a", "staff_a", "admin"):
            assert case.client(name).get(url).status_code == 200, (url, name)
        for name in ("officer_b", "appraiser"):
            assert case.client(name).get(url).status_code == 404, (url, name)
        response = case.client("anonymous").get(url)
        assert response.status_code == 302 and "sign-in" in response["Location"], url
    for name in ("officer_b", "appraiser"):
        client = case.client(name)
        assert client.post(case.url("submit"), {"confirm": "yes"}).status_code == 404
        assert client.post(case.url("departments"), {"do": "plan"}).status_code == 404
    assert case.client("anonymous").post(case.url("submit")).status_code == 302
    missing = reverse("assessments:summary", kwargs={"assessment_id": case.assessment.pk + 99})
    assert case.client("admin").get(missing).status_code == 404


def test_wrong_methods(case: Case) -> None:
    client = case.client("leader_a")
    assert client.post(case.url("summary")).status_code == 405
    assert client.get(case.url("submit")).status_code == 405
    assert client.delete(case.url("departments")).status_code == 405
    assert client.put(case.url("departments")).status_code == 405
    assert client.post(case.url("submitted", number=1)).status_code == 405


# ---------------------------------------------------------------- queries


def _count(client: Client, url: str) -> int:
    client.get(url)  # the first request sets up the session and the framework cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _fill(case: Case, limit: int) -> None:
    """Assign, answer and give evidence to the first ``limit`` criteria."""
    leaves = list(
        Criterion.objects.filter(framework=case.framework)
        .exclude(rule_type="yesno")
        .exclude(rule_type="")
    )
    yesno = list(
        Criterion.objects.filter(framework=case.framework, rule_type="yesno").order_by("position")
    )[:limit]
    case.assign([c.code for c in yesno], case.office, [case.inspectorate, case.planning])
    case.assign([c.code for c in leaves[:limit]], case.inspectorate, [case.office])
    for criterion in yesno:
        case.save("officer_a", criterion.code, {"yes": True})
    case.document([c.code for c in yesno])


@pytest.mark.parametrize("code", ["bacninh-so", "bacninh-huyen"])
def test_query_counts_do_not_grow_with_the_framework(
    personas: Any, builtin_frameworks: dict[str, Any], code: str
) -> None:
    case = Case(personas, builtin_frameworks, code)
    _fill(case, 8)
    officer, staff, leader = (
        case.client("officer_a"),
        case.client("staff_a"),
        case.client("leader_a"),
    )
    # (the session is not saved again within minutes of the first request)
    assert _count(officer, case.url("departments")) == 10
    assert _count(staff, case.url("departments")) == 12
    assert _count(leader, case.url("summary")) == 8
    actor, access = case.who("leader_a")
    submission = actions.submit_assessment(actor, access, case.assessment)
    assert _count(leader, case.url("submitted", number=submission.number)) == 8
