"""A target's value as data: “≥ 80 %”, “≤ 5 %”, “100 %”, “55–60 %” read, written and checked.

Pure Python (no Django): the import, the forms and the status rules share it.

* ``parse_measure`` reads the text an officer writes in a plan or a workbook cell — “≥ 80%”,
  “>= 80 %”, “từ 80% trở lên”, “tối thiểu 60%”, “≤ 5%”, “tối đa 5 %”, “100%”, “55 - 60%”,
  “từ 25 đến 30 %”, “5 hệ thống” — into a comparator, a value, the upper end of a range and a
  unit; what it cannot read raises ``MeasureError`` with an English template (marked for
  translation) and its parameters.
* ``format_measure`` writes it back as the plan does, with the decimal comma in Vietnamese.
* ``satisfies`` says whether a reported value meets it:
  ≥ when the value is at least the target; ≤ when it is at most the target; a bare value
  (“100 %”) when the value equals it; a range (“55–60 %”) from its lower end on — above the upper
  end it is exceeded, which still meets it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from dti.scoring.numbers import format_points, parse_decimal
from dti.scoring.problems import gettext_noop as _

MAX_UNIT = 50
MAX_VALUE = Decimal("9999999999")


class Comparator(StrEnum):
    AT_LEAST = "gte"
    AT_MOST = "lte"
    EXACTLY = "eq"
    RANGE = "range"

    @property
    def symbol(self) -> str:
        return {"gte": "≥", "lte": "≤", "eq": "=", "range": "–"}[self.value]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(c.value, c.symbol) for c in cls]


@dataclass(frozen=True)
class Measure:
    comparator: Comparator
    value: Decimal
    value_max: Decimal | None = None
    unit: str = ""


class MeasureError(ValueError):
    """The text is not a target value; ``template`` and ``params`` say why (in English)."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


NOT_A_VALUE = _(
    "“%(text)s” is not a target value: write for example “≥ 80 %%”, “≤ 5 %%”, “100 %%” or “55–60 %%”"
)

NUMBER = r"\d+(?:[.,]\d+)?"
DASH = r"(?:-|–|—|đến|tới|÷)"
_BODY = re.compile(
    rf"^(?P<low>{NUMBER})\s*(?P<pct1>%)?\s*(?:{DASH}\s*(?P<high>{NUMBER}))?\s*(?P<unit>.*)$"
)
# Words before and after the figures, as the plans write them.
_AT_LEAST_BEFORE = ("≥", ">=", "=>", "tối thiểu", "ít nhất", "không dưới", "không thấp hơn")
_AT_MOST_BEFORE = ("≤", "<=", "=<", "tối đa", "không quá", "không vượt quá", "không cao hơn")
_STRICT_BEFORE = (">", "<", "trên", "dưới", "hơn")
_AT_LEAST_AFTER = ("trở lên",)
_AT_MOST_AFTER = ("trở xuống", "trở lại")


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\u202f", " ")
    return " ".join(text.split())


def _strip_prefix(text: str, words: tuple[str, ...]) -> tuple[str, bool]:
    lowered = text.casefold()
    for word in words:
        if lowered.startswith(word) and (
            not word[-1].isalpha() or len(text) == len(word) or not text[len(word)].isalpha()
        ):
            return text[len(word) :].strip(), True
    return text, False


def _strip_suffix(text: str, words: tuple[str, ...]) -> tuple[str, bool]:
    lowered = text.casefold()
    for word in words:
        if lowered.endswith(word):
            return text[: -len(word)].strip(), True
    return text, False


def _number(text: str) -> Decimal:
    value = parse_decimal(text)
    if value > MAX_VALUE:
        raise MeasureError(_("the value %(value)s is too large"), value=text)
    return value


