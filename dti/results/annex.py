"""The publication annex (phụ lục kèm theo quyết định công bố kết quả) as a PDF.

For each ranking group: the result table (rank, unit, each pillar's score, total, DTI value,
classification) with its header repeated on every page, then the group's charts — the ranking
bars and the units × pillars heatmap — drawn from the same scenes as the screen's
(``dti.charts``), so the paper and the page show the same pictures. Labels are gettext with
English msgids, rendered in Vietnamese unless told otherwise; numbers carry a decimal comma in
Vietnamese. The same results give the same bytes (reportlab's invariant mode).

The annex reads the stored results whatever the period's status: who may download it (the
administrator before publication, the public after) is the views' business.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import cm  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    HRFlowable,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from dti.charts import (
    A4_WIDTH,
    Chart,
    RankingRow,
    heatmap,
    ranking_bars,
    register_fonts,
    to_drawing,
)
from dti.charts.fonts import BOLD, REGULAR
from dti.charts.scene import clean_text
from dti.periods.models import Period, PeriodGroup
from dti.results.actions import bands_of
from dti.results.models import UnitResult
from dti.scoring.numbers import format_points, round_points

MARGIN = 2 * cm  # all round: the portrait text width is the charts' A4_WIDTH
PORTRAIT = A4
LANDSCAPE = landscape(A4)
FRAME_HEIGHT = PORTRAIT[1] - 2 * MARGIN
#: A ranking longer than this is drawn in several charts on the same scale.
CHART_ROWS = 40
BAR_ROW_HEIGHT = 16
HEAT_ROW_HEIGHT = 16
#: Room needed for a group's headings and the first rows of its table, else a new page.
TABLE_START = 160
#: Room kept above a chart for its heading.
HEADING_ROOM = 32

BODY_SIZE = 8.0
HEAD_SIZE = 7.5
PAD = 3.0
NAME_MIN = 115.0  # narrower than this, the table turns to a landscape page
NAME_MAX = 210.0
COLUMN_MAX = 64.0

HEADER_FILL = colors.HexColor("#e9edf2")
RULE = colors.black
FOOTER_INK = colors.HexColor("#5b6675")

_GROUP_PREFIX = re.compile(
    r"^\s*(?:nhóm|khối|group)\s*[0-9ivxlc]+\s*(?:[:.\-–—]\s*|$)", re.IGNORECASE
)


# ------------------------------------------------------------ numbers and text


def _fixed(value: Decimal | str | None, places: int, lang: str) -> str:
    """A number with a fixed count of decimals (22,50; 0,0225), "—" when there is none."""
    if value is None:
        return "—"
    quantum = Decimal(1).scaleb(-places)
    text = f"{Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP):f}"
    return text.replace(".", ",") if lang.startswith("vi") else text


def _markup(text: str) -> str:
    """Text for a Paragraph: composed diacritics, one space between words, markup escaped
    (a unit called "<b>Sở & Ban</b>" is printed as such, never read as formatting)."""
    return escape(clean_text(text))


def _roman(number: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    if not 0 < number < 40:
        return str(number)
    out = ""
    for value, letters in numerals:
        while number >= value:
            out += letters
            number -= value
    return out


def _who(group_name: str) -> str:
    """Who a group holds, from its name: "Nhóm 1: Các sở, ban, ngành" → "Các sở, ban, ngành"."""
    return _GROUP_PREFIX.sub("", clean_text(group_name)).strip()


# ------------------------------------------------------------ styles


@dataclass(frozen=True)
class _Styles:
    annex: ParagraphStyle
    title: ParagraphStyle
    decision: ParagraphStyle
    group: ParagraphStyle
    about: ParagraphStyle
    lead: ParagraphStyle
    section: ParagraphStyle
    note: ParagraphStyle
    head: ParagraphStyle
    name: ParagraphStyle
    cell: ParagraphStyle


def _styles() -> _Styles:
    def style(name: str, size: float, bold: bool = False, **more: Any) -> ParagraphStyle:
        more.setdefault("leading", size * 1.3)
        return ParagraphStyle(name, fontName=BOLD if bold else REGULAR, fontSize=size, **more)

    return _Styles(
        annex=style("annex", 12, True, alignment=TA_CENTER, spaceAfter=4),
        title=style("title", 11.5, True, alignment=TA_CENTER, leading=15.5, spaceAfter=4),
        decision=style("decision", 10, alignment=TA_CENTER, spaceAfter=2),
        group=style("group", 11, True, spaceBefore=6, spaceAfter=3),
        about=style("about", 9, spaceAfter=6, textColor=FOOTER_INK),
        lead=style("lead", 10, True, spaceBefore=8, spaceAfter=5),
        section=style("section", 10, True, spaceBefore=8, spaceAfter=5, keepWithNext=1),
        note=style("note", 7.5, alignment=TA_JUSTIFY, spaceBefore=4, textColor=FOOTER_INK),
        head=style("head", HEAD_SIZE, True, alignment=TA_CENTER, leading=HEAD_SIZE * 1.25),
        name=style("name", BODY_SIZE, leading=BODY_SIZE * 1.25),
        cell=style("cell", BODY_SIZE, alignment=TA_CENTER, leading=BODY_SIZE * 1.25),
    )


# ------------------------------------------------------------ page furniture


def _numbered_canvas(footer: Callable[[int, int], str]) -> type[Canvas]:
    """A canvas that holds its pages back until the end, to print "Trang x/y" on each."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for number, state in enumerate(self._held, 1):
                self.__dict__.update(state)
                width = self._pagesize[0]
                self.saveState()
                self.setFont(REGULAR, 8)
                self.setFillColor(FOOTER_INK)
                self.drawCentredString(width / 2, MARGIN / 2, footer(number, total))
                self.restoreState()
                super().showPage()
            super().save()

    return NumberedCanvas


