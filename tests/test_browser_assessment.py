"""The assessment page in a real Chromium: live scores, department staff, a dropped connection,
a conflict between two people, and unsaved changes restored after a reload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
OFFICER_HUYEN = "ubnd-huyen-gia-binh.canbo"  # a district: the 76-component framework
OFFICER_SO = "stp.canbo"  # Sở Tư pháp: the department framework
STAFF_SO = "stp.thanhtra"  # Thanh tra of Sở Tư pháp


def _vi(message: str) -> str:
    with translation.override("vi"):
        return translation.gettext(message)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo(transactional_db: None) -> None:
    from dti.audit.trail import Actor
    from dti.web.demo import load_demo
    from dti.web.management.commands.demo import load_builtin_frameworks

    actor = Actor(label="test")
    load_builtin_frameworks(actor)
    load_demo(actor)
    ARTIFACTS.mkdir(exist_ok=True)


def sign_in(page: Any, base: str, username: str) -> None:
    from dti.web.demo import DEMO_PASSWORD

    page.goto(base + "/accounts/sign-in/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()


def open_assessment(page: Any, base: str, username: str) -> Any:
    """Sign in and open the unit's 2024 self-assessment; return it."""
    from dti.accounts.models import User
    from dti.assessments.models import Assessment
    from dti.periods.models import Period

    sign_in(page, base, username)
    unit = User.objects.get(username=username).roles.get().unit
    period = Period.objects.get(year=2024)
    page.goto(f"{base}/assessments/open/{period.pk}/{unit.pk}/")
    assessment = Assessment.objects.get(period=period, unit=unit)
    page.wait_for_url(f"{base}/assessments/{assessment.pk}/")
    return assessment


def row(page: Any, code: str) -> Any:
    return page.locator(f'tr[data-code="{code}"]')


def centre(locator: Any) -> None:
    """Scroll a row to the middle of the window, for the screenshot."""
    locator.evaluate("node => node.scrollIntoView({block: 'center'})")


def test_data_officer_sees_the_score_as_they_type(page: Any, live_server: Any, demo: None) -> None:
    from playwright.sync_api import expect

    from dti.assessments.models import Answer

    base = live_server.url
    assessment = open_assessment(page, base, OFFICER_HUYEN)
    assert page.locator("tr.leaf").count() == 76
    assert page.locator("tr.pillar").count() == 8
    page.screenshot(path=str(ARTIFACTS / "assessment-huyen-top.png"))
    page.evaluate("window.notReloaded = true")

    # 2 of 13 on a 10-point ratio criterion gives 1,54 (the seeds' worked figure).
    ratio = row(page, "3.5")
    ratio.locator('[data-input="numerator"]').fill("2")
    ratio.locator('[data-input="denominator"]').fill("13")
    expect(ratio.locator(".score-value")).to_have_text("1,54")
    expect(page.locator('[data-score-for="3"]')).to_have_text("1,54")
    expect(page.locator("#total-score")).to_have_text("1,54")
    expect(ratio.locator(".state")).to_have_text(_vi("Saved"))
    expect(page.locator("#count-answered")).to_have_text("1")
    assert page.evaluate("window.notReloaded") is True

    # A yes adds its points to the same pillar; a numerator above the denominator is refused.
    row(page, "3.1").scroll_into_view_if_needed()
    yes = row(page, "4.3")
    yes.get_by_label(_vi("Yes")).check()
    expect(page.locator('[data-score-for="4"]')).to_have_text("10")
    expect(page.locator("#total-score")).to_have_text("11,54")
    bad = row(page, "3.6")
    bad.locator('[data-input="numerator"]').fill("14")
    bad.locator('[data-input="denominator"]').fill("13")
    expect(bad.locator('.field-error[data-error-for="numerator"]')).to_contain_text("14")
    centre(ratio)
    page.screenshot(path=str(ARTIFACTS / "assessment-typing.png"))

    answer = Answer.objects.get(assessment=assessment, criterion__code="3.5")
    assert (answer.inputs, str(answer.score)) == ({"numerator": 2, "denominator": 13}, "1.54")
    assert not Answer.objects.filter(
        assessment=assessment, criterion__code="3.6", inputs__has_key="numerator"
    ).exists()

    page.reload()
    ratio = row(page, "3.5")
    expect(ratio.locator('[data-input="numerator"]')).to_have_value("2")
    expect(ratio.locator('[data-input="denominator"]')).to_have_value("13")
    expect(ratio.locator(".score-value")).to_have_text("1,54")
    expect(page.locator("#total-score")).to_have_text("11,54")

    # Filters hide rows in the page: only the two answered criteria stay out of "unanswered".
    page.click('[data-filter="unanswered"]')
    expect(row(page, "3.5")).to_be_hidden()
    expect(row(page, "3.2")).to_be_visible()
    page.click('[data-filter="all"]')
    page.fill("#criteria-search", "dai truyen thanh")  # without the accents
    expect(row(page, "3.5")).to_be_visible()
    expect(row(page, "3.2")).to_be_hidden()
    expect(page.locator("tr.leaf:visible")).to_have_count(1)
    expect(page.locator("tr.pillar:visible")).to_have_count(1)


