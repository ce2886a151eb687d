"""A scene as a reportlab Drawing, a flowable for the PDF documents.

The scene's y grows downward (as in SVG) and reportlab's upward; ``_Flip`` is the one place
where that is converted. Tooltips (group titles) have no place on paper and are left out.
"""

from __future__ import annotations

from typing import Any

from reportlab.graphics import shapes as rl  # type: ignore[import-untyped]
from reportlab.lib.colors import HexColor  # type: ignore[import-untyped]

from dti.charts.fonts import font_name
from dti.charts.scene import (
    Chart,
    Circle,
    Group,
    Line,
    Point,
    Polygon,
    Polyline,
    Rect,
    Shape,
    Text,
)


def _colour(value: str | None) -> Any:
    return None if value is None else HexColor(value)


class _Flip:
    """From the scene's y-down coordinates to the PDF's y-up ones, for a chart of a height."""

    def __init__(self, height: float) -> None:
        self.height = height

    def y(self, y: float) -> float:
        return self.height - y

    def points(self, points: tuple[Point, ...]) -> list[float]:
        flat: list[float] = []
        for x, y in points:
            flat.extend((x, self.y(y)))
        return flat


def _stroke(stroke: str | None, width: float, dash: tuple[float, ...] = ()) -> dict[str, Any]:
    return {
        "strokeColor": _colour(stroke),
        "strokeWidth": width,
        "strokeDashArray": list(dash) if dash else None,
    }


def _shape(shape: Shape, flip: _Flip) -> Any:
    if isinstance(shape, Group):
        return rl.Group(*(_shape(child, flip) for child in shape.children))
    if isinstance(shape, Rect):
        return rl.Rect(
            shape.x,
            flip.y(shape.y + shape.height),
            shape.width,
            shape.height,
            rx=shape.radius,
            ry=shape.radius,
            fillColor=_colour(shape.fill),
            fillOpacity=shape.fill_opacity,
            **_stroke(shape.stroke, shape.stroke_width),
        )
    if isinstance(shape, Line):
        return rl.Line(
            shape.x1,
            flip.y(shape.y1),
            shape.x2,
            flip.y(shape.y2),
            **_stroke(shape.stroke, shape.stroke_width, shape.dash),
        )
    if isinstance(shape, Polyline):
        return rl.PolyLine(
            flip.points(shape.points),
            strokeLineJoin=1,
            **_stroke(shape.stroke, shape.stroke_width, shape.dash),
        )
    if isinstance(shape, Polygon):
        return rl.Polygon(
            flip.points(shape.points),
            fillColor=_colour(shape.fill),
            fillOpacity=shape.fill_opacity,
            strokeLineJoin=1,
            **_stroke(shape.stroke, shape.stroke_width, shape.dash),
        )
    if isinstance(shape, Circle):
        return rl.Circle(
            shape.cx,
            flip.y(shape.cy),
            shape.r,
            fillColor=_colour(shape.fill),
            **_stroke(shape.stroke, shape.stroke_width),
        )
    if isinstance(shape, Text):
        return rl.String(
            shape.x,
            flip.y(shape.y),
            shape.text,
            fontName=font_name(shape.weight),
            fontSize=shape.size,
            fillColor=_colour(shape.fill),
            textAnchor=shape.anchor,
        )
    raise TypeError(shape)  # pragma: no cover - the union is closed


def to_drawing(chart: Chart) -> rl.Drawing:
    """The chart as a ``reportlab.graphics.shapes.Drawing`` of the same size, in points."""
    drawing = rl.Drawing(chart.width, chart.height)
    flip = _Flip(chart.height)
    for shape in chart.children:
        drawing.add(_shape(shape, flip))
    return drawing
