"""The improvement plan as files: the DOCX opened by LibreOffice (converted headless to text) and
read back with python-docx, the PDF read back with pypdf; both quote the hand-computed results
exactly and print each action with its three lines of responsibility, in the official layout.

Unit A (Sở Tư pháp): 22,5 of 1000 after the council corrected 1.3 from 10 to 2,5 ("1/4"); pillar 1
22,5/100, first of the group of 2 (see tests/test_plans.py).
"""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from docx import Document
from helpers import AppraisalCase, results_case
from pypdf import PdfReader
from test_plans import proposed_vietnamese

from dti.audit.trail import Actor
from dti.plans import actions, exports
from dti.plans.models import Plan
from dti.units.models import Unit

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 1, 10)
THREE_LINES = (
    "- Đơn vị thực hiện: Văn phòng",
    "- Đơn vị phối hợp: Các phòng thuộc Sở",
    "- Thời gian thực hiện: Quý IV/2025",
)
QUOTED = (
    "1. Chỉ số Nhận thức số: đạt 22,5/100 điểm, bị trừ 77,5 điểm, đứng thứ 1/2 cơ quan",
    "1.2. Lãnh đạo đơn vị chủ trì, chỉ đạo thực hiện CĐS: đạt 0/20 điểm, bị trừ 20 điểm.",
    "1.3. Lãnh đạo đơn vị tham gia đầy đủ các cuộc họp về CĐS của tỉnh: đạt 2,5/10 điểm, bị trừ "
    "7,5 điểm (tự chấm 10/10; thẩm định 2,5/10; lý do: 1/4).",
    "Các chỉ số thành phần đạt điểm tối đa: 1.1 (20/20).",
    "2. Chỉ số Thể chế số: đạt 0/100 điểm, bị trừ 100 điểm, đứng thứ 2/2 cơ quan",
)


@pytest.fixture
def case(personas: Any, builtin_frameworks: dict[str, Any]) -> AppraisalCase:
    return results_case(personas, builtin_frameworks, approve=True)


@pytest.fixture
def plan(case: AppraisalCase) -> Plan:
    """Unit A's plan, numbered and dated, with an action for 1.3 and one for the pillar."""
    officer = Actor(case.personas.users["officer_a"], "officer_a")
    plan = actions.draft_plan(officer, case.personas.unit_a, case.period)
    actions.update_plan(
        officer,
        plan,
        number="15",
        issued_on=datetime.date(2025, 1, 5),
        signer_title="Giám đốc",
        signer_name="Hoàng Văn Duyệt",
    )
    actions.add_action(
        officer,
        plan,
        code="1.3",
        task="Lãnh đạo Sở tham dự đầy đủ các cuộc họp về chuyển đổi số của tỉnh",
        lead="Văn phòng",
        coordinating="Các phòng thuộc Sở",
        timing="quý 4/2025",
    )
    actions.add_action(
        officer,
        plan,
        code="1",
        task="Quán triệt kết quả Chỉ số DTI năm 2024 đến toàn thể công chức",
        lead="Văn phòng",
        timing="Thường xuyên",
    )
    return plan


def one_line(text: str) -> str:
    return " ".join(text.split())


def docx_text(data: bytes) -> list[str]:
    """The document's paragraphs, those of its tables included, in reading order."""
    document = Document(io.BytesIO(data))
    lines = []
    for table in document.tables[:1]:
        lines += [p.text for cell in table.rows[0].cells for p in cell.paragraphs]
    lines += [p.text for p in document.paragraphs]
    for table in document.tables[1:]:
        lines += [p.text for cell in table.rows[0].cells for p in cell.paragraphs]
    return [line for line in lines if line.strip()]


