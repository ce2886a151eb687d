"""The improvement plan as files: DOCX (python-docx) to edit and sign, PDF (reportlab) to read.

Both draw the same ``dti.plans.document.PlanDocument``, worded in Vietnamese unless told
otherwise, in the layout of an official plan (Decree 30/2020/NĐ-CP): A4, margins 2 cm top and
bottom, 3 cm left, 2 cm right; the heading block in two columns (the unit and its number on the
left, the national motto with the place and date on the right); the title; sections I to IV;
the recipients and the signature; page numbers at the top from the second page. The DOCX is set in
Times New Roman 13 pt as official documents are (Word has it; LibreOffice substitutes the
metric-compatible Liberation Serif); the PDF in the bundled DejaVu Sans, which carries every
Vietnamese diacritic, with the same bytes for the same plan (reportlab's invariant mode).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from docx import Document  # type: ignore[import-untyped]
from docx.enum.section import WD_ORIENT  # type: ignore[import-untyped]
from docx.enum.table import WD_TABLE_ALIGNMENT  # type: ignore[import-untyped]
from docx.enum.text import WD_ALIGN_PARAGRAPH  # type: ignore[import-untyped]
from docx.oxml import OxmlElement  # type: ignore[import-untyped]
from docx.oxml.ns import qn  # type: ignore[import-untyped]
from docx.shared import Cm, Pt  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import cm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from dti.charts import register_fonts
from dti.charts.fonts import BOLD, REGULAR
from dti.plans.document import (
    BODY,
    HEADING,
    ITEM,
    LINE,
    NOTE,
    SECTION,
    SUBHEADING,
    Block,
    PlanDocument,
    plan_document,
)
from dti.plans.material import Material, load_material
from dti.plans.models import Plan, PlanAction

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"

TOP, BOTTOM, LEFT, RIGHT = 2.0, 2.0, 3.0, 2.0  # margins, cm
TEXT_WIDTH_CM = 21.0 - LEFT - RIGHT
HEAD_LEFT_CM = 6.4  # the unit's column of the heading block
INDENT_CM = 1.0
FONT = "Times New Roman"


class NoMaterial(Exception):
    """The plan's period has no result for its unit (any more): nothing to quote."""


def load(plan: Plan) -> tuple[Material, list[PlanAction]]:
    material = load_material(plan.unit, plan.period)
    if material is None:
        raise NoMaterial(plan)
    return material, list(plan.actions.all())


def build_document(
    plan: Plan,
    material: Material,
    actions: Sequence[PlanAction],
    language: str = "vi",
    today: datetime.date | None = None,
) -> PlanDocument:
    with translation.override(language):
        return plan_document(plan, material, actions, today or timezone.localdate())


# ------------------------------------------------------------ DOCX


def _font(run: Any, size: float, bold: bool = False, italic: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)


def _paragraph(
    container: Any,
    text: str = "",
    size: float = 13,
    bold: bool = False,
    italic: bool = False,
    align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
    first_line: float = 0.0,
    left: float = 0.0,
    before: float = 0.0,
    after: float = 6.0,
) -> Any:
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    form = paragraph.paragraph_format
    form.space_before, form.space_after = Pt(before), Pt(after)
    form.line_spacing = 1.15
    if first_line:
        form.first_line_indent = Cm(first_line)
    if left:
        form.left_indent = Cm(left)
    if text:
        _font(paragraph.add_run(text), size, bold, italic)
    return paragraph


def _short_rule(cell: Any, width_cm: float, cell_width_cm: float) -> None:
    """The short line under the unit's name and under the motto: the bottom border of an empty
    paragraph, indented on both sides to ``width_cm``."""
    paragraph = _paragraph(cell, align=WD_ALIGN_PARAGRAPH.CENTER, after=4)
    side = max((cell_width_cm - width_cm) / 2, 0)
    paragraph.paragraph_format.left_indent = Cm(side)
    paragraph.paragraph_format.right_indent = Cm(side)
    paragraph.paragraph_format.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _first_paragraph(cell: Any) -> Any:
    """A new cell holds one empty paragraph: reuse it for the first line."""
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    return paragraph


def _cell_line(cell: Any, text: str, size: float, bold: bool = False, italic: bool = False) -> None:
    paragraph = _first_paragraph(cell) if not cell.paragraphs[0].text else _paragraph(cell, after=0)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(0)
    _font(paragraph.add_run(text), size, bold, italic)


