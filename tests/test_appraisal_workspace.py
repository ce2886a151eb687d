"""The appraiser's workspace: the units to appraise, one unit's appraisal page, the decisions,
questions and rounds made through it, the evidence files it previews, and who may do what —
tested with forged requests as well as with the forms the page shows."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from helpers import AppraisalCase, AssessmentCase, results_case

from dti.appraisal import actions as appraisal_actions
from dti.appraisal.models import Decision, Message, Review, Round
from dti.assessments import actions, uploads
from dti.assessments.models import Answer, Assessment, Evidence
from dti.audit.models import AuditRecord
from dti.audit.trail import Actor
from dti.frameworks.models import Criterion
from dti.periods import actions as period_actions

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2024, 11, 4, 9, 0, tzinfo=datetime.UTC)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    with time_machine.travel(TODAY, tick=False):
        return AppraisalCase(personas, builtin_frameworks)


def review_url(case: AssessmentCase) -> str:
    return reverse("appraisal:review", args=[case.assessment.pk])


def decide_url(case: AssessmentCase, code: str) -> str:
    return reverse("appraisal:decide", args=[case.assessment.pk, case.criterion(code).pk])


def ask_url(case: AssessmentCase, code: str) -> str:
    return reverse("appraisal:ask", args=[case.assessment.pk, case.criterion(code).pk])


def page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return str(response.content.decode())


def card(html: str, code: str) -> str:
    """The HTML of one criterion's card on the unit's page, character references resolved (an
    apostrophe may come as &#x27;)."""
    match = re.search(rf'<article class="ws-crit[^"]*" id="c-{re.escape(code)}">', html)
    assert match is not None, code
    return unescape(html[match.start() : html.index("</article>", match.start())])


def in_a_week() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=7)


def pdf_evidence(case: AssessmentCase, codes: list[str]) -> Evidence:
    """A PDF the unit uploaded, checked by content and stored as the upload view stores it."""
    checked = uploads.check_upload(
        SimpleUploadedFile("Quyết định 105.pdf", PDF, content_type="application/pdf"),
        max_bytes=10_000_000,
    )
    evidence = Evidence.objects.create(
        assessment=case.assessment,
        kind=Evidence.Kind.FILE,
        file=checked.upload,
        original_name=checked.name,
        content_type=checked.type.content_type,
        size=checked.size,
        sha256=checked.sha256,
        summary="Quyết định ban hành kế hoạch",
    )
    evidence.criteria.set([case.criterion(code) for code in codes])
    return evidence


def nothing_changed(before: int) -> None:
    assert not Decision.objects.exists()
    assert not Round.objects.exists()
    assert AuditRecord.objects.count() == before


# ------------------------------------------------------------------ who may see and act


def test_an_appraiser_not_assigned_gets_404_everywhere_and_nothing_changes(
    case: AppraisalCase,
) -> None:
    draft = case.ask("1.3", "Vì sao 4/4?", who="chair")
    evidence = pdf_evidence(case, ["1.1"])
    case.unassign()
    # assigned elsewhere: still an appraiser, just not of unit A
    appraisal_actions.assign_appraiser(
        case.admin, case.period, case.personas.users["appraiser"], case.personas.unit_b
    )
    before = AuditRecord.objects.count()
    client = case.client("appraiser")
    assert client.get(review_url(case)).status_code == 404
    pk = case.assessment.pk
    forged = [
        (decide_url(case, "1.1"), {"kind": "accepted"}),
        (decide_url(case, "1.1"), {"kind": "scored", "points": "0", "reason": "Không đạt"}),
        (ask_url(case, "1.2"), {"asks": "explanation", "text": "Giải trình"}),
        (reverse("appraisal:withdraw", args=[pk, draft.pk]), {}),
        (reverse("appraisal:send_round", args=[pk]), {"due": in_a_week().isoformat()}),
        (reverse("appraisal:rerun_checks", args=[pk]), {}),
    ]
    for url, data in forged:
        assert client.post(url, data).status_code == 404, url
    file_url = reverse("appraisal:evidence_file", args=[pk, evidence.pk])
    assert client.get(file_url + "?inline=1").status_code == 404
    nothing_changed(before)
    assert list(Message.objects.values_list("pk", flat=True)) == [draft.pk]


