"""The scoring rules, as data: each leaf names a rule and gives its parameters.

A rule turns a unit's inputs for one criterion into points within [0, max].
Nothing here is written per criterion; a framework file only picks rules and
parameters. ``check_rule`` validates a rule when a framework is loaded;
``check_inputs`` validates a unit's inputs; ``leaf_points`` computes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dti.scoring.model import NUMERIC_FIELD_TYPES, GeneralField, Rule
from dti.scoring.numbers import parse_decimal, round_points
from dti.scoring.problems import Problem
from dti.scoring.problems import gettext_noop as _

ZERO = Decimal(0)
HUNDRED = Decimal(100)

ZERO_DENOMINATOR = ("na", "zero", "full")

#: Each rule: its parameters (name -> kind), the ones required, and its inputs.
RULES: dict[str, dict[str, Any]] = {
    "yesno": {"params": {}, "inputs": ("yes",)},
    "ratio": {
        "params": {
            "full_from": "percent",
            "denominator_field": "fields",
            "zero_denominator": ZERO_DENOMINATOR,
            "allow_over": "bool",
        },
        "inputs": ("numerator", "denominator"),
    },
    "bands": {
        "params": {
            "bands": "bands",
            "input": ("value", "ratio"),
            "denominator_field": "fields",
            "zero_denominator": ZERO_DENOMINATOR,
        },
        "required": ("bands",),
        "inputs": ("value", "numerator", "denominator"),
    },
    "count": {
        "params": {"target": "positive", "target_field": "fields"},
        "inputs": ("count",),
    },
    "choice": {"params": {"options": "options"}, "required": ("options",), "inputs": ("choice",)},
    "manual": {"params": {}, "inputs": ("score",)},
    "info": {"params": {}, "inputs": ("value",)},
}

#: Input keys any rule accepts besides its own.
COMMON_INPUTS = ("na", "note")


@dataclass(frozen=True)
class LeafOutcome:
    """Points of one leaf (None when not applicable) and how they came about."""

    points: Decimal | None
    status: str  # scored | unanswered | na | invalid | info
    problems: tuple[Problem, ...] = ()


# ---------------------------------------------------------------- checking a rule


def check_rule(
    rule: Rule, max_points: Decimal | None, fields: Mapping[str, GeneralField]
) -> tuple[Rule, list[Problem]]:
    """Validate a rule's parameters; return the rule with typed parameters and the problems."""
    spec = RULES.get(rule.type)
    if spec is None:
        known = ", ".join(RULES)
        return rule, [
            _error(
                _("unknown rule “%(rule)s” (known rules: %(known)s)"), rule=rule.type, known=known
            )
        ]
    problems: list[Problem] = []
    typed: dict[str, Any] = {}
    for name, value in rule.params.items():
        kind = spec["params"].get(name)
        if kind is None:
            allowed = ", ".join(spec["params"]) or "—"
            problems.append(
                _error(
                    _("rule “%(rule)s” has no parameter “%(param)s” (it takes: %(allowed)s)"),
                    rule=rule.type,
                    param=name,
                    allowed=allowed,
                )
            )
            continue
        converted, issues = _check_param(rule.type, name, kind, value, max_points, fields)
        problems.extend(issues)
        if not issues:
            typed[name] = converted
    for name in spec.get("required", ()):
        if name not in rule.params:
            problems.append(
                _error(
                    _("rule “%(rule)s” needs the parameter “%(param)s”"), rule=rule.type, param=name
                )
            )
    if rule.type == "count" and ("target" in rule.params) == ("target_field" in rule.params):
        problems.append(_error(_("rule “count” needs exactly one of “target” and “target_field”")))
    if (
        rule.type == "bands"
        and "denominator_field" in rule.params
        and typed.get("input") != "ratio"
    ):
        problems.append(_error(_("“denominator_field” of rule “bands” needs “input: ratio”")))
    if rule.type == "info" and max_points not in (None, ZERO):
        problems.append(_error(_("an “info” criterion carries no points; remove its maximum")))
    return Rule(rule.type, typed), problems