def test_department_staff_edit_only_their_criteria(page: Any, live_server: Any, demo: None) -> None:
    from playwright.sync_api import expect

    from dti.accounts.access import Access
    from dti.accounts.models import Role, User
    from dti.assessments import actions
    from dti.assessments.models import Answer, Assessment
    from dti.audit.trail import Actor
    from dti.frameworks.models import Criterion
    from dti.periods.models import PeriodUnit

    officer = User.objects.get(username=OFFICER_SO)
    unit = officer.roles.get().unit
    membership = PeriodUnit.objects.get(unit=unit, period__year=2024)
    assessment = Assessment.objects.create(
        period=membership.period, unit=unit, group=membership.group
    )
    criteria = Criterion.objects.filter(
        framework=membership.group.framework, code__in=["1.1", "3.3"]
    )
    actions.assign_criteria(
        Actor(officer, OFFICER_SO),
        Access(officer, list(Role.objects.filter(user=officer).select_related("unit"))),
        assessment,
        criteria,
        unit.departments.get(name="Thanh tra"),
        [],
    )

    base = live_server.url
    sign_in(page, base, STAFF_SO)
    page.goto(f"{base}/assessments/{assessment.pk}/")
    expect(row(page, "1.1").locator('[data-input="yes"]').first).to_be_enabled()
    expect(row(page, "1.2").locator('[data-input="yes"]').first).to_be_disabled()
    expect(row(page, "3.3").locator('[data-input="numerator"]')).to_be_enabled()
    expect(row(page, "3.4").locator('[data-input="yes"]').first).to_be_disabled()
    expect(page.locator('[data-general="civil_servants"]')).to_be_disabled()
    expect(page.locator("#count-mine")).to_have_text("2")
    page.click('[data-filter="mine"]')
    expect(page.locator("tr.leaf:visible")).to_have_count(2)
    page.click('[data-filter="all"]')

    row(page, "1.1").get_by_label(_vi("Yes")).check()
    expect(row(page, "1.1").locator(".score-value")).to_have_text("20")
    centre(row(page, "1.3"))
    page.screenshot(path=str(ARTIFACTS / "assessment-staff.png"))
    assert Answer.objects.get(assessment=assessment, criterion__code="1.1").inputs == {"yes": True}


def test_a_dropped_connection_loses_nothing(page: Any, live_server: Any, demo: None) -> None:
    from playwright.sync_api import expect

    from dti.assessments.models import Answer

    base = live_server.url
    assessment = open_assessment(page, base, OFFICER_SO)
    banner = page.locator("#offline-banner")
    expect(banner).to_be_hidden()

    page.context.set_offline(True)
    ratio = row(page, "3.3")
    ratio.locator('[data-input="numerator"]').fill("2")
    ratio.locator('[data-input="denominator"]').fill("13")
    expect(banner).to_be_visible()
    expect(banner).to_have_text(
        _vi("Not saved yet — it will be saved automatically when the connection is back.")
    )
    expect(ratio.locator(".state")).to_have_text(_vi("Not saved yet"))
    stored = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('dti:a'))")
    assert stored == [f"dti:a{assessment.pk}:c{ratio.get_attribute('data-criterion')}:v0"]
    centre(ratio)
    page.screenshot(path=str(ARTIFACTS / "assessment-offline.png"))
    assert not Answer.objects.filter(assessment=assessment, criterion__code="3.3").exists()

    page.context.set_offline(False)
    expect(banner).to_be_hidden(timeout=10_000)
    expect(ratio.locator(".score-value")).to_have_text("3,08")
    answer = Answer.objects.get(assessment=assessment, criterion__code="3.3")
    assert (answer.inputs, str(answer.score), answer.version) == (
        {"numerator": 2, "denominator": 13},
        "3.08",
        1,
    )
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('dti:a'))") == []


