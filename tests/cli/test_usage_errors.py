"""typer's own usage errors in the run's language: a wrong option, a missing argument, a value of the wrong kind
say what is wrong in French by default (« erreur : option inconnue : --jsn »), in English with `--lang en` or
`AID_ENGINE_LANG=en`; either way exit 2, on stderr only, and the usage line says how to get help."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from aid_engine.cli import app

ENGLISH = re.compile(r"\b(Usage|Try|Error|Invalid|Missing|No such|Got unexpected|requires|should be|not one of)\b")


def run(*args: str, lang: str | None = None) -> tuple[int, str, str]:
    env = {"COLUMNS": "100"} | ({"AID_ENGINE_LANG": lang} if lang else {"AID_ENGINE_LANG": ""})
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize(("args", "french", "english"), [
    (["report", "--jsn"], "erreur : option inconnue : --jsn (options proches : --csv, --json",
     "No such option: --jsn"),
    (["report", "--run", "abc"], "valeur invalide pour --run : doit être un nombre entier", "Invalid value for"),
    (["report", "--run", "0"], "valeur invalide pour --run : doit être supérieur ou égal à 1", "Invalid value for"),
    (["report", "--csv-format", "xlsx"], "valeur invalide pour --csv-format : 'xlsx' n'est pas l'un des choix",
     "is not one of"),
    (["report", "extra"], "erreur : argument(s) en trop : extra", "Got unexpected extra argument"),
    (["recovery"], "erreur : argument manquant : learner_id", "Missing argument"),
    (["recovery", "GEN-1"], "erreur : option manquante : --left-on", "Missing option"),
    (["report", "--run"], "erreur : l'option --run attend une valeur", "requires an argument"),
    (["rules", "nosuch"], "erreur : commande inconnue : nosuch", "No such command"),
    (["report", "--from", "2025-13-01"], "valeur invalide pour --from : n'est pas une date comme 2025-01-31",
     "is not a date like"),
])
def test_a_usage_error_is_said_in_the_runs_language(args: list[str], french: str, english: str) -> None:
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert french in err, err
    assert not ENGLISH.search(err), err
    code, out, err = run(*args, lang="en")
    assert code == 2 and out == "" and english in err, err
    code, _, err = run("--lang", "en", *args)
    assert code == 2 and english in err, err


def test_the_french_usage_line_says_how_to_get_help() -> None:
    _, _, err = run("report", "--jsn")
    assert err.splitlines()[:2] == ["Utilisation : aid-engine report [OPTIONS]",
                                    "Essayez « aid-engine report --help » pour l'aide."]


def test_an_unknown_language_is_refused_by_name() -> None:
    code, _, err = run("--lang", "de", "rules", "list")
    assert code == 2 and "valeur invalide pour --lang : fr ou en" in err


def test_no_command_shows_the_help_in_french_and_exits_2() -> None:
    code, _, err = run()
    assert code == 2 and "Utilisation : aid-engine" in err and "Commandes :" in err
