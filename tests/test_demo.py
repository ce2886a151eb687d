"""`dti demo`: the Bắc Ninh units in their groups, a person for every role, an open 2024 period."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from dti.accounts.models import Role, User
from dti.appraisal.models import Assignment, Review
from dti.audit.models import AuditRecord
from dti.periods.models import Period
from dti.results.models import UnitResult
from dti.units.models import Unit
from dti.web.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_demo_loads_the_decision_units_and_is_idempotent() -> None:
    call_command("demo", stdout=StringIO())
    assert Unit.objects.count() == 25
    period = Period.objects.get(year=2024)
    assert period.status == Period.Status.OPEN
    groups = {g.number: g for g in period.groups.select_related("framework")}
    assert groups[1].framework.code == "bacninh-so" and groups[1].memberships.count() == 17
    assert groups[2].framework.code == "bacninh-huyen" and groups[2].memberships.count() == 8
    assert {r.kind for r in Role.objects.all()} == set(Role.Kind.values)
    assert Role.objects.filter(kind=Role.Kind.APPRAISER, is_chair=True).count() == 1
    # 2023: every unit submitted, the checks ran, the council appraised, the results are out
    past = Period.objects.get(year=2023)
    assert past.status == Period.Status.PUBLISHED
    reviews = Review.objects.filter(assessment__period=past)
    assert reviews.count() == 25
    assert all(r.checked_at and r.self_total and r.is_final for r in reviews)
    results = UnitResult.objects.filter(period=past)
    assert results.count() == 25
    assert sorted(results.filter(group__number=2).values_list("rank", flat=True)) == list(
        range(1, 9)
    )
    assert all(r.band for r in results)
    assert any(r.total < r.self_total for r in results)
    checks = {f["check"] for r in reviews for f in r.flags}
    assert {"full_marks_no_evidence", "document_outside_window", "change_from_last_year"} <= checks
    # 2022 too, a little lower: the trends go up
    earlier = UnitResult.objects.filter(period__year=2022, period__status=Period.Status.PUBLISHED)
    assert earlier.count() == 25
    assert sum(r.total for r in earlier) < sum(r.total for r in results)
    assert Assignment.objects.filter(period=past, appraiser__username="thamdinh2").count() == 17
    counts = (User.objects.count(), Role.objects.count(), AuditRecord.objects.count())
    call_command("demo", stdout=StringIO())
    assert (User.objects.count(), Role.objects.count(), AuditRecord.objects.count()) == counts


def test_demo_data_officer_signs_in_and_lands_on_the_unit_page() -> None:
    call_command("demo", stdout=StringIO())
    client = Client()
    response = client.post(
        "/accounts/sign-in/", {"username": "stp.canbo", "password": DEMO_PASSWORD}, follow=True
    )
    unit = Unit.objects.get(name="Sở Tư pháp")
    assert response.redirect_chain[-1][0] == f"/units/{unit.pk}/"
    html = response.content.decode()
    assert "Đánh giá chỉ số DTI năm 2024" in html
    assert "Bộ chỉ số DTI cấp sở tỉnh Bắc Ninh" in html


def test_demo_units_have_ascii_codes(settings: Any) -> None:
    from dti.web.demo import slug

    assert slug("Sở Lao động – Thương binh và Xã hội") == "so-lao-dong-thuong-binh-va-xa-hoi"
    assert slug("UBND Thị xã Quế Võ") == "ubnd-thi-xa-que-vo"
    assert slug("Đắk R'lấp") == "dak-r-lap"