def _template(name: str, size: tuple[float, float]) -> PageTemplate:
    frame = Frame(
        MARGIN,
        MARGIN,
        size[0] - 2 * MARGIN,
        size[1] - 2 * MARGIN,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id=f"{name}-frame",
    )
    return PageTemplate(id=name, frames=[frame], pagesize=size)


# ------------------------------------------------------------ the result table


@dataclass(frozen=True)
class _Pillar:
    code: str
    title: str
    maximum: Decimal


def _pillars(results: Sequence[UnitResult]) -> list[_Pillar]:
    """The group's pillars in framework order, each with its (largest) maximum."""
    order: dict[str, _Pillar] = {}
    for result in results:
        for item in result.pillars:
            code, top = item["code"], Decimal(item["max"] or 0)
            known = order.get(code)
            if known is None or top > known.maximum:
                order[code] = _Pillar(code, item["title"], top)
    return list(order.values())


def _natural(header_words: Sequence[str], cells: Sequence[str]) -> float:
    """A column's least comfortable width: its widest header word or cell, and padding."""
    widest = max(
        [stringWidth(w, BOLD, HEAD_SIZE) for w in header_words]
        + [stringWidth(c, REGULAR, BODY_SIZE) for c in cells]
        + [0.0]
    )
    return math.ceil(widest + 2 * PAD + 1)


@dataclass(frozen=True)
class _Layout:
    landscape: bool
    widths: list[float]


def _layout(
    columns: Sequence[tuple[str, Sequence[str]]], names: Sequence[str], growing: Sequence[int]
) -> _Layout:
    """Widths for the table, the unit's column first: every other column at its natural width,
    the unit's in the rest (up to its longest name, ``NAME_MAX`` at most); a landscape page when
    that would squeeze it below ``NAME_MIN``. Room still left widens the ``growing`` columns (up
    to ``COLUMN_MAX``), then the unit's, so that the table spans the page."""
    natural = [_natural(header.split(), cells) for header, cells in columns]
    fixed = sum(natural)
    turn = PORTRAIT[0] - 2 * MARGIN - fixed < NAME_MIN
    room = (LANDSCAPE if turn else PORTRAIT)[0] - 2 * MARGIN - fixed
    longest = max((stringWidth(clean_text(n), REGULAR, BODY_SIZE) for n in names), default=0.0)
    name = min(room, longest + 2 * PAD + 2, NAME_MAX)
    spare = room - name
    widths = list(natural)
    if growing and spare > 0:
        each = spare / len(growing)
        for index in growing:
            grown = min(widths[index] + each, max(widths[index], COLUMN_MAX))
            spare -= grown - widths[index]
            widths[index] = grown
    return _Layout(turn, [name + max(spare, 0.0), *widths])


