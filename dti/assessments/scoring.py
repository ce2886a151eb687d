"""The bridge from stored answers to the scoring engine: the one way an assessment is scored."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from dti.assessments.models import Answer, Assessment
from dti.frameworks.store import to_scoring
from dti.scoring import Framework, Result, score
from dti.scoring.numbers import parse_decimal

PHONE = re.compile(r"^[0-9+()\-. ]{6,20}$")
THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+")


def framework_of(assessment: Assessment) -> Framework:
    return to_scoring(assessment.group.framework)


def answers_map(answers: Iterable[Answer]) -> dict[str, dict[str, Any]]:
    return {a.criterion.code: a.inputs for a in answers if a.inputs}


def score_assessment(assessment: Assessment, answers: Iterable[Answer] | None = None) -> Result:
    """Score every criterion of the assessment from its stored answers and general information."""
    if answers is None:
        answers = assessment.answers.select_related("criterion")
    return score(framework_of(assessment), answers_map(answers), assessment.general_info)


def clean_general_info(
    framework: Framework, values: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate general information by field type; return clean values and errors by field key.

    Empty values clear a field. Numbers are kept as numbers (integers) or decimal text.
    """
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    fields = framework.fields
    for key, raw in values.items():
        field = fields.get(key)
        if field is None:
            errors[key] = _("There is no such field.")
            continue
        text = "" if raw is None else str(raw).strip()
        if text == "":
            clean[key] = None
            continue
        try:
            clean[key] = _clean_value(field.type, text)
        except ValidationError as exc:
            errors[key] = exc.messages[0]
    return clean, errors


def _clean_value(kind: str, text: str) -> Any:
    if kind == "integer":
        if THOUSANDS.fullmatch(text):  # "1.250" written with a thousands dot, as Vietnamese do
            text = text.replace(".", "")
        try:
            number = parse_decimal(text)
        except ValueError:
            raise ValidationError(_("Enter a whole number.")) from None
        if number != number.to_integral_value() or number < 0:
            raise ValidationError(_("Enter a whole number, 0 or more."))
        return int(number)
    if kind == "decimal":
        try:
            number = parse_decimal(text)
        except ValueError:
            raise ValidationError(_("Enter a number.")) from None
        if number < 0:
            raise ValidationError(_("Enter a number, 0 or more."))
        return str(number)
    if kind == "url":
        candidate = text if "://" in text else f"https://{text}"
        URLValidator(message=_("Enter a web address such as https://sotuphap.bacninh.gov.vn."))(
            candidate
        )
        return candidate
    if kind == "email":
        EmailValidator(message=_("Enter an e-mail address."))(text)
        return text
    if kind == "phone":
        if not PHONE.match(text):
            raise ValidationError(_("Enter a phone number (digits, spaces, + . - ( ))."))
        return text
    if kind == "date":
        for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.datetime.strptime(text, pattern).date().isoformat()
            except ValueError:
                continue
        raise ValidationError(_("Enter a date as dd/mm/yyyy."))
    if len(text) > 500:
        raise ValidationError(_("At most 500 characters."))
    return text


def decimal_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