def _check_param(
    rule: str,
    name: str,
    kind: Any,
    value: Any,
    max_points: Decimal | None,
    fields: Mapping[str, GeneralField],
) -> tuple[Any, list[Problem]]:
    def bad(template: str, **params: Any) -> tuple[Any, list[Problem]]:
        return None, [_error(template, rule=rule, param=name, **params)]

    if isinstance(kind, tuple):
        if value not in kind:
            return bad(
                _("parameter “%(param)s” of rule “%(rule)s” must be one of: %(choices)s"),
                choices=", ".join(kind),
            )
        return value, []
    if kind == "bool":
        if not isinstance(value, bool):
            return bad(_("parameter “%(param)s” of rule “%(rule)s” must be true or false"))
        return value, []
    if kind in ("percent", "positive"):
        try:
            number = parse_decimal(value)
        except ValueError:
            return bad(_("parameter “%(param)s” of rule “%(rule)s” must be a number"))
        if number <= 0 or (kind == "percent" and number > HUNDRED):
            if kind == "percent":
                return bad(
                    _("parameter “%(param)s” of rule “%(rule)s” must be above 0 and at most 100")
                )
            return bad(_("parameter “%(param)s” of rule “%(rule)s” must be above 0"))
        return number, []
    if kind == "fields":
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            return bad(
                _("parameter “%(param)s” of rule “%(rule)s” must name general-information fields")
            )
        for key in names:
            if key not in fields:
                return bad(
                    _(
                        "parameter “%(param)s” names “%(field)s”, which is not a general-information field"
                    ),
                    field=key,
                )
            if fields[key].type not in NUMERIC_FIELD_TYPES:
                return bad(
                    _("parameter “%(param)s” names “%(field)s”, which is not a number field"),
                    field=key,
                )
        return value, []
    if kind == "bands":
        return _check_bands(rule, value, max_points)
    if kind == "options":
        return _check_options(rule, value, max_points)
    raise AssertionError(kind)  # pragma: no cover - RULES names only the kinds above


def _check_bands(rule: str, value: Any, max_points: Decimal | None) -> tuple[Any, list[Problem]]:
    if not isinstance(value, list) or not value:
        return None, [_error(_("“bands” must be a list of {min, points}, highest first"))]
    typed: list[dict[str, Decimal]] = []
    problems: list[Problem] = []
    for index, band in enumerate(value, 1):
        if not isinstance(band, Mapping) or set(band) != {"min", "points"}:
            problems.append(_error(_("band %(n)s must have exactly “min” and “points”"), n=index))
            continue
        try:
            low, points = parse_decimal(band["min"]), parse_decimal(band["points"])
        except ValueError:
            problems.append(_error(_("band %(n)s: “min” and “points” must be numbers"), n=index))
            continue
        problems.extend(_check_points(points, max_points, _("band %(n)s"), n=index))
        if typed and low >= typed[-1]["min"]:
            problems.append(
                _error(
                    _(
                        "bands out of order: band %(n)s starts at %(low)s, not below the band before it (%(prev)s)"
                    ),
                    n=index,
                    low=low,
                    prev=typed[-1]["min"],
                )
            )
        typed.append({"min": low, "points": points})
    return typed, problems


def _check_options(rule: str, value: Any, max_points: Decimal | None) -> tuple[Any, list[Problem]]:
    if not isinstance(value, list) or not value:
        return None, [_error(_("“options” must be a list of {key, label, points}"))]
    typed: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, option in enumerate(value, 1):
        if not isinstance(option, Mapping) or "key" not in option or "points" not in option:
            problems.append(
                _error(_("option %(n)s must have “key”, “label” and “points”"), n=index)
            )
            continue
        unknown = set(option) - {"key", "label", "points"}
        if unknown:
            problems.append(
                _error(
                    _("option %(n)s has unknown fields: %(names)s"),
                    n=index,
                    names=", ".join(sorted(unknown)),
                )
            )
        key = str(option["key"])
        if key in seen:
            problems.append(_error(_("option key “%(key)s” is used twice"), key=key))
        seen.add(key)
        try:
            points = parse_decimal(option["points"])
        except ValueError:
            problems.append(_error(_("option “%(key)s”: “points” must be a number"), key=key))
            continue
        problems.extend(_check_points(points, max_points, _("option “%(key)s”"), key=key))
        typed.append({"key": key, "label": str(option.get("label", key)), "points": points})
    return typed, problems


