"""Text that reaches a person: bounded pictures of values for error messages, and text escaped for a terminal.

This module must never import anything of the package but `errors`, nor do I/O.
"""

from __future__ import annotations

import re

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


# Unicode Cc (C0, DEL, C1; NUL included) and the bidirectional embeddings, overrides and isolates: written raw
# to a terminal they could move the cursor, clear the screen, start a line that looks like the tool's own, or
# reorder what the reader sees.
_UNSAFE_ON_TERMINAL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_KEEPING_LINES = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: object, *, keep_lines: bool = False) -> str:
    """`text` as it may be written to a terminal: each control or bidirectional character shown as an escape.

    The one terminal-escaping function of the tool: every value that comes from an input or the store
    (learner_id, fabrique_id, operator, a file name, a message naming them) goes through it before it reaches
    the terminal, so that it can never move the cursor, colour the screen or forge a line of the tool's own
    output.  `keep_lines` keeps line feeds (a message of several lines); a value never keeps them.

    >>> for_terminal("GEN\\x1b[2J-1"), for_terminal("A\\nB"), for_terminal("x\\u202ey"), for_terminal("GEN-1")
    ('GEN\\\\x1b[2J-1', 'A\\\\x0aB', 'x\\\\u202ey', 'GEN-1')
    >>> for_terminal("A\\nB\\rC", keep_lines=True)
    'A\\nB\\\\x0dC'
    """
    text = str(text)
    pattern = _UNSAFE_KEEPING_LINES if keep_lines else _UNSAFE_ON_TERMINAL
    return pattern.sub(_escaped, text) if pattern.search(text) else text
