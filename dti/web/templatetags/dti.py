from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import get_language

from dti.scoring.numbers import format_points

register = template.Library()


@register.filter
def points(value: Decimal | None) -> str:
    """Points with the decimal comma in Vietnamese: 46,67; 10; 5,5."""
    if value is None or value == "":
        return ""
    return format_points(Decimal(value), get_language() or "vi")