def _check_points(
    points: Decimal, max_points: Decimal | None, what: str, **params: Any
) -> list[Problem]:
    if points < 0:
        return [
            _error(
                _("%(what)s gives negative points (%(points)s)"), what=what % params, points=points
            )
        ]
    if max_points is not None and points > max_points:
        return [
            _error(
                _("%(what)s gives %(points)s points, more than the maximum %(max)s"),
                what=what % params,
                points=points,
                max=max_points,
            )
        ]
    return []


def _error(template: str, **params: Any) -> Problem:
    return Problem("error", template, params)


# ---------------------------------------------------------------- inputs


def check_inputs(
    rule: Rule,
    max_points: Decimal,
    inputs: Mapping[str, Any],
    general: Mapping[str, Any],
    na_allowed: bool,
) -> tuple[dict[str, Any], list[Problem]]:
    """Validate one criterion's inputs; return them typed, and the problems found."""
    spec = RULES[rule.type]
    allowed = (*spec["inputs"], *COMMON_INPUTS)
    problems: list[Problem] = []
    typed: dict[str, Any] = {}
    for key, value in inputs.items():
        if key not in allowed:
            problems.append(
                _error(
                    _("“%(key)s” is not an input of rule “%(rule)s” (it takes: %(allowed)s)"),
                    key=key,
                    rule=rule.type,
                    allowed=", ".join(spec["inputs"]),
                )
            )
            continue
        if value is None or value == "":
            continue
        if key in ("yes", "na"):
            if not isinstance(value, bool):
                problems.append(_error(_("“%(key)s” must be true or false"), key=key))
                continue
            typed[key] = value
        elif key in ("choice", "note"):
            typed[key] = str(value)
        elif key == "value" and rule.type == "info":
            typed[key] = value
        else:
            try:
                number = parse_decimal(value)
            except ValueError:
                problems.append(
                    _error(_("“%(key)s” must be a number, not “%(value)s”"), key=key, value=value)
                )
                continue
            if number < 0:
                problems.append(_error(_("“%(key)s” cannot be negative"), key=key))
                continue
            if key == "count" and number != number.to_integral_value():
                problems.append(_error(_("“%(key)s” must be a whole number"), key=key))
                continue
            typed[key] = number
    if typed.get("na") and not na_allowed:
        problems.append(_error(_("this criterion cannot be marked not applicable")))
        typed.pop("na")
    if rule.type == "manual" and "score" in typed and typed["score"] > max_points:
        problems.append(
            _error(
                _("the score %(score)s is above the maximum %(max)s"),
                score=typed["score"],
                max=max_points,
            )
        )
    if rule.type == "choice" and "choice" in typed:
        keys = [option["key"] for option in rule.params["options"]]
        if typed["choice"] not in keys:
            problems.append(
                _error(
                    _("“%(choice)s” is not one of the choices: %(keys)s"),
                    choice=typed["choice"],
                    keys=", ".join(keys),
                )
            )
    if _uses_ratio(rule) and not rule.params.get("allow_over", False):
        numerator = typed.get("numerator")
        denominator = typed.get(
            "denominator", _field_sum(rule.params.get("denominator_field"), general)
        )
        if numerator is not None and denominator is not None and numerator > denominator:
            problems.append(
                _error(
                    _("the numerator %(numerator)s is above the denominator %(denominator)s"),
                    numerator=numerator,
                    denominator=denominator,
                )
            )
    return typed, problems


