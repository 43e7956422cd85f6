"""`aid-engine batch`, `audit verify|show`, `replay`, `recovery`, `diff`, `purge` and `db upgrade`: the store's
commands.

Every command that touches the store takes `--db URL` after the subcommand (default `$AID_ENGINE_DB`, else
`sqlite:///aid_engine.db` here).  The store, the batch and rich are imported inside the commands, so that
`aid-engine check` never loads them.  Errors are not caught here: `cli._Group` turns them into exit codes
(bad input 2, broken audit chain or store failure 1).  Output names learners by learner_id only.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..i18n import t
from ..text import for_terminal
from .lang import h, run_lang
from .options import DbOption, OperatorOption, RulesOption
from .rules import rulebook

if TYPE_CHECKING:
    from ..batch import BatchResult
    from ..store import Store
    from ..store.runs import RunInfo

LearnerArgument = Annotated[str, typer.Argument(help=h(
    "L'identifiant pseudonyme de l'apprenant.", "The learner's pseudonymous id."))]

audit_app = typer.Typer(help=h("La piste d'audit : vérifier la chaîne, montrer l'historique d'un apprenant.",
                               "The audit trail: verify the chain, show a learner's history."),
                        no_args_is_help=True)
db_app = typer.Typer(help=h("La base : migrer le schéma.", "The database: migrate its schema."), no_args_is_help=True)


def open_db(db: str | None) -> Store:
    from ..store import open_store

    return open_store(db)


def read_db(db: str | None, lang: str | None = None) -> Store:
    """The store for a command that only reads: never created (« aucune base à … », exit 1)."""
    import os

    from ..store import open_store

    return open_store(db, read_only=True, lang=lang or os.environ.get("AID_ENGINE_LANG", "fr"))


def operator_of(operator: str | None) -> str:
    from ..store import default_operator

    if operator is None:
        return default_operator()
    from ..models.fields import UNPRINTABLE

    if not operator.strip() or len(operator) > 200:
        raise typer.BadParameter("must be a non-blank name of at most 200 characters", param_hint="--operator")
    if UNPRINTABLE.search(operator):
        raise typer.BadParameter("holds a control or bidirectional character (only printable characters are "
                                 "allowed)", param_hint="--operator")
    return operator.strip()


def _progress_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _start_progress(stack: Any, console: Any) -> Any:
    """A callback for `run_batch`'s start: shows a progress bar (rows, rate, time left) on stderr."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    def on_start(run: RunInfo, resumed: bool, total_lines: int) -> Any:
        verb = f"resuming run {run.id} after line {run.lines_done}" if resumed else f"run {run.id}"
        progress = stack.enter_context(Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), console=console, transient=True,
            disable=not console.is_terminal))
        task = progress.add_task(verb, total=max(total_lines - 1, 1), rate="")

        def advance(rows: int) -> None:
            progress.advance(task, rows)
            speed = progress.tasks[task].speed
            progress.update(task, rate=f"{speed:,.0f} rows/s" if speed else "")

        return advance

    return on_start


