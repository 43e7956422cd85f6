"""`aid-engine rules list|show|validate|diff`: the law as data, seen from the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..models import ECHELONS
from ..ruleset import RuleBook, RuleSet, load
from .lang import h

rules_app = typer.Typer(help=h("Les règles par année universitaire : lister, montrer, valider, comparer.",
                               "The rules by academic year: list, show, validate, compare."),
                        no_args_is_help=True)

RulesDir = Annotated[Path | None, typer.Option("--rules", help=h(
    "Dossier de règles (défaut : celui du projet, rules/).",
    "Rules directory (default: the project's rules/)."))]


def rulebook(rules: Path | None) -> RuleBook:
    """The rule book of `--rules`, or the project's (loaded once) when it is not given: every command's."""
    if rules is None:
        from .. import default_rulebook

        return default_rulebook()
    return load(rules)


@rules_app.command("list", help=h(
    "Chaque année universitaire couverte, avec l'identifiant et le sha256 de son jeu de règles.",
    "Every academic year covered, with its rule set id and sha256."))
def list_(rules: RulesDir = None) -> None:
    """Every academic year covered, with its rule set id and sha256."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Rule sets")
    for column in ("academic year", "id", "sha256", "0bis ceiling (0 pt)", "échelon 7 rate", "files"):
        table.add_column(column)
    for rs in rulebook(rules):
        table.add_row(rs.year.label, rs.id, rs.sha256[:16] + "…", str(rs.ceilings.of("0bis", 0)),
                      str(rs.rates.values["7"]), str(len(rs.files)))
    Console().print(table)


@rules_app.command(help=h(
    "Tout le jeu de règles d'une année universitaire : conditions, points de charge, plafonds, taux, sources.",
    "The whole rule set of one academic year: gates, points de charge, ceilings, rates, sources."))
def show(year: Annotated[str, typer.Argument(help=h("Année universitaire, par exemple 2024-2025",
                                                    "Academic year, e.g. 2024-2025"))],
         rules: RulesDir = None) -> None:
    """The whole rule set of one academic year: gates, points de charge, ceilings, rates, sources."""
    from rich.console import Console
    from rich.table import Table

    rs = rulebook(rules).year(year)
    console = Console()
    console.print(f"[bold]{rs.id}[/bold]  sha256 {rs.sha256}")
    console.print(f"files: {', '.join(rs.files)}")
    for note in rs.notes:
        console.print(f"note: {note}")
    gates = Table(title="Gates")
    for column in ("id", "reason code", "expression", "legal reference"):
        gates.add_column(column)
    for gate in rs.gates:
        gates.add_row(gate.id, gate.code, gate.predicate.text, gate.legal_ref)
    console.print(gates)
    console.print(f"income year expected: {rs.expected_income_year} ({rs.income_year.source})")
    console.print(f"points, distance: {rs.distance_rule}  [{rs.distance_source}]")
    console.print(f"points, children: {rs.per_child} per child, {rs.per_child_in_higher_education} per child in "
                  f"higher education  [{rs.children_source}]")
    console.print(f"table rows: 0 … {rs.last_row} ({rs.last_row_source})")
    ceilings = Table(title=f"Ceilings (€)  [{rs.ceilings.source}]")
    ceilings.add_column("points")
    for e in ECHELONS:
        ceilings.add_column(e, justify="right")
    for row in range(rs.last_row + 1):
        ceilings.add_row(str(row), *(str(rs.ceilings.of(e, row)) for e in ECHELONS))
    console.print(ceilings)
    rates = Table(title=f"Annual 10-month rates (€)  [{rs.rates.source}]")
    for e in ECHELONS:
        rates.add_column(e, justify="right")
    rates.add_row(*(str(rs.rates.values[e]) for e in ECHELONS))
    console.print(rates)
    console.print(f"amounts: monthly = annual ÷ {rs.monthly_divisor}, at most {rs.months_cap} months "
                  f"[{rs.amounts_source}]")


@rules_app.command(help=h(
    "Charge et valide un dossier de règles ; code de sortie 2, avec le fichier et la ligne, s'il est erroné.",
    "Load and validate a rules directory; exit 2 with file and line when it is wrong."))
def validate(path: Annotated[Path | None, typer.Argument(help=h(
        "Dossier de règles (défaut : rules/).", "Rules directory (default: rules/)."))] = None) -> None:
    """Load and validate a rules directory; exit 2 with file and line when it is wrong."""
    book = load(path)
    typer.echo(f"ok: {len(book)} academic years, {book.covered}")


def diff_lines(a: RuleSet, b: RuleSet) -> list[str]:
    """What changed from rule set `a` to rule set `b`: ceilings, rates, points, gates."""
    lines: list[str] = []
    for e in ECHELONS:
        if a.rates.values[e] != b.rates.values[e]:
            lines.append(f"rate {e}: {a.rates.values[e]} → {b.rates.values[e]}")
    changed = [(e, r) for e in ECHELONS for r in range(min(a.last_row, b.last_row) + 1)
               if a.ceilings.of(e, r) != b.ceilings.of(e, r)]
    for e, r in changed:
        lines.append(f"ceiling {e} at {r} points: {a.ceilings.of(e, r)} → {b.ceilings.of(e, r)}")
    if a.distance_rule != b.distance_rule:
        lines.append(f"distance points: {a.distance_rule} → {b.distance_rule}")
    if (a.per_child, a.per_child_in_higher_education) != (b.per_child, b.per_child_in_higher_education):
        lines.append(f"children points: {a.per_child}/{a.per_child_in_higher_education} → "
                     f"{b.per_child}/{b.per_child_in_higher_education}")
    if a.expected_income_year != b.expected_income_year:
        lines.append(f"income year expected: {a.expected_income_year} → {b.expected_income_year}")
    gates_a = {g.id: g for g in a.gates}
    gates_b = {g.id: g for g in b.gates}
    for gid in sorted(gates_a.keys() | gates_b.keys()):
        ga, gb = gates_a.get(gid), gates_b.get(gid)
        if ga is None or gb is None:
            lines.append(f"gate {gid}: {'added' if ga is None else 'removed'}")
        elif ga.predicate.text != gb.predicate.text or ga.code != gb.code:
            lines.append(f"gate {gid}: {ga.predicate.text!r} → {gb.predicate.text!r}")
    return lines


@rules_app.command(help=h(
    "Les plafonds, taux et règles qui ont changé entre deux années universitaires.",
    "Which ceilings, rates and rules changed between two academic years."))
def diff(
    year_a: Annotated[str, typer.Argument(help=h("Première année universitaire, par exemple 2022-2023",
                                                 "First academic year, e.g. 2022-2023"))],
    year_b: Annotated[str, typer.Argument(help=h("Seconde année universitaire, par exemple 2023-2024",
                                                 "Second academic year, e.g. 2023-2024"))],
    rules: RulesDir = None,
) -> None:
    """Which ceilings, rates and rules changed between two academic years."""
    book = rulebook(rules)
    a, b = book.year(year_a), book.year(year_b)
    lines = diff_lines(a, b)
    typer.echo(f"{a.id} → {b.id}: {len(lines)} change(s)")
    for line in lines:
        typer.echo("  " + line)


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
