"""The publication annex (PDF): hand-computed results read back from the PDF's text, in
Vietnamese (diacritics, decimal commas) and in English (the labels' msgids); deterministic bytes;
markup in unit names; long groups over several pages; landscape for wide tables."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from helpers import AppraisalCase, results_case
from pypdf import PdfReader

from dti.assessments.models import Assessment
from dti.frameworks.store import to_scoring
from dti.periods import actions as period_actions
from dti.results.annex import annex_pdf
from dti.results.models import ResultSettings, UnitResult
from dti.units.models import Unit

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    """As in test_results: unit A (Sở Tư pháp) 22,5 after the council's correction of 1.3,
    unit B (Sở Y tế) 40; both finalised, the period approved, so its results are computed."""
    case = results_case(personas, builtin_frameworks, approve=True)
    return case


def pdf_text(data: bytes) -> list[str]:
    """Each page's text, its white space collapsed (table cells wrap names over lines)."""
    reader = PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_the_annex_reads_back_the_hand_computed_results_in_vietnamese(
    case: AppraisalCase,
) -> None:
    assert case.period.status == "approved"  # not published: the administrator's draft
    pages = pdf_text(annex_pdf(case.period))
    text = " ".join(pages)
    # B first (40), then A (22,5 after the correction), each with its rank, figures and band
    assert "1 Sở Y tế 20,00 20,00 0,00" in text
    assert "2 Sở Tư pháp 22,50 0,00 0,00" in text
    assert "40,00 0,0400 Xuất sắc" in text
    assert "22,50 0,0225 Khá" in text
    assert text.index("Sở Y tế") < text.index("Sở Tư pháp")
    assert "22.50" not in text and "0.0225" not in text  # decimal commas only
    # labels already in the Vietnamese catalogue, and the page numbers on every page
    assert "Tổng điểm" in text and "Giá trị DTI" in text
    assert all(page.endswith(f"Trang {n}/{len(pages)}") for n, page in enumerate(pages, 1))
    # the charts, drawn from the same scenes as the screen: bars and the heatmap
    assert "Sở Y tế 40" in text and "Sở Tư pháp 22,5" in text


def test_the_annex_in_english_shows_the_title_the_fill_in_line_and_the_labels(
    case: AppraisalCase,
) -> None:
    data = annex_pdf(case.period, language="en")
    pages = pdf_text(data)
    first = pages[0]
    assert first.startswith(
        "Annex RESULTS OF THE ASSESSMENT AND RANKING OF THE DIGITAL TRANSFORMATION INDEX (DTI) "
        "IN 2024 (Attached to Decision No. ……/QĐ-UBND of …… …… 2024 of the People's Committee "
        "of …… province) I. Nhóm 1"
    )  # a group called just "Nhóm 1" says nothing of who is in it: no "OF …" in the title
    assert "Rank Unit Scores of the pillars" in first
    assert "1 Sở Y tế 20.00 20.00 0.00" in first and "22.50 0.0225 Khá" in first
    assert "Page 1 of" in first
    text = " ".join(pages)
    assert "2. Ranking by total score" in text and "3. Scores of the pillars, unit by unit" in text
    assert "Group average 31.25" in text
    assert (
        "Classification by share of the maximum: Xuất sắc from 3%; Khá from 2%; Kém from 0%."
        in (text)
    )
    metadata = PdfReader(io.BytesIO(data)).metadata
    assert metadata is not None
    assert metadata.title == "Annex: results of the DTI assessment and ranking in 2024"
    assert metadata.author and metadata.subject == "DTI 2024"


def test_the_title_names_who_the_groups_hold(case: AppraisalCase) -> None:
    case.group.name = "Nhóm 1: Các sở, ban, ngành"
    case.group.save()
    first = pdf_text(annex_pdf(case.period, language="en"))[0]
    assert "(DTI) IN 2024 OF CÁC SỞ, BAN, NGÀNH (Attached" in first
    assert "I. Nhóm 1: Các sở, ban, ngành" in first


def test_the_same_results_give_the_same_bytes(case: AppraisalCase) -> None:
    first = annex_pdf(case.period)
    assert annex_pdf(case.period) == first
    assert first.startswith(b"%PDF-")
    UnitResult.objects.filter(unit__name="Sở Tư pháp").update(total=D("22.51"))
    assert annex_pdf(case.period) != first


