"""`aid-engine rules list|show|validate|diff`: the law as data, seen from the terminal."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from ..i18n import amount, count, t
from ..models import ECHELONS
from ..money import display
from ..ruleset import RuleBook, RuleSet, load
from .lang import h, run_lang
from .options import RulesOption

rules_app = typer.Typer(help=h("Les règles par année universitaire : lister, montrer, valider, comparer.",
                               "The rules by academic year: list, show, validate, compare."),
                        no_args_is_help=True)



def rulebook(rules: Path | None) -> RuleBook:
    """The rule book of `--rules`, or the project's (loaded once) when it is not given: every command's."""
    if rules is None:
        from .. import default_rulebook

        return default_rulebook()
    return load(rules)


def _money(value: Decimal, lang: str) -> str:
    """An amount of the rules for a sentence or a cell: « 35 086,00 € » in French, as written in English."""
    return str(value) if lang == "en" else display(value, lang)


def _euros(value: Decimal, lang: str) -> str:
    """An amount of a table whose header says « (€) »: « 35 086 » in French, as written in English."""
    if lang == "en":
        return str(value)
    return count(int(value), lang) if value == value.to_integral_value() else amount(value, lang, currency=False)


def _grid(title: str) -> Any:
    """A table of amounts by échelon, without outer edge."""
    from rich.markup import escape
    from rich.table import Table

    return Table(title=escape(title), show_edge=False, pad_edge=False)


@rules_app.command("list", help=h(
    "Chaque année universitaire couverte, avec l'identifiant et le sha256 de son jeu de règles.",
    "Every academic year covered, with its rule set id and sha256."))
def list_(rules: RulesOption = None) -> None:
    """Every academic year covered, with its rule set id and sha256."""
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table

    lang = run_lang()
    rows = [(rs.year.label, rs.id, rs.sha256[:12] + "…", _money(rs.ceilings.of("0bis", 0), lang),
             _money(rs.rates.values["7"], lang)) for rs in rulebook(rules)]
    # Every cell whole on one line at 80 columns: each column as wide as its longest cell (an id, the sha256's
    # first 12 hex digits as the decision screen shows them, an amount) or its header's longest line; on a
    # narrower terminal a cell is folded, never cut.  The whole sha256 and the files: `rules show`.
    table = Table(title=t("rules.list.title", lang), caption=t("rules.list.caption", lang))
    for i, key in enumerate(("year", "id", "sha256", "ceiling", "rate")):
        header = t(f"rules.list.{key}", lang)
        width = max([cell_len(row[i]) for row in rows] + [cell_len(line) for line in header.splitlines()])
        table.add_column(header, justify="right" if i >= 3 else "left", overflow="fold", width=width)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


@rules_app.command(help=h(
    "Tout le jeu de règles d'une année universitaire : conditions, points de charge, plafonds, taux, sources.",
    "The whole rule set of one academic year: gates, points de charge, ceilings, rates, sources."))
def show(year: Annotated[str, typer.Argument(help=h("Année universitaire, par exemple 2024-2025",
                                                    "Academic year, e.g. 2024-2025"))],
         rules: RulesOption = None) -> None:
    """The whole rule set of one academic year: gates, points de charge, ceilings, rates, sources."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from .render import echelon_label

    lang = run_lang()
    rs = rulebook(rules).year(year)
    console = Console()
    console.print(f"[bold]{escape(rs.id)}[/bold]  sha256 {rs.sha256}")
    # The labels in the run's language; the rule set's own texts (sources, notes, legal references) as written.
    console.print(escape(t("rules.show.files", lang, files=", ".join(rs.files))))
    for note in rs.notes:
        console.print(escape(t("rules.show.note", lang) + note))
    gates = Table(title=t("rules.show.gates", lang))
    for key in ("gate_id", "gate_code", "gate_expression"):  # codes: folded when too long, never cut
        gates.add_column(t(f"rules.show.{key}", lang), overflow="fold")
    gates.add_column(t("rules.show.gate_legal_ref", lang), overflow="fold")
    for gate in rs.gates:
        gates.add_row(*(escape(text) for text in (gate.id, gate.code, gate.predicate.text, gate.legal_ref)))
    console.print(gates)
    console.print(escape(f"{t('rules.show.income_year', lang, year=rs.expected_income_year)} "
                         f"({rs.income_year.source})"))
    console.print(escape(f"{t('rules.show.distance', lang)}{rs.distance_rule}  [{rs.distance_source}]"))
    children = t("rules.show.children", lang, per_child=rs.per_child, per_he=rs.per_child_in_higher_education)
    console.print(escape(f"{children}  [{rs.children_source}]"))
    console.print(escape(f"{t('rules.show.rows', lang, last=rs.last_row)} ({rs.last_row_source})"))
    # The grids hold whole euros; French ones (« 35 086 ») take one more character: no outer edge, to fit 80.
    ceilings = _grid(f"{t('rules.show.ceilings', lang)}  [{rs.ceilings.source}]")
    ceilings.add_column(t("rules.show.points", lang), no_wrap=True)
    for e in ECHELONS:
        ceilings.add_column(e if lang == "en" else echelon_label(e, lang), justify="right", no_wrap=True)
    for row in range(rs.last_row + 1):
        ceilings.add_row(str(row), *(_euros(rs.ceilings.of(e, row), lang) for e in ECHELONS))
    console.print(ceilings)
    rates = _grid(f"{t('rules.show.rates', lang)}  [{rs.rates.source}]")
    for e in ECHELONS:
        rates.add_column(e if lang == "en" else echelon_label(e, lang), justify="right", no_wrap=True)
    rates.add_row(*(_euros(rs.rates.values[e], lang) for e in ECHELONS))
    console.print(rates)
    console.print(escape(f"{t('rules.show.amounts', lang, divisor=rs.monthly_divisor, cap=rs.months_cap)}  "
                         f"[{rs.amounts_source}]"))


