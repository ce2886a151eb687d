"""The four charts of the results: ranking bars, a radar, a heatmap, a trend.

Each builder takes plain data (names, Decimal points, labels the caller has already translated)
and returns a scene (``Chart``); ``to_svg`` and ``to_drawing`` draw it. Numbers are shown as the
rest of the site shows them (``format_points``: "46,67" in Vietnamese). Sizes are user units:
pixels on screen, points in the PDF; ``A4_WIDTH`` fits the text width of an A4 portrait page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from dti.charts.fonts import text_width, truncate, wrap
from dti.charts.palette import (
    ACCENT,
    BAR,
    BRAND,
    GRID,
    GROUND,
    HIGHLIGHT_BAND,
    INK,
    LINE,
    MUTED,
    PAPER,
    sequential,
    text_on,
)
from dti.charts.scene import (
    Anchor,
    Chart,
    Circle,
    Dash,
    Group,
    Line,
    Polygon,
    Polyline,
    Rect,
    Shape,
    Text,
    Weight,
    clean_text,
)
from dti.scoring.numbers import format_points

A4_WIDTH = 482  # A4 portrait (595 pt) less two 2 cm margins
WEB_WIDTH = 760

MARGIN = 8.0
TITLE_SIZE = 12.5
LABEL_SIZE = 10.0
SMALL_SIZE = 8.5
# From a line's vertical centre to its baseline: about half the height of DejaVu's digits.
CENTRE_TO_BASELINE = 0.36


@dataclass(frozen=True)
class RankingRow:
    """One unit in a ranking: its rank ("3", shared ranks allowed), name and value (None: no score).

    ``key`` identifies the unit for ``highlight``; it defaults to the name.
    """

    rank: int | None
    name: str
    value: Decimal | None
    key: str = ""


@dataclass(frozen=True)
class Series:
    """A named run of values, one per axis (radar) or per year (trend); None where missing."""

    name: str
    values: Sequence[Decimal | None]


# Three series told apart without colour too: line pattern and marker shape.
Marker = Literal["circle", "square", "triangle", "diamond"]


@dataclass(frozen=True)
class _Look:
    stroke: str
    width: float
    dash: Dash
    marker: Marker
    fill: str | None = None


LOOKS = (
    _Look(BRAND, 2.2, (), "circle", fill=BRAND),
    _Look(MUTED, 1.6, (5.0, 3.0), "square"),
    _Look(ACCENT, 1.6, (1.5, 2.0), "triangle"),
    _Look("#1c7c3a", 1.6, (8.0, 3.0, 2.0, 3.0), "diamond"),
)


# --- shared pieces ---------------------------------------------------------------------------


def _points(value: object, what: str) -> Decimal:
    """A value as Decimal; floats are refused, because points are never floats here."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    return Decimal(value)


def _optional_points(value: object, what: str) -> Decimal | None:
    return None if value is None else _points(value, what)


def _share(value: Decimal, maximum: Decimal) -> Decimal:
    """value / maximum within [0, 1]; 0 when there is no maximum."""
    if maximum <= 0:
        return Decimal(0)
    return min(max(value / maximum, Decimal(0)), Decimal(1))


