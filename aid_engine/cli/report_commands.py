"""`aid-engine report`: the programme report over the stored decisions — terminal, JSON, CSV, HTML, cash flow.

With neither `--run` nor `--from/--to` it covers every decision in the store; counts are counts of stored
decisions in scope (docs/conventions.md).  `--json` prints one JSON document on stdout and nothing else; `--html FILE`,
`--csv DIR` and `--cash-flow FILE` write files and say so in one line each on stderr (the terminal report is
printed only when no file is asked for).  The store, rich and matplotlib are
imported inside the command, so `aid-engine check` never loads them.  Errors are not caught here: `cli._Group`
turns them into exit codes.  It must never write to the store.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..files import check_output, write_text_file
from ..i18n import t
from ..money import parse_decimal
from ..text import for_terminal
from .lang import h
from .options import DbOption

if TYPE_CHECKING:
    from ..report import Report, Scope, Targets

ENVELOPE_MAX = Decimal("999999999999.99")


class CsvFormat(StrEnum):
    """The form of the CSV files: for a French spreadsheet, or for a program."""

    fr = "fr"
    plain = "plain"


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("is not a date like 2025-01-31", param_hint=option) from None


def _amount(value: str, option: str, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = parse_decimal(value, allow_comma=True)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None
    if not low <= number <= high:
        raise typer.BadParameter(f"must be between {low} and {high}", param_hint=option)
    return number


def scope_of(run: int | None, date_from: str | None, date_to: str | None) -> Scope:
    """The scope the options ask for: a run, a range of days, or everything."""
    from ..report import Scope

    start, end = _day(date_from, "--from"), _day(date_to, "--to")
    if run is not None:
        if start or end:
            raise typer.BadParameter("give either --run or --from/--to, not both", param_hint="--run")
        return Scope.of_run(run)
    if start and end and start > end:
        raise typer.BadParameter("--from is after --to", param_hint="--from")
    return Scope.of_dates(start, end) if start or end else Scope()


def targets_of(women: str, young: str) -> Targets:
    from ..report import Targets

    return Targets(_amount(women, "--target-women", Decimal(0), Decimal(1)),
                   _amount(young, "--target-young-unqualified", Decimal(0), Decimal(1)))


def build(db: str | None, scope: Scope, envelope: Decimal, targets: Targets) -> tuple[Report, tuple[str, ...]]:
    """Read the scope's decisions from the store and compute the report; also the database's files (inputs
    that no output may overwrite)."""
    from ..files import database_files
    from ..report import build_report
    from ..report.queries import read_facts
    from ..store import open_store

    store = open_store(db, read_only=True)
    try:
        with store.errors("read the decisions for the report"):
            report = build_report(read_facts(store.engine, scope), scope=scope, envelope=envelope, targets=targets)
        return report, database_files(store.engine.url)
    finally:
        store.close()


def write_outputs(r: Report, html: Path | None, csv_dir: Path | None, cash_flow: Path | None,
                  inputs: tuple[str, ...] = (), csv_format: str = "fr") -> None:
    """Write the files asked for, each announced by one line on stderr in the run's language."""
    from ..report import export
    from .lang import run_lang

    lang = run_lang()
    form = export.CSV_FORMS[csv_format]

    if html is not None:
        from ..report.html import report_page

        write_text_file(html, "--html", report_page(r, datetime.now(UTC)), inputs=inputs)
        typer.echo(t("report.page", lang, path=for_terminal(str(html))), err=True)
    if csv_dir is not None:
        written = export.write_csv_dir(r, csv_dir, form=form, inputs=inputs)
        typer.echo(t("report.csv", lang, n=len(written), path=for_terminal(str(csv_dir))), err=True)
    if cash_flow is not None:
        export.write_cash_flow(r, cash_flow, form=form, inputs=inputs)
        typer.echo(t("report.cash_flow", lang, path=for_terminal(str(cash_flow)),
                     n=len(r.cash_flow.instalments)), err=True)


