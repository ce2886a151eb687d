"""The API's published results, improvement plans and steering-committee targets.

Results on the hand-computed figures of tests/test_results.py (``helpers.results_case``): unit A
(Sở Tư pháp) 1.1 yes (20), 1.2 no (0), 1.3 self-assessed 4/4 (10) corrected by the council to 1/4
(2,5): 22,50 of 1000, self-assessed 30, DTI 0,0225, rank 2/2, band Khá (2 % and more); its pillar
1 (Nhận thức số) 22,50, first of the group. Unit B (Sở Y tế): 1.1 and 2.1 yes, 40, rank 1,
Xuất sắc (3 % and more); pillar 1 20,00, second.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from helpers import AppraisalCase, api_client, results_case

from dti.accounts.access import Access
from dti.accounts.actions import grant_role
from dti.accounts.models import Role, User
from dti.audit.models import AuditRecord
from dti.audit.trail import Actor
from dti.periods import actions as period_actions
from dti.plans import actions as plan_actions
from dti.plans.models import Plan, PlanAction
from dti.plans.timing import HOW_TO_WRITE
from dti.steering import actions as steering_actions
from dti.steering.models import ProgressReport, SteeringPlan, Target

pytestmark = pytest.mark.django_db

API = "/api/v1"


def visitor(language: str = "en") -> Client:
    """Someone calling without a token."""
    return Client(HTTP_ACCEPT_LANGUAGE=language)


def error(response: Any) -> dict[str, Any]:
    return response.json()["error"]  # type: ignore[no-any-return]


def fields(response: Any) -> dict[str, str]:
    return {f["field"]: f["message"] for f in error(response)["fields"]}


# ------------------------------------------------------------ published results


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    """Both units appraised and finalised, the period approved: results computed, unpublished."""
    return results_case(personas, builtin_frameworks, approve=True)


@pytest.fixture
def published(case: AppraisalCase) -> AppraisalCase:
    case.period = period_actions.move_period(case.admin, case.period, "published")
    return case


def results_urls(case: AppraisalCase) -> dict[str, str]:
    pk = case.period.pk
    return {
        "period": f"{API}/results/periods/{pk}",
        "unit_a": f"{API}/results/periods/{pk}/units/{case.personas.unit_a.pk}",
        "unit_b": f"{API}/results/periods/{pk}/units/{case.personas.unit_b.pk}",
    }


def test_published_periods_are_listed_without_a_token(published: AppraisalCase) -> None:
    response = visitor().get(f"{API}/results/periods")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    period = body["results"][0]
    assert (period["id"], period["year"], period["name"]) == (published.period.pk, 2024, "DTI 2024")
    assert (period["data_start"], period["data_end"]) == ("2023-10-01", "2024-09-30")
    assert period["publication_date"] is None
    assert period["bands"] == [
        {"label": "Xuất sắc", "min_percent": "3"},
        {"label": "Khá", "min_percent": "2"},
        {"label": "Kém", "min_percent": "0"},
    ]
    assert period["groups"] == [
        {
            "number": 1,
            "name": "Nhóm 1",
            "framework": {
                "id": published.framework.pk,
                "code": "bacninh-so",
                "version": published.framework.version,
                "name": published.framework.name,
            },
            "units_ranked": 2,
        }
    ]


def test_a_period_ranking_with_hand_computed_values(
    published: AppraisalCase, django_assert_num_queries: Any
) -> None:
    client = visitor()
    url = results_urls(published)["period"]
    with django_assert_num_queries(3):  # the period, the count, the page of results
        response = client.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    b, a = body["results"]
    assert {k: a[k] for k in a if k != "pillars"} == {
        "group": 1,
        "group_name": "Nhóm 1",
        "unit_id": published.personas.unit_a.pk,
        "code": "stp",
        "name": "Sở Tư pháp",
        "rank": 2,
        "group_size": 2,
        "total": "22.50",
        "maximum": "1000.00",
        "dti": "0.0225",
        "band": "Khá",
        "self_total": None,  # not public
    }
    assert (b["code"], b["rank"], b["total"], b["dti"], b["band"]) == (
        "syt",
        1,
        "40.00",
        "0.0400",
        "Xuất sắc",
    )
    pillar_a = a["pillars"][0]
    assert pillar_a == {
        "code": "1",
        "title": pillar_a["title"],
        "score": "22.50",
        "max": "100.00",
        "rank": 1,
    }
    assert (b["pillars"][0]["score"], b["pillars"][0]["rank"]) == ("20.00", 2)
    assert [p["code"] for p in a["pillars"]] == [p["code"] for p in b["pillars"]]
    # one group by its number; a group it does not have is an empty page
    assert client.get(url, {"group": 1}).json()["count"] == 2
    assert client.get(url, {"group": 2}).json()["count"] == 0
    # pages
    page = client.get(url, {"page_size": 1, "page": 2}).json()
    assert [r["code"] for r in page["results"]] == ["stp"]
    assert page["pages"] == 2 and page["next"] is None and page["previous"]


def test_a_unit_result_has_every_criterion(published: AppraisalCase) -> None:
    response = visitor().get(results_urls(published)["unit_a"])
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["rank"], body["dti"], body["self_total"]) == (
        "22.50",
        2,
        "0.0225",
        None,
    )
    assert (body["period_id"], body["year"]) == (published.period.pk, 2024)
    assert body["framework"]["code"] == "bacninh-so"
    criteria = {c["code"]: c for c in body["criteria"]}
    assert (criteria["1.1"]["score"], criteria["1.2"]["score"], criteria["1.3"]["score"]) == (
        "20.00",
        "0.00",
        "2.50",
    )
    assert criteria["1"]["score"] == "22.50" and criteria["1"]["parent"] is None
    assert criteria["1.3"]["parent"] == "1" and criteria["1.3"]["leaf"] is True
    assert criteria["1.1"]["max"] == "20.00"
    assert all(c["self_score"] is None for c in body["criteria"])  # not public
    assert body["criteria"][0]["code"] == "1"  # tree order, pillar first


def test_self_assessed_scores_only_for_the_unit_and_the_administrator(
    published: AppraisalCase,
) -> None:
    users = published.personas.users
    urls = results_urls(published)
    for name in ("officer_a", "staff_a", "admin"):
        body = api_client(users[name]).get(urls["unit_a"]).json()
        criteria = {c["code"]: c for c in body["criteria"]}
        assert body["self_total"] == "30.00", name
        assert (criteria["1.3"]["self_score"], criteria["1.3"]["score"]) == ("10.00", "2.50")
    body = api_client(users["officer_b"]).get(urls["unit_a"]).json()
    assert body["self_total"] is None
    assert all(c["self_score"] is None for c in body["criteria"])
    ranking = api_client(users["officer_a"]).get(urls["period"]).json()["results"]
    assert {r["code"]: r["self_total"] for r in ranking} == {"syt": None, "stp": "30.00"}
    # a browser's session is not a token: nothing more than for a visitor
    session = published.personas.client("officer_a")
    assert session.get(urls["unit_a"]).json()["self_total"] is None


def test_an_approved_unpublished_period_is_not_found_everywhere(case: AppraisalCase) -> None:
    urls = results_urls(case)
    for client in (visitor(), api_client(case.personas.users["admin"])):
        assert client.get(f"{API}/results/periods").json()["count"] == 0
        for url in urls.values():
            response = client.get(url)
            assert response.status_code == 404, url
            assert error(response)["code"] == "not_found"
            assert error(response)["message"] == "Not found, or not yours to see."
    assert visitor("vi").get(urls["period"]).status_code == 404


def test_unknown_periods_and_units_are_not_found(published: AppraisalCase) -> None:
    client = visitor()
    assert client.get(f"{API}/results/periods/999999").status_code == 404
    assert (
        client.get(f"{API}/results/periods/{published.period.pk}/units/999999").status_code == 404
    )
    bad = client.get(f"{API}/results/periods/abc")
    assert bad.status_code == 400 and error(bad)["code"] == "invalid"


def test_a_wrong_token_is_refused_even_on_public_results(published: AppraisalCase) -> None:
    client = Client(HTTP_AUTHORIZATION="Bearer dti_wrong", HTTP_ACCEPT_LANGUAGE="en")
    response = client.get(f"{API}/results/periods")
    assert response.status_code == 401
    assert error(response)["code"] == "unauthenticated"


# ------------------------------------------------------------ improvement plans


@pytest.fixture
def plan(case: AppraisalCase) -> Plan:
    """Unit A's plan drafted by its data officer, with one action for criterion 1.3."""
    officer = Actor(case.personas.users["officer_a"], "officer_a")
    drafted = plan_actions.draft_plan(officer, case.personas.unit_a, case.period)
    plan_actions.add_action(
        officer,
        drafted,
        code="1.3",
        task="Số hoá hồ sơ",
        lead="Văn phòng",
        timing="Quý IV/2025",
    )
    return drafted


