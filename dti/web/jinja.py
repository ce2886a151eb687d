"""Jinja2 for the long lists of the busiest pages.

The appraisal page shows 45 to 76 criterion cards and the assessment page as many rows; Django's
template engine spent 10 to 16 ms drawing them, most of the page's time on deadline day. Jinja2
compiles a template to Python and draws the same HTML several times faster. Only those lists are
drawn here, from ``<app>/jinja2/`` folders; every page around them stays a Django template.

The lists hold no words of their own: every word comes translated from the view (``t``), so
``makemessages`` finds them in Python. Values are shown as Django shows them: escaped, dates in
local time, numbers localised.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

import jinja2
from django.template import engines
from django.template.defaultfilters import date, filesizeformat, linebreaksbr
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe

from dti.web.templatetags.dti import points


def _shown(value: Any) -> Any:
    """What ``{{ value }}`` prints: as Django's engine does (local time, localised numbers)."""
    if isinstance(value, str):  # most values: nothing to do
        return value
    return formats.localize(timezone.template_localtime(value))


def _date(value: datetime.date | None, format: str) -> str:
    """Django's ``date`` filter, on a moment in local time (as Django's engine gives it)."""
    return date(timezone.template_localtime(value), format)


def _linebreaksbr(value: str) -> SafeString:
    return linebreaksbr(value, autoescape=True)


def environment(**options: Any) -> jinja2.Environment:
    """The environment of Django's Jinja2 backend (``TEMPLATES`` in the settings). A missing
    field prints nothing and counts as false, as in Django's templates (a figure without a unit
    has no ``suffix``)."""
    options["undefined"] = jinja2.Undefined
    env = jinja2.Environment(finalize=_shown, **options)  # noqa: S701 - Django's backend turns autoescape on
    env.filters.update(
        points=points,
        date=_date,
        linebreaksbr=_linebreaksbr,
        filesizeformat=filesizeformat,
    )
    return env


def render_list(name: str, context: Mapping[str, Any]) -> SafeString:
    """A list drawn by Jinja2, to be placed in a Django template as it is."""
    html = engines["jinja2"].get_template(name).render(dict(context))
    return mark_safe(html)  # noqa: S308 - Jinja2 escaped every value it printed (autoescape)