def batch(
    input_file: Annotated[Path, typer.Argument(metavar="IN", help=h(
        "Les déclarations, en CSV (séparateur ; ou ,) ou en JSON Lines.",
        "CSV (; or ,) or JSON Lines of declarations."))],
    out: Annotated[Path | None, typer.Option("--out", help=h(
        "Écrit dans ce fichier une décision JSON par ligne valide.",
        "Write one decision JSON per valid row here."))] = None,
    rejected: Annotated[Path | None, typer.Option("--rejected", help=h(
        "Écrit dans ce fichier les lignes rejetées (CSV).",
        "Write the rejected rows here (CSV)."))] = None,
    db: DbOption = None,
    operator: OperatorOption = None,
    compare_to: Annotated[int | None, typer.Option("--compare-to", min=1, max=2**63 - 1, help=h(
        "Après le traitement, liste ce qui a changé depuis ce lot, apprenant par apprenant.",
        "After the run, list what changed learner by learner since this run."))] = None,
    rules: RulesOption = None,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, max=100_000, help=h(
        "Lignes enregistrées par transaction.", "Rows stored per transaction."))] = 2000,
    jobs: Annotated[int, typer.Option("--jobs", min=0, max=64, help=h(
        "Processus qui décident les lignes (0 : selon la taille du fichier et le nombre de processeurs ; "
        "aucun en dessous de 4 processeurs).",
        "Worker processes deciding the rows (0: chosen by the file's size and the CPUs: none below 4 CPUs)."))] = 0,
    key: Annotated[Path | None, typer.Option("--key", help=h(
        "Signe un point de contrôle à la fin (défaut : $AID_ENGINE_SIGNING_KEY).",
        "Sign a checkpoint at the end (default: $AID_ENGINE_SIGNING_KEY)."))] = None,
    checkpoint_out: Annotated[Path | None, typer.Option("--checkpoint-out", help=h(
        "Écrit aussi ce point de contrôle dans ce fichier.",
        "Also write that checkpoint to this file."))] = None,
) -> None:
    """Décide un fichier de déclarations, enregistre les décisions et leur piste d'audit (reprise possible)."""
    from contextlib import ExitStack

    from ..batch import run_batch
    from .audit_commands import checkpoint_at_end, signer_for_end

    who = operator_of(operator)
    book = rulebook(rules)
    signer = signer_for_end(key, checkpoint_out)  # checkpoints: cli/audit_commands.py
    store = open_db(db)
    try:
        if compare_to is not None:
            from ..store.runs import run_info

            run_info(store.engine, compare_to)  # a missing run is an error before the work, not after it
        with ExitStack() as bar:  # the bar goes before the summary is printed
            result = run_batch(store, book, input_file, out=out, rejected=rejected, operator=who,
                               chunk_size=chunk_size, jobs=jobs or None,
                               on_start=_start_progress(bar, _progress_console()))
        _print_batch(result)
        checkpoint_at_end(store, signer, checkpoint_out, (input_file,))
        if compare_to is not None:
            _print_diff(store, compare_to, result.run.id)
    finally:
        store.close()


def _print_batch(result: BatchResult) -> None:
    run, lang = result.run, run_lang()
    how = (t("run.resumed", lang, line=result.resumed_from_line) if result.resumed_from_line is not None
           else t("run.done", lang))
    typer.echo(t("run.head", lang, id=run.id, how=how, name=for_terminal(run.input_name), lines=run.lines_done,
                 new=run.decisions_new, old=run.rows_decided - run.decisions_new))
    for line in result.summary.lines():
        typer.echo(for_terminal(line))  # a learner_id's line feed can never start a line of its own


# -- audit ---------------------------------------------------------------------------------------------------------


@audit_app.command("verify", help=h(
    "Recalcule l'empreinte de chaque enregistrement d'audit ; code de sortie 1 au premier enregistrement "
    "modifié, supprimé ou déplacé, qui est nommé.",
    "Recompute every audit record's hash; exit 1 naming the first record altered, removed or out of order."))
def audit_verify(
    db: DbOption = None,
    checkpoints: Annotated[list[Path] | None, typer.Option("--checkpoint", help=h(
        "Un point de contrôle signé que la base doit prolonger (option répétable).",
        "A signed checkpoint the store must extend (repeatable)."))] = None,
    public_key: Annotated[Path | None, typer.Option("--public-key", help=h(
        "La clé publique qui vérifie les signatures des points de contrôle (telle qu'`audit keygen` l'a affichée).",
        "The public key checkpoints are signed with (as `audit keygen` printed it)."))] = None,
) -> None:
    """Recompute every audit record's hash; exit 1 naming the first record altered, removed or out of order."""
    from .audit_commands import verify_checkpoints

    store = read_db(db)
    try:
        report = store.verify()
        extended = verify_checkpoints(store, checkpoints or [], public_key)  # checkpoints: cli/audit_commands.py
    finally:
        store.close()
    for line in extended:
        typer.echo(line)
    lang = run_lang()
    purges = t("verify.purges", lang, n=report.purges) if report.purges else ""
    typer.echo(t("verify.intact", lang, records=report.records, decisions=report.decisions,
                 recoveries=report.recoveries, purges=purges, head=report.head_hash))


@audit_app.command("show", help=h(
    "Les décisions (et reversements) d'un apprenant dans le temps, depuis la piste d'audit.",
    "A learner's decisions (and recoveries) over time, from the audit trail."))