def plan_url(plan: Plan, suffix: str = "") -> str:
    return f"{API}/plans/{plan.pk}{suffix}"


def api_records(action: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=action, source__contains="API").order_by("pk"))


def test_plans_are_listed_for_their_unit_and_the_administrator(
    case: AppraisalCase, plan: Plan
) -> None:
    users = case.personas.users
    for name in ("officer_a", "leader_a", "staff_a", "admin"):
        body = api_client(users[name]).get(f"{API}/plans").json()
        assert [p["id"] for p in body["results"]] == [plan.pk], name
    assert api_client(users["officer_b"]).get(f"{API}/plans").json()["count"] == 0
    assert api_client(users["appraiser"]).get(f"{API}/plans").json()["count"] == 0
    client = api_client(users["admin"])
    unit_b = case.personas.unit_b.pk
    assert client.get(f"{API}/plans", {"unit": unit_b}).json()["count"] == 0
    assert client.get(f"{API}/plans", {"period": case.period.pk}).json()["count"] == 1
    item = client.get(f"{API}/plans").json()["results"][0]
    assert item == {
        "id": plan.pk,
        "unit_id": case.personas.unit_a.pk,
        "unit_code": "stp",
        "unit_name": "Sở Tư pháp",
        "period_id": case.period.pk,
        "period_year": 2024,
        "year": 2025,
        "superior": plan.superior,
        "number": "",
        "symbol": "KH-STP",
        "place": plan.place,
        "issued_on": None,
        "signer_title": plan.signer_title,
        "signer_name": plan.signer_name,
        "actions_count": 1,
        "created_at": item["created_at"],
        "updated_at": item["updated_at"],
    }
    assert visitor().get(f"{API}/plans").status_code == 401


