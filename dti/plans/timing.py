"""The timing of a plan's action (thời gian thực hiện), as plans write it.

An officer writes "Quý IV/2024", "Quý 4/2024", "Năm 2024", "Tháng 12/2024", "31/12/2024",
"Trước ngày 15/6/2024", "Thường xuyên" or "Hằng năm"; ``parse_timing`` reads any of these (and a
few English or unaccented spellings) into one normalised text and the last day it allows, which
orders the actions and tells when one is overdue. Anything else is refused with a message that
says what to write. Pure: no database, no clock.
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

#: The years a plan's timing may name.
FIRST_YEAR, LAST_YEAR = 2000, 2099

ONGOING = "ongoing"  # "Thường xuyên", "Hằng năm": no last day
YEAR = "year"
QUARTER = "quarter"
MONTH = "month"
DATE = "date"

ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
ROMAN_OF = {number: letters.upper() for letters, number in ROMAN.items()}

#: Words that mean "all the time" / "every year", unaccented spellings included.
REGULAR = {"thường xuyên", "thuong xuyen", "ongoing", "regularly", "continuous", "continuously"}
YEARLY = {
    "hằng năm",
    "hàng năm",
    "hang nam",
    "thực hiện hằng năm",
    "thực hiện hàng năm",
    "every year",
    "annually",
    "yearly",
}
REGULAR_TEXT = "Thường xuyên"
YEARLY_TEXT = "Hằng năm"

_IN = re.compile(r"^(?:trong|in|during)\s+")
_BEFORE = re.compile(r"^(?:trước ngày|trước|truoc ngay|truoc|before|by)\s+")
_YEAR = r"(\d+)"
_QUARTER = re.compile(
    r"^(?:quý|quy|quarter|q)\s*([ivx]+|\d+)\s*(?:[/,\-.]|năm|nam|of)?\s*" + _YEAR + r"$"
)
_MONTH = re.compile(r"^(?:tháng|thang|month)?\s*(\d{1,2})\s*(?:[/\-.]|năm|nam)\s*" + _YEAR + r"$")
_YEAR_ONLY = re.compile(r"^(?:năm|nam|year)?\s*" + _YEAR + r"$")
_DATE = re.compile(
    r"^(?:ngày|ngay)?\s*(\d{1,2})\s*(?:[/\-.]|tháng|thang)\s*(\d{1,2})\s*(?:[/\-.]|năm|nam)\s*"
    + _YEAR
    + r"$"
)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")

HOW_TO_WRITE = _(
    "Write the timing as a date (31/12/2024), a month (Tháng 12/2024), a quarter "
    "(Quý IV/2024), a year (Năm 2024), or “Thường xuyên”."
)


class TimingError(ValueError):
    """The text is not a timing; ``message`` says why, in the reader's language."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Timing:
    """A normalised timing: the text printed in the plan, its kind, and the last day it allows
    (None for "Thường xuyên" and "Hằng năm", which never fall due)."""

    text: str
    kind: str
    last_day: datetime.date | None

    @property
    def sort_key(self) -> tuple[bool, datetime.date]:
        """Earliest last day first; what has none comes last."""
        return (self.last_day is None, self.last_day or datetime.date.max)

    def is_overdue(self, today: datetime.date) -> bool:
        """Its last day has passed (the action's status decides whether that matters)."""
        return self.last_day is not None and self.last_day < today


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return " ".join(text.split()).strip(" .;").lower()


def _year(digits: str) -> int:
    year = int(digits)
    if len(digits) != 4 or not FIRST_YEAR <= year <= LAST_YEAR:
        raise TimingError(
            _("Write the year in full, from %(first)s to %(last)s (not “%(year)s”).")
            % {"first": FIRST_YEAR, "last": LAST_YEAR, "year": digits}
        )
    return year


def _month(number: str) -> int:
    month = int(number)
    if not 1 <= month <= 12:
        raise TimingError(_("A month is numbered 1 to 12, not %(month)s.") % {"month": number})
    return month


def _quarter(token: str) -> int:
    quarter = ROMAN.get(token) if not token.isdigit() else int(token)
    if quarter is None or not 1 <= quarter <= 4:
        raise TimingError(
            _("A quarter is I, II, III or IV (or 1 to 4), not %(quarter)s.")
            % {"quarter": token.upper()}
        )
    return quarter


def _date(day: str, month: str, year: str) -> datetime.date:
    number = _year(year)
    if not 1 <= int(month) <= 12:
        raise TimingError(
            _(
                "A month is numbered 1 to 12, not %(month)s: write a date as day/month/year (31/12/2024)."
            )
            % {"month": month}
        )
    month_number = int(month)
    try:
        return datetime.date(number, month_number, int(day))
    except ValueError:
        raise TimingError(
            _("There is no day %(day)s in month %(month)s of %(year)s.")
            % {"day": int(day), "month": month_number, "year": number}
        ) from None


def _last_of_month(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def parse_timing(text: str) -> Timing:
    """Read a timing as plans write it; raise ``TimingError`` with a clear message otherwise.

    >>> parse_timing("quý 4 / 2024")
    Timing(text='Quý IV/2024', kind='quarter', last_day=datetime.date(2024, 12, 31))
    """
    cleaned = _clean(text or "")
    if not cleaned:
        raise TimingError(_("Write when the action will be done. %(how)s") % {"how": HOW_TO_WRITE})
    if cleaned in REGULAR:
        return Timing(REGULAR_TEXT, ONGOING, None)
    if cleaned in YEARLY:
        return Timing(YEARLY_TEXT, ONGOING, None)

    before = _BEFORE.match(cleaned)
    if before:
        rest = cleaned[before.end() :]
        found = _DATE.match(rest) or _ISO_DATE.match(rest)
        if found is None:
            raise TimingError(HOW_TO_WRITE)
        day = _from_date_match(found)
        return Timing(f"Trước ngày {day:%d/%m/%Y}", DATE, day)

    cleaned = _IN.sub("", cleaned, count=1)
    found = _ISO_DATE.match(cleaned)
    if found:
        day = _from_date_match(found)
        return Timing(f"{day:%d/%m/%Y}", DATE, day)
    found = _DATE.match(cleaned)
    if found:
        day = _from_date_match(found)
        return Timing(f"{day:%d/%m/%Y}", DATE, day)
    found = _QUARTER.match(cleaned)
    if found:
        quarter, year = _quarter(found.group(1)), _year(found.group(2))
        return Timing(f"Quý {ROMAN_OF[quarter]}/{year}", QUARTER, _last_of_month(year, quarter * 3))
    found = _MONTH.match(cleaned)
    if found:
        month, year = _month(found.group(1)), _year(found.group(2))
        return Timing(f"Tháng {month}/{year}", MONTH, _last_of_month(year, month))
    found = _YEAR_ONLY.match(cleaned)
    if found:
        year = _year(found.group(1))
        return Timing(f"Năm {year}", YEAR, datetime.date(year, 12, 31))
    raise TimingError(HOW_TO_WRITE)


def _from_date_match(found: re.Match[str]) -> datetime.date:
    if found.re is _ISO_DATE:
        year, month, day = found.groups()
    else:
        day, month, year = found.groups()
    return _date(day, month, year)