def audit_show(
    learner_id: LearnerArgument,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help=h(
        "Affiche les enregistrements en une liste JSON.", "Print the records as a JSON list."))] = False,
) -> None:
    """Les décisions (et reversements) d'un apprenant dans le temps, depuis la piste d'audit."""
    from ..errors import NotFound
    from ..store.queries import learner_history

    lang = run_lang()
    store = read_db(db)
    try:
        with store.errors(f"read the history of learner {learner_id}"):
            entries = learner_history(store.engine, learner_id)
    except NotFound:
        raise NotFound(t("history.none", lang, learner=learner_id)) from None
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps([_entry_json(e) for e in entries], ensure_ascii=False, indent=2))
        return
    kinds = {kind: t(f"history.kind.{kind}", lang) for kind in ("decision", "recovery", "purge")}
    width = max(len(kind) for kind in kinds.values())
    for e in entries:
        superseded = "  " + t("history.superseded", lang, id=e.superseded_by) if e.superseded_by is not None else ""
        by = t("history.by", lang, ruleset=e.ruleset_id, operator=e.operator)
        typer.echo(for_terminal(f"{t('history.record', lang, id=e.record_id)}  {_recorded_at(e.recorded_at, lang)}  "
                                f"{kinds.get(e.kind, e.kind):<{width}}  {_entry_text(e, lang)}  {by}{superseded}"))


def _entry_json(e: Any) -> dict[str, Any]:
    return {"record": e.record_id, "kind": e.kind, "recorded_at": e.recorded_at, "operator": e.operator,
            "ruleset_id": e.ruleset_id, "decision_id": e.decision_id, "superseded_by": e.superseded_by,
            e.kind: e.payload}


def _recorded_at(stamp: str, lang: str) -> str:
    """When a record was written: as stored in English (2024-09-16T08:30:00.123456Z), « 16/09/2024 08:30:00 UTC »
    in French."""
    from datetime import datetime, timedelta

    from ..i18n import date_text

    if lang == "en":
        return stamp
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return stamp
    zone = " UTC" if moment.utcoffset() == timedelta(0) else ""
    return f"{date_text(moment.date(), lang)} {moment:%H:%M:%S}{zone}"


def _euros(value: str, lang: str) -> str:
    """A stored amount ("6335.00"): « 6 335,00 € » in French, as stored with « € » in English."""
    from decimal import Decimal, InvalidOperation

    from ..i18n import amount

    if lang == "en":
        return f"{value} €"
    try:
        return amount(Decimal(value), lang)
    except (InvalidOperation, TypeError):
        return f"{value} €"


def _day(value: str, lang: str) -> str:
    """A stored day ("2025-01-10"): « 10/01/2025 » in French, as stored in English."""
    from ..i18n import date_text

    try:
        return date_text(date.fromisoformat(value), lang)
    except (TypeError, ValueError):
        return value


def _entry_text(e: Any, lang: str = "en") -> str:
    from ..i18n import status_label
    from .render import echelon_label

    p = e.payload
    if e.kind == "purge":
        return t("history.purge", lang, n=len(p["fields_blanked"]))
    if e.kind == "recovery":
        replaces = t("history.replaces", lang, id=p["replaces"]) if "replaces" in p else ""
        return t("history.recovery", lang, id=e.decision_id, left=_day(p["left_on"], lang), n=len(p["months_undue"]),
                 owed=_euros(p["amount_owed"], lang), replaces=replaces)
    if p.get("echelon"):
        echelon = t("history.echelon", lang, e=p["echelon"] if lang == "en" else echelon_label(p["echelon"], lang))
    else:
        echelon = t("history.no_echelon", lang)
    codes = ", ".join(r["code"] for r in p.get("reasons", ())) or t("history.no_reason", lang)
    status = p["status"] if lang == "en" else status_label(p["status"], lang)
    return t("history.decision", lang, id=e.decision_id, status=status, echelon=echelon,
             total=_euros(p["total_amount"], lang), months=p["months"], year=p["academic_year"], codes=codes)


# -- replay --------------------------------------------------------------------------------------------------------


def replay(
    decision_id: Annotated[int | None, typer.Argument(min=1, max=2**63 - 1, help=h(  # a store id: no OverflowError
        "La décision enregistrée à rejouer.", "The stored decision to replay."))] = None,
    replay_all: Annotated[bool, typer.Option("--all", help=h(
        "Rejoue toutes les décisions enregistrées.", "Replay every stored decision."))] = False,
    db: DbOption = None,
    rules: RulesOption = None,
) -> None:
    """Re-décide les déclarations enregistrées avec la règle archivée (par sha256) et montre les écarts.

    Exit 0 when every decision asked for re-decides to the stored one; 1 when one differs or cannot be
    re-decided (each listed, counts at the end)."""
    from ..store import queries
    from ..store.replay import Archive
    from ..store.replay import replay as replay_one

    if (decision_id is None) == (not replay_all):
        raise typer.BadParameter("give a DECISION_ID or --all, not both", param_hint="DECISION_ID")
    book = _optional_rulebook(rules)
    store = read_db(db)
    counts: dict[str, int] = {}
    try:
        with store.errors("read the stored decisions"), store.engine.connect() as connection:
            archive = Archive(connection)
            stored_ones = ([queries.stored_decision(connection, decision_id)] if decision_id is not None
                           else queries.all_decisions(store.engine))
            for stored in stored_ones:
                outcome = replay_one(stored, book, archive)
                counts[outcome.state] = counts.get(outcome.state, 0) + 1
                if outcome.state != "same" or decision_id is not None:
                    _print_replay(outcome, book)
    finally:
        store.close()
    lang = run_lang()
    tally = ", ".join(f"{n} {t('replay.state.' + state, lang)}" for state, n in sorted(counts.items()))
    typer.echo(t("replay.counts", lang, counts=tally or t("replay.nothing", lang)))
    if any(state != "same" for state in counts):
        raise typer.Exit(1)


