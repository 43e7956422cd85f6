"""The language of a run: `--lang fr|en` on the command line, else `$AID_ENGINE_LANG`, else French.

Help texts are chosen once per run with `h(french, english)`, so `--help` speaks one language; messages use
`aid_engine.i18n` with the language `run_lang` gives.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from ..i18n import LANG_ENV, Lang, lang_of


def lang_in(args: Sequence[str]) -> str | None:
    """The value of the last `--lang` among `args`, if any.

    >>> lang_in(["check", "x.json", "--lang", "en"]), lang_in(["--lang=fr"]), lang_in([])
    ('en', 'fr', None)
    """
    found = None
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith("--lang="):
            found = arg.split("=", 1)[1]
    return found


def run_lang(args: Sequence[str] | None = None, option: str | None = None) -> Lang:
    """The run's language: `option`, else `--lang` among `args` (default: sys.argv), else the environment, else fr.

    An unknown value falls back to French here; the `--lang` option itself refuses it.
    """
    try:
        return lang_of(option, lang_in(sys.argv[1:] if args is None else args), os.environ.get(LANG_ENV))
    except ValueError:
        return "fr"


def h(french: str, english: str) -> str:
    """A help text in the run's language."""
    return english if run_lang() == "en" else french
