"""`aid-engine check`, `explain` and `schema`: one learner at a desk, and the contracts for integrators."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..errors import DeclarationError
from ..models import Decision, Declaration
from .lang import h
from .options import RulesOption
from .rules import rulebook

_FILE_HELP = h("Fichier JSON de la déclaration, ou - pour l'entrée standard.",
               "Declaration JSON file, or - for standard input.")

LangOption = Annotated[str | None, typer.Option("--lang", help=h(
    "Langue de la réponse : fr ou en (défaut : $AID_ENGINE_LANG, sinon fr).",
    "Language of the answer: fr or en (default: $AID_ENGINE_LANG, else fr)."))]


def read_input(path: str) -> bytes:
    """The bytes of FILE (a regular file), or of standard input for '-': at most 1 MiB, read with a bounded
    read (`/dev/zero`, a FIFO or an endless standard input is refused, never read to its end)."""
    from ..files import read_input as read_bounded

    return read_bounded(path, what="a declaration file")


def read_declaration(path: str) -> Declaration:
    source = "<stdin>" if path == "-" else path
    return Declaration.from_json(read_input(path), source=source)


def decide(declaration: Declaration, rules: Path | None, lang: str) -> Decision:
    from ..engine import as_lang, evaluate

    return evaluate(declaration, rulebook(rules), lang=as_lang(lang))


def expected_income_year(decision: Decision, rules: Path | None) -> int | None:
    """The income year the rules expect for the decision's academic year (for « Que faire ? » on a review)."""
    try:
        return int(rulebook(rules).year(decision.academic_year).expected_income_year)
    except Exception:  # a year the rules no longer hold: the screen then says « the expected year »
        return None


def _check_lang(lang: str | None) -> str:
    """`--lang`, else $AID_ENGINE_LANG, else French; anything but fr or en is a usage error."""
    import os

    from ..i18n import LANG_ENV, lang_of

    try:
        return lang_of(lang, os.environ.get(LANG_ENV))
    except ValueError:
        raise typer.BadParameter("fr | en", param_hint="--lang / $" + LANG_ENV) from None