@pytest.mark.parametrize("name", ["officer_a", "leader_a", "staff_a", "officer_b"])
def test_the_unit_never_sees_the_councils_workspace(case: AppraisalCase, name: str) -> None:
    evidence = pdf_evidence(case, ["1.1"])
    client = case.client(name)
    assert client.get(review_url(case)).status_code == 404
    file_url = reverse("appraisal:evidence_file", args=[case.assessment.pk, evidence.pk])
    assert client.get(file_url + "?inline=1").status_code == 404
    assert client.get(reverse("appraisal:home")).status_code == 403
    assert client.post(decide_url(case, "1.1"), {"kind": "accepted"}).status_code == 404
    assert not Decision.objects.exists()


def test_a_sectoral_appraiser_cannot_decide_another_pillar_by_a_forged_post(
    case: AppraisalCase,
) -> None:
    case.assign(pillars=["2"])
    client = case.client("appraiser")
    before = AuditRecord.objects.count()
    response = client.post(decide_url(case, "1.1"), {"kind": "accepted"}, follow=True)
    assert "You appraise pillars 2 of this unit, not criterion 1.1." in response.content.decode()
    response = client.post(ask_url(case, "1.2"), {"asks": "evidence", "text": "Bổ sung"})
    assert response.status_code == 302
    nothing_changed(before)
    assert not Message.objects.exists()
    html = page(client, review_url(case))
    assert "You appraise pillars 2 of this unit" in html
    assert decide_url(case, "1.1") not in html  # no forms on pillar 1 …
    assert decide_url(case, "2.1") in html  # … forms on pillar 2
    client.post(decide_url(case, "2.1"), {"kind": "accepted"})
    assert Decision.objects.get().criterion.code == "2.1"


def test_the_administrator_reads_and_decides_nothing(case: AppraisalCase) -> None:
    client = case.client("admin")
    html = page(client, review_url(case))
    assert "The administrator follows the appraisal; the council decides." in html
    assert decide_url(case, "1.1") not in html
    response = client.post(decide_url(case, "1.1"), {"kind": "accepted"}, follow=True)
    assert "The administrator follows the appraisal" in response.content.decode()
    assert not Decision.objects.exists()


def test_a_criterion_of_another_framework_or_a_foreign_message_is_404(
    case: AppraisalCase, builtin_frameworks: dict[str, Any]
) -> None:
    other = Criterion.objects.get(framework=builtin_frameworks["bacninh-huyen"], code="1.1")
    client = case.client("appraiser")
    url = reverse("appraisal:decide", args=[case.assessment.pk, other.pk])
    assert client.post(url, {"kind": "accepted"}).status_code == 404
    url = reverse("appraisal:withdraw", args=[case.assessment.pk, 987654])
    assert client.post(url).status_code == 404
    assert client.get(decide_url(case, "1.1")).status_code == 405
    assert not Decision.objects.exists()


# ------------------------------------------------------------------ deciding through the page


def test_accept_correct_and_score_through_the_page(case: AppraisalCase) -> None:
    client = case.client("appraiser")
    response = client.post(decide_url(case, "1.1"), {"kind": "accepted", "show": "flagged"})
    assert response.status_code == 302
    assert response["Location"] == review_url(case) + "?show=flagged#c-1.1"
    response = client.post(
        decide_url(case, "1.3"),
        {
            "kind": "corrected",
            "inputs.numerator": "1",
            "inputs.denominator": "4",
            "reason": "Chỉ 1 hồ sơ đạt",
        },
    )
    assert response["Location"] == review_url(case) + "#c-1.3"
    client.post(
        decide_url(case, "1.2"), {"kind": "scored", "points": "2,5", "reason": "Có dự thảo"}
    )
    decisions = {d.criterion.code: d for d in Decision.objects.all()}
    assert decisions["1.1"].kind == "accepted" and decisions["1.1"].score == Decimal("20.00")
    assert decisions["1.3"].inputs == {"numerator": 1, "denominator": 4}
    assert decisions["1.3"].score == Decimal("2.50")
    assert decisions["1.2"].score == Decimal("2.50")
    assert AuditRecord.objects.filter(action="appraisal.decide").count() == 3

    html = page(client, review_url(case))
    assert "1.3: figures corrected, appraised score 2.5." in card(html, "1.3")
    assert "Chỉ 1 hồ sơ đạt" in card(html, "1.3")
    assert "Figures corrected" in card(html, "1.3")
    assert "\u22127.5" in card(html, "1.3")  # 10 → 2,5
    assert "Score set" in card(html, "1.2") and "+2.5" in card(html, "1.2")
    assert "Accepted" in card(html, "1.1")
    assert "Accept the unit's score" not in card(html, "1.1")  # already accepted
    assert "Undo: accept the unit's figures" in card(html, "1.3")
    assert "Accept the unit's score" in card(html, "2.1")
    # total: 30 self-assessed, 30 − 7,5 + 2,5 = 25 appraised
    assert re.search(r"Appraised total</dt><dd>25</dd>", html)
    # the messages were shown in the cards, once
    assert html.count("1.1 accepted: 20 points.") == 1
    # Vietnamese: decimal comma
    html = page(case.client("appraiser", "vi"), review_url(case))
    assert "2,5" in card(html, "1.3")