def parse_measure(raw: str) -> Measure:
    """The comparator, value(s) and unit written in ``raw``; ``MeasureError`` if it is not one."""
    text = _normal(raw)
    if not text:
        raise MeasureError(_("the target value is blank"))
    shown = text
    text, _found = _strip_prefix(text, ("đạt",))
    text, _found = _strip_prefix(text, ("mức",))
    comparator: Comparator | None = None
    text, found = _strip_prefix(text, _AT_LEAST_BEFORE)
    if found:
        comparator = Comparator.AT_LEAST
    else:
        text, found = _strip_prefix(text, _AT_MOST_BEFORE)
        if found:
            comparator = Comparator.AT_MOST
        elif text.startswith("="):
            text, comparator = text[1:].strip(), Comparator.EXACTLY
    if comparator is None:
        _rest, strict = _strip_prefix(text, _STRICT_BEFORE)
        if strict:
            raise MeasureError(
                _("“%(text)s”: a strict comparison cannot be checked; write “≥ …” or “≤ …”"),
                text=shown,
            )
    text, from_word = _strip_prefix(text, ("từ",))
    text, at_least_after = _strip_suffix(text, _AT_LEAST_AFTER)
    text, at_most_after = _strip_suffix(text, _AT_MOST_AFTER)
    match = _BODY.match(text)
    if match is None:
        raise MeasureError(
            NOT_A_VALUE,
            text=shown,
        )
    low = _number(match["low"])
    high = _number(match["high"]) if match["high"] else None
    unit = (match["unit"] or "").strip()
    if match["pct1"]:
        if unit and unit != "%":
            raise MeasureError(
                NOT_A_VALUE,
                text=shown,
            )
        unit = "%"
    if any(ch.isdigit() for ch in unit):
        raise MeasureError(
            NOT_A_VALUE,
            text=shown,
        )
    if len(unit) > MAX_UNIT:
        raise MeasureError(
            _("the unit “%(unit)s” is longer than %(limit)s characters"), unit=unit, limit=MAX_UNIT
        )
    after = Comparator.AT_LEAST if at_least_after else Comparator.AT_MOST if at_most_after else None
    if high is not None:
        if comparator is not None or after is not None:
            raise MeasureError(
                _("“%(text)s”: a range cannot also be “at least” or “at most”"), text=shown
            )
        if high <= low:
            raise MeasureError(
                _("“%(text)s”: the upper end of the range must be greater than its lower end"),
                text=shown,
            )
        return Measure(Comparator.RANGE, low, high, unit)
    if comparator is not None and after is not None and comparator != after:
        raise MeasureError(_("“%(text)s” says both “at least” and “at most”"), text=shown)
    if comparator is None:
        comparator = after or (Comparator.AT_LEAST if from_word else Comparator.EXACTLY)
    return Measure(comparator, low, None, unit)


def plain_number(value: Decimal, lang: str = "vi") -> str:
    """A value as written: 80, 75,5 (vi) or 75.5 (en), without trailing zeros."""
    return format_points(value, lang)


def _with_unit(number: str, unit: str) -> str:
    return f"{number} {unit}" if unit else number


def format_measure(measure: Measure, lang: str = "vi") -> str:
    """The target as the plan writes it: “≥ 80 %”, “100 %”, “55–60 %”, “≤ 5 hệ thống”."""
    low = plain_number(measure.value, lang)
    if measure.comparator == Comparator.RANGE and measure.value_max is not None:
        return _with_unit(f"{low}–{plain_number(measure.value_max, lang)}", measure.unit)
    if measure.comparator == Comparator.EXACTLY:
        return _with_unit(low, measure.unit)
    return f"{measure.comparator.symbol} {_with_unit(low, measure.unit)}"


def satisfies(measure: Measure, value: Decimal | None) -> bool:
    """Does a reported value meet the target? (The rules are in the module's docstring.)"""
    if value is None:
        return False
    if measure.comparator == Comparator.AT_MOST:
        return value <= measure.value
    if measure.comparator == Comparator.EXACTLY:
        return value == measure.value
    return value >= measure.value  # at least, and a range from its lower end