def check(
    file: Annotated[str | None, typer.Argument(help=_FILE_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help=h(
        "N'affiche que la décision en JSON (le contrat de sortie).",
        "Print the decision JSON (output contract) only."))] = False,
    lang: LangOption = None,
    interactive: Annotated[bool, typer.Option("--interactive", "-i", help=h(
        "Pose les questions une à une, chaque réponse vérifiée aussitôt.",
        "Ask the fields one by one, each answer checked at once."))] = False,
    rules: RulesOption = None,
    save: Annotated[bool, typer.Option("--save", help=h(
        "Enregistre la décision avec son enregistrement d'audit.",
        "Store the decision with its audit record."))] = False,
    db: Annotated[str | None, typer.Option("--db", help=h(
        "Avec --save : URL de la base (défaut : $AID_ENGINE_DB, sinon sqlite:///aid_engine.db).",
        "With --save: database URL (default: $AID_ENGINE_DB, else sqlite:///aid_engine.db)."))] = None,
    operator: Annotated[str | None, typer.Option("--operator", help=h(
        "Avec --save : qui décide, pour la piste d'audit (défaut : l'utilisateur du système).",
        "With --save: who decides, for the audit trail (default: the OS user)."))] = None,
    key: Annotated[Path | None, typer.Option("--key", help=h(
        "Avec --save : signe ensuite un point de contrôle (défaut : $AID_ENGINE_SIGNING_KEY).",
        "With --save: sign a checkpoint after it (default: $AID_ENGINE_SIGNING_KEY)."))] = None,
    checkpoint_out: Annotated[Path | None, typer.Option("--checkpoint-out", help=h(
        "Avec --save : écrit aussi ce point de contrôle dans ce fichier.",
        "With --save: also write that checkpoint to this file."))] = None,
) -> None:
    """Décide une déclaration : statut, échelon, montants, motifs et ce qui changerait la décision."""
    lang = _check_lang(lang)
    if not save and (db is not None or operator is not None or key is not None or checkpoint_out is not None):
        raise typer.BadParameter(h("--db, --operator, --key et --checkpoint-out vont avec --save",
                                   "--db, --operator, --key and --checkpoint-out go with --save"), param_hint="--save")
    if interactive:
        from .interactive import ask_declaration

        declaration = ask_declaration(lang, rulebook(rules))
    elif file is None:
        raise typer.BadParameter(h("donnez un fichier de déclaration, - pour l'entrée standard, ou --interactive",
                                   "give a declaration FILE, - for standard input, or --interactive"),
                                 param_hint="FILE")
    else:
        declaration = read_declaration(file)
    decision = decide(declaration, rules, lang)
    if save:
        save_decision(declaration, decision, db, operator, lang, key=key, checkpoint_out=checkpoint_out)
    if as_json:
        typer.echo(json.dumps(decision.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    from rich.console import Console

    from .render import print_decision

    print_decision(decision, Console(), lang, expected_income_year=expected_income_year(decision, rules))


def save_decision(declaration: Declaration, decision: Decision, db: str | None, operator: str | None,
                  lang: str, *, key: Path | None = None, checkpoint_out: Path | None = None) -> None:
    """Persist the decision through the store (imported here: `check` without --save never loads it), then
    sign a checkpoint when a key is set."""
    from .audit_commands import checkpoint_at_end, signer_for_end
    from .store_commands import open_db, operator_of

    who = operator_of(operator)
    signer = signer_for_end(key, checkpoint_out)
    store = open_db(db)
    try:
        saved = store.save(declaration, decision, operator=who, lang=lang)
        checkpoint_at_end(store, signer, checkpoint_out)
    finally:
        store.close()
    from ..i18n import t

    said = "save.saved" if saved.created else "save.already"
    typer.echo(t(said, lang, id=saved.decision_id, where=store.shown_url), err=True)


def explain(
    file: Annotated[str | None, typer.Argument(help=_FILE_HELP)] = None,
    lang: LangOption = None,
    rules: RulesOption = None,
    decision_id: Annotated[int | None, typer.Option("--decision", help=h(
        "Une décision enregistrée : sa trace telle qu'elle était au moment de la décision.",
        "A stored decision: its trace as it was at decision time."))] = None,
    db: Annotated[str | None, typer.Option("--db", help=h(
        "Avec --decision : URL de la base (défaut : $AID_ENGINE_DB, sinon sqlite:///aid_engine.db).",
        "With --decision: database URL (default: $AID_ENGINE_DB, else sqlite:///aid_engine.db)."))] = None,
) -> None:
    """Montre la trace de la décision, règle par règle : ce qu'elle a lu et ce qu'elle a donné."""
    lang = _check_lang(lang)
    if (file is None) == (decision_id is None):
        raise typer.BadParameter("give a FILE or --decision ID, not both", param_hint="FILE")
    if decision_id is not None:
        from .store_commands import explain_decision

        explain_decision(decision_id, db, lang, rules)
        return
    if db is not None:
        raise typer.BadParameter("--db goes with --decision", param_hint="--db")
    assert file is not None
    decision = decide(read_declaration(file), rules, lang)
    from rich.console import Console

    from .render import print_decision, print_trace

    console = Console()
    print_trace(decision, console, lang, rulebook(rules))
    print_decision(decision, console, lang, expected_income_year=expected_income_year(decision, rules))


def schema(
    which: Annotated[str, typer.Argument(help="declaration | decision")],
) -> None:
    """Affiche le schéma JSON du contrat d'entrée (declaration) ou de sortie (decision)."""
    from ..schemas import schema_of

    if which not in ("declaration", "decision"):
        raise typer.BadParameter("declaration | decision", param_hint="WHICH")
    typer.echo(json.dumps(schema_of(which), ensure_ascii=False, indent=2))


def register(app: typer.Typer) -> None:
    app.command(help=h(
        "Décide une déclaration : statut, échelon, montants, motifs et ce qui changerait la décision.",
        "Decides a declaration: status, échelon, amounts, reasons and what would change the decision."))(check)
    app.command(help=h(
        "Montre la trace de la décision, règle par règle : ce qu'elle a lu et ce qu'elle a donné.",
        "Shows the decision's trace, rule by rule: what each rule read and what it gave."))(explain)
    app.command(help=h(
        "Affiche le schéma JSON du contrat d'entrée (declaration) ou de sortie (decision).",
        "Prints the JSON schema of the input contract (declaration) or of the output contract (decision)."))(schema)


__all__ = ["DeclarationError", "check", "decide", "explain", "read_declaration", "register", "schema"]