def _nice_step(span: Decimal, count: int) -> Decimal:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``count`` intervals."""
    raw = span / count
    power = Decimal(10) ** raw.adjusted()
    for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if factor * power >= raw:
            return (factor * power).normalize()
    return (10 * power).normalize()  # pragma: no cover - 10 always reaches raw


def _ticks(top: Decimal, count: int = 5) -> list[Decimal]:
    """Round values from 0 up to ``top`` (not beyond); just [0] when top is not positive."""
    if top <= 0:
        return [Decimal(0)]
    step = _nice_step(top, count)
    ticks = [Decimal(0)]
    while ticks[-1] + step <= top:
        ticks.append(ticks[-1] + step)
    return ticks


def _nice_top(high: Decimal, count: int = 4) -> Decimal:
    """A round scale end at or above ``high`` (1 when there is nothing to show)."""
    if high <= 0:
        return Decimal(1)
    step = _nice_step(high, count)
    return (step * math.ceil(high / step)).normalize()


def _percent(share: Decimal) -> str:
    return f"{round(share * 100)}%"


def _baseline(centre: float, size: float) -> float:
    return centre + size * CENTRE_TO_BASELINE


def _title(title: str, width: float, show: bool) -> tuple[list[Shape], float]:
    """The title drawn at the top (two lines at most), and where the content starts."""
    if not show or not title:
        return [], MARGIN
    shapes: list[Shape] = []
    y = MARGIN
    for line in wrap(clean_text(title), width - 2 * MARGIN, TITLE_SIZE, "bold", max_lines=2):
        y += TITLE_SIZE * 1.25
        shapes.append(
            Text(MARGIN, y - TITLE_SIZE * 0.25, line, TITLE_SIZE, weight="bold", fill=BRAND)
        )
    return shapes, y + 8


def _marker(kind: Marker, x: float, y: float, colour: str, size: float = 1.0) -> Shape:
    """A point marker, white-edged so it stands out where lines cross."""
    if kind == "circle":
        return Circle(x, y, 3.3 * size, fill=colour, stroke=PAPER, stroke_width=1)
    if kind == "square":
        half = 3.0 * size
        return Rect(
            x - half, y - half, 2 * half, 2 * half, fill=colour, stroke=PAPER, stroke_width=1
        )
    if kind == "triangle":
        r = 4.2 * size
        points = ((x, y - r), (x + r * 0.866, y + r * 0.5), (x - r * 0.866, y + r * 0.5))
        return Polygon(points, fill=colour, stroke=PAPER, stroke_width=1)
    r = 4.0 * size
    return Polygon(
        ((x, y - r), (x + r, y), (x, y + r), (x - r, y)), fill=colour, stroke=PAPER, stroke_width=1
    )


def _legend(
    series: Sequence[Series], looks: Sequence[_Look], width: float, y: float, centred: bool
) -> tuple[list[Shape], float]:
    """A sample of each series' line and marker with its name; wraps to more rows if needed."""
    sample, gap, between = 26.0, 6.0, 18.0
    items = [
        (truncate(clean_text(s.name), width - 2 * MARGIN - sample - gap, LABEL_SIZE), look)
        for s, look in zip(series, looks, strict=True)
    ]
    widths = [sample + gap + text_width(name, LABEL_SIZE) for name, _ in items]
    rows: list[list[int]] = [[]]
    used = 0.0
    for index, item_width in enumerate(widths):
        if rows[-1] and used + between + item_width > width - 2 * MARGIN:
            rows.append([])
            used = 0.0
        used += (between if rows[-1] else 0.0) + item_width
        rows[-1].append(index)
    shapes: list[Shape] = []
    for row in rows:
        if not row:
            continue
        row_width = sum(widths[i] for i in row) + between * (len(row) - 1)
        x = (width - row_width) / 2 if centred else MARGIN
        centre = y + 7
        for index in row:
            name, look = items[index]
            shapes.append(Line(x, centre, x + sample, centre, look.stroke, look.width, look.dash))
            shapes.append(_marker(look.marker, x + sample / 2, centre, look.stroke))
            shapes.append(Text(x + sample + gap, _baseline(centre, LABEL_SIZE), name, LABEL_SIZE))
            x += widths[index] + between
        y += 16
    return shapes, y


def _description(given: str | None, parts: Sequence[str]) -> str:
    return given if given is not None else "; ".join(parts)


# --- 1. ranking bars ---------------------------------------------------------------------