_TRACE_GONE = {
    "fr": "La trace de la décision {id} est partie avec sa déclaration : ses données personnelles ont été "
          "effacées (purge). La décision reste : {outcome}.",
    "en": "The trace of decision {id} went with its declaration: its personal data was purged. The decision "
          "stays: {outcome}.",
}
_TRACE_NO_RULES = {
    "fr": "La trace de la décision {id} ne peut pas être recalculée : sa règle ({ruleset}) n'est ni archivée "
          "dans la base ni dans les règles données.",
    "en": "The trace of decision {id} cannot be recomputed: its rule set ({ruleset}) is neither archived in the "
          "store nor in the rules given.",
}
_TRACE_ALTERED = {
    "fr": "La trace recalculée de la décision {id} ne correspond pas à l'empreinte que son enregistrement "
          "d'audit lie : la déclaration ou la règle archivée a été modifiée (lancer `aid-engine audit verify`).",
    "en": "The recomputed trace of decision {id} does not match the keyed digest its audit record binds: the "
          "declaration or the archived rule set was altered (run `aid-engine audit verify`).",
}


def explain_decision(decision_id: int, db: str | None, lang: str, rules: Path | None) -> None:
    """`explain --decision ID`: the stored decision's trace as it was at decision time, or why it cannot be."""
    from rich.console import Console

    from ..store import queries
    from ..store.replay import Archive, stored_trace
    from .render import print_decision, print_trace

    book = _optional_rulebook(rules)
    store = read_db(db, lang)
    try:
        with store.errors(f"read decision {decision_id}"), store.engine.connect() as connection:
            shown = stored_trace(queries.stored_decision(connection, decision_id), Archive(connection), book)
    finally:
        store.close()
    if shown.state == "as_decided" and shown.decision is not None:
        console = Console()
        print_trace(shown.decision, console, lang)
        print_decision(shown.decision, console, lang)
        return
    d = shown.stored.decision
    outcome = f"{d['status']}, {d.get('echelon') or '-'}, {d['total_amount']} €, {d['academic_year']}"
    messages = {"purged": _TRACE_GONE, "rules_missing": _TRACE_NO_RULES, "altered": _TRACE_ALTERED}[shown.state]
    text = messages["en" if lang == "en" else "fr"].format(id=decision_id, outcome=outcome,
                                                           ruleset=shown.stored.ruleset_id)
    if shown.state == "purged":
        typer.echo(text)
        return
    typer.echo(text, err=True)
    raise typer.Exit(1)


def _optional_rulebook(rules: Path | None) -> Any:
    """The rule book of `--rules` (a bad one is exit 2), else the project's if it loads, else none: the
    archive is enough for format-2 decisions."""
    if rules is not None:
        return rulebook(rules)
    from ..errors import RulesetError

    try:
        return rulebook(None)
    except RulesetError:  # the project's rules/ may be gone or broken: the archive answers
        return None


def _print_replay(outcome: Any, book: Any) -> None:
    lang = run_lang()
    head = t("replay.head", lang, id=outcome.decision_id, learner=for_terminal(outcome.learner_id),
             ruleset=outcome.ruleset_id)
    if outcome.state == "rules_missing":
        where = (book.root if book is not None else None) or "rules/"
        typer.echo(t("replay.rules_missing", lang, head=head, sha=outcome.ruleset_sha256, where=where))
        return
    if outcome.state == "purged":
        typer.echo(t("replay.purged", lang, head=head))
        return
    if outcome.engine_then != outcome.engine_now:
        head += t("replay.engine", lang, then=outcome.engine_then, now=outcome.engine_now)
    if outcome.state == "same":
        typer.echo(t("replay.same", lang, head=head))
        return
    typer.echo(t("replay.differs", lang, head=head, n=len(outcome.differences)))
    for d in outcome.differences:
        typer.echo(f"  {d.path}: {json.dumps(d.stored, ensure_ascii=False)} → "
                   f"{json.dumps(d.replayed, ensure_ascii=False)}")


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2025-01-31", param_hint="--left-on") from None


