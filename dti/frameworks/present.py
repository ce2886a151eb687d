"""Rules and problems in words, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dti.scoring.numbers import format_points, parse_decimal
from dti.scoring.problems import Problem


def _n(value: Any, lang: str) -> str:
    try:
        return format_points(parse_decimal(value), lang)
    except ValueError:
        return str(value)


def describe_rule(
    rule_type: str,
    params: Mapping[str, Any],
    lang: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> str:
    """One line saying how a criterion is scored, e.g. "Ratio … full marks from 80 %".

    ``labels`` names the general-information fields (key -> label) a rule refers to.
    """
    lang = lang or get_language() or "vi"
    labels = labels or {}

    def _fields(value: Any) -> str:
        keys = [value] if isinstance(value, str) else value
        return " + ".join(f"“{labels.get(key, key)}”" for key in keys)

    if rule_type == "yesno":
        return _("Yes/no: full marks or zero")
    if rule_type == "manual":
        return _("Score entered directly, from 0 to the maximum")
    if rule_type == "info":
        return _("Information only, no points")
    if rule_type == "count":
        if "target" in params:
            return _("Count against a target of %(target)s") % {
                "target": _n(params["target"], lang)
            }
        return _("Count against a target taken from the general information (%(fields)s)") % {
            "fields": _fields(params["target_field"])
        }
    if rule_type == "choice":
        options = "; ".join(
            f"{o.get('label', o['key'])} ({_n(o['points'], lang)})" for o in params["options"]
        )
        return _("Choice: %(options)s") % {"options": options}
    parts: list[str] = []
    if rule_type == "ratio":
        parts.append(_("Ratio: numerator / denominator × maximum"))
        if "full_from" in params:
            parts.append(
                _("full marks from %(percent)s %%") % {"percent": _n(params["full_from"], lang)}
            )
    elif rule_type == "bands":
        steps = "; ".join(
            _("≥ %(min)s → %(points)s")
            % {"min": _n(b["min"], lang), "points": _n(b["points"], lang)}
            for b in params["bands"]
        )
        if params.get("input") == "ratio":
            parts.append(_("Bands on the ratio (%%): %(steps)s") % {"steps": steps})
        else:
            parts.append(_("Bands on the value: %(steps)s") % {"steps": steps})
    else:
        return rule_type
    if "denominator_field" in params:
        parts.append(
            _("denominator from the general information (%(fields)s)")
            % {"fields": _fields(params["denominator_field"])}
        )
    policy = params.get("zero_denominator")
    if policy == "zero":
        parts.append(_("zero denominator: 0 points"))
    elif policy == "full":
        parts.append(_("zero denominator: full marks"))
    return ", ".join(parts)


def render_problem(problem: Problem, lang: str | None = None) -> dict[str, str]:
    """A problem's place and message in the reader's language."""
    lang = lang or get_language() or "vi"
    return {"where": problem.where(_), "message": problem.message(_, lang)}