@rules_app.command(help=h(
    "Charge et valide un dossier de règles ; code de sortie 2, avec le fichier et la ligne, s'il est erroné.",
    "Load and validate a rules directory; exit 2 with file and line when it is wrong."))
def validate(path: Annotated[Path | None, typer.Argument(help=h(
        "Dossier de règles (défaut : rules/).", "Rules directory (default: rules/)."))] = None) -> None:
    """Load and validate a rules directory; exit 2 with file and line when it is wrong."""
    book = load(path)
    typer.echo(t("rules.validate.ok", run_lang(), n=len(book), covered=book.covered))


def diff_lines(a: RuleSet, b: RuleSet, lang: str = "fr") -> list[str]:
    """What changed from rule set `a` to rule set `b`: ceilings, rates, points, gates; in `lang`."""
    from .render import echelon_label

    def echelon(e: str) -> str:
        return e if lang == "en" else echelon_label(e, lang)

    lines: list[str] = []
    for e in ECHELONS:
        if a.rates.values[e] != b.rates.values[e]:
            lines.append(t("rules.diff.rate", lang, e=echelon(e), before=_money(a.rates.values[e], lang),
                           after=_money(b.rates.values[e], lang)))
    changed = [(e, r) for e in ECHELONS for r in range(min(a.last_row, b.last_row) + 1)
               if a.ceilings.of(e, r) != b.ceilings.of(e, r)]
    for e, r in changed:
        lines.append(t("rules.diff.ceiling", lang, e=echelon(e), row=r, points="point" if r < 2 else "points",
                       before=_money(a.ceilings.of(e, r), lang), after=_money(b.ceilings.of(e, r), lang)))
    if a.distance_rule != b.distance_rule:
        lines.append(t("rules.diff.distance", lang, before=a.distance_rule, after=b.distance_rule))
    if (a.per_child, a.per_child_in_higher_education) != (b.per_child, b.per_child_in_higher_education):
        lines.append(t("rules.diff.children", lang, before=f"{a.per_child}/{a.per_child_in_higher_education}",
                       after=f"{b.per_child}/{b.per_child_in_higher_education}"))
    if a.expected_income_year != b.expected_income_year:
        lines.append(t("rules.diff.income_year", lang, before=a.expected_income_year, after=b.expected_income_year))
    gates_a = {g.id: g for g in a.gates}
    gates_b = {g.id: g for g in b.gates}
    for gid in sorted(gates_a.keys() | gates_b.keys()):
        ga, gb = gates_a.get(gid), gates_b.get(gid)
        if ga is None or gb is None:
            lines.append(t("rules.diff.gate_added" if ga is None else "rules.diff.gate_removed", lang, id=gid))
        elif ga.predicate.text != gb.predicate.text or ga.code != gb.code:
            # the expressions as written: French spaces only in the label
            lines.append(t("rules.diff.gate_changed", lang, id=gid) + f"{ga.predicate.text!r} → {gb.predicate.text!r}")
    return lines


@rules_app.command(help=h(
    "Les plafonds, taux et règles qui ont changé entre deux années universitaires.",
    "Which ceilings, rates and rules changed between two academic years."))
def diff(
    year_a: Annotated[str, typer.Argument(help=h("Première année universitaire, par exemple 2022-2023",
                                                 "First academic year, e.g. 2022-2023"))],
    year_b: Annotated[str, typer.Argument(help=h("Seconde année universitaire, par exemple 2023-2024",
                                                 "Second academic year, e.g. 2023-2024"))],
    rules: RulesOption = None,
) -> None:
    """Which ceilings, rates and rules changed between two academic years."""
    lang = run_lang()
    book = rulebook(rules)
    a, b = book.year(year_a), book.year(year_b)
    lines = diff_lines(a, b, lang)
    typer.echo(t("rules.diff.head", lang, a=a.id, b=b.id, n=len(lines)))
    for line in lines:
        typer.echo("  " + line)


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
