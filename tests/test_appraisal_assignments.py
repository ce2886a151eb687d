"""Assigning appraisers to units, and the administrator's screens for assignments and checks."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from helpers import AssessmentCase

from dti.appraisal import actions
from dti.appraisal.actions import AppraisalError
from dti.appraisal.models import Assignment, CheckSettings
from dti.audit.models import AuditRecord
from dti.audit.trail import Actor
from dti.periods import actions as period_actions
from dti.periods.models import Period
from dti.units.models import Unit


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages are checked in English (the product shows them in Vietnamese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def case(personas: Any, builtin_frameworks: Any) -> AssessmentCase:
    return AssessmentCase(personas, builtin_frameworks)


def audited(action: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=action))


# ------------------------------------------------------------ actions


def test_assign_change_pillars_and_unassign_each_audited_once(case: AssessmentCase) -> None:
    appraiser, unit = case.personas.users["appraiser"], case.personas.unit_a
    assignment = actions.assign_appraiser(case.admin, case.period, appraiser, unit)
    assert assignment.pillars == []
    [record] = audited("appraisal.assign")
    assert record.before is None
    assert record.after == {"appraiser": "appraiser", "unit": unit.name, "pillars": []}

    again = actions.assign_appraiser(case.admin, case.period, appraiser, unit, ["6", "1", "1"])
    assert again.pk == assignment.pk
    assert again.pillars == ["1", "6"]  # framework order, once each
    latest = AuditRecord.objects.filter(action="appraisal.assign").latest("pk")
    assert (latest.before["pillars"], latest.after["pillars"]) == ([], ["1", "6"])
    assert len(audited("appraisal.assign")) == 2

    # Every pillar is the whole framework.
    every = [str(n) for n in range(1, 7)]
    assert actions.assign_appraiser(case.admin, case.period, appraiser, unit, every).pillars == []

    actions.unassign_appraiser(case.admin, again)
    assert not Assignment.objects.exists()
    [removed] = audited("appraisal.unassign")
    assert removed.before["unit"] == unit.name
    assert removed.after is None


@pytest.mark.parametrize("who", ["officer_a", "admin"])
def test_only_an_appraiser_can_be_assigned(case: AssessmentCase, who: str) -> None:
    with pytest.raises(AppraisalError, match="not an appraiser"):
        actions.assign_appraiser(
            case.admin, case.period, case.personas.users[who], case.personas.unit_a
        )
    assert not Assignment.objects.exists()
    assert audited("appraisal.assign") == []


def test_an_inactive_appraiser_is_refused(case: AssessmentCase) -> None:
    appraiser = case.personas.users["appraiser"]
    appraiser.is_active = False
    appraiser.save()
    with pytest.raises(AppraisalError):
        actions.assign_appraiser(case.admin, case.period, appraiser, case.personas.unit_a)


def test_a_unit_outside_the_period_is_refused(case: AssessmentCase) -> None:
    outside = Unit.objects.create(name="Sở Xây dựng", code="sxd", kind=Unit.Kind.DEPARTMENT)
    with pytest.raises(AppraisalError, match="not assessed"):
        actions.assign_appraiser(case.admin, case.period, case.personas.users["appraiser"], outside)
    assert audited("appraisal.assign") == []


def test_an_unknown_pillar_is_refused(case: AssessmentCase) -> None:
    with pytest.raises(AppraisalError, match=r"no pillar or criterion 9\.9, 99"):
        actions.assign_appraiser(
            case.admin,
            case.period,
            case.personas.users["appraiser"],
            case.personas.unit_a,
            ["99", "1.1", "9.9"],
        )
    assert not Assignment.objects.exists()


def test_assignments_are_frozen_once_approved(case: AssessmentCase) -> None:
    assignment = actions.assign_appraiser(
        case.admin, case.period, case.personas.users["appraiser"], case.personas.unit_a
    )
    Period.objects.filter(pk=case.period.pk).update(status=Period.Status.APPROVED)
    case.period.refresh_from_db()
    with pytest.raises(AppraisalError):
        actions.assign_appraiser(
            case.admin, case.period, case.personas.users["appraiser"], case.personas.unit_b
        )
    assignment.refresh_from_db()
    with pytest.raises(AppraisalError):
        actions.unassign_appraiser(case.admin, assignment)
    assert Assignment.objects.count() == 1


# ------------------------------------------------------------ screens: who may


SCREENS = ("appraisal:assignments", "appraisal:checks")


@pytest.mark.parametrize("name", SCREENS)
def test_screens_admin_only(case: AssessmentCase, name: str) -> None:
    url = reverse(name, args=[case.period.pk])
    assert case.client("admin").get(url).status_code == 200
    for persona in ("appraiser", "officer_a", "leader_a", "staff_a", "officer_b"):
        assert case.client(persona).get(url).status_code == 403
        assert case.client(persona).post(url, {}).status_code == 403
    response = case.client("anonymous").get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert case.client("admin").put(url).status_code == 405
    assert case.client("admin").delete(url).status_code == 405


def test_unassign_is_post_only_and_admin_only(case: AssessmentCase) -> None:
    assignment = actions.assign_appraiser(
        case.admin, case.period, case.personas.users["appraiser"], case.personas.unit_a
    )
    url = reverse("appraisal:unassign", args=[case.period.pk, assignment.pk])
    assert case.client("admin").get(url).status_code == 405
    assert case.client("appraiser").post(url).status_code == 403
    assert case.client("anonymous").post(url).status_code == 302
    # another period's id does not reach the assignment
    other = reverse("appraisal:unassign", args=[case.period.pk + 1, assignment.pk])
    assert case.client("admin").post(other).status_code == 404
    assert Assignment.objects.filter(pk=assignment.pk).exists()

    response = case.client("admin").post(url)
    assert response.status_code == 302
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    assert len(audited("appraisal.unassign")) == 1


# ------------------------------------------------------------ screens: what they do


def test_assign_through_the_screen(case: AssessmentCase) -> None:
    url = reverse("appraisal:assignments", args=[case.period.pk])
    client = case.client("admin")
    response = client.post(
        url,
        {
            "appraiser": case.personas.users["appraiser"].pk,
            "unit": case.personas.unit_b.pk,
            "pillars-1": ["4", "2"],
        },
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.unit, assignment.pillars) == (case.personas.unit_b, ["2", "4"])
    page = client.get(url).content.decode()
    assert "Appraiser" in page and "Thể chế số" in page


def test_assign_screen_shows_refusals(case: AssessmentCase) -> None:
    url = reverse("appraisal:assignments", args=[case.period.pk])
    client = case.client("admin")
    # not an appraiser: not even offered
    response = client.post(
        url, {"appraiser": case.personas.users["officer_a"].pk, "unit": case.personas.unit_a.pk}
    )
    assert response.status_code == 200
    assert "appraiser" in response.context["form"].errors
    # a unit outside the period: not a choice
    outside = Unit.objects.create(name="Sở Xây dựng", code="sxd", kind=Unit.Kind.DEPARTMENT)
    response = client.post(
        url, {"appraiser": case.personas.users["appraiser"].pk, "unit": outside.pk}
    )
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    # an unknown pillar: the action's reason
    response = client.post(
        url,
        {
            "appraiser": case.personas.users["appraiser"].pk,
            "unit": case.personas.unit_a.pk,
            "pillars-1": ["99"],
        },
    )
    assert response.status_code == 200
    assert "no pillar or criterion 99" in response.content.decode()
    assert not Assignment.objects.exists()


def test_check_settings_through_the_screen(case: AssessmentCase) -> None:
    url = reverse("appraisal:checks", args=[case.period.pk])
    client = case.client("admin")
    page = client.get(url)
    assert page.context["form"]["ratio_above_100-max_percent"].value() == "100"
    data = {
        f"{key}-enabled": "on"
        for key in (
            "numerator_above_denominator",
            "ratio_above_100",
            "evidence_file",
            "contradicts_general",
            "change_from_last_year",
            "document_outside_window",
        )
    }  # full marks without evidence: switched off
    data.update(
        {
            "ratio_above_100-max_percent": "110",
            "full_marks_no_evidence-min_percent": "100",
            "change_from_last_year-percent_of_max": "25",
            "change_from_last_year-points": "",
            "document_outside_window-grace_days": "15",
        }
    )
    assert client.post(url, data).status_code == 302
    resolved = CheckSettings.for_period(case.period)
    assert resolved["full_marks_no_evidence"]["enabled"] is False
    assert resolved["ratio_above_100"]["max_percent"] == "110"
    assert resolved["change_from_last_year"] == {
        "enabled": True,
        "percent_of_max": "25",
        "points": None,
    }
    assert resolved["document_outside_window"]["grace_days"] == "15"
    assert len(audited("appraisal.check_settings")) == 1

    data["ratio_above_100-max_percent"] = "0"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "ratio_above_100-max_percent" in response.context["form"].errors
    assert len(audited("appraisal.check_settings")) == 1


# ------------------------------------------------------------ query counts


def _period_with_units(personas: Any, frameworks: Any, count: int) -> Period:
    admin = Actor(personas.users["admin"], "admin")
    period = period_actions.create_period(
        admin,
        year=2024,
        name=f"DTI 2024 ({count})",
        data_start=datetime.date(2023, 10, 1),
        data_end=datetime.date(2024, 9, 30),
        submission_deadline=datetime.date(2030, 10, 10),
    )
    units = [
        Unit.objects.create(name=f"Đơn vị {count}-{n}", code=f"dv-{count}-{n}", position=n)
        for n in range(count)
    ]
    period_actions.set_group(admin, period, 1, "Nhóm 1", frameworks["bacninh-so"], units[:-1])
    period_actions.set_group(admin, period, 2, "Nhóm 2", frameworks["bacninh-huyen"], units[-1:])
    for unit in units:
        actions.assign_appraiser(admin, period, personas.users["appraiser"], unit, ["1"])
    return period


def test_assignments_page_queries_do_not_grow_with_units(
    personas: Any, builtin_frameworks: Any
) -> None:
    client = personas.client("admin")
    counts = []
    for size in (2, 20):
        period = _period_with_units(personas, builtin_frameworks, size)
        url = reverse("appraisal:assignments", args=[period.pk])
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count("/remove/") == size
        counts.append(len(queries))
    # session, user, security policy, roles; period, groups, units, pillars, assignments,
    # appraisers (the session is not saved again within minutes)
    assert counts == [10, 10], counts