def test_what_the_unit_and_the_council_wrote_is_shown_as_text(case: AppraisalCase) -> None:
    """Notes, evidence names and summaries, reasons and questions are escaped in the cards (drawn
    by Jinja2, not Django's engine), and moments are in Vietnam's time (09:00 UTC is 16:00)."""
    hostile = '<script>alert("x")</script> & <b>đậm</b>'
    Answer.objects.filter(assessment=case.assessment, criterion__code="1.3").update(
        note=hostile + "\nhai dòng"
    )
    evidence = pdf_evidence(case, ["1.1"])
    Evidence.objects.filter(pk=evidence.pk).update(
        summary=hostile, original_name="<img src=x onerror=alert(1)>.pdf"
    )
    with time_machine.travel(TODAY, tick=False):
        case.decide("1.2", "scored", points="0", reason=hostile)
        case.ask("1.1", hostile)
    raw = page(case.client("appraiser"), review_url(case))
    for markup in ("<script>alert", "<b>đậm", "<img src=x"):
        assert markup not in raw
    escaped = "&lt;script&gt;alert("  # the quotes come as &#34; or &quot;, both right
    # 1.1: the summary and the question; 1.2: the reason, and again in its form; 1.3: the note
    for code, times in (("1.1", 2), ("1.2", 2), ("1.3", 1)):
        start = raw.index(f'id="c-{code}"')
        assert raw[start : raw.index("</article>", start)].count(escaped) == times, code
    assert "&lt;/b&gt;<br>hai dòng" in raw  # the note's line break kept
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in raw
    assert "16:00 04/11/2024" in card(raw, "1.2")  # decided
    assert "16:00 04/11/2024" in card(raw, "1.1")  # asked
    assert "09:00 04/11/2024" not in raw


def test_the_correction_form_is_filled_with_the_units_figures(case: AppraisalCase) -> None:
    html = card(page(case.client("appraiser"), review_url(case)), "1.3")
    assert 'name="inputs.numerator" value="4"' in html
    assert 'name="inputs.denominator" value="4"' in html
    assert "4/4 hồ sơ" in html  # the unit's note
    html = card(page(case.client("appraiser"), review_url(case)), "1.1")
    assert 'name="inputs.yes" value="1" checked' in html


def test_a_correction_without_a_reason_shows_the_error_and_saves_nothing(
    case: AppraisalCase,
) -> None:
    client = case.client("appraiser")
    before = AuditRecord.objects.count()
    response = client.post(
        decide_url(case, "1.3"),
        {"kind": "corrected", "inputs.numerator": "1", "inputs.denominator": "4", "reason": " "},
        follow=True,
    )
    assert "Give the reason for the correction: the unit will read it." in card(
        response.content.decode(), "1.3"
    )
    response = client.post(
        decide_url(case, "1.3"),
        {"kind": "corrected", "inputs.numerator": "5", "inputs.denominator": "4", "reason": "x"},
        follow=True,
    )
    assert "the numerator 5 is above the denominator 4" in response.content.decode()
    response = client.post(
        decide_url(case, "1.3"),
        {"kind": "corrected", "inputs.numerator": "một", "inputs.denominator": "4", "reason": "x"},
        follow=True,
    )
    # the field named as the form shows it
    assert "“Numerator” must be a number, not “một”" in card(response.content.decode(), "1.3")
    response = client.post(
        decide_url(case, "1.1"), {"kind": "scored", "points": "abc", "reason": "x"}, follow=True
    )
    assert "Enter the score as a number, such as 7,5." in response.content.decode()
    nothing_changed(before)