def test_a_plan_with_its_actions(case: AppraisalCase, plan: Plan) -> None:
    response = api_client(case.personas.users["officer_a"]).get(plan_url(plan))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["year"], body["symbol"], body["can_edit"]) == (
        plan.pk,
        2025,
        "KH-STP",
        True,
    )
    action = plan.actions.get()
    assert body["actions"] == [
        {
            "id": action.pk,
            "code": "1.3",
            "task": "Số hoá hồ sơ",
            "lead": "Văn phòng",
            "coordinating": "",
            "timing": "Quý IV/2025",
            "timing_kind": "quarter",
            "due": "2025-12-31",
            "overdue": action.is_overdue(datetime.date.today()),
            "status": "not_started",
            "status_label": "Not started",
            "progress": "",
            "position": 1,
            "updated_at": body["actions"][0]["updated_at"],
        }
    ]
    staff = api_client(case.personas.users["staff_a"]).get(plan_url(plan))
    assert staff.status_code == 200 and staff.json()["can_edit"] is False
    outsider = api_client(case.personas.users["officer_b"]).get(plan_url(plan))
    assert outsider.status_code == 404 and error(outsider)["code"] == "not_found"
    assert (
        api_client(case.personas.users["officer_a"]).get(f"{API}/plans/999999").status_code == 404
    )


