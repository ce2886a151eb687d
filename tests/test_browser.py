"""Flows a person clicks through, in a real Chromium (Debian's package) driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def loaded(transactional_db: None) -> None:
    from dti.audit.trail import Actor
    from dti.web.management.commands.demo import load_builtin_frameworks

    load_builtin_frameworks(Actor(label="test"))


def test_browse_frameworks_and_switch_language(page: Any, live_server: Any, loaded: None) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.screenshot(path=str(ARTIFACTS / "home-vi.png"), full_page=True)

    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Bộ chỉ số"
    ).click()
    page.get_by_role("link", name="Bộ chỉ số DTI cấp huyện tỉnh Bắc Ninh").click()
    assert page.locator("h1").inner_text() == "Bộ chỉ số DTI cấp huyện tỉnh Bắc Ninh"
    assert page.locator("tr.pillar").count() == 8
    assert page.locator("table.criteria tbody tr").count() == 84  # 8 pillars and 76 components
    assert page.locator(".report-ok").is_visible()
    page.screenshot(path=str(ARTIFACTS / "framework-huyen-vi.png"), full_page=False)

    page.get_by_role("button", name="EN").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Criteria").is_visible()
    assert page.locator("h1").inner_text() == "Bộ chỉ số DTI cấp huyện tỉnh Bắc Ninh"


def test_inconsistent_framework_shows_its_report(page: Any, live_server: Any, loaded: None) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(live_server.url + "/frameworks/binhphuoc-website/")
    warnings = page.locator("ul.report li.warning")
    assert warnings.count() == 10
    assert (
        warnings.filter(has_text="tiêu chí 6")
        .inner_text()
        .endswith("5,5 điểm nhưng tổng điểm các tiêu chí con là 7")
    )
    page.screenshot(path=str(ARTIFACTS / "framework-website-vi.png"), full_page=False)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải xuống tệp Excel").click()
    assert download_info.value.suggested_filename == "binhphuoc-website-v1.xlsx"


@pytest.fixture
def demo(transactional_db: None) -> None:
    from dti.audit.trail import Actor
    from dti.web.demo import load_demo
    from dti.web.management.commands.demo import load_builtin_frameworks

    actor = Actor(label="test")
    load_builtin_frameworks(actor)
    load_demo(actor)


def sign_in(page: Any, base: str, username: str) -> None:
    from dti.web.demo import DEMO_PASSWORD

    page.goto(base + "/accounts/sign-in/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.form button[type=submit]")


def test_administrator_opens_a_period_and_a_data_officer_lands_on_the_unit(
    page: Any, live_server: Any, demo: None
) -> None:
    from dti.periods.models import Period
    from dti.units.models import Unit

    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    sign_in(page, base, "quantri")
    page.wait_for_url(base + "/periods/")

    page.click("a[href='/periods/new/']")
    page.fill("input[name=year]", "2026")
    page.fill("input[name=submission_deadline]", "2026-12-10")
    page.click("form.form button[type=submit]")
    period = Period.objects.get(year=2026)
    page.wait_for_url(f"{base}/periods/{period.pk}/")

    for number, code in ((1, "bacninh-so"), (2, "bacninh-huyen")):
        page.goto(f"{base}/periods/{period.pk}/groups/{number}/")
        option = page.locator("select[name=framework] option", has_text=code).first.get_attribute(
            "value"
        )
        page.select_option("select[name=framework]", option)
        page.click("form.form button[type=submit]")
        page.wait_for_url(f"{base}/periods/{period.pk}/")
    assert period.groups.count() == 2
    assert period.memberships.count() == 25

    page.click("form:has(input[name=to_status]) button[type=submit]")
    page.wait_for_load_state()
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN
    page.screenshot(path=str(ARTIFACTS / "period-open.png"), full_page=True)

    page.context.clear_cookies()
    sign_in(page, base, "stp.canbo")
    unit = Unit.objects.get(name="Sở Tư pháp")
    page.wait_for_url(f"{base}/units/{unit.pk}/")
    assert page.locator("h1").inner_text() == "Sở Tư pháp"
    assert page.get_by_text(period.name).count() == 1
    page.screenshot(path=str(ARTIFACTS / "unit-home.png"), full_page=True)