def test_ask_withdraw_and_send_a_round_through_the_page(case: AppraisalCase) -> None:
    client = case.client("appraiser")
    client.post(ask_url(case, "1.3"), {"asks": "evidence", "text": "Gửi danh sách 4 hồ sơ"})
    client.post(ask_url(case, "1.2"), {"asks": "explanation", "text": "Vì sao chưa có?"})
    assert Message.objects.filter(round__isnull=True).count() == 2
    html = page(client, review_url(case))
    assert "2 questions waiting to be sent" in html
    assert "Gửi danh sách 4 hồ sơ" in card(html, "1.3")
    assert "not sent yet" in card(html, "1.3")

    draft = Message.objects.get(criterion__code="1.2")
    response = client.post(reverse("appraisal:withdraw", args=[case.assessment.pk, draft.pk]))
    assert response["Location"] == review_url(case) + "#c-1.2"
    assert not Message.objects.filter(pk=draft.pk).exists()

    due = in_a_week()
    response = client.post(
        reverse("appraisal:send_round", args=[case.assessment.pk]), {"due": f"{due:%d/%m/%Y}"}
    )
    assert response["Location"] == review_url(case) + "#questions"
    round_ = Round.objects.get()
    assert (round_.number, round_.due) == (1, due)
    html = page(client, review_url(case))
    assert f"Round 1: the unit answers until {due:%d/%m/%Y}" in html
    assert "round 1" in card(html, "1.3")
    # while the unit can answer, no decision on 1.3, and a sent question cannot be withdrawn
    assert "decide after its answers are in" in card(html, "1.3")
    assert "Withdraw this question" not in html
    # the home page says so too
    home = page(client, reverse("appraisal:home"))
    assert f"Round 1 open until {due:%d/%m/%Y}" in home


def test_sending_with_no_question_or_a_past_date_is_refused(case: AppraisalCase) -> None:
    client = case.client("appraiser")
    url = reverse("appraisal:send_round", args=[case.assessment.pk])
    response = client.post(url, {"due": in_a_week().isoformat()}, follow=True)
    assert "There is no question to send" in response.content.decode()
    case.ask("1.3", "?")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(url, {"due": yesterday.strftime("%d/%m/%Y")}, follow=True)
    assert "The answer date must be today or later." in response.content.decode()
    response = client.post(url, {"due": "31/02/2024"}, follow=True)
    assert "Enter the date as dd/mm/yyyy." in response.content.decode()
    assert not Round.objects.exists()


def test_the_default_answer_date(case: AppraisalCase) -> None:
    case.ask("1.3", "?")
    html = page(case.client("appraiser"), review_url(case))
    assert f'name="due" value="{in_a_week():%d/%m/%Y}"' in html
    later = timezone.localdate() + datetime.timedelta(days=20)
    case.period.explanation_deadline = later
    case.period.save()
    html = page(case.client("appraiser"), review_url(case))
    assert f'name="due" value="{later:%d/%m/%Y}"' in html


def test_rerunning_the_checks(case: AppraisalCase) -> None:
    client = case.client("appraiser")
    response = client.post(reverse("appraisal:rerun_checks", args=[case.assessment.pk]))
    assert response["Location"] == review_url(case) + "#flags"
    assert AuditRecord.objects.filter(action="appraisal.checks").count() == 2


# ------------------------------------------------------------------ what the page shows


def test_the_flags_come_first_and_link_to_their_criteria(case: AppraisalCase) -> None:
    html = page(case.client("appraiser"), review_url(case))
    flags = html.index('id="flags"')
    assert flags < html.index('<article class="ws-crit')
    assert 'href="#c-1.1"' in html[flags : html.index('id="pillars"')]
    assert "Full marks without evidence" in html[flags:]
    assert "Full marks without evidence" in card(html, "1.1")
    # the checks' labels and messages are rendered in the reader's language
    with translation.override("vi"):
        label = translation.gettext("Full marks without evidence")
    html = page(case.client("appraiser", "vi"), review_url(case))
    assert label in html and "Full marks without evidence" not in html