def _result_table(
    results: Sequence[UnitResult],
    pillars: Sequence[_Pillar],
    maximum: Decimal,
    with_bands: bool,
    lang: str,
    styles: _Styles,
) -> tuple[Table, bool]:
    """The group's result table and whether it needs a landscape page."""
    rank_head = _("Rank")
    name_head = pgettext("agency", "Unit")
    total_head = _("Total score")
    dti_head = _("DTI value")
    band_head = _("Classification")
    ranks = ["—" if r.rank is None else str(r.rank) for r in results]
    totals = [_fixed(r.total, 2, lang) for r in results]
    dtis = [_fixed(r.dti, 4, lang) for r in results]
    scores = [
        [_fixed((r.pillar(p.code) or {}).get("score"), 2, lang) for r in results] for p in pillars
    ]
    bands = [r.band or "—" for r in results]
    max_text = f"({format_points(maximum, lang)})"

    # Column order: rank, unit, the pillars, total, DTI value, classification. The layout is
    # computed with the unit first, as the column that takes whatever room is left.
    measured: list[tuple[str, Sequence[str]]] = [
        (rank_head, ranks),
        *(
            (f"{p.title} ({format_points(p.maximum, lang)})", s)
            for p, s in zip(pillars, scores, strict=True)
        ),
        (f"{total_head} {max_text}", totals),
        (dti_head, dtis),
    ]
    if with_bands:
        measured.append((band_head, bands))
    names = [r.unit.name for r in results]
    layout = _layout(measured, names, list(range(1, len(measured))))
    name_width, rank_width, *rest = layout.widths
    widths = [rank_width, name_width, *rest]

    def head(text: str) -> Paragraph:
        return Paragraph(text, styles.head)

    first = 2 + len(pillars)  # the column after the pillars: the total
    top: list[Any] = [head(_markup(rank_head)), head(_markup(name_head))]
    second: list[Any] = ["", ""]
    if pillars:
        top += [head(_markup(_("Scores of the pillars")))] + [""] * (len(pillars) - 1)
        second += [
            head(f"{_markup(p.title)}<br/>({_markup(format_points(p.maximum, lang))})")
            for p in pillars
        ]
    top += [head(f"{_markup(total_head)}<br/>{_markup(max_text)}"), head(_markup(dti_head))]
    second += ["", ""]
    if with_bands:
        top.append(head(_markup(band_head)))
        second.append("")
    rows: list[list[Any]] = [top, second]
    for index, result in enumerate(results):
        row: list[Any] = [ranks[index], Paragraph(_markup(result.unit.name), styles.name)]
        row += [column[index] for column in scores]
        row += [totals[index], dtis[index]]
        if with_bands:
            row.append(Paragraph(_markup(bands[index]), styles.cell))
        rows.append(row)

    last = len(widths) - 1
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), REGULAR, BODY_SIZE),
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("BACKGROUND", (0, 0), (-1, 1), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("ALIGN", (0, 2), (0, -1), "CENTER"),
        ("ALIGN", (2, 2), (first + 1, -1), "RIGHT"),
        ("FONT", (first, 2), (first, -1), BOLD, BODY_SIZE),
        ("SPAN", (0, 0), (0, 1)),
        ("SPAN", (1, 0), (1, 1)),
        ("SPAN", (first, 0), (first, 1)),
        ("SPAN", (first + 1, 0), (first + 1, 1)),
    ]
    if pillars:
        commands.append(("SPAN", (2, 0), (first - 1, 0)))
    if with_bands:
        commands.append(("SPAN", (last, 0), (last, 1)))
    table = Table(rows, colWidths=widths, repeatRows=2, hAlign="CENTER")
    table.setStyle(TableStyle(commands))
    return table, layout.landscape


