"""Points are Decimal, rounded half up; Vietnamese shows them with a decimal comma."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
TEN_THOUSANDTH = Decimal("0.0001")


#: Numbers are read up to this power of ten (either way): far beyond any real figure, and
#: short of the 200,001-digit integer that "1e200000" would make (seconds of work, then an error).
MAX_EXPONENT = 1000


def parse_decimal(value: object) -> Decimal:
    """Read a number as a Decimal from an int, a Decimal, a float or a text.

    Text may use a decimal comma ("5,5") or a decimal point ("5.5"), and may end
    in "%". Booleans and anything else raise ``ValueError``.
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        # repr() gives the shortest text that reads back as the same float: 0.1 -> "0.1".
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "").rstrip("%")
        if "," in text and "." in text:
            raise ValueError(value)
        try:
            result = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise ValueError(value) from None
    else:
        raise ValueError(value)
    if not result.is_finite() or (
        result and not -MAX_EXPONENT <= result.adjusted() <= MAX_EXPONENT
    ):
        raise ValueError(value)
    return result


def round_points(value: Decimal) -> Decimal:
    """Round points to 2 decimals, half up (1.535 -> 1.54)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def round_dti(value: Decimal) -> Decimal:
    """Round a DTI value (total / maximum) to 4 decimals, half up."""
    return value.quantize(TEN_THOUSANDTH, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """The shortest decimal text of a value, with a point: 10.00 -> "10", 5.50 -> "5.5"."""
    if value == value.to_integral_value():
        return format(value.to_integral_value(), "f")
    return format(value.normalize(), "f")


def format_points(value: Decimal | None, lang: str = "vi") -> str:
    """Points for display: "46,67" in Vietnamese, "46.67" in English; "10" for 10.00."""
    if value is None:
        return "—"
    text = plain(value)
    return text.replace(".", ",") if lang.startswith("vi") else text
