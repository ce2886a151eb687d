"""A committee member reports a quarter's progress in a real Chromium, on the demo plan."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    yield page
    context.close()


def test_a_member_reports_the_overdue_quarter(page: Any, live_server: Any, tmp_path: Path) -> None:
    from dti.audit.trail import Actor
    from dti.steering.demo import load_demo_steering
    from dti.steering.models import ProgressReport
    from dti.web.demo import DEMO_PASSWORD

    load_demo_steering(Actor(label="test"))
    page.goto(live_server.url + "/accounts/sign-in/")
    page.fill("input[name=username]", "bancd.congan")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/steering/")
    assert page.locator(".steering-counts").is_visible()

    page.goto(live_server.url + "/steering/mine/")
    overdue = page.locator("table.overdue tbody tr")
    assert overdue.filter(has_text="3.f").count() == 1
    page.locator("tr", has_text="Tỷ lệ người dân sử dụng ứng dụng định danh điện tử").get_by_role(
        "link", name="Report"
    ).click()
    assert page.input_value("select[name=quarter]") == "4"  # the overdue quarter comes first
    evidence = tmp_path / "bao-cao-quy-4.pdf"
    evidence.write_bytes(b"%PDF-1.4\n%test\n")
    page.fill("input[name=value]", "26,5")
    page.fill("textarea[name=narrative]", "Đạt mức dưới của chỉ tiêu.")
    page.set_input_files("input[name=evidence]", str(evidence))
    page.get_by_role("button", name="Save the report").click()
    assert page.get_by_text("The report for quarter 4/2023 has been saved.").is_visible()
    row = page.locator("table.steering-reports tbody tr").nth(3)
    assert "26.5 %" in row.inner_text()
    assert row.get_by_role("link", name="bao-cao-quy-4.pdf").is_visible()
    assert page.locator(".facts").get_by_text("Met").is_visible()  # 26,5 is within 25–30 %
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "steering-report.png"), full_page=True)
    report = ProgressReport.objects.get(target__code="3.f", quarter=4)
    assert report.reporter.username == "bancd.congan"
