"""Text that reaches a person: bounded pictures of values for error messages.

This module must never import anything of the package but `errors`, nor do I/O.
"""

from __future__ import annotations

from .errors import clipped

MAX_SHOWN = 60  # characters of a refused value shown in an error
SHOWN_DIGITS = 30  # digits of a number shown whole in an error


def shown(value: object) -> str:
    """A short, bounded picture of a value for an error message: never renders a huge value whole.

    >>> shown("x" * 500)[:8], len(shown("x" * 500)) <= MAX_SHOWN
    ("'xxxxxxx", True)
    >>> shown([1, 2]), shown({"a": 1}), shown(10 ** 50)
    ('a list', 'a mapping', 'a number of 51 digits')
    """
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        digits = len(str(abs(value))) if value.bit_length() < 10_000 else value.bit_length() * 3 // 10
        return repr(value) if digits <= SHOWN_DIGITS else f"a number of {digits} digits"
    if isinstance(value, str):
        return repr(clipped(value, MAX_SHOWN - 2))
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return clipped(repr(value), MAX_SHOWN)