def _notes(maximum: Decimal, bands: Sequence[dict[str, str]], lang: str) -> str:
    parts = [
        _(
            "Units with equal totals share a rank. The DTI value is the total score divided by "
            "the maximum (%(maximum)s)."
        )
        % {"maximum": format_points(maximum, lang)}
    ]
    if bands:
        shares = [
            _("%(label)s from %(share)s")
            % {"label": b["label"], "share": format_points(Decimal(b["min"]), lang) + "%"}
            for b in bands
        ]
        parts.append(
            _("Classification by share of the maximum: %(bands)s.") % {"bands": "; ".join(shares)}
        )
    return _markup(" ".join(parts))


# ------------------------------------------------------------ charts


def _in_chunks(rows: Sequence[Any], build: Callable[[Sequence[Any]], Chart]) -> list[Chart]:
    """Charts of about ``CHART_ROWS`` rows each, as even as can be, each fitting on a page."""
    if not rows:
        return []
    count = math.ceil(len(rows) / CHART_ROWS)
    while True:
        size = math.ceil(len(rows) / count)
        charts = [build(rows[i : i + size]) for i in range(0, len(rows), size)]
        if size <= 5 or all(c.height <= FRAME_HEIGHT - HEADING_ROOM for c in charts):
            return charts
        count += 1


def _charts(
    results: Sequence[UnitResult],
    pillars: Sequence[_Pillar],
    maximum: Decimal,
    lang: str,
    styles: _Styles,
) -> list[Any]:
    story: list[Any] = []
    totals = [r.total for r in results]
    average = round_points(sum(totals, Decimal(0)) / len(totals))
    bars_title = _("Ranking by total score")
    rows = [RankingRow(r.rank, r.unit.name, r.total, key=str(r.unit_id)) for r in results]

    def bars(chunk: Sequence[RankingRow]) -> Chart:
        return ranking_bars(
            chunk,
            maximum,
            bars_title,
            lang=lang,
            average=average,
            average_label=_("Group average"),
            width=A4_WIDTH,
            row_height=BAR_ROW_HEIGHT,
            show_title=False,
        )

    heat_title = _("Scores of the pillars, unit by unit")
    columns = [p.title for p in pillars]
    maxima = [p.maximum for p in pillars]

    def heat(chunk: Sequence[UnitResult]) -> Chart:
        return heatmap(
            [r.unit.name for r in chunk],
            columns,
            [[_value(r, p.code) for p in pillars] for r in chunk],
            maxima,
            heat_title,
            lang=lang,
            legend_label=_("Colour: share of the pillar's maximum"),
            width=A4_WIDTH,
            row_height=HEAT_ROW_HEIGHT,
            show_title=False,
        )

    sections = [(bars_title, _in_chunks(rows, bars))]
    if pillars:
        sections.append((heat_title, _in_chunks(list(results), heat)))
    for number, (title, charts) in enumerate(sections, 2):
        for part, chart in enumerate(charts):
            heading = f"{number}. {title}"
            if part:
                heading = _("%(heading)s (continued)") % {"heading": heading}
            story.append(Paragraph(_markup(heading), styles.section))
            story.append(to_drawing(chart))
    return story


def _value(result: UnitResult, code: str) -> Decimal | None:
    item = result.pillar(code)
    return None if item is None or item.get("score") is None else Decimal(item["score"])


# ------------------------------------------------------------ the document


def _title(period: Period, groups: Sequence[PeriodGroup]) -> str:
    who = ", ".join(w for w in (_who(g.name) for g in groups) if w)
    if who:
        return _(
            "RESULTS OF THE ASSESSMENT AND RANKING OF THE DIGITAL TRANSFORMATION INDEX (DTI) "
            "IN %(year)s OF %(units)s"
        ) % {"year": period.year, "units": who.upper()}
    return _(
        "RESULTS OF THE ASSESSMENT AND RANKING OF THE DIGITAL TRANSFORMATION INDEX (DTI) "
        "IN %(year)s"
    ) % {"year": period.year}


