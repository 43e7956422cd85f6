"""Money: parsing decimal amounts, the one rounding function, and French/English display.

Amounts are `Decimal` built from strings or ints, never from a float.  This module must never do I/O and
never hand out a float.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# A plain decimal: optional sign, digits, optional fraction.  No exponent, no NaN, no infinity, no
# thousands separator: "1e400" or "37 081" in a declaration is a mistake to report, not to guess.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")  # ASCII digits only


class NotAnAmount(ValueError):
    """A value that is not a plain decimal; `.code` is the problem code (errors.PROBLEM_MESSAGES)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def parse_decimal(raw: object, *, allow_comma: bool = False) -> Decimal:
    """Read a decimal from an int, a Decimal, a float or a plain decimal string; raise ValueError otherwise.

    A float is read through its shortest repr, so 0.1 gives Decimal("0.1"), not the binary expansion.

    >>> parse_decimal("37081.50")
    Decimal('37081.50')
    >>> parse_decimal("37081,50", allow_comma=True)
    Decimal('37081.50')
    >>> parse_decimal(12)
    Decimal('12')
    """
    if type(raw) is str and _DECIMAL.fullmatch(raw):
        return Decimal(raw)  # the common case first: a plain decimal string
    if isinstance(raw, bool):
        raise NotAnAmount("boolean_amount", "is a boolean, not an amount")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        raw = repr(raw)
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise NotAnAmount("not_finite", "is not a finite number")
        return raw
    if not isinstance(raw, str):
        raise NotAnAmount("not_a_number", f"is a {type(raw).__name__}, not a decimal number")
    text = raw.strip()
    if allow_comma and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not _DECIMAL.fullmatch(text):
        raise NotAnAmount("not_plain_decimal", "is not a plain decimal number (digits, an optional '.', no exponent)")
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already guards this
        raise NotAnAmount("not_a_number", "is not a decimal number") from exc


def to_cents(value: Decimal) -> Decimal:
    """Round to the cent, half up: the one rounding of the project.

    Half-up because a payment of 2.665 € is paid as 2.67 €, the way an accountant rounds; Python's default
    context is half-even (2.66), which no payment order uses.

    >>> to_cents(Decimal("2.665")), to_cents(Decimal("633.5")), to_cents(Decimal("1454") / 10)
    (Decimal('2.67'), Decimal('633.50'), Decimal('145.40'))
    """
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def as_str(value: Decimal) -> str:
    """The contract's form of an amount: exactly two decimals, no exponent, no separator.

    >>> as_str(Decimal("6335")), as_str(Decimal("0")), as_str(Decimal("633.5"))
    ('6335.00', '0.00', '633.50')
    """
    return format(to_cents(value), ".2f")


def display(value: Decimal, lang: str = "fr") -> str:
    """An amount for a person: « 6 335,00 € » in French, "€6,335.00" in English (`aid_engine.i18n.amount`).

    >>> display(Decimal("6335"))
    '6\\u202f335,00\\xa0€'
    >>> display(Decimal("6335"), "en")
    '€6,335.00'
    """
    from .i18n import amount

    return amount(value, lang)


def sum_amounts(values: list[Decimal] | tuple[Decimal, ...]) -> Decimal:
    """Sum amounts, starting from a Decimal zero so an empty sum is Decimal, not int 0.

    >>> sum_amounts([Decimal("1.10"), Decimal("2.20")])
    Decimal('3.30')
    """
    return sum(values, Decimal(0))
