"""Showing a decision to a person: status, échelon, amounts, reasons with their article, what would change.

French by default, English with `lang="en"`.  Only formatting: the words of reasons come from the rules.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..explain import next_echelon_up
from ..models import Decision
from ..money import display
from ..text import for_terminal

_WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "granted": "ACCORDÉE",
        "refused": "REFUSÉE",
        "review": "À REVOIR",
        "title": "Décision — aide Grande École du numérique",
        "learner": "Apprenant",
        "year": "Année universitaire",
        "echelon": "Échelon",
        "points": "Points de charge",
        "annual": "Montant annuel (10 mois)",
        "monthly": "Mensualité",
        "months": "Mois de formation payés",
        "total": "Total",
        "none": "aucun",
        "reasons": "Motifs",
        "no_reason": "Toutes les conditions sont remplies.",
        "what_if": "Ce qui changerait la décision",
        "ceiling_current": "Plafond de l'échelon actuel : revenu brut global jusqu'à {v}",
        "next_rbg": "Échelon supérieur ({e}) avec un revenu brut global jusqu'à {v}",
        "next_points": "ou avec {n} point(s) de charge de plus, au même revenu",
        "no_next_points": "aucun nombre de points de charge n'y suffit au même revenu",
        "top": "Échelon 7 : l'échelon le plus élevé est atteint",
        "excess": "Le revenu dépasse le plafond de l'échelon 0 bis de {v}",
        "provisional": "montants provisoires, à confirmer après revue",
        "ruleset": "Règles",
        "rule": "Règle",
        "expression": "Expression",
        "inputs": "Valeurs lues",
        "result": "Résultat",
        "trace": "Trace de la décision",
    },
    "en": {
        "granted": "GRANTED",
        "refused": "REFUSED",
        "review": "TO REVIEW",
        "title": "Decision — Grande École du numérique aid",
        "learner": "Learner",
        "year": "Academic year",
        "echelon": "Échelon",
        "points": "Points de charge",
        "annual": "Annual amount (10 months)",
        "monthly": "Monthly instalment",
        "months": "Training months paid",
        "total": "Total",
        "none": "none",
        "reasons": "Reasons",
        "no_reason": "Every condition is met.",
        "what_if": "What would change the decision",
        "ceiling_current": "Ceiling of the current échelon: revenu brut global up to {v}",
        "next_rbg": "Next échelon up ({e}) with a revenu brut global up to {v}",
        "next_points": "or with {n} more point(s) de charge at the same income",
        "no_next_points": "no number of points de charge reaches it at the same income",
        "top": "Échelon 7: the highest échelon is reached",
        "excess": "The income is above the échelon 0 bis ceiling by {v}",
        "provisional": "provisional amounts, to confirm after review",
        "ruleset": "Rules",
        "rule": "Rule",
        "expression": "Expression",
        "inputs": "Values read",
        "result": "Result",
        "trace": "Decision trace",
    },
}
_COLOURS = {"granted": "green", "refused": "red", "review": "yellow"}


def words(lang: str) -> dict[str, str]:
    return _WORDS["en" if lang == "en" else "fr"]


def echelon_label(echelon: str | None, lang: str) -> str:
    if echelon is None:
        return words(lang)["none"]
    return "0 bis" if echelon == "0bis" else echelon


def _money(value: Decimal | None, lang: str) -> str:
    return display(value, lang) if value is not None else "—"


def what_if_lines(decision: Decision, lang: str) -> list[str]:
    """The counterfactuals as sentences."""
    w = words(lang)
    cf = decision.counterfactuals
    lines = []
    if cf.rbg_ceiling_current is not None:
        lines.append(w["ceiling_current"].format(v=_money(cf.rbg_ceiling_current, lang)))
    up = next_echelon_up(cf.echelon_reached)
    if cf.rbg_for_next_echelon is not None and up is not None:
        lines.append(w["next_rbg"].format(e=echelon_label(up, lang), v=_money(cf.rbg_for_next_echelon, lang)))
        if cf.points_for_next_echelon is not None:
            lines.append("  " + w["next_points"].format(n=cf.points_for_next_echelon))
        else:
            lines.append("  " + w["no_next_points"])
    elif cf.rbg_ceiling_current is not None:
        lines.append(w["top"])
    if cf.rbg_excess_over_0bis is not None:
        lines.append(w["excess"].format(v=_money(cf.rbg_excess_over_0bis, lang)))
    return lines


def print_decision(decision: Decision, console: Console, lang: str = "fr") -> None:
    """The readable decision for a person at a desk."""
    w = words(lang)
    status = Text(w[decision.status], style=f"bold {_COLOURS[decision.status]}")
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row(w["learner"], Text(for_terminal(decision.learner_id)))
    table.add_row(w["year"], decision.academic_year)
    table.add_row(w["echelon"], echelon_label(decision.echelon, lang))
    table.add_row(w["points"], str(decision.points_de_charge))
    table.add_row(w["annual"], display(decision.annual_amount, lang))
    table.add_row(w["monthly"], display(decision.monthly_amount, lang))
    table.add_row(w["months"], str(decision.months))
    table.add_row(w["total"], display(decision.total_amount, lang))
    if decision.status == "review" and decision.echelon is not None:
        table.add_row("", Text(w["provisional"], style="yellow"))
    console.print(Panel(table, title=Text.assemble(w["title"], " — ", status), expand=False))
    console.print(Text(w["reasons"], style="bold"))
    if not decision.reasons:
        console.print("  " + w["no_reason"])
    for reason in decision.reasons:
        console.print(Text.assemble("  • ", (reason.code, "bold"), " — ", reason.message))
        console.print(Text("    " + reason.legal_ref, style="dim"))
    lines = what_if_lines(decision, lang)
    if lines:
        console.print(Text(w["what_if"], style="bold"))
        for line in lines:
            console.print("  " + line)
    console.print(Text(f"{w['ruleset']}: {decision.ruleset.id} ({decision.ruleset.sha256[:12]}…), "
                       f"aid_engine {decision.engine_version}", style="dim"))


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def print_trace(decision: Decision, console: Console, lang: str = "fr") -> None:
    """The trace as a table: each rule, its expression, what it read, what it gave."""
    w = words(lang)
    table = Table(title=Text(f"{w['trace']} — {for_terminal(decision.learner_id)}"), show_lines=True)
    table.add_column("#", justify="right")
    table.add_column(w["rule"], style="bold")
    table.add_column(w["expression"])
    table.add_column(w["inputs"])
    table.add_column(w["result"])
    for number, step in enumerate(decision.trace, 1):
        inputs = "\n".join(f"{k} = {_cell(v)}" for k, v in step.inputs.items())
        table.add_row(str(number), step.rule, Text(step.expression), Text(for_terminal(inputs, keep_lines=True)),
                      Text(for_terminal(_cell(step.result))))
    console.print(table)
