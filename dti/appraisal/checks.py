"""Automated checks (kiểm tra tự động) that point the council at suspicious answers first.

Each check is a pure function over ``Facts`` (the answers, scores, evidence and last year's
scores of one assessment) and its settings; it returns ``Flag``s whose messages are English
templates marked with ``gettext_noop`` and rendered later in the reader's language. Only
``run_checks`` touches the database and the file storage, to gather the facts.

A period switches each check on or off and tunes its thresholds (``CheckSettings``); settings
are ``{check_key: {"enabled": bool, <threshold>: value, …}}``, missing keys taking the defaults.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from dti.scoring.model import Rule
from dti.scoring.numbers import format_points, parse_decimal, plain
from dti.scoring.problems import gettext_noop as _

Severity = Literal["error", "warning"]
ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Flag:
    """One suspicious answer: which check, on which criterion, how serious, and why."""

    check: str
    criterion_code: str
    severity: Severity
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self, translate: Callable[[str], str] = _, lang: str = "en") -> str:
        """The message in the reader's language: points with a decimal comma in Vietnamese."""
        values = {key: _display(value, lang) for key, value in self.params.items()}
        return translate(self.template) % values


def flag_to_json(flag: Flag) -> dict[str, Any]:
    """A flag as stored with the review: decimals and dates tagged so they come back typed."""
    params: dict[str, Any] = {}
    for key, value in flag.params.items():
        if isinstance(value, Decimal):
            params[key] = {"decimal": str(value)}
        elif isinstance(value, datetime.date):
            params[key] = {"date": value.isoformat()}
        else:
            params[key] = value
    return {
        "check": flag.check,
        "code": flag.criterion_code,
        "severity": flag.severity,
        "template": flag.template,
        "params": params,
    }


def flag_from_json(data: Mapping[str, Any]) -> Flag:
    params: dict[str, Any] = {}
    for key, value in data.get("params", {}).items():
        if isinstance(value, Mapping) and "decimal" in value:
            params[key] = Decimal(value["decimal"])
        elif isinstance(value, Mapping) and "date" in value:
            params[key] = datetime.date.fromisoformat(value["date"])
        else:
            params[key] = value
    return Flag(data["check"], data["code"], data["severity"], data["template"], params)


def _display(value: Any, lang: str) -> Any:
    if isinstance(value, Decimal):
        return format_points(value, lang)
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return value


# ------------------------------------------------------------ the facts a check reads


@dataclass(frozen=True)
class Leaf:
    """A scored criterion of the assessment: its rule, the unit's inputs and the score they give."""

    code: str
    max: Decimal
    rule: Rule
    inputs: Mapping[str, Any]
    score: Decimal | None
    status: str  # as the scoring engine says: scored | unanswered | invalid | na


@dataclass(frozen=True)
class EvidenceFacts:
    """A piece of evidence as found: for a file, its state in storage (ok, missing, unreadable)
    and the size there; for a document reference, its date."""

    name: str
    kind: str  # file | link | document
    criteria: tuple[str, ...]
    recorded_size: int = 0
    stored_size: int | None = None
    file_state: str = "ok"
    doc_date: datetime.date | None = None


@dataclass(frozen=True)
class Facts:
    leaves: Sequence[Leaf]
    general: Mapping[str, Any]
    evidence: Sequence[EvidenceFacts]
    data_start: datetime.date
    data_end: datetime.date
    #: last year's score per criterion code (scored criteria only); None when there is no last year
    previous: Mapping[str, Decimal] | None = None
    #: general-information field labels by key, to name them in messages
    field_labels: Mapping[str, str] = field(default_factory=dict)


# ------------------------------------------------------------ helpers


