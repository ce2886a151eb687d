"""The improvement plan as an official document (văn bản hành chính), ready for a renderer.

``plan_document`` words the whole plan once — the national heading, the unit and its number, the
place and date, the title, sections I to IV with the material and the actions, the recipients
and the signer — as plain blocks; ``dti.plans.exports`` draws the same blocks as DOCX and as PDF,
so the two files say the same thing. The layout follows Decree 30/2020/NĐ-CP as plans are
printed: I. MỤC ĐÍCH, YÊU CẦU; II. KẾT QUẢ ĐÁNH GIÁ (by pillar, numbered criteria with the quoted
figures); III. NHIỆM VỤ, GIẢI PHÁP (each action with "- Đơn vị thực hiện", "- Đơn vị phối hợp",
"- Thời gian thực hiện"); IV. TỔ CHỨC THỰC HIỆN.

Words are gettext with English msgids; call it under ``translation.override("vi")`` for the
official document (the exports do). Pure: it reads only what it is given.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from dti.charts.scene import clean_text
from dti.plans.material import Material, arrange

#: Kinds of block, each drawn in its own style by the renderers.
SECTION = "section"  # "I. MỤC ĐÍCH, YÊU CẦU"
HEADING = "heading"  # a pillar: "1. Chỉ số Nhận thức số: …" (bold)
SUBHEADING = "subheading"  # a criterion under section III (italic)
BODY = "body"  # a paragraph, first line indented
ITEM = "item"  # a numbered criterion or an action, indented
LINE = "line"  # "- Đơn vị thực hiện: …", indented further
NOTE = "note"  # a folded list of criteria (smaller, italic)

LETTERS = "abcdefghiklmnopqrstuvxy"  # Vietnamese lists skip j, w and z


@dataclass(frozen=True)
class Block:
    kind: str
    text: str
    #: a leading part (a pillar's name, drawn in bold; a criterion's number and title; a letter)
    lead: str = ""
    #: kept on the same page as the block after it (headings, an action and its lines)
    keep: bool = False


@dataclass
class PlanDocument:
    """Everything printed, as text: the renderers only lay it out."""

    superior: str  # "UBND TỈNH BẮC NINH" or ""
    unit: str  # "SỞ TƯ PHÁP"
    number: str  # "Số: …/KH-STP"
    nation: str  # "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    motto: str  # "Độc lập - Tự do - Hạnh phúc"
    place_date: str  # "Bắc Ninh, ngày 15 tháng 01 năm 2024"
    kind: str  # "KẾ HOẠCH"
    title: str  # "Cải thiện, nâng cao Chỉ số chuyển đổi số (DTI) năm 2024"
    blocks: list[Block] = field(default_factory=list)
    recipients_label: str = ""
    recipients: list[str] = field(default_factory=list)
    signer_title: str = ""
    signer_name: str = ""
    #: the document's properties (file metadata)
    subject: str = ""


def letter(index: int) -> str:
    """a, b, c … as Vietnamese lists letter them; aa, ab … past the alphabet."""
    if index < len(LETTERS):
        return LETTERS[index]
    return letter(index // len(LETTERS) - 1) + LETTERS[index % len(LETTERS)]


def official_date(day: datetime.date | None, year: int) -> dict[str, str]:
    """Day, month and year as an official date writes them: a day below 10 and the months 1 and
    2 with a leading zero ("ngày 05 tháng 02", "ngày 15 tháng 3"); blanks when there is no date."""
    if day is None:
        return {"day": "……", "month": "……", "year": str(year)}
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return {"day": f"{day.day:02d}", "month": month, "year": str(day.year)}


def upper(text: str) -> str:
    return clean_text(text).upper()


def _responsibility(action: Any) -> list[Block]:
    """The three lines of responsibility under an action, kept together with it."""
    coordinating = clean_text(action.coordinating) or "—"
    return [
        Block(LINE, _("- Lead unit: %(units)s") % {"units": clean_text(action.lead)}, keep=True),
        Block(LINE, _("- Coordinating units: %(units)s") % {"units": coordinating}, keep=True),
        Block(LINE, _("- Timing: %(timing)s") % {"timing": clean_text(action.timing)}),
    ]


def _actions(actions: Sequence[Any]) -> list[Block]:
    blocks: list[Block] = []
    for index, action in enumerate(actions):
        blocks.append(Block(ITEM, clean_text(action.task), lead=f"{letter(index)})", keep=True))
        blocks.extend(_responsibility(action))
    return blocks


def plan_document(
    plan: Any, material: Material, actions: Sequence[Any], today: datetime.date
) -> PlanDocument:
    """The plan ``plan`` (a ``Plan``) with its ``material`` and ``actions`` in order, worded in
    the active language. ``today`` gives the year of an undated plan."""
    result = material.result
    unit = plan.unit.name
    period_year = result.period.year
    number = clean_text(plan.number) or "…"
    symbol = clean_text(plan.symbol)
    when = official_date(plan.issued_on, today.year)
    place = clean_text(plan.place) or "……"
    doc = PlanDocument(
        superior=upper(plan.superior),
        unit=upper(unit),
        number=_("No.: %(number)s/%(symbol)s") % {"number": number, "symbol": symbol}
        if symbol
        else _("No.: %(number)s") % {"number": number},
        nation=_("SOCIALIST REPUBLIC OF VIETNAM"),
        motto=_("Independence - Freedom - Happiness"),
        place_date=_("%(place)s, %(day)s/%(month)s/%(year)s") % {"place": place, **when},
        kind=_("PLAN"),
        title=_("Improving the Digital Transformation Index (DTI) in %(year)s")
        % {"year": plan.year},
        subject=_("Improvement plan of %(unit)s after the DTI assessment of %(year)s")
        % {"unit": unit, "year": period_year},
    )
    add = doc.blocks.append
    add(
        Block(
            BODY,
            _(
                "Based on the results of the assessment and ranking of the Digital Transformation "
                "Index (DTI) of %(year)s, %(unit)s issues its plan to improve the index in "
                "%(plan_year)s as follows:"
            )
            % {
                "year": period_year,
                "unit": unit,
                "plan_year": plan.year,
            },
        )
    )

    add(Block(SECTION, _("I. PURPOSE AND REQUIREMENTS"), keep=True))
    add(
        Block(
            BODY,
            _(
                "Overcome the shortcomings found by the assessment of %(year)s, raise the score "
                "of every criterion on which points were lost, and improve the unit's rank in the "
                "index of %(plan_year)s."
            )
            % {"year": period_year, "plan_year": plan.year},
        )
    )
    add(
        Block(
            BODY,
            _(
                "Assign each task to a lead unit, with its coordinating units and a timing; the "
                "units assigned take the initiative, work closely together and keep the evidence "
                "of what they do for the next assessment."
            ),
        )
    )

    add(
        Block(
            SECTION,
            _("II. RESULTS OF THE ASSESSMENT IN %(year)s") % {"year": period_year},
            keep=True,
        )
    )
    add(Block(BODY, material.summary))
    for part in material.pillars:
        add(Block(HEADING, part.figures, lead=f"{part.number}. {part.name}:", keep=True))
        for criterion in part.listed:
            add(Block(ITEM, f"{criterion.quoted}.", lead=f"{criterion.number}. {criterion.title}:"))
        for line in part.folded:
            add(Block(NOTE, f"{line}."))

    add(Block(SECTION, _("III. TASKS AND SOLUTIONS"), keep=True))
    arranged = arrange(material, actions)
    planned = [p for p in arranged.pillars if p.action_count]
    if not planned and not arranged.elsewhere:
        add(Block(BODY, _("No task has been planned yet.")))
    for block in planned:  # numbered as the pillars are, as in section II
        add(Block(HEADING, "", lead=f"{block.part.number}. {block.part.name}", keep=True))
        doc.blocks.extend(_actions(block.actions))
        for criterion in block.criteria:
            if not criterion.actions:
                continue
            add(Block(SUBHEADING, f"{criterion.part.number}. {criterion.part.title}", keep=True))
            doc.blocks.extend(_actions(criterion.actions))
    if arranged.elsewhere:
        add(Block(HEADING, "", lead=_("Other tasks"), keep=True))
        doc.blocks.extend(_actions(arranged.elsewhere))

    add(Block(SECTION, _("IV. ORGANISATION OF THE IMPLEMENTATION"), keep=True))
    for text in (
        _(
            "1. The lead units draw up the details of the tasks assigned to them, carry them out "
            "on time and report their progress every quarter, before the 10th of the last month "
            "of the quarter."
        ),
        _("2. The coordinating units work closely with the lead units on the tasks they share."),
        _(
            "3. The officer in charge of digital transformation follows, urges and sums up the "
            "implementation of this plan and reports to the unit's leaders."
        ),
        _(
            "This is the plan of %(unit)s to improve its Digital Transformation Index (DTI) in "
            "%(year)s; the units concerned are asked to carry it out seriously."
        )
        % {"unit": unit, "year": plan.year},
    ):
        add(Block(BODY, text))

    doc.recipients_label = _("Recipients:")
    doc.recipients = [
        _("- The standing body of the DTI (to report);"),
        _("- The unit's leaders;"),
        _("- The units concerned (to carry it out);"),
        _("- Archive: VT."),
    ]
    doc.signer_title = upper(plan.signer_title) or _("HEAD OF THE UNIT")
    doc.signer_name = clean_text(plan.signer_name)
    return doc