def ranking_bars(
    rows: Sequence[RankingRow],
    maximum: Decimal,
    title: str,
    *,
    lang: str = "vi",
    highlight: str | None = None,
    average: Decimal | None = None,
    average_label: str = "",
    width: int = A4_WIDTH,
    row_height: int = 18,
    show_title: bool = True,
    description: str | None = None,
) -> Chart:
    """Horizontal bars, one per unit in the order given (rank order), on a scale 0..maximum.

    Each row shows the rank, the unit's name (cut with "…" when too long; the full name is the
    row's tooltip on screen), the bar and the value. ``highlight`` is the key of a unit to set
    apart (bold, a tinted band, an accent bar). ``average`` draws a dashed line labelled
    ``average_label``. Rows may share a rank; a row without a value has no bar and shows "—".
    """
    maximum = _points(maximum, "maximum")
    average = _optional_points(average, "average")
    names = [clean_text(row.name) for row in rows]
    values = [_optional_points(row.value, "value") for row in rows]
    if maximum > 0:
        scale = maximum
    else:  # no maximum: a round scale above the best value
        scale = _nice_top(max((v for v in values if v is not None), default=Decimal(0)))

    shapes, y = _title(title, width, show_title)
    rank_texts = ["—" if row.rank is None else str(row.rank) for row in rows]
    value_texts = [format_points(v, lang) for v in values]
    rank_width = max((text_width(t, LABEL_SIZE) for t in rank_texts), default=0.0)
    value_width = max((text_width(t, LABEL_SIZE, "bold") for t in value_texts), default=0.0)
    name_x = MARGIN + rank_width + 8
    room = width - MARGIN - value_width - 6 - name_x
    name_width = min(max((text_width(n, LABEL_SIZE) for n in names), default=0.0), room * 0.45)
    plot_x = name_x + name_width + 10
    plot_width = max(room - name_width - 10, 1.0)

    ticks = _ticks(scale)
    tick_size = SMALL_SIZE

    def x_of(value: Decimal) -> float:
        return plot_x + float(_share(value, scale)) * plot_width

    def tick_labels(baseline: float) -> list[Shape]:
        labels: list[Shape] = []
        for tick in ticks:
            text = format_points(tick, lang)
            x = x_of(tick)
            anchor: Anchor = "middle"
            if x + text_width(text, tick_size) / 2 > width - MARGIN:
                anchor = "end"
            labels.append(Text(x, baseline, text, tick_size, anchor, fill=MUTED))
        return labels

    shapes.extend(tick_labels(y + tick_size))
    top = y + tick_size + 5
    bottom = top + len(rows) * row_height
    keys = [row.key or row.name for row in rows]
    chosen = keys.index(highlight) if highlight in keys else None
    if chosen is not None:  # a tinted band across the row, under everything else
        band = Rect(
            MARGIN / 2, top + chosen * row_height, width - MARGIN, row_height, fill=HIGHLIGHT_BAND
        )
        shapes.append(band)
    for tick in ticks:
        colour = LINE if tick == 0 else GRID
        shapes.append(Line(x_of(tick), top - 2, x_of(tick), bottom, colour, 1))
    average_x = None if average is None else x_of(average)
    if average_x is not None:  # under the bars; each value label blanks it out behind itself
        shapes.append(Line(average_x, top - 2, average_x, bottom + 4, INK, 1.2, (4.0, 3.0)))

    bar_height = round(row_height * 0.62)
    for index, value in enumerate(values):
        centre = top + (index + 0.5) * row_height
        baseline = _baseline(centre, LABEL_SIZE)
        weight: Weight = "bold" if index == chosen else "normal"
        name = truncate(names[index], name_width, LABEL_SIZE, weight)
        parts: list[Shape] = [
            Text(name_x - 8, baseline, rank_texts[index], LABEL_SIZE, "end", fill=MUTED),
            Text(name_x, baseline, name, LABEL_SIZE, weight=weight, fill=INK),
        ]
        end = plot_x
        if value is not None and value > 0:
            end = x_of(value)
            colour = ACCENT if index == chosen else BAR
            parts.append(
                Rect(plot_x, centre - bar_height / 2, end - plot_x, bar_height, fill=colour)
            )
        label, label_width = value_texts[index], text_width(value_texts[index], LABEL_SIZE, weight)
        backdrop = HIGHLIGHT_BAND if index == chosen else PAPER
        parts.append(Rect(end + 2, centre - 7, label_width + 4, 14, fill=backdrop))
        parts.append(Text(end + 4, baseline, label, LABEL_SIZE, weight=weight, fill=INK))
        tooltip = f"{rank_texts[index]}. {names[index]}: {label}"
        shapes.append(Group(tuple(parts), title=tooltip))

    y = bottom
    if len(rows) > 20:  # a long list gets its scale at the foot too
        shapes.extend(tick_labels(y + 4 + tick_size))
        y += 4 + tick_size
    if average_x is not None and average is not None:
        y += 6 + SMALL_SIZE
        label = clean_text(f"{average_label} {format_points(average, lang)}")
        label_width = text_width(label, SMALL_SIZE, "bold")
        anchor: Anchor = "middle"
        if average_x + label_width / 2 > width - MARGIN:
            anchor = "end"
        elif average_x - label_width / 2 < MARGIN:
            anchor = "start"
        shapes.append(Text(average_x, y, label, SMALL_SIZE, anchor, "bold", INK))
    height = y + MARGIN
    parts_text = [
        f"{rank}. {name}: {value}"
        for rank, name, value in zip(rank_texts, names, value_texts, strict=True)
    ]
    return Chart(width, height, title, _description(description, parts_text), tuple(shapes))


