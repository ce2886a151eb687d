"""The one typeface of the charts, DejaVu Sans, bundled with the site: it carries every
Vietnamese diacritic, and the browser (through the site's stylesheet) and the PDF draw the same
glyphs. Text is measured with the font's own metrics, so truncation and wrapping fit in both.
"""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]

from dti.charts.scene import Weight

FONT_DIR = Path(__file__).resolve().parent.parent / "web" / "static" / "dti" / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ELLIPSIS = "…"

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) with reportlab, once per process."""
    global _registered
    if _registered:
        return
    with _lock:
        if not _registered:
            pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
            pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
            pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)
            _registered = True


def font_name(weight: Weight) -> str:
    """The reportlab name of the face for a weight."""
    register_fonts()
    return BOLD if weight == "bold" else REGULAR


def text_width(text: str, size: float, weight: Weight = "normal") -> float:
    """How wide a line of text is, in user units."""
    return float(pdfmetrics.stringWidth(text, font_name(weight), size))


def truncate(text: str, width: float, size: float, weight: Weight = "normal") -> str:
    """The text, ended with "…" if it is wider than ``width``: cut after a whole word when that
    keeps most of the room used, else inside a word."""
    if text_width(text, size, weight) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if text_width(text[:middle].rstrip() + ELLIPSIS, size, weight) <= width:
            low = middle
        else:
            high = middle - 1
    head = text[:low]
    space = head.rfind(" ")
    if low < len(text) and text[low] != " " and space >= low * 0.7:
        head = head[:space]
    head = head.rstrip(" ,.;:-–—(")
    return head + ELLIPSIS if head else ELLIPSIS


def _greedy(words: list[str], width: float, size: float, weight: Weight) -> list[str]:
    lines: list[str] = []
    for word in words:
        if lines and text_width(f"{lines[-1]} {word}", size, weight) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def wrap(
    text: str, width: float, size: float, weight: Weight = "normal", max_lines: int = 2
) -> list[str]:
    """The text broken into lines at spaces, at most ``max_lines``, the last one truncated.

    Lines are balanced ("Hoạt động chuyển / đổi số", not "… chuyển đổi / số"): the narrowest
    width that needs no more lines than the full width does is used.
    """
    words = text.split()
    if not words:
        return []
    lines = _greedy(words, width, size, weight)
    if len(lines) > max_lines:
        kept = lines[: max_lines - 1]
        rest = " ".join(lines[max_lines - 1 :])
        return [truncate(line, width, size, weight) for line in [*kept, rest]]
    low, high = 0.0, width
    for _ in range(12):  # bisect the narrowest width giving as many lines
        middle = (low + high) / 2
        if len(_greedy(words, middle, size, weight)) <= len(lines):
            high = middle
        else:
            low = middle
    return [truncate(line, width, size, weight) for line in _greedy(words, high, size, weight)]
