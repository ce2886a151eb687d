"""The whole appraisal cycle in a real Chromium: the leader submits; the appraiser sets one score
with a reason and asks one question; the unit answers; the appraiser decides; the chair finalises
and approves; the unit then sees its appraised scores with the council's reasons — not before."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
REASON = "Kế hoạch chưa được cấp có thẩm quyền phê duyệt"
QUESTION = "Đề nghị giải trình nguồn số liệu và gửi danh sách kèm theo"
ANSWER = "Số liệu lấy từ báo cáo tổng kết năm, danh sách gửi kèm"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def cycle(transactional_db: None) -> dict[str, Any]:
    """The demo, with Sở Tư pháp's 2024 figures filled in and ready for its leader to submit."""
    from dti.accounts.access import Access
    from dti.accounts.models import Role
    from dti.assessments import actions
    from dti.assessments.models import Assessment
    from dti.audit.trail import Actor
    from dti.periods.models import Period
    from dti.units.models import Unit
    from dti.web.demo import _plausible, load_demo
    from dti.web.management.commands.demo import load_builtin_frameworks

    actor = Actor(label="test")
    load_builtin_frameworks(actor)
    load_demo(actor)
    ARTIFACTS.mkdir(exist_ok=True)
    period = Period.objects.get(year=2024)
    unit = Unit.objects.get(name="Sở Tư pháp")
    membership = period.memberships.select_related("group__framework").get(unit=unit)
    assessment = Assessment.objects.create(period=period, unit=unit, group=membership.group)
    leader = Role.objects.get(kind=Role.Kind.LEADER, unit=unit)
    general, answers = _plausible(membership.group, unit)
    actions.apply_workbook(
        Actor(leader.user, "stp.lanhdao"),
        Access(leader.user, [leader]),
        assessment,
        general,
        answers,
    )
    return {"period": period, "unit": unit, "assessment": assessment}


