"""The steering committee: overdue reports with a frozen clock, reporting and its permissions, the
administrator's forms, the dashboard, `dti remind` and the demo plan."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dti.accounts.access import Access
from dti.accounts.actions import grant_role
from dti.accounts.models import Role, User
from dti.audit.models import AuditRecord
from dti.audit.trail import Actor
from dti.steering import actions, board
from dti.steering.models import ProgressReport, State, SteeringPlan, Target, Task

pytestmark = pytest.mark.django_db

HANOI = datetime.timezone(datetime.timedelta(hours=7))  # Asia/Ho_Chi_Minh has no summer time


def local(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=HANOI)  # type: ignore[misc]


def english(client: Client) -> Client:
    """The messages the tests read are the English originals, whatever the catalog holds."""
    client.cookies["django_language"] = "en"
    return client


class SteeringCase:
    """The personas, two committee members and a 2023 plan (reports due on the 10th):

    * target 1.a “≥ 80 %” and task 1 (by 31/05/2023), led by member A (``bancd``);
    * target 1.b “55–60 %”, led by member B (``bancd2``), who has no e-mail address;
    * task 2, every year, led by member A.
    """

    def __init__(self, personas: Any) -> None:
        self.personas = personas
        self.system = Actor(label="test")
        self.admin = personas.users["admin"]
        self.member_a = self.member("bancd", "Nguyễn Văn Chỉ", "bancd@example.org")
        self.member_b = self.member("bancd2", "Trần Thị Đạo", "")
        self.plan = actions.create_plan(self.system, "Kế hoạch 2023", 2023)
        self.target_a = self.target("1.a", "≥", "80", None, self.member_a)
        self.target_b = self.target("1.b", "range", "55", "60", self.member_b)
        self.task_dated = actions.create_task(
            self.system,
            self.plan,
            code="1",
            title="Phổ cập điện thoại thông minh",
            timing=Task.Timing.DATE,
            deadline=datetime.date(2023, 5, 31),
            lead_member=self.member_a,
        )
        self.task_yearly = actions.create_task(
            self.system,
            self.plan,
            code="2",
            title="Phổ biến kỹ năng số",
            timing=Task.Timing.YEARLY,
            lead_member=self.member_a,
        )

    def member(self, username: str, full_name: str, email: str) -> User:
        user = User.objects.create_user(
            username=username, password="mật-khẩu-thử-nghiệm", full_name=full_name, email=email
        )
        grant_role(self.system, user, Role.Kind.STEERING)
        return user

    def target(
        self, code: str, comparator: str, value: str, value_max: str | None, lead: User
    ) -> Target:
        return actions.create_target(
            self.system,
            self.plan,
            code=code,
            indicator=f"Chỉ tiêu {code}",
            comparator={"≥": "gte", "≤": "lte", "=": "eq"}.get(comparator, comparator),
            value=Decimal(value),
            value_max=Decimal(value_max) if value_max else None,
            unit="%",
            lead_member=lead,
        )

    def client(self, who: str) -> Client:
        if who in ("member_a", "member_b"):
            client = Client()
            client.force_login(getattr(self, who))
            return english(client)
        return english(self.personas.client(who))

    def report(
        self, item: Target | Task, quarter: int, value: str | None, at: datetime.datetime
    ) -> ProgressReport:
        lead = item.lead_member
        return actions.report_progress(
            Actor(lead, lead.username),
            Access(lead, []),
            item,
            quarter=quarter,
            narrative=f"Báo cáo quý {quarter}",
            value=Decimal(value) if value is not None else None,
            now=at,
        )

    def overdue(self) -> set[tuple[str, int]]:
        """(code, quarter) of every overdue report, at the (frozen) current time."""
        return {(o.item.code, o.quarter) for o in board.build_board(self.plan).overdue}


@pytest.fixture
def case(personas: Any) -> SteeringCase:
    return SteeringCase(personas)


# ---------------------------------------------------------------- the due day, with a frozen clock

LAST_MONTH = {1: 3, 2: 6, 3: 9, 4: 12}


@pytest.mark.parametrize("quarter", [1, 2, 3, 4])
def test_a_report_is_overdue_from_midnight_after_the_tenth(
    case: SteeringCase, quarter: int
) -> None:
    month = LAST_MONTH[quarter]
    with time_machine.travel(local(2023, month, 10, 23, 59, 59), tick=False):
        assert ("1.a", quarter) not in case.overdue()
    with time_machine.travel(local(2023, month, 11, 0, 0, 0), tick=False):
        assert ("1.a", quarter) in case.overdue()
        assert ("1.b", quarter) in case.overdue()


def test_the_due_moment_is_local_time(case: SteeringCase) -> None:
    # 23:59:59 in Hà Nội is 16:59:59 UTC: still in time; 17:00:00 UTC is midnight there
    with time_machine.travel(datetime.datetime(2023, 3, 10, 16, 59, 59, tzinfo=datetime.UTC)):
        assert case.overdue() == set()
    with time_machine.travel(datetime.datetime(2023, 3, 10, 17, 0, 0, tzinfo=datetime.UTC)):
        assert case.overdue() == {("1.a", 1), ("1.b", 1), ("1", 1), ("2", 1)}


def test_a_configured_report_day(case: SteeringCase) -> None:
    actions.update_plan(case.system, case.plan, report_day=25)
    with time_machine.travel(local(2023, 6, 11, 12, 0, 0)):
        assert ("1.a", 2) not in case.overdue()  # the 10th means nothing now
    with time_machine.travel(local(2023, 6, 25, 23, 59, 59), tick=False):
        assert ("1.a", 2) not in case.overdue()
    with time_machine.travel(local(2023, 6, 26, 0, 0, 0), tick=False):
        assert ("1.a", 2) in case.overdue()


def test_a_report_received_is_not_overdue_even_late(case: SteeringCase) -> None:
    case.report(case.target_a, 1, "70", local(2023, 3, 15, 9, 0))  # five days late
    with time_machine.travel(local(2023, 3, 20, 0, 0)):
        assert ("1.a", 1) not in case.overdue()
        assert ("1.b", 1) in case.overdue()
        row = next(r for r in board.build_board(case.plan).targets if r.item == case.target_a)
        assert row.quarters[0].state == "late"


def test_recurring_tasks_report_every_quarter(case: SteeringCase) -> None:
    with time_machine.travel(local(2023, 12, 11, 0, 0)):
        found = case.overdue()
    assert {q for code, q in found if code == "2"} == {1, 2, 3, 4}


def test_items_finished_cancelled_or_past_their_deadline_are_not_expected(
    case: SteeringCase,
) -> None:
    with time_machine.travel(local(2023, 9, 11, 0, 0)):
        found = case.overdue()
        # task 1 is due 31/05: it reports for Q1 and Q2, not for Q3 …
        assert {q for code, q in found if code == "1"} == {1, 2}
        # … and quarters not yet due are not overdue
        assert not any(q == 4 for _code, q in found)
        actions.update_task(case.system, case.task_yearly, state=State.DONE)
        actions.update_target(case.system, case.target_b, state=State.CANCELLED)
        found = case.overdue()
    assert not any(code in ("2", "1.b") for code, _q in found)
    assert ("1.a", 3) in found


def test_a_task_is_past_its_deadline_after_the_end_of_its_day(case: SteeringCase) -> None:
    with time_machine.travel(local(2023, 5, 31, 23, 59, 59), tick=False):
        assert board.build_board(case.plan).overdue_tasks == []
    with time_machine.travel(local(2023, 6, 1, 0, 0, 0), tick=False):
        assert [r.item for r in board.build_board(case.plan).overdue_tasks] == [case.task_dated]
    actions.update_task(case.system, case.task_dated, state=State.DONE)
    with time_machine.travel(local(2023, 6, 1, 0, 0, 0), tick=False):
        assert board.build_board(case.plan).overdue_tasks == []


def test_the_dashboard_counts_targets_by_status(case: SteeringCase) -> None:
    case.report(case.target_a, 1, "81", local(2023, 3, 5, 9, 0))  # met
    case.report(case.target_b, 1, "50", local(2023, 3, 5, 9, 0))  # below 55
    with time_machine.travel(local(2023, 4, 1, 0, 0)):
        assert board.build_board(case.plan).counts == {
            "met": 1,
            "on_track": 1,
            "at_risk": 0,
            "missed": 0,
        }
    with time_machine.travel(local(2023, 6, 11, 0, 0)):  # Q2's report is missing: at risk
        assert board.build_board(case.plan).counts["at_risk"] == 1
    with time_machine.travel(local(2024, 1, 1, 0, 0)):  # the year is over
        assert board.build_board(case.plan).counts == {
            "met": 1,
            "on_track": 0,
            "at_risk": 0,
            "missed": 1,
        }


# ---------------------------------------------------------------- reporting and its permissions


def report_url(item: Target | Task) -> str:
    name = "steering:target" if isinstance(item, Target) else "steering:task"
    return reverse(name, args=[item.pk])


def post_report(client: Client, item: Target | Task, **data: Any) -> Any:
    fields = {"quarter": 1, "value": "78,5", "narrative": "Đã triển khai.", **data}
    return client.post(report_url(item), fields)


@pytest.fixture
def in_2023() -> Any:
    with time_machine.travel(local(2023, 4, 20, 10, 0)):
        yield


def test_the_lead_member_reports_and_a_second_report_updates_it(
    case: SteeringCase, in_2023: None
) -> None:
    client = case.client("member_a")
    page = client.get(report_url(case.target_a))
    assert page.status_code == 200
    assert b'name="narrative"' in page.content
    response = post_report(client, case.target_a)
    assert response.status_code == 302
    report = ProgressReport.objects.get(target=case.target_a, quarter=1)
    assert report.value == Decimal("78.5")
    assert report.reporter == case.member_a
    response = post_report(client, case.target_a, value="80", narrative="Đạt.")
    assert response.status_code == 302
    report = ProgressReport.objects.get(target=case.target_a, quarter=1)  # still one
    assert (report.value, report.narrative) == (Decimal("80"), "Đạt.")
    records = AuditRecord.objects.filter(object_type="steering.progressreport")
    assert [r.action for r in records.order_by("pk")] == [
        "steering.report.create",
        "steering.report.update",
    ]
    assert records.order_by("pk").last().before["value"] == "78.5"  # type: ignore[union-attr]


def test_another_member_may_look_but_not_report(case: SteeringCase, in_2023: None) -> None:
    client = case.client("member_b")
    page = client.get(report_url(case.target_a))
    assert page.status_code == 200
    assert b'name="narrative"' not in page.content  # no form for someone else's target
    before = AuditRecord.objects.count()
    assert post_report(client, case.target_a).status_code == 403  # a forged POST
    assert post_report(client, case.task_yearly, value="").status_code == 403
    assert ProgressReport.objects.count() == 0
    assert AuditRecord.objects.count() == before
    # the action refuses too, whoever calls it
    with pytest.raises(actions.SteeringError):
        actions.report_progress(
            Actor(case.member_b, "bancd2"),
            Access(case.member_b, list(case.member_b.roles.all())),
            case.target_a,
            quarter=1,
            narrative="x",
            value=Decimal(1),
        )


def test_the_administrator_may_report_on_any_item(case: SteeringCase, in_2023: None) -> None:
    response = post_report(case.client("admin"), case.task_yearly, value="")
    assert response.status_code == 302
    report = ProgressReport.objects.get(task=case.task_yearly)
    assert report.reporter == case.admin
    assert report.value is None


@pytest.mark.parametrize("who", ["appraiser", "officer_a", "leader_a", "staff_a", "officer_b"])
def test_people_outside_the_committee_get_403_and_404(
    case: SteeringCase, in_2023: None, who: str
) -> None:
    client = case.client(who)
    assert client.get(reverse("steering:dashboard")).status_code == 403
    assert client.get(reverse("steering:mine")).status_code == 403
    assert client.get(report_url(case.target_a)).status_code == 404
    assert client.get(report_url(case.task_yearly)).status_code == 404
    assert post_report(client, case.target_a).status_code == 404
    assert client.get(reverse("steering:target_edit", args=[case.target_a.pk])).status_code == 403
    assert ProgressReport.objects.count() == 0


def test_anonymous_visitors_are_sent_to_sign_in(case: SteeringCase) -> None:
    client = Client()
    for url in (reverse("steering:dashboard"), report_url(case.target_a)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert post_report(client, case.target_a).status_code == 302
    assert ProgressReport.objects.count() == 0


def test_a_member_may_not_touch_the_plan(case: SteeringCase) -> None:
    client = case.client("member_a")
    for name, args in (
        ("steering:plan_create", []),
        ("steering:plan_edit", [case.plan.pk]),
        ("steering:target_create", [case.plan.pk]),
        ("steering:task_edit", [case.task_yearly.pk]),
        ("steering:import", [case.plan.pk]),
        ("steering:workbook", [case.plan.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 403, name


def test_a_target_report_needs_a_value_and_a_begun_quarter(
    case: SteeringCase, in_2023: None
) -> None:
    client = case.client("member_a")
    response = post_report(client, case.target_a, value="")
    assert response.status_code == 400
    assert b"This field is required" in response.content
    response = post_report(client, case.target_a, value="tám mươi")
    assert response.status_code == 400
    assert "“tám mươi” is not a number." in response.content.decode()
    response = post_report(client, case.target_a, quarter=3)  # Q3 has not begun on 20/04
    assert response.status_code == 400
    assert ProgressReport.objects.count() == 0


def test_evidence_files_are_checked_by_content(case: SteeringCase, in_2023: None) -> None:
    client = case.client("member_a")
    program = SimpleUploadedFile("bao-cao.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = post_report(client, case.target_a, evidence=program)
    assert response.status_code == 400
    assert "its content is a program" in response.content.decode()
    assert ProgressReport.objects.count() == 0
    pdf = SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.4\n%hand-made\n", "application/pdf")
    response = post_report(
        client, case.target_a, evidence=pdf, evidence_url="https://stttt.example.gov.vn/bc"
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert (report.evidence_name, report.evidence_type) == ("bao-cao.pdf", "application/pdf")
    assert report.evidence_url == "https://stttt.example.gov.vn/bc"
    url = reverse("steering:evidence", args=[report.pk])
    download = case.client("member_b").get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4\n%hand-made\n"  # type: ignore[attr-defined]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert case.client("officer_a").get(url).status_code == 404
    # a new report without a file keeps the file; asking to remove it removes it
    post_report(client, case.target_a, value="79")
    report.refresh_from_db()
    assert report.evidence_name == "bao-cao.pdf"
    post_report(client, case.target_a, value="79", remove_file="on")
    report.refresh_from_db()
    assert not report.evidence_file and report.evidence_name == ""


# ---------------------------------------------------------------- pages


def test_the_dashboard_shows_statuses_overdue_reports_and_who_owes_them(
    case: SteeringCase,
) -> None:
    case.report(case.target_a, 1, "81", local(2023, 3, 5, 9, 0))
    with time_machine.travel(local(2023, 4, 20, 10, 0)):
        page = case.client("member_a").get(reverse("steering:dashboard")).content.decode()
    assert "Kế hoạch 2023" in page
    assert "≥ 80 %" in page and "55–60 %" in page
    assert "81 %" in page
    assert '<span class="tag ok status-met">Met</span>' in page
    # target 1.b's Q1 report is overdue, and member B owes it
    overdue = page.split("Reports overdue</h2>")[1].split("</table>")[0]
    assert "1.b" in overdue and "Trần Thị Đạo" in overdue
    assert "1.a" not in overdue


def test_the_dashboard_costs_the_same_queries_for_a_larger_plan(case: SteeringCase) -> None:
    client = case.client("admin")
    url = reverse("steering:dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for number in range(10):
        target = case.target(f"9.{number}", "≥", "50", None, case.member_b)
        case.report(target, 1, "40", local(2023, 3, 1, 9, 0))
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)


def test_my_items_list_only_mine(case: SteeringCase) -> None:
    with time_machine.travel(local(2023, 4, 20, 10, 0)):
        page = case.client("member_b").get(reverse("steering:mine")).content.decode()
    assert reverse("steering:target", args=[case.target_b.pk]) in page
    assert reverse("steering:target", args=[case.target_a.pk]) not in page
    assert reverse("steering:task", args=[case.task_yearly.pk]) not in page


def test_a_steering_member_lands_on_the_dashboard_and_has_its_link(case: SteeringCase) -> None:
    client = case.client("member_a")
    response = client.get(reverse("start"))
    assert response["Location"] == reverse("steering:dashboard")
    link = f'href="{reverse("steering:dashboard")}"'
    assert link in client.get(reverse("accounts:me")).content.decode()
    assert link in case.client("admin").get(reverse("accounts:me")).content.decode()
    assert link not in case.client("officer_a").get(reverse("accounts:me")).content.decode()


def test_the_administrator_creates_a_plan_a_target_and_tasks(case: SteeringCase) -> None:
    client = case.client("admin")
    response = client.post(
        reverse("steering:plan_create"), {"name": "Kế hoạch 2024", "year": 2024, "report_day": 5}
    )
    assert response.status_code == 302
    plan = SteeringPlan.objects.get(year=2024)
    assert plan.report_day == 5
    duplicate = client.post(
        reverse("steering:plan_create"), {"name": "Lại 2024", "year": 2024, "report_day": 10}
    )
    assert duplicate.status_code == 400
    target = {
        "section": "1. Phát triển hạ tầng số",
        "code": "1.a",
        "indicator": "Tỷ lệ dân số có điện thoại thông minh",
        "target": "từ 80% trở lên",
        "deadline": "",
        "lead_member": case.member_a.pk,
        "lead_unit": "Sở Thông tin và Truyền thông",
        "coordinating": "",
        "state": "active",
        "position": "",
    }
    url = reverse("steering:target_create", args=[plan.pk])
    assert client.post(url, target).status_code == 302
    created = Target.objects.get(plan=plan, code="1.a")
    assert (created.comparator, created.value, created.value_max, created.unit) == (
        "gte",
        Decimal("80"),
        None,
        "%",
    )
    assert created.target_text == "≥ 80 %"
    assert created.due == datetime.date(2024, 12, 31)
    bad = client.post(url, {**target, "code": "1.b", "target": "> 80%"})
    assert bad.status_code == 400
    assert "a strict comparison cannot be checked" in bad.content.decode()
    outsider = client.post(
        url, {**target, "code": "1.c", "lead_member": case.personas.users["officer_a"].pk}
    )
    assert outsider.status_code == 400  # only committee members may lead
    task = {
        "code": "3.a",
        "title": "Phổ cập an toàn thông tin mạng",
        "description": "",
        "timing": "yearly",
        "deadline": "2024-06-30",
        "lead_member": case.member_b.pk,
        "lead_unit": "",
        "coordinating": "",
        "state": "active",
        "position": "",
    }
    url = reverse("steering:task_create", args=[plan.pk])
    assert client.post(url, task).status_code == 302
    yearly = Task.objects.get(plan=plan, code="3.a")
    assert yearly.recurring and yearly.deadline is None  # a recurring task has no date
    dated = client.post(url, {**task, "code": "18", "timing": "date", "deadline": ""})
    assert dated.status_code == 400
    assert "Give the deadline" in dated.content.decode()
    actions_written = AuditRecord.objects.filter(
        action__in=["steering.plan.create", "steering.target.create", "steering.task.create"]
    ).exclude(actor_label="test")
    assert actions_written.count() == 3


def test_editing_a_target_keeps_its_reports(case: SteeringCase) -> None:
    case.report(case.target_a, 1, "70", local(2023, 3, 5, 9, 0))
    client = case.client("admin")
    form = client.get(reverse("steering:target_edit", args=[case.target_a.pk]))
    assert form.status_code == 200
    assert 'value="≥ 80 %"' in form.content.decode()
    response = client.post(
        reverse("steering:target_edit", args=[case.target_a.pk]),
        {
            "section": "",
            "code": "1.a",
            "indicator": "Chỉ tiêu 1.a",
            "target": "≥ 85 %",
            "deadline": "2023-09-30",
            "lead_member": case.member_a.pk,
            "lead_unit": "",
            "coordinating": "",
            "state": "active",
            "position": "1",
        },
    )
    assert response.status_code == 302
    case.target_a.refresh_from_db()
    assert case.target_a.value == Decimal("85")
    assert case.target_a.deadline == datetime.date(2023, 9, 30)
    assert case.target_a.reports.count() == 1
    record = AuditRecord.objects.filter(action="steering.target.update").get()
    assert (record.before["target"], record.after["target"]) == ("≥ 80 %", "≥ 85 %")


# ---------------------------------------------------------------- dti remind


def remind(*args: str) -> str:
    out = StringIO()
    call_command("remind", *args, "--lang", "en", stdout=out)
    return out.getvalue()


def test_remind_lists_overdue_reports_and_tasks(case: SteeringCase) -> None:
    case.report(case.target_a, 1, "70", local(2023, 3, 5, 9, 0))
    assert "Reports overdue: 0" in remind("--date", "2023-03-10")
    output = remind("--date", "2023-03-11")
    assert "Kế hoạch 2023 — as of 11/03/2023" in output
    assert "Reports overdue: 3" in output
    assert (
        "Target 1.b — quarter 1/2023, due 10/03/2023 — Chỉ tiêu 1.b — Trần Thị Đạo (bancd2)"
        in output
    )
    assert "Task 2 — quarter 1/2023, due 10/03/2023" in output
    assert "Target 1.a" not in output  # reported
    assert "Tasks past their deadline: 0" in output
    output = remind("--date", "2023-06-01")
    assert (
        "Task 1 — deadline 31/05/2023 — Phổ cập điện thoại thông minh — Nguyễn Văn Chỉ (bancd)"
        in output
    )
    assert mail.outbox == []  # listing never e-mails


def test_remind_send_mails_each_member_their_own_items(case: SteeringCase) -> None:
    output = remind("--date", "2023-06-11", "--send")
    assert "Not e-mailed (no e-mail address): Trần Thị Đạo (bancd2)" in output
    assert "E-mails sent: 1" in output
    [message] = mail.outbox
    assert message.to == ["bancd@example.org"]
    assert "Dear Nguyễn Văn Chỉ," in message.body
    assert "Target 1.a — quarter 2/2023, due 10/06/2023" in message.body
    assert "Task 1 — deadline 31/05/2023" in message.body
    assert "1.b" not in message.body  # member B's target is not A's business
    assert message.subject == "DTI: 7 steering-committee items overdue"


def test_remind_refuses_a_bad_date_and_says_when_there_is_no_plan(personas: Any) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        remind("--date", "11/03/2023")
    assert "There is no plan of the steering committee to check." in remind()


def test_remind_picks_this_years_plan_or_the_latest(case: SteeringCase) -> None:
    actions.create_plan(case.system, "Kế hoạch 2025", 2025)
    assert "Kế hoạch 2025 — as of" in remind("--date", "2026-02-01")
    assert "Kế hoạch 2023 — as of" in remind("--date", "2024-02-01")
    assert "Kế hoạch 2023 — as of" in remind("--date", "2026-02-01", "--year", "2023")


# ---------------------------------------------------------------- the demo


def test_the_demo_plan_is_loaded_once(db: None) -> None:
    from dti.steering.demo import load_demo_steering

    actor = Actor(label="test")
    first = load_demo_steering(actor)
    assert first["targets"] >= 12 and first["tasks"] >= 6 and first["reports"] > 0
    assert load_demo_steering(actor) == {"targets": 0, "tasks": 0, "reports": 0}
    plan = SteeringPlan.objects.get(year=2023)
    texts = {t.code: t.target_text for t in plan.targets.all()}
    assert texts["1.a"] == "≥ 80 %" and texts["3.e"] == "55–60 %" and texts["4.b"] == "100 %"
    assert plan.targets.filter(lead_member__username="bancd").exists()
    found = board.build_board(plan)
    assert found.overdue, "the demo leaves some reports overdue"
    assert found.counts["met"] > 0 and found.counts["missed"] > 0