def test_unsaved_changes_are_restored_after_a_reload(
    page: Any, live_server: Any, demo: None
) -> None:
    from playwright.sync_api import expect

    from dti.assessments.models import Answer

    base = live_server.url
    assessment = open_assessment(page, base, OFFICER_SO)
    page.route("**/answers/**", lambda route: route.abort())  # the server cannot be reached
    row(page, "1.1").get_by_label(_vi("Yes")).check()
    row(page, "1.1").locator("[data-note]").fill("Quyết định số 105/QĐ-STP")
    expect(page.locator("#offline-banner")).to_be_visible()
    page.unroute("**/answers/**")
    page.reload()
    expect(page.locator("#notice-banner")).to_be_visible()
    expect(row(page, "1.1").locator(".score-value")).to_have_text("20")
    expect(row(page, "1.1").locator("[data-note]")).to_have_value("Quyết định số 105/QĐ-STP")
    answer = Answer.objects.get(assessment=assessment, criterion__code="1.1")
    assert (answer.inputs, answer.note) == ({"yes": True}, "Quyết định số 105/QĐ-STP")


def test_two_people_saving_the_same_criterion(page: Any, live_server: Any, demo: None) -> None:
    from playwright.sync_api import expect

    from dti.accounts.access import Access
    from dti.accounts.models import Role, User
    from dti.assessments import actions
    from dti.assessments.models import Answer
    from dti.audit.trail import Actor

    base = live_server.url
    assessment = open_assessment(page, base, OFFICER_SO)
    # The leader saves 3.3 after the officer opened the page.
    leader = User.objects.get(username="stp.lanhdao")
    criterion = assessment.group.framework.criteria.get(code="3.3")
    actions.save_answer(
        Actor(leader, "stp.lanhdao"),
        Access(leader, list(Role.objects.filter(user=leader).select_related("unit"))),
        assessment,
        criterion,
        {"numerator": 1, "denominator": 3},
        "Theo báo cáo quý III",
        0,
    )
    ratio = row(page, "3.3")
    ratio.locator('[data-input="numerator"]').fill("2")
    ratio.locator('[data-input="denominator"]').fill("13")
    conflict = ratio.locator(".conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Hoàng Văn Duyệt")
    expect(conflict).to_contain_text("Theo báo cáo quý III")
    expect(conflict).to_contain_text("6,67")
    centre(ratio)
    page.screenshot(path=str(ARTIFACTS / "assessment-conflict.png"))
    assert Answer.objects.get(assessment=assessment, criterion=criterion).inputs == {
        "numerator": 1,
        "denominator": 3,
    }

    conflict.get_by_role("button", name=_vi("Overwrite with mine")).click()
    expect(ratio.locator(".score-value")).to_have_text("3,08")
    expect(conflict).to_be_hidden()
    answer = Answer.objects.get(assessment=assessment, criterion=criterion)
    assert (answer.inputs, answer.version) == ({"numerator": 2, "denominator": 13}, 2)

    # Again, and this time the officer takes the leader's figures.
    actions.save_answer(
        Actor(leader, "stp.lanhdao"),
        Access(leader, list(Role.objects.filter(user=leader).select_related("unit"))),
        assessment,
        criterion,
        {"numerator": 1, "denominator": 3},
        "",
        2,
    )
    ratio.locator('[data-input="numerator"]').fill("3")
    expect(conflict).to_be_visible()
    conflict.get_by_role("button", name=_vi("Use their version")).click()
    expect(ratio.locator('[data-input="numerator"]')).to_have_value("1")
    expect(ratio.locator('[data-input="denominator"]')).to_have_value("3")
    expect(ratio.locator(".score-value")).to_have_text("6,67")
    assert ratio.get_attribute("data-version") == "3"
    assert Answer.objects.get(assessment=assessment, criterion=criterion).version == 3