def pdf_text(data: bytes) -> list[str]:
    return [one_line(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def _profile(folder: Path) -> str:
    """A private LibreOffice profile, so that the test never touches a user's."""
    (folder / "user").mkdir(parents=True)
    return folder.as_uri()


def test_the_docx_opens_in_libreoffice_and_reads_the_quoted_figures(
    plan: Plan, tmp_path: Path
) -> None:
    with proposed_vietnamese():
        data = exports.plan_docx(plan, today=TODAY)
    source = tmp_path / "ke-hoach.docx"
    source.write_bytes(data)
    soffice = shutil.which("soffice") or "/usr/bin/soffice"
    started = time.perf_counter()
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={_profile(tmp_path / 'profile')}",
            "--headless",
            "--norestore",
            "--convert-to",
            "txt:Text (encoded):UTF8",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    print(f"LibreOffice converted the plan in {time.perf_counter() - started:.1f} s")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "out" / "ke-hoach.txt").read_text(encoding="utf-8-sig")
    lines = [one_line(line) for line in text.splitlines() if line.strip()]
    # the national heading block, the number, the place and date, the title
    for expected in (
        "UBND TỈNH BẮC NINH",
        "SỞ TƯ PHÁP",
        "Số: 15/KH-STP",
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Bắc Ninh, ngày 05 tháng 01 năm 2025",
        "KẾ HOẠCH",
        "Cải thiện, nâng cao Chỉ số chuyển đổi số (DTI) năm 2025",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "II. KẾT QUẢ ĐÁNH GIÁ NĂM 2024",
        "III. NHIỆM VỤ, GIẢI PHÁP",
        "IV. TỔ CHỨC THỰC HIỆN",
        "GIÁM ĐỐC",
        "Hoàng Văn Duyệt",
    ):
        assert expected in lines, expected
    for quoted in QUOTED:
        assert quoted in lines, quoted
    # section III: the pillar's own action, then 1.3's, each with its three lines
    start = lines.index("III. NHIỆM VỤ, GIẢI PHÁP")
    section = lines[start : lines.index("IV. TỔ CHỨC THỰC HIỆN")]
    assert section[1:6] == [
        "1. Chỉ số Nhận thức số",
        "a) Quán triệt kết quả Chỉ số DTI năm 2024 đến toàn thể công chức",
        "- Đơn vị thực hiện: Văn phòng",
        "- Đơn vị phối hợp: —",
        "- Thời gian thực hiện: Thường xuyên",
    ]
    assert section[6:11] == [
        "1.3. Lãnh đạo đơn vị tham gia đầy đủ các cuộc họp về CĐS của tỉnh",
        "a) Lãnh đạo Sở tham dự đầy đủ các cuộc họp về chuyển đổi số của tỉnh",
        *THREE_LINES,
    ]
    assert lines.index("II. KẾT QUẢ ĐÁNH GIÁ NĂM 2024") < lines.index(QUOTED[0]) < start


def test_the_docx_has_the_official_page_and_type(plan: Plan) -> None:
    with proposed_vietnamese():
        data = exports.plan_docx(plan, today=TODAY)
    document = Document(io.BytesIO(data))
    section = document.sections[0]

    def cm(length: Any) -> float:
        return round(length.cm, 2)  # stored in twips

    assert (cm(section.page_width), cm(section.page_height)) == (21.0, 29.7)  # A4
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [cm(m) for m in margins] == [2.0, 2.0, 3.0, 2.0]
    assert section.different_first_page_header_footer  # page numbers from the second page
    assert "PAGE" in section.header._element.xml
    runs = [r for p in document.paragraphs for r in p.runs if r.text.strip()]
    assert {r.font.name for r in runs} == {"Times New Roman"}
    title = next(p for p in document.paragraphs if p.text == "KẾ HOẠCH")
    assert title.runs[0].font.bold and title.alignment == 1  # centred
    properties = document.core_properties
    assert properties.title == "KẾ HOẠCH Cải thiện, nâng cao Chỉ số chuyển đổi số (DTI) năm 2025"
    lines = docx_text(data)
    assert lines[:4] == [
        "UBND TỈNH BẮC NINH",
        "SỞ TƯ PHÁP",
        "Số: 15/KH-STP",
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    ]
    assert all(line in lines for line in THREE_LINES)


def test_the_pdf_reads_back_the_same_text(plan: Plan) -> None:
    with proposed_vietnamese():
        data = exports.plan_pdf(plan, today=TODAY)
    pages = pdf_text(data)
    text = " ".join(pages)
    assert text.startswith(
        "UBND TỈNH BẮC NINH SỞ TƯ PHÁP Số: 15/KH-STP CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập "
        "- Tự do - Hạnh phúc Bắc Ninh, ngày 05 tháng 01 năm 2025 KẾ HOẠCH Cải thiện, nâng cao "
        "Chỉ số chuyển đổi số (DTI) năm 2025"
    )
    for quoted in QUOTED:
        assert quoted in text, quoted
    assert (
        "1.3. Lãnh đạo đơn vị tham gia đầy đủ các cuộc họp về CĐS của tỉnh a) Lãnh đạo Sở tham "
        "dự đầy đủ các cuộc họp về chuyển đổi số của tỉnh " + " ".join(THREE_LINES)
    ) in text
    assert "22.5" not in text and "2.5/10" not in text  # decimal commas only
    assert text.endswith("GIÁM ĐỐC Hoàng Văn Duyệt")
    # page numbers at the top from the second page
    assert not pages[0].startswith("1 ") and all(
        page.startswith(f"{n} ") for n, page in enumerate(pages[1:], 2)
    )
    metadata = PdfReader(io.BytesIO(data)).metadata
    assert metadata is not None and metadata.title.startswith("KẾ HOẠCH")


def test_the_pdf_in_english_and_the_same_bytes_for_the_same_plan(plan: Plan) -> None:
    data = exports.plan_pdf(plan, language="en", today=TODAY)
    text = " ".join(pdf_text(data))
    assert "SOCIALIST REPUBLIC OF VIETNAM" in text and "No.: 15/KH-STP" in text
    assert (
        "1. Pillar “Nhận thức số”: 22.5/100 points, 77.5 points lost, ranked 1/2 agencies" in text
    )
    assert (
        "- Lead unit: Văn phòng - Coordinating units: Các phòng thuộc Sở - Timing: Quý IV/2025"
        in text
    )
    assert exports.plan_pdf(plan, language="en", today=TODAY) == data
    plan.actions.filter(code="1.3").update(timing="Quý III/2025")
    assert exports.plan_pdf(plan, language="en", today=TODAY) != data


def test_an_undated_plan_leaves_blanks_and_markup_is_printed(plan: Plan) -> None:
    Plan.objects.filter(pk=plan.pk).update(number="", issued_on=None)
    Unit.objects.filter(pk=plan.unit_id).update(name="Sở <b>Tư</b> & pháp")
    plan.actions.filter(code="1").update(task="Thực hiện <font size=40>ngay</font>\x07 & đủ")
    plan = Plan.objects.select_related("unit", "period").get(pk=plan.pk)
    with proposed_vietnamese():
        pdf = " ".join(pdf_text(exports.plan_pdf(plan, today=TODAY)))
        lines = docx_text(exports.plan_docx(plan, today=TODAY))
    assert "Số: …/KH-STP" in pdf and "Bắc Ninh, ngày …… tháng …… năm 2025" in pdf
    assert "SỞ <B>TƯ</B> & PHÁP" in pdf
    assert "a) Thực hiện <font size=40>ngay</font> & đủ" in pdf
    assert "a) Thực hiện <font size=40>ngay</font> & đủ" in lines  # the control character dropped
    assert "Số: …/KH-STP" in lines


def test_a_plan_without_actions_says_so(case: AppraisalCase) -> None:
    officer = Actor(case.personas.users["officer_a"], "officer_a")
    plan = actions.draft_plan(officer, case.personas.unit_a, case.period)
    with proposed_vietnamese():
        text = " ".join(pdf_text(exports.plan_pdf(plan, today=TODAY)))
    assert "III. NHIỆM VỤ, GIẢI PHÁP Chưa có nhiệm vụ nào được xây dựng. IV." in text
    assert "THỦ TRƯỞNG CƠ QUAN Leader_A" in text  # no position known: the head of the unit


# ------------------------------------------------------------ downloads


def download(case: AppraisalCase, name: str, who: str = "officer_a") -> Any:
    browser = case.personas.client(who)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    kwargs = {"unit_id": case.personas.unit_a.pk, "period_id": case.period.pk}
    return browser.get(reverse(name, kwargs=kwargs))


def test_downloads_are_private_attachments_in_vietnamese(case: AppraisalCase, plan: Plan) -> None:
    response = download(case, "plans:docx", "staff_a")
    assert response.status_code == 200
    assert response["Content-Type"] == exports.DOCX
    assert response["Content-Disposition"].startswith(
        'attachment; filename="ke-hoach-cai-thien-dti-2025-stp.docx"'
    )
    assert response["Cache-Control"] == "private, no-store"
    lines = docx_text(response.content)
    with translation.override("vi"):  # whatever the reader's language, the document's
        assert "SỞ TƯ PHÁP" in lines
    response = download(case, "plans:pdf", "leader_a")
    assert response.status_code == 200 and response["Content-Type"] == exports.PDF
    assert response.content.startswith(b"%PDF-")


def test_no_file_without_a_plan_nor_for_outsiders(case: AppraisalCase) -> None:
    assert download(case, "plans:docx").status_code == 404  # not drafted yet
    officer = Actor(case.personas.users["officer_a"], "officer_a")
    actions.draft_plan(officer, case.personas.unit_a, case.period)
    assert download(case, "plans:pdf").status_code == 200
    assert download(case, "plans:pdf", "officer_b").status_code == 404
    assert download(case, "plans:docx", "appraiser").status_code == 404