def recovery(
    learner_id: LearnerArgument,
    left_on: Annotated[str, typer.Option("--left-on", help=h(
        "Date à laquelle l'apprenant a quitté la formation (AAAA-MM-JJ).",
        "Date the learner left the training (YYYY-MM-DD)."))],
    decision_id: Annotated[int | None, typer.Option("--decision", min=1, max=2**63 - 1, help=h(
        "La décision à laquelle l'appliquer (défaut : la décision accordée dont la formation couvre cette date, "
        "sinon la dernière accordée).",
        "The decision to apply it to (default: the granted one whose training holds the date, "
        "else the latest granted)."))] = None,
    replace: Annotated[bool, typer.Option("--replace", help=h(
        "Remplace le reversement déjà inscrit pour cette décision (les deux restent dans la piste d'audit).",
        "Replace the recovery already recorded for this decision (both stay in the audit trail)."))] = False,
    db: DbOption = None,
    operator: OperatorOption = None,
) -> None:
    """Calcule le reversement des mensualités versées pour les mois après le départ, et l'inscrit dans l'audit."""
    from ..store import queries
    from ..store import recovery as recoveries

    day = _parse_day(left_on)
    who = operator_of(operator)
    store = open_db(db)
    try:
        with store.errors(f"compute the recovery of learner {learner_id}"):
            with store.engine.connect() as connection:
                decisions = queries.learner_decisions(connection, learner_id)
            stored = recoveries.choose(decisions, day, decision_id, learner_id)
            try:
                owed = recoveries.recovery_of(stored, day)
            except ValueError as exc:
                raise typer.BadParameter(str(exc), param_hint="--left-on") from None
            recorded = recoveries.record(store.engine, owed, stored, who, replace=replace)
    finally:
        store.close()
    _print_recovery(recorded)


def _print_recovery(recorded: Any) -> None:
    from ..i18n import amount, date_text
    from .lang import run_lang

    r, lang = recorded.recovery, run_lang()
    if lang == "en":
        money = {"monthly": f"{r.monthly_amount} €", "owed": f"{r.amount_owed} €"}
    else:
        money = {"monthly": amount(r.monthly_amount, lang), "owed": amount(r.amount_owed, lang)}
    typer.echo(t("recovery.head", lang, learner=for_terminal(r.learner_id), decision=r.decision_id,
                 start=date_text(r.training_start_date, lang), end=date_text(r.training_end_date, lang),
                 left=date_text(r.left_on, lang)))
    typer.echo(t("recovery.paid", lang, n=len(r.months_paid), monthly=money["monthly"],
                 months=", ".join(r.months_paid)))
    undue = ", ".join(r.months_undue) or t("trace.none", lang)
    typer.echo(t("recovery.undue", lang, n=len(r.months_undue), months=undue))
    typer.echo(t("recovery.owed", lang, owed=money["owed"]))
    state = t("recovery.recorded" if recorded.created else "recovery.already", lang)
    replaced = t("recovery.replacing", lang, id=recorded.replaced) if recorded.replaced is not None else ""
    typer.echo(f"  {state} {recorded.record_id}{replaced}")


# -- diff, db ------------------------------------------------------------------------------------------------------


def _print_diff(store: Store, run_a: int, run_b: int) -> None:
    from ..store.compare import Tally, compare_runs

    tally, lang = Tally(), run_lang()
    typer.echo(t("diff.head", lang, a=run_a, b=run_b))
    with store.errors(f"compare runs {run_a} and {run_b}"):
        for change in compare_runs(store.engine, run_a, run_b, tally):
            before = change.before.text(lang) if change.before else t("diff.absent", lang)
            after = change.after.text(lang) if change.after else t("diff.absent", lang)
            training = t("diff.training", lang, start=change.training_start) if change.training_start else ""
            why = "; ".join(reason.text(lang) for reason in change.why)
            typer.echo(for_terminal(t("diff.line", lang, learner=change.learner_id, training=training,
                                      before=before, after=after, why=why)))
    typer.echo(t("diff.tally", lang, compared=tally.compared, changed=tally.changed, only_a=tally.only_before,
                 a=run_a, only_b=tally.only_after, b=run_b))


