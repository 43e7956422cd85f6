"""The command line's own words in the run's language: the help's frame and the usage errors.

typer (through the copy of click it carries) writes a few words of its own around the project's texts: « Usage: »,
the « Options » and « Arguments » headings, « Show this message and exit. », « [default: …] », « [required] », and
the usage errors (« Error: Invalid value for '--from': … », « No such option », « Missing argument »…).  In a
French run they are French too: `LocalContext` gives every command a help formatter that writes them in French,
and `usage_error_text` says a usage error in French, in the same form as the tool's other errors
(« erreur : … »).  In an English run both stay exactly as typer writes them.

A message this module does not know is left as it is rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import typer

from ..i18n import french_spaces, t, table, translated
from .lang import run_lang

# click's Context and HelpFormatter, reached through typer's public classes (typer carries its own click).
_Context: type[Any] = typer.Context.__mro__[1]
_HelpFormatter: type[Any] = _Context.formatter_class

HEADINGS = {"Options": "Options", "Arguments": "Arguments", "Commands": "Commandes"}
METAVARS = (("<str>", "<texte>"), ("<int range>", "<entier>"), ("<int>", "<entier>"), ("<path>", "<chemin>"),
            ("<float>", "<nombre>"))
HELP_WORDS = (
    (re.compile(r"Show this message and exit\."), "Affiche cette aide."),
    (re.compile(r"\[default: ([^\]]*)\]"), r"[défaut : \1]"),
    (re.compile(r"\[required\]"), "[obligatoire]"),
)

# A usage error's message, from the most to the least specific; `inner` is translated in turn.
_MESSAGES = table(
    (r"Invalid value for '?([^':]+?)'?: (?P<inner>.*)", r"valeur invalide pour \1 : \g<inner>"),
    (r"Invalid value: (?P<inner>.*)", r"valeur invalide : \g<inner>"),
    (r"Missing argument '?([^'.]+)'?\.?", r"argument manquant : \1"),
    (r"Missing option '?([^'.]+)'?\.?", r"option manquante : \1"),
    (r"Missing parameter: (.+)", r"paramètre manquant : \1"),
    (r"Missing command\.", "il manque la commande"),
    (r"No such option: (\S+) \(Possible options: (.+)\)", r"option inconnue : \1 (options proches : \2)"),
    (r"No such option: (\S+)", r"option inconnue : \1"),
    (r"No such command '(.+)'\.", r"commande inconnue : \1"),
    (r"Option '(.+)' requires an argument\.", r"l'option \1 attend une valeur"),
    (r"Option '(.+)' does not take a value\.", r"l'option \1 ne prend pas de valeur"),
    (r"Got unexpected extra argument\(s\) \((.*)\)", r"argument(s) en trop : \1"),
    (r"Input should be a valid integer.*", "doit être un nombre entier"),
    (r"Input should be greater than or equal to (\S+)", r"doit être supérieur ou égal à \1"),
    (r"Input should be less than or equal to (\S+)", r"doit être inférieur ou égal à \1"),
    (r"(?:Value error, )?(.+) is not one of (.+)\.", r"\1 n'est pas l'un des choix \2"),
    (r"(.*?) ?is not a date like (\S+)", r"\1 n'est pas une date comme \2"),
    (r"must be between (\S+) and (\S+)", r"doit être entre \1 et \2"),
    (r"give either (\S+) or (\S+), not both", r"donnez \1 ou \2, pas les deux"),
    (r"give an? (\S+) or (\S+ ?\S*), not both", r"donnez \1 ou \2, pas les deux"),
    (r"(\S+) is after (\S+)", r"\1 est après \2"),
    flags=re.S,
)


def _part(name: str, value: str) -> str:
    return french_message(value) if name == "inner" else value.strip()


def french_message(message: str) -> str:
    """A usage error's message in French, or as it is when it is not one of the known forms.

    >>> french_message("Invalid value for '--from': is not a date like 2025-01-31")
    "valeur invalide pour --from\\xa0: n'est pas une date comme 2025-01-31"
    >>> french_message("No such option: --jsn (Possible options: --csv, --json)")
    'option inconnue\\xa0: --jsn (options proches\\xa0: --csv, --json)'
    >>> french_message("Missing argument 'learner_id'."), french_message("Something new")
    ('argument manquant\\xa0: learner_id', 'Something new')
    """
    found = translated(_MESSAGES, message.strip(), _part)
    return message if found is None else found.lstrip(" ")


def _french() -> bool:
    return run_lang() == "fr"


def _help_text(text: str) -> str:
    for pattern, french in HELP_WORDS:
        text = pattern.sub(french, text)
    return text


def _term(text: str) -> str:
    for english, french in METAVARS:
        text = text.replace(english, french)
    return text


class LocalFormatter(_HelpFormatter):  # type: ignore[misc]
    """click's help formatter, with its own words in French in a French run."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None and _french():
            prefix = "Utilisation : "
        super().write_usage(prog, args, prefix)

    def write_heading(self, heading: str) -> None:
        if _french():
            self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading)} :\n")
        else:
            super().write_heading(heading)

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        if _french():
            rows = [(_term(term), _help_text(text)) for term, text in rows]
        super().write_dl(rows, col_max, col_spacing)


class LocalContext(_Context):  # type: ignore[misc]
    """A command's context whose help is written by `LocalFormatter`."""

    formatter_class = LocalFormatter


def localise(commands: Iterable[Any]) -> None:
    """Give each command, and each command of each group below, the `LocalContext`."""
    for command in commands:
        command.context_class = LocalContext
        localise(getattr(command, "commands", {}).values())


def usage_error_text(error: Any) -> str:
    """A usage error as the French run shows it: the usage line, where to find help, then « erreur : … »."""
    message = french_message(error.format_message())
    lines = []
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        lines.append(ctx.get_usage())
        lines.append(french_spaces(f"Essayez « {ctx.command_path} --help » pour l'aide.") + "\n")
    lines.append(t("error.prefix", "fr", message=message))
    return "\n".join(lines)


def show_usage_error(error: Any, lang: str, echo: Callable[[str], None]) -> None:
    """Show a usage error in the run's language: French here, typer's own form in English."""
    if lang == "fr" and type(error).__name__ != "NoArgsIsHelpError":  # that one shows the (French) help
        echo(usage_error_text(error))
    else:
        error.show()