# --- 2. radar ----------------------------------------------------------------------------


def radar(
    axes: Sequence[str],
    series: Sequence[Series],
    maximum: Decimal | Sequence[Decimal],
    title: str,
    *,
    lang: str = "vi",
    width: int = A4_WIDTH,
    show_title: bool = True,
    show_values: bool = True,
    description: str | None = None,
) -> Chart:
    """A spider chart of pillars: one spoke per axis, each scaled to its maximum (one Decimal for
    all, or one per axis), rings at 25/50/75/100 %.

    Typically three series: the unit, the group average, the group best; they differ in colour,
    line pattern (solid, dashed, dotted) and marker (circle, square, triangle). With
    ``show_values``, each axis label carries the first series' value and the maximum.
    """
    labels = [clean_text(a) for a in axes]
    count = len(labels)
    if isinstance(maximum, Decimal | int):
        maxima = [_points(maximum, "maximum")] * count
    else:
        maxima = [_points(m, "maximum") for m in maximum]
    if len(maxima) != count:
        raise ValueError("one maximum per axis")
    runs = [[_optional_points(v, "value") for v in s.values] for s in series]
    if any(len(run) != count for run in runs):
        raise ValueError("each series needs one value per axis")
    looks = [LOOKS[i % len(LOOKS)] for i in range(len(series))]

    shapes, y = _title(title, width, show_title)
    label_size = 9.0
    line_step = 11.0
    label_width = min(118.0, width * 0.24)
    wrapped = [wrap(label, label_width, label_size, "bold", max_lines=2) for label in labels]
    value_texts = [
        f"{format_points(runs[0][i] if runs else None, lang)} / {format_points(maxima[i], lang)}"
        for i in range(count)
    ]
    block = 2 * line_step + (line_step if show_values else 0.0)
    radius = max(min((width - 2 * MARGIN - 2 * (label_width + 10)) / 2, 175.0), 30.0)
    cx = width / 2
    cy = y + block + 10 + radius

    def angle(i: int) -> float:
        return -math.pi / 2 + 2 * math.pi * i / max(count, 1)

    def point(i: int, share: Decimal) -> tuple[float, float]:
        r = radius * float(share)
        return cx + r * math.cos(angle(i)), cy + r * math.sin(angle(i))

    rings = [Decimal("0.25"), Decimal("0.5"), Decimal("0.75"), Decimal(1)]
    if count >= 3:
        for ring in rings:
            colour = LINE if ring == 1 else GRID
            shapes.append(
                Polygon(tuple(point(i, ring) for i in range(count)), stroke=colour, stroke_width=1)
            )
    else:
        for ring in rings:
            shapes.append(Circle(cx, cy, radius * float(ring), stroke=LINE if ring == 1 else GRID))
    for i in range(count):
        x, y2 = point(i, Decimal(1))
        shapes.append(Line(cx, cy, x, y2, LINE, 1))

    shares = [
        [None if v is None else _share(v, maxima[i]) for i, v in enumerate(run)] for run in runs
    ]
    # The first series (the unit) is drawn last, on top; its area is tinted.
    for index in reversed(range(len(series))):
        look, run = looks[index], shares[index]
        present = [(i, s) for i, s in enumerate(run) if s is not None]
        if not present:
            continue
        if len(present) == count and count >= 3:
            outline: Shape = Polygon(
                tuple(point(i, s) for i, s in present),
                fill=look.fill,
                stroke=look.stroke,
                stroke_width=look.width,
                dash=look.dash,
                fill_opacity=0.12 if look.fill else 1.0,
            )
            shapes.append(outline)
        else:  # a gap breaks the outline rather than pretending the value is 0
            for segment in _segments(run, closed=count >= 3):
                if len(segment) > 1:
                    shapes.append(
                        Polyline(
                            tuple(point(i, run[i] or Decimal(0)) for i in segment),
                            look.stroke,
                            look.width,
                            look.dash,
                        )
                    )
        for i, s in present:
            shapes.append(_marker(look.marker, *point(i, s), look.stroke))

    for ring in rings:  # on top of the series, on a light backdrop, so they stay legible
        text, ring_y = _percent(ring), cy - radius * float(ring) - 2
        ring_width = text_width(text, 7.5)
        shapes.append(Rect(cx + 5, ring_y - 7, ring_width + 2, 9, fill=PAPER, fill_opacity=0.8))
        shapes.append(Text(cx + 6, ring_y, text, 7.5, fill=MUTED))
    # Where the picture ends: the lowest corner (or the circle, for fewer than three axes).
    lowest = cy + radius * (max(math.sin(angle(i)) for i in range(count)) if count >= 3 else 1.0)
    for i in range(count):
        x, y2 = cx + (radius + 10) * math.cos(angle(i)), cy + (radius + 10) * math.sin(angle(i))
        cos, sin = math.cos(angle(i)), math.sin(angle(i))
        anchor: Anchor = "start" if cos > 0.3 else "end" if cos < -0.3 else "middle"
        lines = wrapped[i]
        height = len(lines) * line_step + (line_step if show_values else 0.0)
        if sin < -0.3:
            first = y2 - height + label_size
        elif sin > 0.3:
            first = y2 + label_size
        else:
            first = y2 - height / 2 + label_size
        parts: list[Shape] = []
        for n, line in enumerate(lines):
            parts.append(Text(x, first + n * line_step, line, label_size, anchor, "bold", INK))
        if show_values:
            parts.append(
                Text(
                    x,
                    first + len(lines) * line_step,
                    value_texts[i],
                    label_size,
                    anchor,
                    fill=BRAND,
                )
            )
        shapes.append(Group(tuple(parts), title=labels[i]))
        lowest = max(lowest, first + (len(parts) - 1) * line_step + 3)

    legend, y = _legend(series, looks, width, lowest + 14, centred=True)
    shapes.extend(legend)
    parts_text = [
        f"{labels[i]} ({format_points(maxima[i], lang)}): "
        + ", ".join(
            f"{clean_text(s.name)} {format_points(runs[k][i], lang)}" for k, s in enumerate(series)
        )
        for i in range(count)
    ]
    return Chart(width, y + MARGIN, title, _description(description, parts_text), tuple(shapes))