def test_the_filter(case: AppraisalCase) -> None:
    case.decide("1.3", "scored", points="5", reason="Thiếu")
    client = case.client("appraiser")
    html = page(client, review_url(case) + "?show=flagged")
    assert 'id="c-1.1"' in html and 'id="c-1.2"' not in html
    html = page(client, review_url(case) + "?show=differing")
    assert 'id="c-1.3"' in html and 'id="c-1.1"' not in html
    html = page(client, review_url(case) + "?show=undecided")
    assert 'id="c-1.1"' in html and 'id="c-1.3"' not in html
    html = page(client, review_url(case) + "?show=nonsense")
    assert 'id="c-6.1"' in html  # everything


def test_a_criterion_decided_under_a_filter_keeps_its_place(case: AppraisalCase) -> None:
    client = case.client("appraiser")
    response = client.post(decide_url(case, "1.1"), {"kind": "accepted", "show": "undecided"})
    html = page(client, response["Location"].split("#")[0])
    gone = html.index('<div class="ws-gone" id="c-1.1">')
    assert "1.1 accepted: 20 points." in html[gone : html.index('id="c-1.2"')]
    assert not re.search(r'<article[^>]*id="c-1\.1"', html)
    assert re.search(r'<article[^>]*id="c-1\.2"', html)
    # once read, the message is gone, and so is the criterion
    assert 'id="c-1.1"' not in page(client, response["Location"].split("#")[0])


def test_evidence_is_previewed_in_the_page(case: AppraisalCase) -> None:
    evidence = pdf_evidence(case, ["1.1"])
    link = Evidence.objects.create(
        assessment=case.assessment,
        kind=Evidence.Kind.LINK,
        url="https://stp.bacninh.gov.vn/ke-hoach",
        summary="Kế hoạch CĐS",
    )
    link.criteria.set([case.criterion("1.1")])
    document = Evidence.objects.create(
        assessment=case.assessment,
        kind=Evidence.Kind.DOCUMENT,
        doc_number="105/QĐ-STP",
        doc_date=datetime.date(2024, 6, 13),
        doc_issuer="Sở Tư pháp",
        summary="Ban hành kế hoạch chuyển đổi số",
    )
    document.criteria.set([case.criterion("1.1")])
    html = card(page(case.client("appraiser"), review_url(case)), "1.1")
    file_url = reverse("appraisal:evidence_file", args=[case.assessment.pk, evidence.pk])
    assert f'<iframe src="{file_url}?inline=1"' in html
    assert "Quyết định 105.pdf" in html
    assert 'href="https://stp.bacninh.gov.vn/ke-hoach"' in html
    assert "Decision No. 105/QĐ-STP of 13/6/2024" in html
    assert "Sở Tư pháp" in html