def _page_number_header(section: Any) -> None:
    """The page number at the top centre, from the second page (first page without it)."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    _font(run, 13)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _no_borders(table: Any) -> None:
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    properties.append(borders)


def _two_columns(document: Any, left_cm: float) -> Any:
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _no_borders(table)
    widths = (Cm(left_cm), Cm(TEXT_WIDTH_CM - left_cm))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for cell, width in zip(table.rows[0].cells, widths, strict=True):
        cell.width = width
    return table


def _block_docx(document: Any, block: Block) -> None:
    if block.kind == SECTION:
        heading = _paragraph(document, block.text, bold=True, first_line=INDENT_CM, before=6)
        heading.paragraph_format.keep_with_next = True
        return
    paragraph = _paragraph(
        document,
        first_line=INDENT_CM,
        left=INDENT_CM if block.kind == LINE else 0.0,
        after=3 if block.kind in (LINE, NOTE) else 6,
    )
    if block.kind == LINE:  # the dash hangs: "- Đơn vị thực hiện: …"
        paragraph.paragraph_format.first_line_indent = Cm(0)
    paragraph.paragraph_format.keep_with_next = block.keep
    bold = block.kind == HEADING
    italic = block.kind in (SUBHEADING, NOTE)
    if block.lead:
        _font(paragraph.add_run(block.lead), 13, bold=bold, italic=italic)
        if block.text:
            _font(paragraph.add_run(" "), 13)
    if block.text:
        _font(paragraph.add_run(block.text), 13, italic=italic, bold=block.kind == SUBHEADING)


def render_docx(doc: PlanDocument) -> bytes:
    """The plan as a Word document (.docx)."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(TOP), Cm(BOTTOM)
    section.left_margin, section.right_margin = Cm(LEFT), Cm(RIGHT)
    section.header_distance = Cm(1.0)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(13)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    _page_number_header(section)

    properties = document.core_properties
    properties.title = f"{doc.kind} {doc.title}"
    properties.subject = doc.subject
    properties.author = "DTI"
    properties.language = "vi-VN"

    # The heading block: the unit and its number | the nation, the motto, the place and date.
    head = _two_columns(document, HEAD_LEFT_CM)
    left, right = head.rows[0].cells
    if doc.superior:
        _cell_line(left, doc.superior, 12)
    _cell_line(left, doc.unit, 12, bold=True)
    _short_rule(left, 2.2, HEAD_LEFT_CM)
    _cell_line(left, doc.number, 13)
    _cell_line(right, doc.nation, 12, bold=True)
    _cell_line(right, doc.motto, 13, bold=True)
    _short_rule(right, 5.6, TEXT_WIDTH_CM - HEAD_LEFT_CM)
    _cell_line(right, doc.place_date, 13, italic=True)

    _paragraph(
        document, doc.kind, 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=18, after=0
    )
    _paragraph(document, doc.title, 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    rule = _paragraph(document, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    rule.paragraph_format.left_indent = Cm(TEXT_WIDTH_CM / 2 - 1.5)
    rule.paragraph_format.right_indent = Cm(TEXT_WIDTH_CM / 2 - 1.5)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    rule._p.get_or_add_pPr().append(borders)

    for block in doc.blocks:
        _block_docx(document, block)

    # Recipients | signature, on the same page as the closing paragraph.
    document.paragraphs[-1].paragraph_format.keep_with_next = True
    gap = _paragraph(document, after=0)
    gap.paragraph_format.keep_with_next = True
    foot = _two_columns(document, 8.0)
    left, right = foot.rows[0].cells
    label = _first_paragraph(left)
    label.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _font(label.add_run(doc.recipients_label), 12, bold=True, italic=True)
    for line in doc.recipients:
        paragraph = _paragraph(left, line, 11, align=WD_ALIGN_PARAGRAPH.LEFT, after=0)
        paragraph.paragraph_format.line_spacing = 1.0
    _cell_line(right, doc.signer_title, 13, bold=True)
    for _ in range(4):
        _cell_line(right, "", 13)
    if doc.signer_name:
        _cell_line(right, doc.signer_name, 13, bold=True)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------ PDF

PDF_SIZE = 11.5
PDF_LEADING = 15.5


def _styles() -> dict[str, ParagraphStyle]:
    def style(name: str, size: float = PDF_SIZE, bold: bool = False, **more: Any) -> ParagraphStyle:
        more.setdefault("leading", size * 1.35)
        return ParagraphStyle(name, fontName=BOLD if bold else REGULAR, fontSize=size, **more)

    indent = INDENT_CM * cm
    return {
        "head": style("head", 10.5, alignment=TA_CENTER, leading=13.5),
        "head_bold": style("head_bold", 10.5, True, alignment=TA_CENTER, leading=13.5),
        "place": style("place", 11, alignment=TA_CENTER),
        "kind": style("kind", 13.5, True, alignment=TA_CENTER, spaceBefore=14),
        "title": style("title", 12.5, True, alignment=TA_CENTER),
        SECTION: style(SECTION, bold=True, firstLineIndent=indent, spaceBefore=6, spaceAfter=4),
        HEADING: style(HEADING, alignment=TA_JUSTIFY, firstLineIndent=indent, spaceAfter=4),
        SUBHEADING: style(SUBHEADING, bold=True, firstLineIndent=indent, spaceAfter=3),
        BODY: style(BODY, alignment=TA_JUSTIFY, firstLineIndent=indent, spaceAfter=5),
        ITEM: style(ITEM, alignment=TA_JUSTIFY, firstLineIndent=indent, spaceAfter=4),
        LINE: style(LINE, alignment=TA_LEFT, leftIndent=indent, spaceAfter=2),
        NOTE: style(NOTE, 10.5, alignment=TA_JUSTIFY, firstLineIndent=indent, spaceAfter=4),
        "recipients_label": style("recipients_label", 10.5, True),
        "recipients": style("recipients", 9.5, leading=12.5),
        "signer": style("signer", 11.5, True, alignment=TA_CENTER),
    }


def _text(text: str) -> str:
    return escape(text)


def _block_pdf(block: Block, styles: dict[str, ParagraphStyle]) -> Paragraph:
    if block.lead:
        lead = _text(block.lead)
        if block.kind == HEADING:
            lead = f"<b>{lead}</b>"
        markup = f"{lead} {_text(block.text)}" if block.text else lead
    else:
        markup = _text(block.text)
    return Paragraph(markup, styles[block.kind])


def _page_number(canvas: Any, document: Any) -> None:
    if document.page > 1:
        canvas.saveState()
        canvas.setFont(REGULAR, 10)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 1.2 * cm, str(document.page))
        canvas.restoreState()


def render_pdf(doc: PlanDocument, language: str = "vi") -> bytes:
    """The plan as PDF: the same blocks as the DOCX."""
    register_fonts()
    styles = _styles()
    width = A4[0] - (LEFT + RIGHT) * cm
    left_width = HEAD_LEFT_CM * cm

    left: list[Any] = []
    if doc.superior:
        left.append(Paragraph(_text(doc.superior), styles["head"]))
    left += [
        Paragraph(_text(doc.unit), styles["head_bold"]),
        HRFlowable(width=2.2 * cm, thickness=0.6, color="black", spaceBefore=2, spaceAfter=4),
        Paragraph(_text(doc.number), styles["head"]),
    ]
    right = [
        Paragraph(_text(doc.nation), styles["head_bold"]),
        Paragraph(_text(doc.motto), styles["head_bold"]),
        HRFlowable(width=5.2 * cm, thickness=0.6, color="black", spaceBefore=2, spaceAfter=4),
        Paragraph(_text(doc.place_date), styles["place"]),
    ]
    head = Table([[left, right]], colWidths=[left_width, width - left_width])
    head.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    story: list[Any] = [
        head,
        Paragraph(_text(doc.kind), styles["kind"]),
        Paragraph(_text(doc.title), styles["title"]),
        HRFlowable(width=3 * cm, thickness=0.6, color="black", spaceBefore=3, spaceAfter=10),
    ]
    pending: list[Any] = []  # headings, an action and its lines: kept with what follows
    for block in doc.blocks[:-1]:
        paragraph = _block_pdf(block, styles)
        if block.keep:
            pending.append(paragraph)
            continue
        if pending:
            story.append(KeepTogether([*pending, paragraph]))
            pending = []
        else:
            story.append(paragraph)
    story += pending
    closing = [_block_pdf(b, styles) for b in doc.blocks[-1:]]

    recipients = [Paragraph(_text(doc.recipients_label), styles["recipients_label"])]
    recipients += [Paragraph(_text(line), styles["recipients"]) for line in doc.recipients]
    signer = [Paragraph(_text(doc.signer_title), styles["signer"]), Spacer(1, 2.2 * cm)]
    if doc.signer_name:
        signer.append(Paragraph(_text(doc.signer_name), styles["signer"]))
    foot = Table([[recipients, signer]], colWidths=[width * 0.5, width * 0.5])
    foot.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    story.append(KeepTogether([*closing, Spacer(1, 10), foot]))

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=LEFT * cm,
        rightMargin=RIGHT * cm,
        topMargin=TOP * cm,
        bottomMargin=BOTTOM * cm,
        title=f"{doc.kind} {doc.title}",
        author="DTI",
        subject=doc.subject,
        creator="DTI",
        lang=language,
        initialFontName=REGULAR,
        invariant=1,
    )
    document.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return buffer.getvalue()


# ------------------------------------------------------------ the plan's files


def plan_docx(plan: Plan, language: str = "vi", today: datetime.date | None = None) -> bytes:
    """The plan as DOCX, quoting its unit's current results (``NoMaterial`` when there are
    none)."""
    material, actions = load(plan)
    return render_docx(build_document(plan, material, actions, language, today))


def plan_pdf(plan: Plan, language: str = "vi", today: datetime.date | None = None) -> bytes:
    """The plan as PDF, quoting its unit's current results (``NoMaterial`` when there are
    none)."""
    material, actions = load(plan)
    return render_pdf(build_document(plan, material, actions, language, today), language)