def test_general_information_feeds_the_denominators(
    page: Any, live_server: Any, demo: None
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    assessment = open_assessment(page, base, OFFICER_SO)
    share = row(page, "4.3")
    expect(share.locator('[data-fixed="denominator"]')).to_have_text("—")
    share.locator('[data-input="numerator"]').fill("10")
    expect(share.locator(".state")).to_have_text(_vi("Saved"))
    page.fill('[data-general="civil_servants"]', "30")
    page.fill('[data-general="public_employees"]', "ba")
    page.fill('[data-general="procedures"]', "1.250")
    page.click("#general-form button[type=submit]")
    error = page.locator('.field-error[data-error-for="public_employees"]')
    expect(error).not_to_be_empty()
    expect(page.locator("#general-state")).to_have_text(
        _vi("Saved, except the fields marked in red.")
    )
    page.locator("#general").screenshot(path=str(ARTIFACTS / "assessment-general.png"))
    # The other fields were saved; the denominator needs both numbers.
    expect(share.locator('[data-fixed="denominator"]')).to_have_text("—")
    page.fill('[data-general="public_employees"]', "5")
    page.press('[data-general="public_employees"]', "Tab")  # leaving the field saves it
    expect(error).to_be_empty()
    expect(share.locator('[data-fixed="denominator"]')).to_have_text("35")
    expect(share.locator(".score-value")).to_have_text("5,71")
    assessment.refresh_from_db()
    assert assessment.general_info == {
        "name": "Sở Tư pháp",  # filled in when the assessment was started
        "civil_servants": 30,
        "public_employees": 5,
        "procedures": 1250,
    }


def test_officer_uploads_evidence_then_the_leader_submits_and_it_is_read_only(
    page: Any, live_server: Any, demo: None, tmp_path: Path
) -> None:
    from dti.assessments.models import Answer, Assessment, Evidence
    from dti.frameworks.models import Criterion

    base = live_server.url
    assessment = open_assessment(page, base, OFFICER_SO)
    criterion = Criterion.objects.get(framework=assessment.group.framework, code="1.1")

    # The data officer answers 1.1 and uploads the decision that proves it.
    row(page, "1.1").locator('input[data-input="yes"][value="1"]').check()
    # (not wait_for_function: the content security policy refuses the eval it needs)
    from playwright.sync_api import expect

    expect(row(page, "1.1")).not_to_have_attribute("data-version", "0")
    assert Answer.objects.get(assessment=assessment, criterion=criterion).score == 20
    pdf = tmp_path / "Quyết định 105-QĐ-STP.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.goto(f"{base}/assessments/{assessment.pk}/evidence/?criterion={criterion.pk}")
    page.set_input_files("#evidence-files", str(pdf))
    page.click("#add-file button[type=submit]")
    page.wait_for_load_state()
    evidence = Evidence.objects.get(assessment=assessment)
    assert evidence.original_name == "Quyết định 105-QĐ-STP.pdf"
    assert list(evidence.criteria.values_list("code", flat=True)) == ["1.1"]
    assert page.get_by_text("Quyết định 105-QĐ-STP.pdf").count() >= 1

    # The leader reviews the summary and submits.
    page.context.clear_cookies()
    sign_in(page, base, "stp.lanhdao")
    page.goto(f"{base}/assessments/{assessment.pk}/summary/")
    page.check("input[name=confirm]")
    page.click("form.signoff-submit button[type=submit]")
    page.wait_for_url(f"{base}/assessments/{assessment.pk}/submissions/1/")
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    page.screenshot(path=str(ARTIFACTS / "assessment-submitted.png"), full_page=False)

    # Afterwards the page is read-only for the data officer, and a forged save is refused.
    page.context.clear_cookies()
    sign_in(page, base, OFFICER_SO)
    page.goto(f"{base}/assessments/{assessment.pk}/")
    assert row(page, "1.1").locator('input[data-input="yes"][value="0"]').is_disabled()
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    forged = page.request.post(
        f"{base}/assessments/{assessment.pk}/answers/{criterion.pk}/",
        data='{"inputs": {"yes": false}, "note": "", "version": 1}',
        headers={"Content-Type": "application/json", "X-CSRFToken": token, "Referer": base + "/"},
    )
    assert forged.status == 403
    assert Answer.objects.get(assessment=assessment, criterion=criterion).inputs == {"yes": True}