def test_the_data_officer_adds_an_action_through_the_api(case: AppraisalCase, plan: Plan) -> None:
    client = api_client(case.personas.users["officer_a"])
    response = client.post(
        plan_url(plan, "/actions"),
        {
            "code": "1.2",
            "task": "  Ban hành quy chế  ",
            "lead": "Văn phòng",
            "coordinating": "Phòng Hành chính tư pháp",
            "timing": "quý 2 / 2025",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["task"], body["timing"], body["due"], body["position"]) == (
        "1.2",
        "Ban hành quy chế",
        "Quý II/2025",
        "2025-06-30",
        2,
    )
    assert body["coordinating"] == "Phòng Hành chính tư pháp"
    added = PlanAction.objects.get(pk=body["id"])
    assert (added.plan_id, added.due) == (plan.pk, datetime.date(2025, 6, 30))
    (record,) = api_records("plan.action.add")
    assert record.actor == case.personas.users["officer_a"]
    assert record.after["timing"] == "Quý II/2025"


def test_a_timing_that_does_not_read_is_refused_with_what_to_write(
    case: AppraisalCase, plan: Plan
) -> None:
    client = api_client(case.personas.users["officer_a"])
    payload = {"code": "1.2", "task": "Làm", "lead": "Văn phòng", "timing": "sớm nhất có thể"}
    response = client.post(plan_url(plan, "/actions"), payload, content_type="application/json")
    assert response.status_code == 400
    assert error(response)["code"] == "invalid"
    assert fields(response) == {"body.timing": str(HOW_TO_WRITE)}
    payload["timing"], payload["code"] = "Quý IV/2025", "9.9"  # not a criterion of the plan
    response = client.post(plan_url(plan, "/actions"), payload, content_type="application/json")
    assert response.status_code == 400 and list(fields(response)) == ["body.code"]
    del payload["task"]
    response = client.post(plan_url(plan, "/actions"), payload, content_type="application/json")
    assert response.status_code == 400
    assert any(f.endswith("task") for f in fields(response))
    assert plan.actions.count() == 1
    assert api_records("plan.action.add") == []
    vi = api_client(case.personas.users["officer_a"], language="vi")
    payload.update(task="Làm", code="1.2", timing="sớm")
    assert (
        vi.post(plan_url(plan, "/actions"), payload, content_type="application/json").status_code
        == 400
    )


def test_readers_and_outsiders_may_not_change_a_plan(case: AppraisalCase, plan: Plan) -> None:
    users = case.personas.users
    action = plan.actions.get()
    payload = {"code": "1.2", "task": "Làm", "lead": "Văn phòng", "timing": "Quý IV/2025"}
    clients = {name: api_client(users[name]) for name in ("staff_a", "admin", "officer_b")}
    before = AuditRecord.objects.count()  # the tokens' records made
    for name, status in (("staff_a", 403), ("admin", 403), ("officer_b", 404)):
        client = clients[name]
        added = client.post(plan_url(plan, "/actions"), payload, content_type="application/json")
        assert added.status_code == status, name
        assert error(added)["code"] == ("forbidden" if status == 403 else "not_found")
        changed = client.patch(
            plan_url(plan, f"/actions/{action.pk}"),
            {"status": "done"},
            content_type="application/json",
        )
        assert changed.status_code == status, name
    assert AuditRecord.objects.count() == before
    assert plan.actions.count() == 1
    action.refresh_from_db()
    assert action.status == "not_started"
    vi = api_client(users["officer_b"], language="vi")
    response = vi.patch(
        plan_url(plan, f"/actions/{action.pk}"), {"status": "done"}, content_type="application/json"
    )
    assert response.status_code == 404 and error(response)["code"] == "not_found"


def test_progress_is_reported_through_the_api(case: AppraisalCase, plan: Plan) -> None:
    action = plan.actions.get()
    client = api_client(case.personas.users["leader_a"])
    url = plan_url(plan, f"/actions/{action.pk}")
    response = client.patch(
        url,
        {"status": "in_progress", "progress": " Đã số hoá 40 % "},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["status_label"], body["progress"]) == (
        "in_progress",
        "In progress",
        "Đã số hoá 40 %",
    )
    # a field left out stays as it is
    response = client.patch(url, {"status": "done"}, content_type="application/json")
    assert (response.json()["status"], response.json()["progress"]) == ("done", "Đã số hoá 40 %")
    action.refresh_from_db()
    assert (action.status, action.progress) == ("done", "Đã số hoá 40 %")
    records = api_records("plan.action.progress")
    assert len(records) == 2
    assert (records[0].before["status"], records[0].after["status"]) == (
        "not_started",
        "in_progress",
    )
    bad = client.patch(url, {"status": "finished"}, content_type="application/json")
    assert bad.status_code == 400 and error(bad)["code"] == "invalid"
    assert len(api_records("plan.action.progress")) == 2
    # an action of no plan of theirs
    assert (
        client.patch(
            plan_url(plan, "/actions/999999"), {}, content_type="application/json"
        ).status_code
        == 404
    )


# ------------------------------------------------------------ steering committee


class Steering:
    """Two committee members and a 2023 plan: target 1.a “≥ 80 %” led by member A, target 1.b
    “55–60 %” led by member B (reports due on the 10th of each quarter's last month)."""

    def __init__(self, personas: Any) -> None:
        system = Actor(label="test")
        self.personas = personas
        self.member_a = self.member(system, "bancd")
        self.member_b = self.member(system, "bancd2")
        self.plan = steering_actions.create_plan(system, "Kế hoạch 2023", 2023)
        self.target_a = steering_actions.create_target(
            system,
            self.plan,
            code="1.a",
            indicator="Tỷ lệ dân số có điện thoại thông minh",
            comparator="gte",
            value=Decimal(80),
            value_max=None,
            unit="%",
            lead_member=self.member_a,
            lead_unit="Sở Thông tin và Truyền thông",
        )
        self.target_b = steering_actions.create_target(
            system,
            self.plan,
            code="1.b",
            indicator="Tỷ lệ hồ sơ trực tuyến toàn trình",
            comparator="range",
            value=Decimal(55),
            value_max=Decimal(60),
            unit="%",
            lead_member=self.member_b,
        )

    @staticmethod
    def member(system: Actor, username: str) -> User:
        user = User.objects.create_user(
            username=username, password="mật-khẩu-thử-nghiệm", full_name=username.title()
        )
        grant_role(system, user, Role.Kind.STEERING)
        return user

    def client(self, who: str, language: str = "en") -> Client:
        user = getattr(self, who) if who.startswith("member") else self.personas.users[who]
        return api_client(user, language=language)  # type: ignore[no-any-return]


@pytest.fixture
def steering(personas: Any) -> Steering:
    return Steering(personas)


@pytest.fixture
def in_may_2023() -> Any:
    """Quarters 1 and 2 have begun; the first quarter's report was due on 10/3."""
    with time_machine.travel(datetime.datetime(2023, 5, 2, 10, 0, tzinfo=datetime.UTC)):
        yield


def report(client: Client, target: Target, **data: Any) -> Any:
    payload = {"year": 2023, "quarter": 1, "value": 82, "narrative": "Đã triển khai.", **data}
    return client.post(
        f"{API}/steering/targets/{target.pk}/reports", payload, content_type="application/json"
    )


def test_committee_plans_for_members_and_the_administrator(steering: Steering) -> None:
    for who in ("member_a", "admin"):
        body = steering.client(who).get(f"{API}/steering/plans").json()
        assert body["results"] == [
            {
                "id": steering.plan.pk,
                "name": "Kế hoạch 2023",
                "year": 2023,
                "report_day": 10,
                "targets_count": 2,
                "tasks_count": 0,
            }
        ]
    for who in ("officer_a", "appraiser"):
        response = steering.client(who).get(f"{API}/steering/plans")
        assert response.status_code == 403 and error(response)["code"] == "forbidden"
        targets = steering.client(who).get(f"{API}/steering/plans/{steering.plan.pk}/targets")
        assert targets.status_code == 403
    assert steering.client("officer_a", "vi").get(f"{API}/steering/plans").status_code == 403


def test_targets_with_measure_status_and_latest_value(
    steering: Steering, in_may_2023: None
) -> None:
    steering_actions.report_progress(
        Actor(steering.member_a, "bancd"),
        Access(steering.member_a, []),
        steering.target_a,
        quarter=1,
        narrative="Q1",
        value=Decimal("82.5"),
    )
    response = steering.client("member_b").get(f"{API}/steering/plans/{steering.plan.pk}/targets")
    assert response.status_code == 200
    a, b = response.json()["results"]
    assert a["measure"] == {
        "comparator": "gte",
        "value": "80",
        "value_max": None,
        "unit": "%",
        "text": a["measure"]["text"],
    }
    assert "80" in a["measure"]["text"] and "≥" in a["measure"]["text"]
    assert (a["code"], a["deadline"], a["lead_unit"]) == (
        "1.a",
        "2023-12-31",
        "Sở Thông tin và Truyền thông",
    )
    assert a["lead_member"] == {
        "id": steering.member_a.pk,
        "username": "bancd",
        "full_name": "Bancd",
    }
    assert (a["status"], a["status_label"], a["latest_value"], a["latest_quarter"]) == (
        "met",
        "Met",
        "82.5",
        1,
    )
    # reported in May for the first quarter (due 10/3): late; the second not due yet
    assert [q["state"] for q in a["quarters"]] == ["late", "open", "open", "open"]
    assert a["quarters"][0]["value"] == "82.5" and a["quarters"][0]["due"] == "2023-03-10"
    assert b["measure"]["comparator"] == "range"
    assert (b["measure"]["value"], b["measure"]["value_max"]) == ("55", "60")
    # no report while the first quarter's was due: at risk
    assert (b["status"], b["latest_value"], b["state"]) == ("at_risk", None, "active")
    assert b["quarters"][0]["state"] == "overdue"
    missing = steering.client("admin").get(f"{API}/steering/plans/999999/targets")
    assert missing.status_code == 404


def test_the_lead_member_reports_through_the_api(steering: Steering, in_may_2023: None) -> None:
    client = steering.client("member_a")
    response = report(client, steering.target_a, value="79.5", link="https://example.org/bc")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["year"], body["quarter"], body["value"], body["link"], body["created"]) == (
        2023,
        1,
        "79.5",
        "https://example.org/bc",
        True,
    )
    assert body["reporter"] == "bancd"
    stored = ProgressReport.objects.get(target=steering.target_a, quarter=1)
    assert (stored.value, stored.narrative) == (Decimal("79.5"), "Đã triển khai.")
    # the same quarter again replaces the report
    again = report(client, steering.target_a, value=81, narrative="Đạt.")
    assert again.status_code == 200 and again.json()["created"] is False
    assert ProgressReport.objects.filter(target=steering.target_a).count() == 1
    records = AuditRecord.objects.filter(object_type="steering.progressreport").order_by("pk")
    assert [r.action for r in records] == ["steering.report.create", "steering.report.update"]
    assert all("API" in r.source for r in records)
    # the administrator may report on any target
    assert report(steering.client("admin"), steering.target_b, quarter=2).status_code == 201