def report(
    db: DbOption = None,
    run: Annotated[int | None, typer.Option("--run", min=1, max=2**63 - 1, help=h(  # a store id: no OverflowError
        "Seulement les décisions de ce lot.", "Only the decisions of this batch run."))] = None,
    date_from: Annotated[str | None, typer.Option("--from", help=h(
        "Seulement les décisions enregistrées ce jour ou après (AAAA-MM-JJ, UTC).",
        "Only decisions stored on or after this day (YYYY-MM-DD, UTC)."))] = None,
    date_to: Annotated[str | None, typer.Option("--to", help=h(
        "Seulement les décisions enregistrées ce jour ou avant (AAAA-MM-JJ, UTC).",
        "Only decisions stored on or before this day (YYYY-MM-DD, UTC)."))] = None,
    envelope: Annotated[str, typer.Option("--envelope", metavar="EUR", help=h(
        "L'enveloppe du programme, en euros.", "The programme's envelope in euros."))] = "10000000",
    target_women: Annotated[str, typer.Option("--target-women", help=h(
        "Part cible de femmes (0–1).", "Target share of women (0–1)."))] = "0.30",
    target_young: Annotated[str, typer.Option("--target-young-unqualified", help=h(
        "Part cible de moins de 26 ans sans qualification (0–1).",
        "Target share of under-26 without qualification (0–1)."))] = "0.50",
    as_json: Annotated[bool, typer.Option("--json", help=h(
        "N'affiche que le rapport, en un document JSON.", "Print the report as one JSON document only."))] = False,
    html: Annotated[Path | None, typer.Option("--html", metavar="FILE", help=h(
        "Écrit la page HTML dans ce fichier.", "Write the HTML page here."))] = None,
    csv_dir: Annotated[Path | None, typer.Option("--csv", metavar="DIR", help=h(
        "Écrit les fichiers CSV dans ce dossier.", "Write CSV files here."))] = None,
    cash_flow: Annotated[Path | None, typer.Option("--cash-flow", metavar="FILE", help=h(
        "Écrit les mensualités (mois, apprenant, décision, montant) dans ce fichier CSV.",
        "Write the instalments (month, learner, decision, amount) as CSV."))] = None,
    csv_format: Annotated[CsvFormat, typer.Option("--csv-format", help=h(
        "fr : pour un tableur français (« ; », virgule décimale, BOM, en-têtes en français) ; "
        "plain : pour un programme (« , », point décimal, en-têtes en anglais).",
        "fr: for a French spreadsheet (';', decimal comma, BOM, French headers); "
        "plain: for a program (',', decimal point, English headers)."))] = CsvFormat.fr,
) -> None:
    """The programme report: cost against the envelope, échelons, refusal reasons, territory, targets."""
    scope = scope_of(run, date_from, date_to)
    money = _amount(envelope, "--envelope", Decimal("0.01"), ENVELOPE_MAX)
    for target, option in ((html, "--html"), (cash_flow, "--cash-flow")):
        if target is not None:
            check_output(target, option)  # before the work: a link or a device is refused at once
    r, inputs = build(db, scope, money, targets_of(target_women, target_young))
    write_outputs(r, html, csv_dir, cash_flow, inputs, csv_format.value)
    if as_json:
        from ..report.export import report_json

        typer.echo(json.dumps(report_json(r), ensure_ascii=False, indent=2))
        return
    if html is not None or csv_dir is not None or cash_flow is not None:
        return  # the files are the output: one line each on stderr, not the whole terminal report besides
    from ..report.terminal import console_for_stdout, print_report

    print_report(r, console_for_stdout())


def register(app: typer.Typer) -> None:
    app.command(help=h(
        "Rapport du programme : coût au regard de l'enveloppe, échelons, motifs de refus, territoire, cibles.",
        "The programme report: cost against the envelope, échelons, refusal reasons, territory, targets."))(report)
