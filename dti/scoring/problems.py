"""Problems found in a framework or in a unit's inputs, kept as data until shown.

A problem carries an English message template (marked for translation with
``gettext_noop``) and its parameters; the web pages and the command line render
it in the reader's language. The place is the criterion code and the file line
(or spreadsheet cell) it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from dti.scoring.numbers import format_points

Level = Literal["error", "warning", "note"]


def gettext_noop(message: str) -> str:
    """Mark a message for extraction (makemessages) without translating it here."""
    return message


@dataclass(frozen=True)
class Problem:
    level: Level
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)
    code: str | None = None
    line: int | None = None
    cell: str | None = None

    def message(self, translate: Callable[[str], str] = gettext_noop, lang: str = "en") -> str:
        """The message in the reader's language, numbers formatted for it."""
        values = {
            key: format_points(value, lang) if isinstance(value, Decimal) else value
            for key, value in self.params.items()
        }
        values.setdefault("code", self.code or "")
        return translate(self.template) % values

    def where(self, translate: Callable[[str], str] = gettext_noop) -> str:
        """The place of the problem: "6.19 (line 241)", "line 3", "B7" or ""."""
        place = []
        if self.code:
            place.append(self.code)
        if self.cell:
            place.append(translate("cell %(cell)s") % {"cell": self.cell})
        if self.line:
            place.append(translate("line %(line)s") % {"line": self.line})
        if self.code and len(place) > 1:
            return f"{place[0]} ({', '.join(place[1:])})"
        return ", ".join(place)

    def with_level(self, level: Level) -> Problem:
        return Problem(level, self.template, self.params, self.code, self.line, self.cell)


# Templates used by the command line and the pages as well as the engine.
gettext_noop("cell %(cell)s")
gettext_noop("line %(line)s")