def diff(
    run_a: Annotated[int, typer.Argument(min=1, max=2**63 - 1, help=h(
        "Le lot le plus ancien.", "The earlier batch run."))],
    run_b: Annotated[int, typer.Argument(min=1, max=2**63 - 1, help=h(
        "Le lot le plus récent.", "The later batch run."))],
    db: DbOption = None,
) -> None:
    """Compare deux lots, apprenant par apprenant : statut, échelon, montant, et pourquoi."""
    from ..store.runs import run_info

    store = read_db(db)
    try:
        for run in (run_a, run_b):
            run_info(store.engine, run)
        _print_diff(store, run_a, run_b)
    finally:
        store.close()


@db_app.command("upgrade", help=h(
    "Porte le schéma de la base à la dernière migration de cette version (une base vide les reçoit toutes).",
    "Bring the database's schema to this release's latest migration (an empty database gets all of it)."))
def db_upgrade(db: DbOption = None) -> None:
    """Bring the database's schema to this release's latest migration (an empty database gets all of it)."""
    from ..store import database, open_store

    store = open_store(db, migrate=False)
    try:
        before, after = database.upgrade(store.engine)
    finally:
        store.close()
    lang = run_lang()
    if before == after:
        typer.echo(t("db.current", lang, url=store.shown_url, rev=after))
    else:
        typer.echo(t("db.upgraded", lang, url=store.shown_url, before=before or t("db.empty", lang), after=after))


def purge(
    before: Annotated[str, typer.Option("--before", help=h(
        "Efface les données personnelles des déclarations reçues avant ce jour (AAAA-MM-JJ, UTC).",
        "Purge the declarations received before this day (YYYY-MM-DD, UTC)."))],
    db: DbOption = None,
    operator: OperatorOption = None,
) -> None:
    """Efface les données personnelles des déclarations reçues avant une date (la piste d'audit reste vérifiable)."""
    from ..store.purge import KEPT_FIELDS, purge_before

    try:
        day = date.fromisoformat(before)
    except ValueError:
        raise typer.BadParameter(f"{before!r} is not a date like 2025-01-31", param_hint="--before") from None
    who = operator_of(operator)
    store = open_db(db)
    try:
        with store.errors(f"purge the declarations received before {day.isoformat()}"):
            done = purge_before(store.engine, day, operator=who)
    finally:
        store.close()
    lang = run_lang()
    if not done.declarations:
        typer.echo(t("purge.none", lang, day=day.isoformat()))
        return
    typer.echo(t("purge.done", lang, n=done.declarations, day=day.isoformat(), kept=", ".join(KEPT_FIELDS),
                 first=done.first_record, last=done.last_record))


def register(app: typer.Typer) -> None:
    """Add the store's commands; each one's help in the run's language (the docstrings document the code)."""
    app.command(help=h(
        "Décide un fichier de déclarations, enregistre les décisions et leur piste d'audit (reprise possible).",
        "Decides a file of declarations, stores the decisions and their audit trail (resumable)."))(batch)
    app.add_typer(audit_app, name="audit")
    app.command(help=h(
        "Re-décide les déclarations enregistrées avec la règle archivée (par sha256) et montre les écarts.\n\n"
        "Code de sortie 0 quand chaque décision demandée se re-décide à l'identique ; 1 quand l'une diffère "
        "ou ne peut pas être re-décidée (chacune listée, les comptes à la fin).",
        "Re-decides the stored declarations with the archived rule set (by sha256) and shows the differences.\n\n"
        "Exit 0 when every decision asked for re-decides to the stored one; 1 when one differs or cannot be "
        "re-decided (each listed, counts at the end)."))(replay)
    app.command(help=h(
        "Calcule le reversement des mensualités versées pour les mois après le départ, et l'inscrit dans l'audit.",
        "Computes what is owed back for the instalments paid for the months after the learner left, and records "
        "it in the audit trail."))(recovery)
    app.command(help=h(
        "Compare deux lots, apprenant par apprenant : statut, échelon, montant, et pourquoi.",
        "Compares two batch runs, learner by learner: status, échelon, amount, and why."))(diff)
    app.command(help=h(
        "Efface les données personnelles des déclarations reçues avant une date (la piste d'audit reste vérifiable).",
        "Erases the personal data of the declarations received before a date (the audit trail stays "
        "verifiable)."))(purge)
    app.add_typer(db_app, name="db")