def _segments(run: Sequence[Decimal | None], closed: bool) -> list[list[int]]:
    """Runs of consecutive present indexes; a closed outline joins the last run to the first."""
    segments: list[list[int]] = []
    current: list[int] = []
    for i, value in enumerate(run):
        if value is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(i)
    if current:
        segments.append(current)
    if closed and len(segments) > 1 and segments[0][0] == 0 and segments[-1][-1] == len(run) - 1:
        segments[0] = segments.pop() + segments[0]
    return segments


# --- 3. heatmap --------------------------------------------------------------------------


def heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[Decimal | None]],
    maxima: Sequence[Decimal],
    title: str,
    *,
    lang: str = "vi",
    legend_label: str = "",
    width: int = A4_WIDTH,
    row_height: int = 20,
    show_title: bool = True,
    description: str | None = None,
) -> Chart:
    """Units (rows) × pillars (columns); each cell coloured by its share of the column's maximum
    on a sequential blue scale, with the value printed in it (white on dark cells). A missing
    value is a grey cell with "—". A legend shows the scale from 0 % to 100 %, after
    ``legend_label``.
    """
    names = [clean_text(r) for r in rows]
    headers = [clean_text(c) for c in columns]
    ncols = len(headers)
    tops = [_points(m, "maximum") for m in maxima]
    if len(tops) != ncols:
        raise ValueError("one maximum per column")
    grid = [[_optional_points(v, "value") for v in row] for row in values]
    if len(grid) != len(names) or any(len(row) != ncols for row in grid):
        raise ValueError("one value per row and column")

    shapes, y = _title(title, width, show_title)
    name_width = min(max((text_width(n, LABEL_SIZE) for n in names), default=0.0), width * 0.32)
    cells_x = MARGIN + name_width + 8
    cell_width = (width - MARGIN - cells_x) / max(ncols, 1)
    header_size = 8.0
    header_lines = [wrap(h, cell_width - 4, header_size, "bold", max_lines=4) for h in headers]
    header_height = max((len(lines) for lines in header_lines), default=1) * 10.0 + 4
    for j, lines in enumerate(header_lines):
        centre = cells_x + (j + 0.5) * cell_width
        last = y + header_height - 4 - header_size * 0.25
        parts: list[Shape] = [
            Text(
                centre, last - (len(lines) - 1 - n) * 10.0, line, header_size, "middle", "bold", INK
            )
            for n, line in enumerate(lines)
        ]
        shapes.append(Group(tuple(parts), title=headers[j]))
    top = y + header_height + 2

    texts = [[format_points(v, lang) for v in row] for row in grid]
    widest = max((text_width(t, 9.0) for row in texts for t in row), default=0.0)
    cell_size = 9.0 if widest <= cell_width - 6 else max(6.5, 9.0 * (cell_width - 6) / widest)
    for i, name in enumerate(names):
        row_top = top + i * row_height
        centre = row_top + row_height / 2
        shapes.append(
            Group(
                (
                    Text(
                        MARGIN,
                        _baseline(centre, LABEL_SIZE),
                        truncate(name, name_width, LABEL_SIZE),
                        LABEL_SIZE,
                    ),
                ),
                title=name,
            )
        )
        for j in range(ncols):
            value = grid[i][j]
            fill = GROUND if value is None else sequential(_share(value, tops[j]))
            x = cells_x + j * cell_width
            cell: list[Shape] = [
                Rect(x + 0.5, row_top + 0.5, cell_width - 1, row_height - 1, fill=fill)
            ]
            cell.append(
                Text(
                    x + cell_width / 2,
                    _baseline(centre, cell_size),
                    texts[i][j],
                    cell_size,
                    "middle",
                    fill=MUTED if value is None else text_on(fill),
                )
            )
            tip = f"{name} — {headers[j]}: {texts[i][j]} / {format_points(tops[j], lang)}"
            shapes.append(Group(tuple(cell), title=tip))
    y = top + len(names) * row_height + 10

    if legend_label:
        y += SMALL_SIZE
        shapes.append(
            Text(
                MARGIN,
                y,
                truncate(clean_text(legend_label), width - 2 * MARGIN, SMALL_SIZE),
                SMALL_SIZE,
                fill=MUTED,
            )
        )
        y += 4
    steps = 11
    swatch = min(22.0, (width - 2 * MARGIN) / steps)
    for k in range(steps):
        share = Decimal(k) / (steps - 1)
        shapes.append(Rect(MARGIN + k * swatch, y, swatch, 10, fill=sequential(share)))
    shapes.append(Rect(MARGIN, y, swatch * steps, 10, stroke=LINE, stroke_width=0.5))
    y += 10 + 3 + SMALL_SIZE
    ends: tuple[tuple[int, float, Anchor], ...] = (
        (0, 0.0, "start"),
        (5, 5.5, "middle"),
        (10, 11.0, "end"),
    )
    for k, at_swatch, anchor in ends:
        share = Decimal(k) / 10
        shapes.append(
            Text(MARGIN + at_swatch * swatch, y, _percent(share), SMALL_SIZE, anchor, fill=MUTED)
        )
    parts_text = [
        f"{name}: " + ", ".join(f"{headers[j]} {texts[i][j]}" for j in range(ncols))
        for i, name in enumerate(names)
    ]
    return Chart(width, y + MARGIN, title, _description(description, parts_text), tuple(shapes))


