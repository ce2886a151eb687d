"""Colours of the charts, those of the site's stylesheet (dti/web/static/dti/dti.css).

The heatmap's scale is ColorBrewer's sequential "Blues": one hue whose lightness alone carries
the value, so it reads the same to colour-blind eyes and on a grey-scale printer.
"""

from __future__ import annotations

from decimal import Decimal

INK = "#1b2430"
MUTED = "#5b6675"
LINE = "#d8dee6"
GRID = "#e8ecf1"
PAPER = "#ffffff"
BLACK = "#000000"
GROUND = "#f3f5f8"
BRAND = "#0b3a6e"
BRAND_2 = "#114f93"
ACCENT = "#c8102e"
BAR = "#4f79ab"
HIGHLIGHT_BAND = "#fdecee"

# ColorBrewer Blues without its near-white first step, so that 0 % still shows as a cell.
BLUES = (
    "#deebf7",
    "#c6dbef",
    "#9ecae1",
    "#6baed6",
    "#4292c6",
    "#2171b5",
    "#08519c",
    "#08306b",
)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def sequential(share: Decimal) -> str:
    """The scale's colour for a share between 0 and 1 (clamped), interpolated between stops."""
    share = min(max(share, Decimal(0)), Decimal(1))
    position = share * (len(BLUES) - 1)
    index = min(int(position), len(BLUES) - 2)
    fraction = position - index
    low, high = _rgb(BLUES[index]), _rgb(BLUES[index + 1])
    mixed = (round(a + (b - a) * fraction) for a, b in zip(low, high, strict=True))
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


def luminance(colour: str) -> float:
    """WCAG relative luminance of a colour."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_on(background: str) -> str:
    """White, ink, or black where neither reaches 4.5:1 on the background (mid blues): WCAG AA
    for small text on every cell."""
    for candidate in (PAPER, INK):
        if contrast(candidate, background) >= 4.5:
            return candidate
    return BLACK