def sign_in(page: Any, base: str, username: str) -> None:
    from dti.web.demo import DEMO_PASSWORD

    page.context.clear_cookies()
    page.goto(base + "/accounts/sign-in/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()


def card(page: Any, code: str) -> Any:
    return page.locator(f'[id="c-{code}"]')


def test_the_whole_appraisal_cycle(page: Any, live_server: Any, cycle: dict[str, Any]) -> None:
    from dti.accounts.models import User
    from dti.appraisal.actions import assign_appraiser
    from dti.appraisal.models import Decision, Message, Review, Round
    from dti.assessments.models import Answer
    from dti.audit.models import AuditRecord
    from dti.audit.trail import Actor
    from dti.periods import actions as period_actions
    from dti.periods.models import Period

    base = live_server.url
    assessment = cycle["assessment"]
    unit = cycle["unit"]
    admin = Actor(User.objects.get(username="quantri"), "quantri")

    # 1. The leader signs off and submits; the checks run on submission.
    sign_in(page, base, "stp.lanhdao")
    page.goto(f"{base}/assessments/{assessment.pk}/summary/")
    page.check("input[name=confirm]")
    page.click("form.signoff-submit button[type=submit]")
    page.wait_for_url(f"{base}/assessments/{assessment.pk}/submissions/1/")
    review = Review.objects.get(assessment=assessment)
    assert review.checked_at is not None

    # The coordinating office opens the appraisal and assigns thamdinh2 to the unit.
    period = period_actions.move_period(admin, cycle["period"], Period.Status.APPRAISAL)
    assign_appraiser(admin, period, User.objects.get(username="thamdinh2"), unit)

    # Two criteria the unit gave full marks: one to correct, one to ask about.
    full = [
        a
        for a in Answer.objects.filter(assessment=assessment, score__gt=0)
        .select_related("criterion")
        .order_by("criterion__position")
        if a.score == a.criterion.effective_max
    ]
    corrected = next(a.criterion for a in full if a.criterion.effective_max > 10)
    asked = next(a.criterion for a in full if a.criterion != corrected)

    # 2. The appraiser lands on their units, opens Sở Tư pháp, sets one score with a reason…
    sign_in(page, base, "thamdinh2")
    assert page.url == f"{base}/appraisal/"
    page.click(f'a[href="/appraisal/review/{assessment.pk}/"]')
    page.wait_for_url(f"{base}/appraisal/review/{assessment.pk}/")
    the_card = card(page, corrected.code)
    the_card.locator("details.ws-act:has(input[name=kind][value=scored]) summary").click()
    form = the_card.locator("form:has(input[name=kind][value=scored])")
    form.locator("input[name=points]").fill("10")
    form.locator("textarea[name=reason]").fill(REASON)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    decision = Decision.objects.get(review=review, criterion=corrected)
    assert (decision.kind, decision.score, decision.reason) == ("scored", Decimal("10.00"), REASON)
    assert "10" in card(page, corrected.code).inner_text()

    # …and asks about another, then sends the question to the unit (round 1).
    the_card = card(page, asked.code)
    the_card.locator("details.ws-act:has(form[action*='/ask/']) summary").click()
    ask = the_card.locator("form[action*='/ask/']")
    ask.locator("textarea[name=text]").fill(QUESTION)
    ask.locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("form.ws-send button[type=submit]").click()
    page.wait_for_load_state()
    round_ = Round.objects.get(review=review)
    assert round_.number == 1
    page.screenshot(path=str(ARTIFACTS / "appraisal-workspace.png"))

    # 3. Before finalisation the unit sees the question, never the reason or the new score.
    sign_in(page, base, "stp.canbo")
    page.goto(f"{base}/appraisal/unit/{assessment.pk}/results/")
    assert REASON not in page.content()
    page.goto(f"{base}/appraisal/unit/{assessment.pk}/questions/")
    assert QUESTION in page.content()
    assert REASON not in page.content()
    # A forged save on a criterion that was not reopened is refused.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    forged = page.request.post(
        f"{base}/assessments/{assessment.pk}/answers/{corrected.pk}/",
        data='{"inputs": {"yes": false}, "note": "", "version": 1}',
        headers={"Content-Type": "application/json", "X-CSRFToken": token, "Referer": base + "/"},
    )
    assert forged.status == 403
    # The unit answers and sends its answers.
    answer_form = card(page, asked.code).locator("form.ua-answer")
    answer_form.locator("textarea[name=text]").fill(ANSWER)
    answer_form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("details.ua-send summary").click()
    page.locator("form.ua-send-form button[type=submit]").click()
    page.wait_for_load_state()
    round_.refresh_from_db()
    assert round_.answered_at is not None
    assert Message.objects.filter(kind="answer", text=ANSWER, criterion=asked).exists()
    page.screenshot(path=str(ARTIFACTS / "appraisal-unit-answered.png"))

    # 4. The appraiser reads the answer and accepts the unit's figures.
    sign_in(page, base, "thamdinh2")
    page.goto(f"{base}/appraisal/review/{assessment.pk}/")
    the_card = card(page, asked.code)
    assert ANSWER in the_card.inner_text()
    the_card.locator("form:has(input[name=kind][value=accepted]) button[type=submit]").click()
    page.wait_for_load_state()
    assert Decision.objects.get(review=review, criterion=asked).kind == "accepted"

    # 5. The chair finalises the unit and approves the period.
    for status in (Period.Status.EXPLANATION, Period.Status.FINAL):
        period = period_actions.move_period(admin, period, status)
    sign_in(page, base, "thamdinh1")
    page.goto(f"{base}/appraisal/{period.pk}/council/")
    page.click(f'a[href="#finalise-{unit.pk}"]')
    page.locator(f'[id="finalise-{unit.pk}"] button[type=submit]').click()
    page.wait_for_load_state()
    review.refresh_from_db()
    assert review.is_final
    assert review.appraised_total == review.self_total - (corrected.effective_max - 10)
    page.click("form[action$='/approve/'] button[type=submit]")
    page.wait_for_load_state()
    period.refresh_from_db()
    assert period.status == Period.Status.APPROVED
    page.screenshot(path=str(ARTIFACTS / "appraisal-council.png"), full_page=True)

    # 6. The unit now sees its appraised scores with the council's reasons.
    sign_in(page, base, "stp.canbo")
    page.goto(f"{base}/appraisal/unit/{assessment.pk}/results/")
    text = page.locator("main").inner_text()
    assert REASON in text
    total = f"{review.appraised_total:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    assert total in text
    page.screenshot(path=str(ARTIFACTS / "appraisal-results.png"), full_page=True)

    # Every step is in the audit trail, by the person who took it.
    trail = list(
        AuditRecord.objects.filter(action__startswith="appraisal.")
        .order_by("pk")
        .values_list("action", "actor_label")
    )
    for step in [
        ("appraisal.checks", "stp.lanhdao"),
        ("appraisal.decide", "thamdinh2"),
        ("appraisal.ask", "thamdinh2"),
        ("appraisal.send_round", "thamdinh2"),
        ("appraisal.answer", "stp.canbo"),
        ("appraisal.send_answers", "stp.canbo"),
        ("appraisal.finalise", "thamdinh1"),
    ]:
        assert step in trail, step