# --- 4. trend ----------------------------------------------------------------------------


def trend(
    years: Sequence[int],
    series: Sequence[Series],
    title: str,
    *,
    maximum: Decimal | None = None,
    lang: str = "vi",
    width: int = A4_WIDTH,
    height: int | None = None,
    show_title: bool = True,
    description: str | None = None,
) -> Chart:
    """Values over the years: a line with a marked, labelled point per year, one per series (the
    unit's total or DTI value; perhaps the group average as a second series). A missing year
    (None) leaves a gap in the line; a single year is a single point. The scale runs from 0 to
    ``maximum``, or to a round number above the highest value. The height defaults to suit the
    width.
    """
    height = height if height is not None else max(220, round(width * 0.45))
    labels = [str(year) for year in years]
    runs = [[_optional_points(v, "value") for v in s.values] for s in series]
    if any(len(run) != len(labels) for run in runs):
        raise ValueError("each series needs one value per year")
    looks = [LOOKS[i % len(LOOKS)] for i in range(len(series))]
    present = [v for run in runs for v in run if v is not None]
    if maximum is not None and _points(maximum, "maximum") > 0:
        top_value = _points(maximum, "maximum")
    else:
        top_value = _nice_top(max(present, default=Decimal(0)))

    shapes, y = _title(title, width, show_title)
    if len(series) > 1:
        legend, y = _legend(series, looks, width, y, centred=False)
        shapes.extend(legend)
        y += 4
    ticks = _ticks(top_value, 4)
    tick_texts = [format_points(t, lang) for t in ticks]
    plot_x = MARGIN + max((text_width(t, SMALL_SIZE) for t in tick_texts), default=0.0) + 6
    plot_right = width - MARGIN - 4
    plot_top = y + LABEL_SIZE + 8  # room for a label above a point at the top of the scale
    plot_bottom = max(height - MARGIN - SMALL_SIZE - 8, plot_top + 40)
    plot_height = plot_bottom - plot_top
    slot = (plot_right - plot_x) / max(len(labels), 1)

    def y_of(value: Decimal) -> float:
        return plot_bottom - float(_share(value, top_value)) * plot_height

    def x_of(index: int) -> float:
        return plot_x + (index + 0.5) * slot

    for tick, text in zip(ticks, tick_texts, strict=True):
        ty = y_of(tick)
        shapes.append(Line(plot_x, ty, plot_right, ty, LINE if tick == 0 else GRID, 1))
        shapes.append(
            Text(plot_x - 6, _baseline(ty, SMALL_SIZE), text, SMALL_SIZE, "end", fill=MUTED)
        )
    for index, label in enumerate(labels):
        shapes.append(
            Text(x_of(index), plot_bottom + 6 + SMALL_SIZE, label, SMALL_SIZE, "middle", fill=MUTED)
        )

    for index in reversed(range(len(series))):
        look, run = looks[index], runs[index]
        for segment in _segments(run, closed=False):
            if len(segment) > 1:
                shapes.append(
                    Polyline(
                        tuple((x_of(i), y_of(run[i] or Decimal(0))) for i in segment),
                        look.stroke,
                        look.width,
                        look.dash,
                    )
                )
        for i, value in enumerate(run):
            if value is not None:
                shapes.append(_marker(look.marker, x_of(i), y_of(value), look.stroke, 1.15))

    # Value labels: at each year the highest point is labelled above, the lowest below, any
    # between to the right; the first series' labels are bold.
    for i in range(len(labels)):
        points = sorted((y_of(v), k) for k, v in enumerate(run[i] for run in runs) if v is not None)
        for order, (py, k) in enumerate(points):
            text = format_points(runs[k][i], lang)
            weight: Weight = "bold" if k == 0 else "normal"
            colour = BRAND if k == 0 else looks[k].stroke
            size = LABEL_SIZE * 0.92
            if order == 0:  # above
                placed = Text(x_of(i), py - 8, text, size, "middle", weight, colour)
            elif order == len(points) - 1:  # below
                placed = Text(x_of(i), py + 8 + size * 0.75, text, size, "middle", weight, colour)
            else:  # to the right
                placed = Text(x_of(i) + 7, _baseline(py, size), text, size, "start", weight, colour)
            shapes.append(placed)
    parts_text = [
        f"{clean_text(s.name)}: "
        + ", ".join(
            f"{label} {format_points(v, lang)}" for label, v in zip(labels, run, strict=True)
        )
        for s, run in zip(series, runs, strict=True)
    ]
    return Chart(width, float(height), title, _description(description, parts_text), tuple(shapes))