def test_the_evidence_file_is_served_inline_to_the_assigned_appraiser(
    case: AppraisalCase,
) -> None:
    evidence = pdf_evidence(case, ["1.1"])
    url = reverse("appraisal:evidence_file", args=[case.assessment.pk, evidence.pk])
    response = case.client("appraiser").get(url + "?inline=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-cache"
    assert b"".join(response.streaming_content) == PDF
    response = case.client("appraiser").get(url)
    assert response["Content-Disposition"].startswith("attachment")
    # a link is not a file, and unit B's evidence is not unit A's
    link = Evidence.objects.create(
        assessment=case.assessment, kind=Evidence.Kind.LINK, url="https://example.gov.vn"
    )
    url = reverse("appraisal:evidence_file", args=[case.assessment.pk, link.pk])
    assert case.client("appraiser").get(url).status_code == 404


def test_the_home_page_lists_the_units_with_their_progress(case: AppraisalCase) -> None:
    case.decide("1.1", "accepted")
    case.ask("1.3", "?")
    client = case.client("appraiser")
    html = page(client, reverse("appraisal:home"))
    assert review_url(case) in html
    assert "Sở Tư pháp" in html and "Sở Y tế" not in html  # unit B is not theirs
    assert "Submitted, being appraised" in html
    assert 'max="45" value="1"' in html
    assert reverse("appraisal:council", args=[case.period.pk]) not in html
    # the chair sees every unit of the period and the council's overview
    html = page(case.client("chair"), reverse("appraisal:home"))
    assert "Sở Y tế" in html and "Not submitted" in html
    assert reverse("appraisal:council", args=[case.period.pk]) in html


def test_finished_periods_are_folded_until_asked_for(
    personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    with time_machine.travel(TODAY, tick=False):
        case = results_case(personas, builtin_frameworks, approve=True)
    home = reverse("appraisal:home")
    client = case.client("chair")
    html = page(client, home)
    assert "2 units, appraisal finished." in html
    assert review_url(case) not in html
    show = f"{home}?period={case.period.pk}#period-{case.period.pk}"
    assert f'href="{show}"' in html
    html = page(client, show.split("#")[0])
    assert review_url(case) in html and "Sở Y tế" in html and "Hide the units" in html
    # the appraiser of unit A sees their one unit, folded the same way
    html = page(case.client("appraiser"), home)
    assert "1 unit, appraisal finished." in html and review_url(case) not in html
    # a period that is not one of them, or no number at all: all folded, no error
    for odd in ("999999", "abc", "1%00"):
        assert review_url(case) not in page(client, f"{home}?period={odd}")


# ------------------------------------------------------------------ queries


def _inputs(criterion: Criterion, general: dict[str, Any]) -> dict[str, Any]:
    """Valid figures for a leaf, whatever its rule."""
    rule, params = criterion.rule_type, criterion.rule_params or {}
    if rule == "yesno":
        return {"yes": True}
    if rule == "choice":
        return {"choice": params["options"][0]["key"]}
    if rule == "count":
        return {"count": 1}
    if rule == "manual":
        return {"score": 1}
    if rule == "bands" and params.get("input") != "ratio":
        return {"value": 1}
    return {"numerator": 1, "denominator": 2}


def _submitted(personas: Any, frameworks: dict[str, Any], code: str, year: int) -> AssessmentCase:
    """Unit A's assessment on ``code`` with every leaf answered, evidence of each kind on many
    criteria, submitted; the appraiser decides on a dozen criteria and asks about two."""
    case = AssessmentCase(personas, frameworks, code, year)
    actor, access = case.who("officer_a")
    leaves = list(
        Criterion.objects.filter(framework=case.framework)
        .exclude(rule_type__in=["", "info"])
        .order_by("position")
    )
    for criterion in leaves:
        case.save("officer_a", criterion.code, _inputs(criterion, {}), note="Ghi chú")
    for index, criterion in enumerate(leaves[:20]):
        actions.add_evidence(
            actor,
            access,
            case.assessment,
            Evidence(
                kind=Evidence.Kind.FILE,
                file=SimpleUploadedFile(f"{index}.pdf", PDF),
                original_name=f"{index}.pdf",
                content_type="application/pdf",
                size=len(PDF),
            ),
            [criterion],
        )
        actions.add_evidence(
            actor,
            access,
            case.assessment,
            Evidence(kind=Evidence.Kind.LINK, url=f"https://example.gov.vn/{index}"),
            [criterion],
        )
    actions.add_evidence(
        actor,
        access,
        case.assessment,
        Evidence(
            kind=Evidence.Kind.DOCUMENT,
            doc_number="105/QĐ-STP",
            doc_date=datetime.date(year, 6, 13),
            summary="Kế hoạch",
        ),
        leaves,
    )
    leader, leader_access = case.who("leader_a")
    actions.submit_assessment(leader, leader_access, case.assessment)
    case.period = period_actions.move_period(case.admin, case.period, "appraisal")
    appraisal_actions.assign_appraiser(
        case.admin, case.period, personas.users["appraiser"], personas.unit_a
    )
    review = Review.objects.get(assessment=case.assessment)
    from dti.appraisal.access import appraising_for

    case.assessment.refresh_from_db()
    appraising = appraising_for(case.who("appraiser")[1], case.assessment, review)
    appraiser = Actor(personas.users["appraiser"], "appraiser")
    for criterion in leaves[:12]:
        appraisal_actions.decide(appraiser, appraising, review, criterion, "accepted")
    for criterion in leaves[12:14]:
        appraisal_actions.ask(appraiser, appraising, review, criterion, "explanation", "Vì sao?")
    return case


def _count_queries(client: Any, url: str) -> tuple[int, str]:
    client.get(url)  # the scoring framework is cached per version after the first page
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_review_page_queries_do_not_grow_with_the_criteria(
    personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    small = _submitted(personas, builtin_frameworks, "bacninh-so", 2024)
    large = _submitted(personas, builtin_frameworks, "bacninh-huyen", 2025)
    client = small.client("appraiser")
    counts = []
    for case, leaves in ((small, 45), (large, 76)):
        count, html = _count_queries(client, review_url(case))
        assert html.count('<article class="ws-crit') == leaves
        assert html.count("<iframe") == 20
        counts.append(count)
    assert counts[0] == counts[1]
    # Session, person and security policy (3; the session is not saved again within minutes),
    # roles, the assessment, its review, the assignments; criteria, answers, decisions, evidence
    # and its criteria, rounds, messages and their evidence.
    assert counts[0] == 15


def _live_totals(case: AppraisalCase) -> tuple[tuple[Decimal | None, ...], bool]:
    """Unit A's totals as the council's lists compute them, and whether they were scored (its
    answers read) rather than taken from the cache."""
    from dti.appraisal.views_workspace import council_facts

    assessment = Assessment.objects.select_related("review", "group__framework").get(
        pk=case.assessment.pk
    )
    with CaptureQueriesContext(connection) as captured:
        facts = council_facts([assessment], [assessment.review.pk])
    scored = any("assessments_answer" in q["sql"] for q in captured.captured_queries)
    return facts.totals(assessment, assessment.review), scored


def test_the_live_totals_follow_every_decision_and_are_scored_only_when_something_changed(
    case: AppraisalCase,
) -> None:
    from dti.appraisal.compare import compare

    assert _live_totals(case) == ((Decimal("30.00"), Decimal("30.00")), True)
    assert _live_totals(case) == ((Decimal("30.00"), Decimal("30.00")), False)
    case.decide("1.3", "corrected", inputs={"numerator": 1, "denominator": 4}, reason="1 hồ sơ")
    assert _live_totals(case) == ((Decimal("30.00"), Decimal("22.50")), True)
    case.decide("1.3", "scored", points="5", reason="Thiếu")  # the same decision, changed
    assert _live_totals(case) == ((Decimal("30.00"), Decimal("25.00")), True)
    case.decide("1.1", "accepted")  # a new decision that moves no point is scored all the same
    assert _live_totals(case) == ((Decimal("30.00"), Decimal("25.00")), True)
    assert _live_totals(case)[1] is False
    comparison = compare(case.assessment, Review.objects.get(pk=case.review.pk))
    assert (comparison.self_total, comparison.appraised_total) == _live_totals(case)[0]


def test_the_live_totals_follow_a_new_submission(case: AppraisalCase) -> None:
    """The unit's figures cannot change while it stays submitted; were it to edit and submit
    again, its submission time changes, and with it the totals' key. (Periods only move
    forward, so the test puts the period back in its self-assessment step by hand.)"""
    from dti.periods.models import Period

    assert _live_totals(case)[0] == (Decimal("30.00"), Decimal("30.00"))
    Period.objects.filter(pk=case.period.pk).update(status=Period.Status.OPEN)
    Assessment.objects.filter(pk=case.assessment.pk).update(status=Assessment.Status.DRAFT)
    case.period.refresh_from_db()
    case.assessment.refresh_from_db()
    with time_machine.travel(case.period.submission_deadline, tick=False):
        case.save("officer_a", "1.1", {"yes": False})
        actor, access = case.who("leader_a")
        actions.submit_assessment(actor, access, case.assessment)
    Period.objects.filter(pk=case.period.pk).update(status=Period.Status.APPRAISAL)
    assert _live_totals(case) == ((Decimal("10.00"), Decimal("10.00")), True)


def test_the_home_page_queries_do_not_grow_with_the_units(case: AppraisalCase) -> None:
    case.decide("1.1", "accepted")
    case.ask("1.3", "?")
    url = reverse("appraisal:home")
    appraiser, units_a = _count_queries(case.client("appraiser"), url)
    chair, units_ab = _count_queries(case.client("chair"), url)
    assert units_a.count("<tr class=") == 1 and units_ab.count("<tr class=") == 2
    # Session, person and security policy (3; no save of the session within minutes), roles, the
    # periods; per period: its units, memberships, assessments with their reviews, the decisions counted
    # and those of the units being appraised, rounds, open questions and the person's
    # assignments (the live totals come from the cache: nothing changed since the first view).
    assert appraiser == chair == 13