def _group_story(
    number: int,
    group: PeriodGroup,
    results: Sequence[UnitResult],
    bands: Sequence[dict[str, str]],
    lang: str,
    styles: _Styles,
) -> tuple[list[Any], list[Any], bool]:
    """The group's table part and chart part, and whether the table is landscape."""
    heading = f"{_roman(number)}. {clean_text(group.name)}"
    # Not "keep with next": a table longer than a page would leave this page blank. Enough room
    # for the headings and a few rows, or a new page.
    story: list[Any] = [CondPageBreak(TABLE_START), Paragraph(_markup(heading), styles.group)]
    if not results:
        story.append(Paragraph(_markup(_("No unit of this group has a result.")), styles.about))
        return story, [], False
    maximum = max(r.maximum for r in results)
    pillars = _pillars(results)
    about = _("Assessed on %(framework)s; %(count)s units ranked; maximum %(maximum)s points.") % {
        "framework": group.framework.name,
        "count": len(results),
        "maximum": format_points(maximum, lang),
    }
    story.append(Paragraph(_markup(about), styles.about))
    story.append(Paragraph(_markup("1. " + _("Results and ranking")), styles.lead))
    with_bands = bool(bands) or any(r.band for r in results)
    table, turned = _result_table(results, pillars, maximum, with_bands, lang, styles)
    story.append(table)
    story.append(Paragraph(_notes(maximum, bands, lang), styles.note))
    return story, _charts(results, pillars, maximum, lang, styles), turned


def annex_pdf(period: Period, *, language: str = "vi") -> bytes:
    """The period's results annex as PDF bytes: per group, the table and its charts.

    Vietnamese unless ``language`` says otherwise. Three queries, whatever the number of units.
    """
    register_fonts()
    groups = list(period.groups.select_related("framework").order_by("number"))
    by_group: dict[int, list[UnitResult]] = {g.pk: [] for g in groups}
    results = (
        UnitResult.objects.filter(period=period)
        .select_related("unit")
        .order_by("group__number", F("rank").asc(nulls_last=True), "unit__position", "unit__name")
    )
    for result in results:
        by_group.setdefault(result.group_id, []).append(result)
    bands = bands_of(period)
    with translation.override(language):
        return _render(period, groups, by_group, bands, language)


def _render(
    period: Period,
    groups: Sequence[PeriodGroup],
    by_group: dict[int, list[UnitResult]],
    bands: Sequence[dict[str, str]],
    lang: str,
) -> bytes:
    styles = _styles()
    year = period.publication_date.year if period.publication_date else period.year
    title = _title(period, groups)
    story: list[Any] = [
        Paragraph(_markup(_("Annex")), styles.annex),
        Paragraph(_markup(title), styles.title),
        Paragraph(
            _markup(
                _(
                    "(Attached to Decision No. ……/QĐ-UBND of …… …… %(year)s of the People's "
                    "Committee of …… province)"
                )
                % {"year": year}
            ),
            styles.decision,
        ),
        HRFlowable(width="22%", thickness=0.6, color=RULE, spaceBefore=7, spaceAfter=10),
    ]
    parts = [
        _group_story(n, g, by_group.get(g.pk, []), bands, lang, styles)
        for n, g in enumerate(groups, 1)
    ]
    first = "landscape" if parts and parts[0][2] else "portrait"
    for index, (table_part, chart_part, turned) in enumerate(parts):
        orientation = "landscape" if turned else "portrait"
        if index:
            story += [NextPageTemplate(orientation), PageBreak()]
        story += table_part
        if chart_part:
            if turned:  # the charts are drawn for a portrait page
                story += [NextPageTemplate("portrait"), PageBreak()]
            else:
                story.append(Spacer(1, 6))
            story += chart_part
    if not parts:
        story.append(Paragraph(_markup(_("This period has no ranking groups.")), styles.about))

    templates = [_template("portrait", PORTRAIT), _template("landscape", LANDSCAPE)]
    if first == "landscape":
        templates.reverse()
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=LANDSCAPE if first == "landscape" else PORTRAIT,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=_("Annex: results of the DTI assessment and ranking in %(year)s")
        % {"year": period.year},
        author=_("DTI — digital transformation index"),
        subject=clean_text(period.name),
        creator="DTI",
        keywords=["DTI", str(period.year)],
        lang=lang,
        initialFontName=REGULAR,  # else every page names Helvetica, which draws nothing here
        invariant=1,
    )
    document.addPageTemplates(templates)

    def footer(number: int, total: int) -> str:
        return _("Page %(number)s of %(total)s") % {"number": number, "total": total}

    document.build(story, canvasmaker=_numbered_canvas(footer))
    return buffer.getvalue()


__all__ = ["annex_pdf"]
