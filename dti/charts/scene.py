"""The scene: what a chart (biểu đồ) is made of, independent of how it is drawn.

A scene is a tree of frozen shapes in user units, with the origin at the top left and y growing
downward, as in SVG. Both renderers draw the same scene: ``to_svg`` for the screen and
``to_drawing`` for the PDF, so the two pictures cannot drift apart.

Coordinates are floats rounded to hundredths when a shape is made; points and scores never
travel as floats, only positions do.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

Anchor: TypeAlias = Literal["start", "middle", "end"]
Weight: TypeAlias = Literal["normal", "bold"]
Dash: TypeAlias = tuple[float, ...]
Point: TypeAlias = tuple[float, float]


def at(value: float) -> float:
    """A coordinate rounded to hundredths, so both renderers see exactly the same number."""
    rounded = round(value, 2)
    return 0.0 if rounded == 0 else rounded  # no "-0"


def clean_text(text: str) -> str:
    """Text as both renderers draw it: NFC (precomposed Vietnamese), one space between words.

    Decomposed diacritics (common in text pasted from some editors) are composed, because the PDF
    draws one glyph per character; control characters, which XML cannot carry, are dropped; runs
    of white space are collapsed, as SVG would do anyway.
    """
    composed = unicodedata.normalize("NFC", text)
    printable = "".join(ch for ch in composed if unicodedata.category(ch) != "Cc" or ch in "\t\n")
    return " ".join(printable.split())


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str | None = None
    stroke: str | None = None
    stroke_width: float = 1.0
    radius: float = 0.0
    fill_opacity: float = 1.0

    def __post_init__(self) -> None:
        _round_fields(self, "x", "y", "width", "height", "radius")


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    stroke_width: float = 1.0
    dash: Dash = ()

    def __post_init__(self) -> None:
        _round_fields(self, "x1", "y1", "x2", "y2")


@dataclass(frozen=True, slots=True)
class Polyline:
    """An open line through points (a trend, a radar outline with gaps)."""

    points: tuple[Point, ...]
    stroke: str
    stroke_width: float = 1.0
    dash: Dash = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "points", _round_points(self.points))


@dataclass(frozen=True, slots=True)
class Polygon:
    """A closed shape through points (a radar series, a ring, a triangle marker)."""

    points: tuple[Point, ...]
    fill: str | None = None
    stroke: str | None = None
    stroke_width: float = 1.0
    dash: Dash = ()
    fill_opacity: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "points", _round_points(self.points))


@dataclass(frozen=True, slots=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str | None = None
    stroke: str | None = None
    stroke_width: float = 1.0

    def __post_init__(self) -> None:
        _round_fields(self, "cx", "cy", "r")


@dataclass(frozen=True, slots=True)
class Text:
    """One line of text; (x, y) is the start, middle or end of its baseline."""

    x: float
    y: float
    text: str
    size: float = 10.0
    anchor: Anchor = "start"
    weight: Weight = "normal"
    fill: str = "#1b2430"

    def __post_init__(self) -> None:
        _round_fields(self, "x", "y")
        object.__setattr__(self, "text", clean_text(self.text))


@dataclass(frozen=True, slots=True)
class Group:
    """Shapes that belong together; the title is a tooltip on screen (the full unit name)."""

    children: tuple[Shape, ...]
    title: str | None = None

    def __post_init__(self) -> None:
        if self.title is not None:
            object.__setattr__(self, "title", clean_text(self.title))


Shape: TypeAlias = Rect | Line | Polyline | Polygon | Circle | Text | Group


@dataclass(frozen=True, slots=True)
class Chart:
    """A whole picture: its size, what it shows in words (for screen readers), and its shapes."""

    width: float
    height: float
    title: str
    description: str = ""
    children: tuple[Shape, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", clean_text(self.title))
        object.__setattr__(self, "description", clean_text(self.description))


def walk(shapes: tuple[Shape, ...]) -> list[Shape]:
    """Every shape, depth first, groups included before their children."""
    found: list[Shape] = []
    for shape in shapes:
        found.append(shape)
        if isinstance(shape, Group):
            found.extend(walk(shape.children))
    return found


def _round_fields(shape: object, *names: str) -> None:
    for name in names:
        object.__setattr__(shape, name, at(getattr(shape, name)))


def _round_points(points: tuple[Point, ...]) -> tuple[Point, ...]:
    return tuple((at(x), at(y)) for x, y in points)