def _number(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return parse_decimal(value)
    except ValueError:
        return None


def _uses_ratio(rule: Rule) -> bool:
    return rule.type == "ratio" or (rule.type == "bands" and rule.params.get("input") == "ratio")


def _field_keys(rule: Rule) -> list[str]:
    names = rule.params.get("denominator_field")
    if names is None:
        return []
    return [names] if isinstance(names, str) else list(names)


def _field_sum(keys: Sequence[str], general: Mapping[str, Any]) -> Decimal | None:
    total = ZERO
    for key in keys:
        value = _number(general.get(key))
        if value is None:
            return None
        total += value
    return total


def _fields_label(keys: Sequence[str], labels: Mapping[str, str]) -> str:
    return " + ".join(labels.get(k, k) for k in keys)


def _ratio_leaves(facts: Facts) -> list[tuple[Leaf, Decimal]]:
    """Ratio criteria answered with a numerator, not marked not applicable, that do not allow
    ratios above 100 %."""
    found = []
    for leaf in facts.leaves:
        if (
            not _uses_ratio(leaf.rule)
            or leaf.rule.params.get("allow_over")
            or leaf.inputs.get("na")
        ):
            continue
        numerator = _number(leaf.inputs.get("numerator"))
        if numerator is not None:
            found.append((leaf, numerator))
    return found


def _percent(numerator: Decimal, denominator: Decimal) -> Decimal:
    return (numerator / denominator * HUNDRED).quantize(Decimal("0.01"))


# ------------------------------------------------------------ the checks


def numerator_above_denominator(facts: Facts, settings: Mapping[str, Any]) -> list[Flag]:
    """A ratio whose numerator, as entered, is above the denominator entered with it."""
    flags = []
    for leaf, numerator in _ratio_leaves(facts):
        denominator = _number(leaf.inputs.get("denominator"))
        if denominator is not None and numerator > denominator:
            flags.append(
                Flag(
                    "numerator_above_denominator",
                    leaf.code,
                    "error",
                    _("The numerator %(numerator)s is above the denominator %(denominator)s."),
                    {"numerator": numerator, "denominator": denominator},
                )
            )
    return flags


def ratio_above_100(facts: Facts, settings: Mapping[str, Any]) -> list[Flag]:
    """A ratio above the limit (100 % by default) whose denominator is taken from the general
    information (an entered denominator is the check above)."""
    limit = parse_decimal(settings["max_percent"])
    flags = []
    for leaf, numerator in _ratio_leaves(facts):
        keys = _field_keys(leaf.rule)
        if not keys or _number(leaf.inputs.get("denominator")) is not None:
            continue
        denominator = _field_sum(keys, facts.general)
        if not denominator:
            continue
        percent = _percent(numerator, denominator)
        if percent > limit:
            flags.append(
                Flag(
                    "ratio_above_100",
                    leaf.code,
                    "warning",
                    _(
                        "The ratio is %(percent)s %%, above %(limit)s %%: %(numerator)s out of "
                        "%(denominator)s (%(fields)s in the general information)."
                    ),
                    {
                        "percent": percent,
                        "limit": limit,
                        "numerator": numerator,
                        "denominator": denominator,
                        "fields": _fields_label(keys, facts.field_labels),
                    },
                )
            )
    return flags


def full_marks_no_evidence(facts: Facts, settings: Mapping[str, Any]) -> list[Flag]:
    """Full marks (or at least the tuned share of the maximum) claimed with no evidence at all."""
    share = parse_decimal(settings["min_percent"]) / HUNDRED
    evidenced = {code for piece in facts.evidence for code in piece.criteria}
    flags = []
    for leaf in facts.leaves:
        if leaf.status != "scored" or leaf.score is None or leaf.max <= 0:
            continue
        if leaf.score >= leaf.max * share and leaf.code not in evidenced:
            flags.append(
                Flag(
                    "full_marks_no_evidence",
                    leaf.code,
                    "warning",
                    _("%(score)s of %(max)s points are claimed with no evidence."),
                    {"score": leaf.score, "max": leaf.max},
                )
            )
    return flags


def evidence_file(facts: Facts, settings: Mapping[str, Any]) -> list[Flag]:
    """An evidence file that is not in storage, cannot be read, or is not the size it was when
    uploaded; one flag per criterion it supports."""
    flags = []
    for piece in facts.evidence:
        if piece.kind != "file":
            continue
        params: dict[str, Any] = {"name": piece.name}
        if piece.file_state == "missing":
            template = _("The evidence file “%(name)s” is missing from storage.")
        elif piece.file_state == "unreadable" or piece.stored_size is None:
            template = _("The evidence file “%(name)s” cannot be read.")
        elif piece.stored_size != piece.recorded_size:
            template = _(
                "The evidence file “%(name)s” has changed: %(found)s bytes in storage, "
                "%(expected)s bytes uploaded."
            )
            params.update(found=piece.stored_size, expected=piece.recorded_size)
        else:
            continue
        flags.extend(
            Flag("evidence_file", code, "error", template, params) for code in piece.criteria
        )
    return flags


def contradicts_general(facts: Facts, settings: Mapping[str, Any]) -> list[Flag]:
    """A figure that contradicts the general information: for a ratio measured against general
    fields (e.g. trained staff against civil servants + public employees), an entered numerator
    above the fields' value, or an entered denominator that differs from it."""
    flags = []
    for leaf, numerator in _ratio_leaves(facts):
        keys = _field_keys(leaf.rule)
        denominator = _number(leaf.inputs.get("denominator"))
        if not keys or denominator is None:
            continue  # without an entered denominator, the ratio check covers it
        value = _field_sum(keys, facts.general)
        if value is None:
            continue
        params = {
            "numerator": numerator,
            "denominator": denominator,
            "value": value,
            "fields": _fields_label(keys, facts.field_labels),
        }
        if numerator > value:
            template = _(
                "The numerator %(numerator)s is above %(value)s, the %(fields)s given in the "
                "general information."
            )
        elif denominator != value:
            template = _(
                "The denominator %(denominator)s differs from %(value)s, the %(fields)s given "
                "in the general information."
            )
        else:
            continue
        flags.append(Flag("contradicts_general", leaf.code, "warning", template, params))
    return flags


def change_from_last_year(facts: Facts, settings: Mapping[str, Any]) -> list[Flag]:
    """A score that moved from last year's by more than the threshold: a number of points if
    set, else a share of the criterion's maximum (30 % by default)."""
    if facts.previous is None:
        return []
    points = settings.get("points")
    share = parse_decimal(settings["percent_of_max"]) / HUNDRED
    flags = []
    for leaf in facts.leaves:
        before = facts.previous.get(leaf.code)
        if before is None or leaf.status != "scored" or leaf.score is None:
            continue
        threshold = parse_decimal(points) if points is not None else leaf.max * share
        change = leaf.score - before
        if abs(change) > threshold:
            flags.append(
                Flag(
                    "change_from_last_year",
                    leaf.code,
                    "warning",
                    _(
                        "The score %(score)s moved by %(change)s points from last year's "
                        "%(previous)s (more than %(threshold)s)."
                    ),
                    {
                        "score": leaf.score,
                        "previous": before,
                        "change": abs(change),
                        "threshold": threshold.quantize(Decimal("0.01")),
                    },
                )
            )
    return flags


def document_outside_window(facts: Facts, settings: Mapping[str, Any]) -> list[Flag]:
    """A document reference dated outside the period's data window (give or take the grace days)."""
    grace = datetime.timedelta(days=int(settings["grace_days"]))
    flags = []
    for piece in facts.evidence:
        if piece.kind != "document" or piece.doc_date is None:
            continue
        if facts.data_start - grace <= piece.doc_date <= facts.data_end + grace:
            continue
        flags.extend(
            Flag(
                "document_outside_window",
                code,
                "warning",
                _(
                    "The document “%(document)s” is dated %(date)s, outside the data window "
                    "%(start)s – %(end)s."
                ),
                {
                    "document": piece.name,
                    "date": piece.doc_date,
                    "start": facts.data_start,
                    "end": facts.data_end,
                },
            )
            for code in piece.criteria
        )
    return flags


# ------------------------------------------------------------ the registry and its settings


@dataclass(frozen=True)
class Param:
    """A threshold of a check: a number within [minimum, maximum], or nothing if ``optional``."""

    label: str
    default: Decimal | None
    minimum: Decimal
    maximum: Decimal | None = None
    whole: bool = False
    optional: bool = False
    help: str = ""


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    help: str
    run: Callable[[Facts, Mapping[str, Any]], list[Flag]]
    params: Mapping[str, Param] = field(default_factory=dict)


CHECKS: dict[str, Check] = {
    c.key: c
    for c in (
        Check(
            "numerator_above_denominator",
            _("Numerator above denominator"),
            _("A ratio whose numerator is above the denominator entered with it."),
            numerator_above_denominator,
        ),
        Check(
            "ratio_above_100",
            _("Ratio above 100 %"),
            _("A ratio measured against the general information that comes out above the limit."),
            ratio_above_100,
            {"max_percent": Param(_("Limit (%)"), Decimal(100), Decimal(1), Decimal(1000))},
        ),
        Check(
            "full_marks_no_evidence",
            _("Full marks without evidence"),
            _("A criterion scored at or above the share of its maximum, with no evidence."),
            full_marks_no_evidence,
            {
                "min_percent": Param(
                    _("From this share of the maximum (%)"), Decimal(100), Decimal(1), HUNDRED
                )
            },
        ),
        Check(
            "evidence_file",
            _("Evidence file missing or unreadable"),
            _("An evidence file that is not in storage, cannot be read, or has changed size."),
            evidence_file,
        ),
        Check(
            "contradicts_general",
            _("Contradicts the general information"),
            _(
                "A ratio's figures that do not agree with the general-information fields "
                "it is measured against."
            ),
            contradicts_general,
        ),
        Check(
            "change_from_last_year",
            _("Large change from last year"),
            _(
                "A score that moved from the unit's score last year by more than the threshold. "
                "Skipped when the unit has no assessment last year."
            ),
            change_from_last_year,
            {
                "percent_of_max": Param(
                    _("Threshold, in percent of the criterion's maximum"),
                    Decimal(30),
                    ZERO,
                    HUNDRED,
                ),
                "points": Param(
                    _("Threshold in points"),
                    None,
                    ZERO,
                    optional=True,
                    help=_("When set, used instead of the share of the maximum."),
                ),
            },
        ),
        Check(
            "document_outside_window",
            _("Document dated outside the data window"),
            _("A document reference dated before or after the period's data window."),
            document_outside_window,
            {"grace_days": Param(_("Days of grace"), ZERO, ZERO, Decimal(366), whole=True)},
        ),
    )
}


def _stored(value: Decimal | None) -> str | None:
    return None if value is None else plain(value)


def default_settings() -> dict[str, dict[str, Any]]:
    """Every check on, with its default thresholds."""
    return {
        key: {"enabled": True, **{name: _stored(p.default) for name, p in check.params.items()}}
        for key, check in CHECKS.items()
    }


def resolve(stored: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Stored settings over the defaults: a check added since they were saved takes its defaults."""
    resolved = default_settings()
    for key, values in (stored or {}).items():
        if key in resolved and isinstance(values, Mapping):
            resolved[key].update({k: v for k, v in values.items() if k in resolved[key]})
    return resolved


def validate_settings(
    raw: Mapping[str, Any],
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Check settings as given (missing checks and thresholds take the defaults); return them
    complete and clean, and the errors by "check" or "check.threshold" (message templates)."""
    clean = default_settings()
    errors: dict[str, str] = {}
    for key, values in raw.items():
        check = CHECKS.get(key)
        if check is None:
            errors[key] = _("There is no such check.")
            continue
        if not isinstance(values, Mapping):
            errors[key] = _("The settings of a check must be a set of values.")
            continue
        for name, value in values.items():
            where = f"{key}.{name}"
            if name == "enabled":
                if not isinstance(value, bool):
                    errors[where] = _("Must be true or false.")
                else:
                    clean[key]["enabled"] = value
                continue
            param = check.params.get(name)
            if param is None:
                errors[where] = _("This check has no such threshold.")
                continue
            if value is None or value == "":
                if param.optional:
                    clean[key][name] = None
                else:
                    errors[where] = _("Enter a number.")
                continue
            number = _number(value)
            if number is None:
                errors[where] = _("Enter a number.")
            elif param.whole and number != number.to_integral_value():
                errors[where] = _("Enter a whole number.")
            elif number < param.minimum or (param.maximum is not None and number > param.maximum):
                errors[where] = _("Out of range.")
            else:
                clean[key][name] = plain(number)
    return clean, errors


def check_facts(facts: Facts, settings: Mapping[str, Any] | None = None) -> list[Flag]:
    """Every enabled check over the facts, flags in framework order then check order."""
    resolved = resolve(settings)
    flags: list[Flag] = []
    for key, check in CHECKS.items():
        if resolved[key]["enabled"]:
            flags.extend(check.run(facts, resolved[key]))
    order = {leaf.code: i for i, leaf in enumerate(facts.leaves)}
    checks = list(CHECKS)
    flags.sort(key=lambda f: (order.get(f.criterion_code, len(order)), checks.index(f.check)))
    return flags


# ------------------------------------------------------------ gathering the facts


def run_checks(assessment: Any, settings: Mapping[str, Any] | None = None) -> list[Flag]:
    """Run the checks on an assessment, with the given settings or else its period's.

    This is where the facts are gathered: the answers scored by the engine, the evidence and the
    state of its files in storage, and the unit's scores in the period of the year before.
    """
    from dti.appraisal.models import CheckSettings
    from dti.assessments.scoring import score_assessment

    if settings is None:
        settings = CheckSettings.for_period(assessment.period)
    answers = list(assessment.answers.select_related("criterion"))
    result = score_assessment(assessment, answers)
    framework = result.framework
    inputs = {a.criterion.code: a.inputs for a in answers}
    leaves = [
        Leaf(
            node.code,
            node.effective_max,
            node.rule,
            inputs.get(node.code, {}),
            result.nodes[node.code].score,
            result.nodes[node.code].status,
        )
        for node in framework.leaves
        if node.rule is not None
    ]
    resolved = resolve(settings)
    facts = Facts(
        leaves=leaves,
        general=assessment.general_info,
        evidence=[
            _evidence_facts(e, check_files=resolved["evidence_file"]["enabled"])
            for e in assessment.evidence.prefetch_related("criteria")
        ],
        data_start=assessment.period.data_start,
        data_end=assessment.period.data_end,
        previous=(
            previous_scores(assessment) if resolved["change_from_last_year"]["enabled"] else None
        ),
        field_labels={f.key: f.label for f in framework.general_fields},
    )
    return check_facts(facts, resolved)


def _evidence_facts(evidence: Any, check_files: bool) -> EvidenceFacts:
    stored_size: int | None = None
    state = "ok"
    if evidence.kind == "file" and check_files:
        storage = evidence.file.storage
        name = evidence.file.name
        try:
            if not name or not storage.exists(name):
                state = "missing"
            else:
                stored_size = storage.size(name)
        except OSError:
            state = "unreadable"
    return EvidenceFacts(
        name=str(evidence),
        kind=evidence.kind,
        criteria=tuple(sorted(c.code for c in evidence.criteria.all())),
        recorded_size=evidence.size,
        stored_size=stored_size if evidence.kind == "file" and check_files else None,
        file_state=state,
        doc_date=evidence.doc_date,
    )


def previous_scores(assessment: Any) -> dict[str, Decimal] | None:
    """The unit's scores in the period of the year before, by criterion code: as last submitted
    if it was submitted, else as they stand; None when the unit was not assessed that year.

    Criteria are matched by code. When the council finalised its appraisal that year, the
    appraised scores are the ones compared.
    """
    from dti.appraisal.models import Review
    from dti.assessments.models import Answer, Assessment, Submission

    before = (
        Assessment.objects.filter(
            unit_id=assessment.unit_id, period__year=assessment.period.year - 1
        )
        .order_by("-period__created_at")
        .first()
    )
    if before is None:
        return None
    review = Review.objects.filter(assessment=before, status=Review.Status.FINALISED).first()
    if review is not None:
        from dti.appraisal.compare import appraised_result

        result = appraised_result(before, review)
        return {
            leaf.code: score
            for leaf in result.framework.leaves
            if (score := result.nodes[leaf.code].score) is not None
        }
    submission = Submission.objects.filter(assessment=before).order_by("-number").first()
    if submission is not None:
        answers = submission.snapshot.get("answers", {})
        return {
            code: parse_decimal(values["score"])
            for code, values in answers.items()
            if values.get("score") is not None
        }
    return {
        code: score
        for code, score in Answer.objects.filter(assessment=before).values_list(
            "criterion__code", "score"
        )
        if score is not None
    }