def test_a_member_may_not_report_on_another_members_target(
    steering: Steering, in_may_2023: None
) -> None:
    member_b, outsider, member_b_vi = (
        steering.client("member_b"),
        steering.client("officer_a"),
        steering.client("member_b", "vi"),
    )
    before = AuditRecord.objects.count()  # the tokens' records made
    refused = report(member_b, steering.target_a)
    assert refused.status_code == 403 and error(refused)["code"] == "forbidden"
    not_theirs = report(outsider, steering.target_a)
    assert not_theirs.status_code == 404 and error(not_theirs)["code"] == "not_found"
    assert report(member_b_vi, steering.target_a).status_code == 403
    assert ProgressReport.objects.count() == 0
    assert AuditRecord.objects.count() == before


def test_a_report_too_early_or_invalid_is_refused(steering: Steering, in_may_2023: None) -> None:
    client = steering.client("member_a")
    early = report(client, steering.target_a, quarter=3)
    assert early.status_code == 409
    assert error(early) == {
        "code": "refused",
        "message": "Quarter 3 of 2023 has not begun: there is nothing to report yet.",
        "fields": [],
    }
    wrong_year = report(client, steering.target_a, year=2024)
    assert wrong_year.status_code == 400
    assert fields(wrong_year) == {"body.year": "This target belongs to the plan of 2023."}
    empty = report(client, steering.target_a, narrative="   ")
    assert empty.status_code == 400 and list(fields(empty)) == ["body.narrative"]
    bad_link = report(client, steering.target_a, link="not a link")
    assert bad_link.status_code == 400 and list(fields(bad_link)) == ["body.link"]
    not_a_number = report(client, steering.target_a, value="tám mươi")
    assert not_a_number.status_code == 400 and error(not_a_number)["code"] == "invalid"
    huge = report(client, steering.target_a, value="1e30")
    assert huge.status_code == 400
    assert report(client, steering.target_a, quarter=5).status_code == 400
    assert ProgressReport.objects.count() == 0
    assert not AuditRecord.objects.filter(object_type="steering.progressreport").exists()
    assert SteeringPlan.objects.count() == 1


def test_query_counts_are_pinned(
    case: AppraisalCase, plan: Plan, steering: Steering, django_assert_num_queries: Any
) -> None:
    """Whatever the number of plans, actions and targets: the token and the roles, then the
    page's own reads."""
    officer = api_client(case.personas.users["officer_a"])
    member = steering.client("member_a")
    calls = (
        (officer, f"{API}/plans", 4),  # + count, page
        (officer, plan_url(plan), 7),  # + plan, unit, period, membership, actions
        (member, f"{API}/steering/plans", 4),  # + count, page
        (member, f"{API}/steering/plans/{steering.plan.pk}/targets", 6),  # + plan, board (3)
    )
    for client, url, queries in calls:
        assert client.get(url).status_code == 200  # the token's first use is recorded
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200