def test_markup_in_a_unit_name_is_printed_not_obeyed(case: AppraisalCase) -> None:
    name = "Sở <b>Thử</b> & <font size=40>Ban</font>"
    Unit.objects.filter(name="Sở Y tế").update(name=name)
    text = " ".join(pdf_text(annex_pdf(case.period)))
    assert "1 Sở <b>Thử</b> & <font size=40>Ban</font> 20,00" in text  # whole in the table
    assert text.count("Sở <b>Thử</b> & <font") == 3  # the table, the bars and the heatmap


def test_three_queries_whatever_the_number_of_units(
    case: AppraisalCase, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(3):  # groups, results with their units, bands
        annex_pdf(case.period)


def test_a_period_without_results_still_renders(
    personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    case = AppraisalCase(personas, builtin_frameworks)
    text = " ".join(pdf_text(annex_pdf(case.period, language="en")))
    assert "I. Nhóm 1 No unit of this group has a result." in text


# ------------------------------------------------------------ a long, wide group


def _long_group(framework: Any, units: int) -> Any:
    """A published period with one group of ``units`` districts on ``framework``, results
    written directly: unit n scores 900 - 10 n, except two that tie; all "Trung bình"."""
    from dti.audit.trail import Actor

    actor = Actor(label="t")
    period = period_actions.create_period(
        actor,
        year=2025,
        name="DTI 2025",
        data_start=datetime.date(2024, 10, 1),
        data_end=datetime.date(2025, 9, 30),
        submission_deadline=datetime.date(2025, 10, 10),
    )
    members = [
        Unit.objects.create(name=f"UBND xã Thử nghiệm số {n}", code=f"xa-{n}", kind="district")
        for n in range(1, units + 1)
    ]
    group = period_actions.set_group(actor, period, 1, "Nhóm 2: Các xã, phường", framework, members)
    pillars = [c for c in to_scoring(framework).criteria if c.counts]
    totals = [D(900 - 10 * n) for n in range(1, units + 1)]
    totals[2] = totals[1]  # units 2 and 3 share rank 2
    for n, (unit, total) in enumerate(zip(members, totals, strict=True), 1):
        UnitResult.objects.create(
            period=period,
            group=group,
            unit=unit,
            assessment=Assessment.objects.create(period=period, unit=unit, group=group),
            total=total,
            maximum=D(1000),
            dti=total / 1000,
            self_total=total,
            rank=2 if n == 3 else n,
            group_size=units,
            band="Trung bình",
            pillars=[
                {
                    "code": p.code,
                    "title": p.title,
                    "score": str(p.effective_max / 2),
                    "max": str(p.effective_max),
                    "rank": 1,
                }
                for p in pillars
            ],
            scores={},
            self_scores={},
        )
    ResultSettings.objects.create(period=period, bands=[{"label": "Trung bình", "min": "0"}])
    type(period).objects.filter(pk=period.pk).update(status="published")
    period.refresh_from_db()
    return period


def test_a_long_wide_group_repeats_its_header_and_splits_its_charts(
    builtin_frameworks: dict[str, Any],
) -> None:
    period = _long_group(builtin_frameworks["bacninh-huyen"], 90)
    data = annex_pdf(period, language="en")
    reader = PdfReader(io.BytesIO(data))
    pages = pdf_text(data)
    sizes = [(p.mediabox.width, p.mediabox.height) for p in reader.pages]  # page geometry
    table_pages = [n for n, text in enumerate(pages) if "Rank Unit Scores of the pillars" in text]
    # eight pillars do not fit a portrait page: the table is landscape, over several pages,
    # its two header rows repeated on each; the charts are portrait, as drawn for the screen
    assert len(table_pages) >= 2 and table_pages == list(range(len(table_pages)))  # from page 1
    assert all(width > height for width, height in sizes[: len(table_pages)])
    assert all(width < height for width, height in sizes[len(table_pages) :])
    text = " ".join(pages)
    assert "2 UBND xã Thử nghiệm số 2" in text and "2 UBND xã Thử nghiệm số 3" in text
    assert "90 UBND xã Thử nghiệm số 90" in text
    assert "Hoạt động chính quyền số (340) " in pages[0]  # the widest pillar, with its maximum
    # 90 rows: three ranking charts of 30 on the same scale, three heatmaps likewise
    assert text.count("2. Ranking by total score (continued)") == 2
    assert text.count("3. Scores of the pillars, unit by unit (continued)") == 2
    assert pages[-1].endswith(f"Page {len(pages)} of {len(pages)}")


def test_six_pillars_fit_a_portrait_page(case: AppraisalCase) -> None:
    reader = PdfReader(io.BytesIO(annex_pdf(case.period)))
    assert all(p.mediabox.width < p.mediabox.height for p in reader.pages)
