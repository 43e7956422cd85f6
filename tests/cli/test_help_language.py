"""Every command's `--help` speaks one language per run: French by default, English under `AID_ENGINE_LANG=en`
or `--lang en`.

The help texts are chosen once, when `aid_engine.cli` is imported (`cli.lang.h`), so each language is read in a
process of its own: one subprocess per language prints the help of every command through `cli.main`, the
command line's entry point.  The commands are found by walking the command tree of `aid_engine.cli.app`, so a
command added later is checked without being listed here.

What is checked is the project's text, option names (`--from`) left out; in French, typer's own words
(« Usage: », « Show this message and exit. », « [default: …] ») must be French as well (`cli.chrome`).  The
English help keeps a few terms of the French law as the English screens do (« Grande École du numérique »,
« échelon », « points de charge »).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main

from aid_engine.cli import app

# Terms of the French law the English help keeps untranslated, as the English screens do.
FRENCH_TERMS = ("Grande École du numérique", "décret n°", "échelons", "échelon", "points de charge")

FRENCH_LETTERS = re.compile(r"[éèàçêëîïôûùâœ]", re.IGNORECASE)
FRENCH_WORDS = re.compile(r"\b(le|la|les|des|du|une|est|et|ou|pour|avec|sinon|dans|défaut|qui)\b", re.IGNORECASE)
ENGLISH_WORDS = re.compile(r"\b(the|of|this|that|and|with|when|from|to|by|its|every|only|write|print|default|"
                           r"else|stored)\b", re.IGNORECASE)

# click's own chrome, the same in both languages: not the project's text.
_CLICK = re.compile(r"Show this message and exit\.|\[[^\]]*\]")
_OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")  # option names: --from, -i

_PRINT_HELPS = """
import contextlib, io, json, sys
from aid_engine.cli import main

helps = {}
for path in json.load(sys.stdin):
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        try:
            main([*path, "--help"])
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
    helps[" ".join(path)] = shown.getvalue()
sys.__stdout__.write(json.dumps(helps))
"""


def command_paths() -> list[tuple[str, ...]]:
    """Every command and group of `aid-engine`, the root first, as the words that name it."""
    paths: list[tuple[str, ...]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        paths.append(path)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return paths


PATHS = command_paths()


def _env(lang: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "AID_ENGINE_LANG"}
    env["COLUMNS"] = "100"
    if lang is not None:
        env["AID_ENGINE_LANG"] = lang
    return env


def _helps(lang: str) -> dict[str, str]:
    done = subprocess.run([sys.executable, "-c", _PRINT_HELPS], input=json.dumps(PATHS), env=_env(lang),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    helps: dict[str, str] = json.loads(done.stdout)
    return helps


@pytest.fixture(scope="module")
def helps() -> Iterator[dict[str, dict[str, str]]]:
    """The help of every command, by language then by command (« audit verify »)."""
    yield {"fr": _helps("fr"), "en": _helps("en")}


def _project_text(help_text: str) -> str:
    """The help without click's own words and option names, on one line (the terminal's wrapping undone)."""
    return re.sub(r"\s+", " ", _OPTION.sub(" ", _CLICK.sub(" ", help_text)))


def french_in(english_help: str) -> list[str]:
    """The French words and letters of an English help, the terms of the law left out."""
    text = _project_text(english_help)
    for term in FRENCH_TERMS:
        text = text.replace(term, " ")
    return sorted({m.group(0) for m in FRENCH_WORDS.finditer(text)} | set(FRENCH_LETTERS.findall(text)))


def english_in(french_help: str) -> list[str]:
    """The English words of a French help."""
    return sorted({m.group(0) for m in ENGLISH_WORDS.finditer(_project_text(french_help))})


def _id(path: tuple[str, ...]) -> str:
    return " ".join(path) or "aid-engine"


def test_the_tree_holds_every_group_and_its_commands() -> None:
    names = {" ".join(p) for p in PATHS}
    assert {"", "check", "batch", "audit", "audit verify", "audit keygen", "rules show", "users add",
            "db upgrade", "serve"} <= names


@pytest.mark.parametrize("path", PATHS, ids=_id)
def test_the_english_help_has_no_french(path: tuple[str, ...], helps: dict[str, dict[str, str]]) -> None:
    shown = helps["en"][" ".join(path)]
    assert "Usage:" in shown
    assert french_in(shown) == [], shown


@pytest.mark.parametrize("path", PATHS, ids=_id)
def test_the_french_help_has_no_english(path: tuple[str, ...], helps: dict[str, dict[str, str]]) -> None:
    shown = helps["fr"][" ".join(path)]
    assert english_in(shown) == [], shown
    # typer's own words too: the frame of the help is French in a French run.
    assert shown.startswith("Utilisation : ") and "Options :" in shown, shown
    for english in ("Usage:", "Options:", "Arguments:", "Commands:", "Show this message", "[default:", "[required]"):
        assert english not in shown, (english, shown)
    assert shown != helps["en"][" ".join(path)]  # the command's own text is in each language


def test_french_is_the_default_and_lang_en_among_the_arguments_gives_english() -> None:
    def help_of(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "aid_engine", *args], env=_env(None),
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    french, english = help_of("check", "--help"), help_of("check", "--lang", "en", "--help")
    assert "Décide une déclaration" in french and english_in(french) == []
    assert "Decides a declaration" in english and french_in(english) == []
    # A command without a --lang of its own takes the root's.
    report = help_of("--lang", "en", "report", "--help")
    assert report.startswith("Usage: ") and "The programme report" in report and french_in(report) == []


def test_the_detectors_find_the_other_language() -> None:
    assert english_in("Write the rejected rows here (CSV).") == ["Write", "the"]
    assert english_in("Seulement les décisions enregistrées ce jour ou après. --from --to [default: 2000]") == []
    assert english_in("Usage: aid-engine x [OPTIONS]\n  --help  Show this message and exit.") == []
    assert french_in("Le dossier de règles (défaut : rules/).") == ["Le", "défaut", "è", "é"]
    assert french_in("Decides the Grande École du numérique learner aid (décret n° 2017-548), échelon 7.") == []