def _uses_ratio(rule: Rule) -> bool:
    return rule.type == "ratio" or (rule.type == "bands" and rule.params.get("input") == "ratio")


def _field_sum(names: str | Sequence[str] | None, general: Mapping[str, Any]) -> Decimal | None:
    if names is None:
        return None
    total = ZERO
    for key in [names] if isinstance(names, str) else names:
        raw = general.get(key)
        if raw is None or raw == "":
            return None
        try:
            total += parse_decimal(raw)
        except ValueError:
            return None
    return total


# ---------------------------------------------------------------- computing


def leaf_points(
    rule: Rule,
    max_points: Decimal,
    inputs: Mapping[str, Any],
    general: Mapping[str, Any],
    na_allowed: bool = False,
) -> LeafOutcome:
    """Points of one leaf from its inputs, rounded half up to 2 decimals.

    Invalid inputs score nothing and come back as problems; a zero denominator
    follows the rule's ``zero_denominator`` policy (not applicable by default).
    """
    if rule.type == "info":
        return LeafOutcome(None, "info")
    typed, problems = check_inputs(rule, max_points, inputs, general, na_allowed)
    errors = tuple(p for p in problems if p.level == "error")
    if errors:
        return LeafOutcome(ZERO, "invalid", errors)
    if typed.get("na"):
        return LeafOutcome(None, "na")
    raw = _raw_points(rule, max_points, typed, general)
    if raw is None:
        return LeafOutcome(ZERO, "unanswered")
    if isinstance(raw, str):  # "na": a zero denominator that makes the criterion not applicable
        return LeafOutcome(None, "na")
    return LeafOutcome(round_points(min(max(raw, ZERO), max_points)), "scored")


def _raw_points(
    rule: Rule, max_points: Decimal, typed: Mapping[str, Any], general: Mapping[str, Any]
) -> Decimal | str | None:
    params = rule.params
    if rule.type == "yesno":
        if "yes" not in typed:
            return None
        return max_points if typed["yes"] else ZERO
    if rule.type == "manual":
        return typed.get("score")
    if rule.type == "choice":
        if "choice" not in typed:
            return None
        points: Decimal = next(
            o["points"] for o in params["options"] if o["key"] == typed["choice"]
        )
        return points
    if rule.type == "count":
        if "count" not in typed:
            return None
        target = params.get("target") or _field_sum(params.get("target_field"), general)
        if not target:
            return None
        count: Decimal = typed["count"]
        return max_points * min(count, target) / target
    if rule.type == "ratio":
        share = _share(params, typed, general)
        if share is None or isinstance(share, str):
            return share
        full_from: Decimal = params.get("full_from", HUNDRED) / HUNDRED
        return max_points * min(share / full_from, Decimal(1))
    if rule.type == "bands":
        if params.get("input") == "ratio":
            share = _share(params, typed, general)
            if share is None or isinstance(share, str):
                return share
            value = share * HUNDRED
        elif "value" in typed:
            value = typed["value"]
        else:
            return None
        for band in params["bands"]:
            if value >= band["min"]:
                band_points: Decimal = band["points"]
                return band_points
        return ZERO
    raise AssertionError(rule.type)  # pragma: no cover - check_rule refuses other rules


def _share(
    params: Mapping[str, Any], typed: Mapping[str, Any], general: Mapping[str, Any]
) -> Decimal | str | None:
    """numerator / denominator, or a zero-denominator outcome ("na", 0, 1), or None if unanswered."""
    numerator = typed.get("numerator")
    denominator = typed.get("denominator")
    if denominator is None:
        denominator = _field_sum(params.get("denominator_field"), general)
    if numerator is None or denominator is None:
        return None
    if denominator == 0:
        policy = params.get("zero_denominator", "na")
        return "na" if policy == "na" else (ZERO if policy == "zero" else Decimal(1))
    share: Decimal = Decimal(numerator) / Decimal(denominator)
    return share
