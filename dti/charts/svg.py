"""A scene as a standalone inline SVG: no script, no style sheet, no link, nothing fetched.

Only presentation attributes are used (no ``style=``), so a strict Content-Security-Policy lets
the picture through. The font is named, not embedded: the site's stylesheet serves DejaVu Sans,
and Verdana, whose metrics are close, stands in where it is missing.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from dti.charts.scene import (
    Chart,
    Circle,
    Dash,
    Group,
    Line,
    Point,
    Polygon,
    Polyline,
    Rect,
    Shape,
    Text,
)

FONT_FAMILY = "'DejaVu Sans', Verdana, sans-serif"


def num(value: float) -> str:
    """A coordinate as short, stable text: 12.5, 3, 0.25."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _attrs(**values: str | float | None) -> str:
    parts = []
    for name, value in values.items():
        if value is None:
            continue
        text = num(value) if isinstance(value, float | int) else _attr(value)
        parts.append(f'{name.rstrip("_").replace("_", "-")}="{text}"')
    return " ".join(parts)


def _dash(dash: Dash) -> str | None:
    return " ".join(num(d) for d in dash) if dash else None


def _points(points: tuple[Point, ...]) -> str:
    return " ".join(f"{num(x)},{num(y)}" for x, y in points)


def _shape(shape: Shape, out: list[str]) -> None:
    if isinstance(shape, Group):
        out.append("<g>")
        if shape.title:
            out.append(f"<title>{escape(shape.title)}</title>")
        for child in shape.children:
            _shape(child, out)
        out.append("</g>")
    elif isinstance(shape, Rect):
        radius = shape.radius or None
        out.append(
            "<rect "
            + _attrs(
                x=shape.x,
                y=shape.y,
                width=shape.width,
                height=shape.height,
                rx=radius,
                fill=shape.fill or "none",
                fill_opacity=shape.fill_opacity if shape.fill and shape.fill_opacity < 1 else None,
                stroke=shape.stroke,
                stroke_width=shape.stroke_width if shape.stroke else None,
            )
            + "/>"
        )
    elif isinstance(shape, Line):
        out.append(
            "<line "
            + _attrs(
                x1=shape.x1,
                y1=shape.y1,
                x2=shape.x2,
                y2=shape.y2,
                stroke=shape.stroke,
                stroke_width=shape.stroke_width,
                stroke_dasharray=_dash(shape.dash),
            )
            + "/>"
        )
    elif isinstance(shape, Polyline):
        out.append(
            "<polyline "
            + _attrs(
                points=_points(shape.points),
                fill="none",
                stroke=shape.stroke,
                stroke_width=shape.stroke_width,
                stroke_dasharray=_dash(shape.dash),
                stroke_linejoin="round",
            )
            + "/>"
        )
    elif isinstance(shape, Polygon):
        out.append(
            "<polygon "
            + _attrs(
                points=_points(shape.points),
                fill=shape.fill or "none",
                fill_opacity=shape.fill_opacity if shape.fill and shape.fill_opacity < 1 else None,
                stroke=shape.stroke,
                stroke_width=shape.stroke_width if shape.stroke else None,
                stroke_dasharray=_dash(shape.dash),
                stroke_linejoin="round" if shape.stroke else None,
            )
            + "/>"
        )
    elif isinstance(shape, Circle):
        out.append(
            "<circle "
            + _attrs(
                cx=shape.cx,
                cy=shape.cy,
                r=shape.r,
                fill=shape.fill or "none",
                stroke=shape.stroke,
                stroke_width=shape.stroke_width if shape.stroke else None,
            )
            + "/>"
        )
    elif isinstance(shape, Text):
        attributes = _attrs(
            x=shape.x,
            y=shape.y,
            font_size=shape.size,
            text_anchor=None if shape.anchor == "start" else shape.anchor,
            font_weight="bold" if shape.weight == "bold" else None,
            fill=shape.fill,
        )
        out.append(f"<text {attributes}>{escape(shape.text)}</text>")
    else:  # pragma: no cover - the union is closed
        raise TypeError(shape)


def to_svg(chart: Chart) -> str:
    """The chart as an ``<svg>`` element to put inline in a page; the same input gives the same
    bytes. It scales with its container when the page sets ``max-width: 100%; height: auto``."""
    out = [
        "<svg "
        + _attrs(
            xmlns="http://www.w3.org/2000/svg",
            class_="dti-chart",
            width=chart.width,
            height=chart.height,
            viewBox=f"0 0 {num(chart.width)} {num(chart.height)}",
            role="img",
            aria_label=chart.title,
            font_family=FONT_FAMILY,
        )
        + ">",
        f"<title>{escape(chart.title)}</title>",
    ]
    if chart.description:
        out.append(f"<desc>{escape(chart.description)}</desc>")
    for shape in chart.children:
        _shape(shape, out)
    out.append("</svg>")
    return "\n".join(out)
