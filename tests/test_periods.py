"""The administrator's screens for evaluation periods, and the deadline clock."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dti.audit.models import AuditRecord
from dti.audit.trail import Actor
from dti.periods import actions
from dti.periods.deadlines import submission_open
from dti.periods.models import Period, PeriodGroup, PeriodUnit, Reopening
from dti.units.models import Unit

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
SYSTEM = Actor(label="test")
GROUP_1 = "Nhóm 1: Các sở, ban, ngành"
GROUP_2 = "Nhóm 2: Các huyện, thị xã, thành phố"


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def in_vietnamese(message: str) -> str:
    with translation.override("vi"):
        return translation.gettext(message)


def new_period(year: int = 2024, **fields: Any) -> Period:
    values = {
        "year": year,
        "name": f"DTI {year}",
        "data_start": datetime.date(year - 1, 10, 1),
        "data_end": datetime.date(year, 9, 30),
        "submission_deadline": datetime.date(year, 10, 10),
        **fields,
    }
    return actions.create_period(SYSTEM, **values)


def with_groups(period: Period, frameworks: dict[str, Any], personas: Any) -> Period:
    actions.set_group(SYSTEM, period, 1, GROUP_1, frameworks["bacninh-so"], [personas.unit_a])
    actions.set_group(SYSTEM, period, 2, GROUP_2, frameworks["bacninh-huyen"], [personas.unit_b])
    return period


def opened(period: Period) -> Period:
    return actions.move_period(SYSTEM, period, Period.Status.OPEN)


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "year": "2024",
        "name": "Chỉ số DTI năm 2024",
        "data_start": "2023-10-01",
        "data_end": "2024-09-30",
        "submission_deadline": "2024-10-10",
        "appraisal_deadline": "2024-10-25",
        "explanation_deadline": "2024-11-05",
        "final_deadline": "2024-11-15",
        "publication_date": "2024-11-30",
    }
    data.update(overrides)
    return data


class AuditCounter:
    """The audit records an action wrote."""

    def __init__(self) -> None:
        self.start = AuditRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def new(self) -> list[AuditRecord]:
        return list(AuditRecord.objects.filter(pk__gt=self.start).order_by("pk"))


# Creating and editing ------------------------------------------------------------------------


def test_create_form_explains_the_decision_defaults(personas: Any) -> None:
    client = english(personas.client("admin"))
    html = client.get(reverse("periods:create")).content.decode()
    assert f'name="year" value="{datetime.date.today().year}"' in html
    assert html.count('type="date"') == 7
    # Empty dates follow the year, so changing only the year cannot leave last year's dates.
    assert "Empty: 01/10 of the year before." in html
    assert "Empty: 10/10 of the year." in html


def test_admin_creates_a_period_through_the_form(personas: Any) -> None:
    audit = AuditCounter()
    response = personas.client("admin").post(reverse("periods:create"), form_data())
    period = Period.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("periods:detail", args=[period.pk])
    assert period.status == Period.Status.DRAFT
    assert period.final_deadline == datetime.date(2024, 11, 15)
    [record] = audit.new()
    assert record.action == "period.create"
    assert record.actor == personas.users["admin"]
    assert record.before is None
    assert record.after["name"] == "Chỉ số DTI năm 2024"
    assert record.after["submission_deadline"] == "2024-10-10"


def test_empty_name_and_dates_follow_the_year(personas: Any) -> None:
    data = form_data(year="2025", name="", data_start="", data_end="", submission_deadline="")
    data.update(
        appraisal_deadline="", explanation_deadline="", final_deadline="", publication_date=""
    )
    client = english(personas.client("admin"))
    assert client.post(reverse("periods:create"), data).status_code == 302
    period = Period.objects.get()
    assert period.name == "Digital transformation index 2025"
    assert (period.data_start, period.data_end, period.submission_deadline) == (
        datetime.date(2024, 10, 1),
        datetime.date(2025, 9, 30),
        datetime.date(2025, 10, 10),
    )
    assert period.appraisal_deadline is None


@pytest.mark.parametrize("language", ["vi", "en"])
def test_deadlines_out_of_order_are_refused_in_the_users_language(
    personas: Any, language: str
) -> None:
    client = personas.client("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    audit = AuditCounter()
    response = client.post(reverse("periods:create"), form_data(appraisal_deadline="2024-10-01"))
    assert response.status_code == 200
    message = (
        "The deadlines must follow one another: submission, appraisal, explanations, "
        "final appraisal, publication."
    )
    expected = in_vietnamese(message) if language == "vi" else message
    assert expected in response.content.decode()
    assert 'class="alert error"' in response.content.decode()
    assert not Period.objects.exists()
    assert audit.new() == []


def test_form_errors_create_nothing(personas: Any) -> None:
    client = english(personas.client("admin"))
    response = client.post(reverse("periods:create"), form_data(year="1990", data_end="30/09"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="field-error"') == 2
    assert "Ensure this value is greater than or equal to 2000." in html
    assert "Enter a valid date." in html
    assert not Period.objects.exists()
    assert not AuditRecord.objects.filter(action="period.create").exists()


def test_edit_a_period(personas: Any) -> None:
    period = new_period()
    client = personas.client("admin")
    url = reverse("periods:edit", args=[period.pk])
    html = client.get(url).content.decode()
    assert 'value="2024-10-10"' in html and 'value="DTI 2024"' in html
    audit = AuditCounter()
    data = form_data(name="DTI 2024 (sửa)", submission_deadline="2024-10-15")
    assert client.post(url, data).status_code == 302
    period.refresh_from_db()
    assert period.name == "DTI 2024 (sửa)"
    assert period.year == 2024  # the year is not editable
    [record] = audit.new()
    assert record.action == "period.update"
    assert record.before["name"] == "DTI 2024" and record.after["name"] == "DTI 2024 (sửa)"
    assert record.before["submission_deadline"] == "2024-10-10"
    assert record.after["submission_deadline"] == "2024-10-15"

    audit = AuditCounter()
    response = english(client).post(url, form_data(data_start="2024-10-01", data_end="2024-01-01"))
    assert "The data window must start before it ends." in response.content.decode()
    period.refresh_from_db()
    assert period.data_end == datetime.date(2024, 9, 30)
    assert audit.new() == []


# Groups ------------------------------------------------------------------------------------


def test_admin_sets_the_two_groups(personas: Any, builtin_frameworks: dict[str, Any]) -> None:
    period = new_period()
    client = personas.client("admin")
    so, huyen = builtin_frameworks["bacninh-so"], builtin_frameworks["bacninh-huyen"]

    html = client.get(reverse("periods:group", args=[period.pk, 1])).content.decode()
    assert f'value="{GROUP_1}"' in html
    assert f"{so.name} (bacninh-so v1)" in html

    audit = AuditCounter()
    url = reverse("periods:group", args=[period.pk, 1])
    data = {"name": GROUP_1, "framework": so.pk, "units": [personas.unit_a.pk]}
    assert client.post(url, data).status_code == 302
    [record] = audit.new()
    assert record.action == "period.group"
    assert record.before is None
    assert record.after == {"name": GROUP_1, "framework": "bacninh-so v1", "units": ["Sở Tư pháp"]}

    # Group 2 is the next free number; its default name is the decision's.
    html = client.get(reverse("periods:group", args=[period.pk, 2])).content.decode()
    assert f'value="{GROUP_2}"' in html
    url = reverse("periods:group", args=[period.pk, 2])
    data = {"name": GROUP_2, "framework": huyen.pk, "units": [personas.unit_b.pk]}
    assert client.post(url, data).status_code == 302

    groups = list(PeriodGroup.objects.filter(period=period).order_by("number"))
    assert [(g.number, g.framework.code) for g in groups] == [
        (1, "bacninh-so"),
        (2, "bacninh-huyen"),
    ]
    assert [list(g.units.all()) for g in groups] == [[personas.unit_a], [personas.unit_b]]

    # Changing a group keeps what it was in the audit trail.
    audit = AuditCounter()
    url = reverse("periods:group", args=[period.pk, 1])
    data = {"name": "Nhóm 1", "framework": so.pk, "units": []}
    assert client.post(url, data).status_code == 302
    [record] = audit.new()
    assert record.before["units"] == ["Sở Tư pháp"]
    assert record.after["units"] == []

    detail = client.get(reverse("periods:detail", args=[period.pk])).content.decode()
    assert f'href="{reverse("frameworks:version", args=["bacninh-huyen", 1])}"' in detail
    assert "Sở Y tế" in detail


def test_a_unit_cannot_be_in_two_groups(personas: Any, builtin_frameworks: dict[str, Any]) -> None:
    period = with_groups(new_period(), builtin_frameworks, personas)
    client = english(personas.client("admin"))
    url = reverse("periods:group", args=[period.pk, 2])

    # The page shows the unit of group 1 disabled and marked.
    html = client.get(url).content.decode()
    assert f'value="{personas.unit_a.pk}" disabled' in html
    assert f"in {GROUP_1}" in html

    audit = AuditCounter()
    framework = builtin_frameworks["bacninh-huyen"]
    data = {"name": GROUP_2, "framework": framework.pk, "units": [personas.unit_a.pk]}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "These units are already in another group of this period: Sở Tư pháp" in (
        response.content.decode()
    )
    assert list(PeriodUnit.objects.filter(unit=personas.unit_a).values_list("group__number")) == [
        (1,)
    ]
    assert audit.new() == []


def test_group_numbers_go_one_after_another(
    personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    period = new_period()
    client = personas.client("admin")
    assert client.get(reverse("periods:group", args=[period.pk, 0])).status_code == 404
    assert client.get(reverse("periods:group", args=[period.pk, 2])).status_code == 404
    actions.set_group(SYSTEM, period, 1, GROUP_1, builtin_frameworks["bacninh-so"], [])
    assert client.get(reverse("periods:group", args=[period.pk, 2])).status_code == 200
    assert client.get(reverse("periods:group", args=[period.pk, 3])).status_code == 404
    detail = client.get(reverse("periods:detail", args=[period.pk])).content.decode()
    assert f'href="{reverse("periods:group", args=[period.pk, 2])}"' in detail


def test_groups_change_only_while_draft(personas: Any, builtin_frameworks: dict[str, Any]) -> None:
    period = opened(with_groups(new_period(), builtin_frameworks, personas))
    client = english(personas.client("admin"))
    url = reverse("periods:group", args=[period.pk, 1])
    html = client.get(url).content.decode()
    assert "can be changed only while it is a draft" in html
    audit = AuditCounter()
    data = {"name": "Khác", "framework": builtin_frameworks["bacninh-so"].pk, "units": []}
    response = client.post(url, data)
    assert response.status_code == 200
    assert PeriodGroup.objects.get(period=period, number=1).name == GROUP_1
    assert audit.new() == []


# Moving through the statuses -----------------------------------------------------------------


def move(client: Client, period: Period, to: str, reason: str = "") -> Any:
    url = reverse("periods:move", args=[period.pk])
    return client.post(url, {"to_status": to, "reason": reason}, follow=True)


def test_opening_needs_groups_with_units(personas: Any, builtin_frameworks: dict[str, Any]) -> None:
    period = new_period()
    client = english(personas.client("admin"))
    audit = AuditCounter()

    html = move(client, period, "open").content.decode()
    assert "Set at least one group" in html
    actions.set_group(SYSTEM, period, 1, GROUP_1, builtin_frameworks["bacninh-so"], [])
    audit = AuditCounter()
    html = move(client, period, "open").content.decode()
    assert f"These groups have no units yet: {GROUP_1}" in html
    assert 'class="msg-error"' in html
    period.refresh_from_db()
    assert period.status == Period.Status.DRAFT
    assert audit.new() == []

    actions.set_group(
        SYSTEM, period, 1, GROUP_1, builtin_frameworks["bacninh-so"], [personas.unit_a]
    )
    audit = AuditCounter()
    response = move(client, period, "open", "Theo Kế hoạch số 12/KH-UBND")
    assert response.status_code == 200
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN
    [record] = audit.new()
    assert record.action == "period.status"
    assert (record.before, record.after) == ({"status": "draft"}, {"status": "open"})
    assert record.reason == "Theo Kế hoạch số 12/KH-UBND"
    assert record.actor == personas.users["admin"]


def test_moving_one_step_at_a_time(
    personas: Any, builtin_frameworks: dict[str, Any], monkeypatch: Any
) -> None:
    period = with_groups(new_period(), builtin_frameworks, personas)
    client = english(personas.client("admin"))
    audit = AuditCounter()
    html = move(client, period, "appraisal").content.decode()
    assert "A period moves one step at a time" in html
    assert "This period has no such next step." in move(client, period, "nonsense").content.decode()
    period.refresh_from_db()
    assert period.status == Period.Status.DRAFT
    assert audit.new() == []

    for status in Period.ORDER[1:-1]:
        response = move(client, period, status)
        period.refresh_from_db()
        assert period.status == status
        assert 'class="msg-success"' in response.content.decode()
    assert AuditRecord.objects.filter(action="period.status").count() == len(Period.ORDER) - 2
    # No unit was appraised: there is nothing to publish, and the period stays approved.
    html = move(client, period, "published").content.decode()
    assert "There are no results to publish" in html
    period.refresh_from_db()
    assert period.status == Period.Status.APPROVED
    # With results, it is published, and the last step is the last.
    from dti.results.models import UnitResult

    monkeypatch.setattr(type(UnitResult.objects.none()), "exists", lambda self: True)
    move(client, period, "published")
    period.refresh_from_db()
    assert period.status == Period.Status.PUBLISHED
    html = client.get(reverse("periods:detail", args=[period.pk])).content.decode()
    assert "The period is published" in html
    assert 'name="to_status"' not in html


def test_detail_page_shows_the_steps(personas: Any, builtin_frameworks: dict[str, Any]) -> None:
    period = opened(with_groups(new_period(), builtin_frameworks, personas))
    html = english(personas.client("admin")).get(reverse("periods:detail", args=[period.pk]))
    html = html.content.decode()
    assert html.count('<li class="done"') == 1
    assert html.count('<li class="current" aria-current="step"') == 1
    assert html.count('<li class="todo"') == 5
    assert 'value="appraisal"' in html
    assert "10/10/2024" in html and "01/10/2023" in html


# Reopening -----------------------------------------------------------------------------------


def test_reopen_needs_a_reason(personas: Any, builtin_frameworks: dict[str, Any]) -> None:
    period = opened(with_groups(new_period(), builtin_frameworks, personas))
    client = english(personas.client("admin"))
    url = reverse("periods:reopen", args=[period.pk])
    data = {"unit": personas.unit_a.pk, "until_date": "2030-10-20", "until_time": "17:30"}
    audit = AuditCounter()
    response = client.post(url, {**data, "reason": "   "})
    assert response.status_code == 200
    assert "Say why the unit may edit after the deadline." in response.content.decode()
    assert not Reopening.objects.exists()
    assert audit.new() == []

    response = client.post(url, {**data, "reason": "Mất điện ngày 10/10"})
    assert response.status_code == 302
    reopening = Reopening.objects.get()
    # 17:30 in Hà Nội is 10:30 UTC.
    assert reopening.until == datetime.datetime(2030, 10, 20, 10, 30, tzinfo=datetime.UTC)
    assert reopening.created_by == personas.users["admin"]
    [record] = audit.new()
    assert record.action == "period.reopen"
    assert record.before is None
    assert record.after["unit"] == "Sở Tư pháp"
    assert record.reason == "Mất điện ngày 10/10"
    html = client.get(reverse("periods:detail", args=[period.pk])).content.decode()
    assert "17:30 20/10/2030" in html and "Mất điện ngày 10/10" in html


def test_reopen_refusals(personas: Any, builtin_frameworks: dict[str, Any]) -> None:
    period = with_groups(new_period(), builtin_frameworks, personas)
    client = english(personas.client("admin"))
    url = reverse("periods:reopen", args=[period.pk])
    data = {"unit": personas.unit_a.pk, "until_date": "2030-10-20", "until_time": "17:30"}
    # A draft period cannot be reopened.
    html = client.post(url, {**data, "reason": "x"}, follow=True).content.decode()
    assert "only while the period is open" in html
    opened(period)
    outsider = Unit.objects.create(name="Sở Xây dựng", code="sxd", kind=Unit.Kind.DEPARTMENT)
    response = client.post(url, {**data, "unit": outsider.pk, "reason": "x"})
    assert response.status_code == 200
    response = client.post(url, {**data, "until_date": "2020-01-01", "reason": "x"})
    assert "The reopening must end in the future." in response.content.decode()
    assert not Reopening.objects.exists()


# Who may do what -----------------------------------------------------------------------------

# (url name, needs a group number, the method it answers, a method it refuses)
VIEWS = [
    ("periods:list", None, "get", "post"),
    ("periods:create", None, "get", "put"),
    ("periods:detail", "period", "get", "post"),
    ("periods:edit", "period", "get", "delete"),
    ("periods:group", "group", "get", "delete"),
    ("periods:move", "period", "post", "get"),
    ("periods:reopen", "period", "post", "get"),
]


def url_of(name: str, kind: str | None, period_id: int) -> str:
    if kind is None:
        return reverse(name)
    if kind == "group":
        return reverse(name, args=[period_id, 1])
    return reverse(name, args=[period_id])


@pytest.fixture
def period(personas: Any, builtin_frameworks: dict[str, Any]) -> Period:
    return with_groups(new_period(), builtin_frameworks, personas)


@pytest.mark.parametrize(("name", "kind", "method", "wrong"), VIEWS)
def test_only_the_administrator(
    personas: Any, period: Period, name: str, kind: str | None, method: str, wrong: str
) -> None:
    url = url_of(name, kind, period.pk)
    assert getattr(personas.client("admin"), method)(url).status_code in (200, 302)
    for persona in ("appraiser", "officer_a", "leader_a", "staff_a", "officer_b"):
        assert getattr(personas.client(persona), method)(url).status_code == 403, persona
    anonymous = getattr(personas.client("anonymous"), method)(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login") + "?next=")
    assert getattr(personas.client("admin"), wrong)(url).status_code == 405
    if kind is not None:
        assert (
            getattr(personas.client("admin"), method)(url_of(name, kind, 999999)).status_code == 404
        )
    assert Period.objects.get().status == Period.Status.DRAFT


# Query counts --------------------------------------------------------------------------------


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_units(count: int, start: int) -> list[Unit]:
    return [
        Unit.objects.create(
            name=f"Đơn vị {i}", code=f"dv-{i}", kind=Unit.Kind.DEPARTMENT, position=i
        )
        for i in range(start, start + count)
    ]


def populate(frameworks: dict[str, Any], periods: int, units: int, start: int) -> list[Period]:
    """``periods`` open periods, each with two groups of ``units`` units, and reopenings."""
    made = []
    for i in range(periods):
        period = new_period(2000 + start + i)
        first, second = (
            add_units(units, start * 100 + i * 20),
            add_units(units, start * 100 + i * 20 + 10),
        )
        actions.set_group(SYSTEM, period, 1, GROUP_1, frameworks["bacninh-so"], first)
        actions.set_group(SYSTEM, period, 2, GROUP_2, frameworks["bacninh-huyen"], second)
        period = opened(period)
        until = datetime.datetime(2099, 1, 1, tzinfo=HCM)
        for unit in first:
            actions.reopen_unit(SYSTEM, period, unit, until, "lý do")
        made.append(period)
    return made


def test_query_counts_do_not_grow(personas: Any, builtin_frameworks: dict[str, Any]) -> None:
    client = personas.client("admin")
    client.get(reverse("periods:list"))  # the first request stores the security policy
    [small] = populate(builtin_frameworks, 1, 1, start=1)
    list_small = queries(client, reverse("periods:list"))
    detail_small = queries(client, reverse("periods:detail", args=[small.pk]))
    group_small = queries(client, reverse("periods:group", args=[small.pk, 1]))

    [large, *_others] = populate(builtin_frameworks, 5, 5, start=2)
    list_large = queries(client, reverse("periods:list"))
    detail_large = queries(client, reverse("periods:detail", args=[large.pk]))
    group_large = queries(client, reverse("periods:group", args=[large.pk, 1]))

    assert list_small == list_large == 6
    assert detail_small == detail_large == 9
    assert group_small == group_large == 10
    # Each page: session, user, security policy, roles … (the session is not saved again within
    # minutes).
    assert queries(client, reverse("periods:create")) == 4


# The deadline clock --------------------------------------------------------------------------


def test_submission_closes_at_midnight_in_vietnam_and_reopening_extends_it(
    personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    period = opened(with_groups(new_period(), builtin_frameworks, personas))
    unit = personas.unit_a
    last_second = datetime.datetime(2024, 10, 10, 23, 59, 59, tzinfo=HCM)
    closed = datetime.datetime(2024, 10, 10, 17, 0, 0, tzinfo=datetime.UTC)
    assert closed == datetime.datetime(2024, 10, 11, 0, 0, tzinfo=HCM)

    with time_machine.travel(last_second, tick=False):
        assert submission_open(period, unit) is True
    with time_machine.travel(closed, tick=False):
        assert submission_open(period, unit) is False

    with time_machine.travel(datetime.datetime(2024, 10, 11, 8, 0, tzinfo=HCM), tick=False):
        url = reverse("periods:reopen", args=[period.pk])
        data = {
            "unit": unit.pk,
            "until_date": "2024-10-12",
            "until_time": "12:00",
            "reason": "Lỗi đường truyền",
        }
        assert personas.client("admin").post(url, data).status_code == 302
        assert submission_open(period, unit) is True
        assert submission_open(period, personas.unit_b) is False
    with time_machine.travel(datetime.datetime(2024, 10, 12, 11, 59, 59, tzinfo=HCM), tick=False):
        assert submission_open(period, unit) is True
    with time_machine.travel(datetime.datetime(2024, 10, 12, 12, 0, 0, tzinfo=HCM), tick=False):
        assert submission_open(period, unit) is False
    # A period that is no longer open takes nothing, reopened or not.
    period = actions.move_period(SYSTEM, period, Period.Status.APPRAISAL)
    with time_machine.travel(last_second, tick=False):
        assert submission_open(period, unit) is False
