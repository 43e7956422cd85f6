"""Showing a decision to a person: status, échelon, amounts, reasons with their article, what would change, what
to do next; and its trace, step by step.

French by default, English with `lang="en"`; every word comes from `aid_engine.i18n` or from the rules (the
reasons' messages and labels).  The French view shows no code (reason codes stay in `--json`); what would change
the decision is shown only where income or points could change it (a granted decision, or a refusal for income
alone).  Lines wrap at the terminal's width with their indent kept.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..explain import next_echelon_up
from ..i18n import CHOICE_LABELS, FIELD_LABELS, MESSAGES, amount, choice_label, date_text, status_label, t, yes_no
from ..models import Decision
from ..text import for_terminal

_COLOURS = {"granted": "green", "refused": "red", "review": "yellow"}
# The conditions that income or points can change; any other reason is a gate that no income or point changes.
_INCOME_REASONS = ("income_above_ceiling",)
_REVIEW_REASONS = ("income_year_mismatch",)


def words(lang: str) -> dict[str, str]:
    """The screen's words in `lang` by short key, headings without their colon (the web desk's pages read them)."""
    out = {key.split(".", 1)[1]: t(key, lang).rstrip(" :\u00a0") for key in MESSAGES
           if key.startswith("screen.") and "{" not in MESSAGES[key][0]}
    out |= {key.split(".", 1)[1]: t(key, lang) for key in ("trace.inputs", "trace.result", "trace.expression")}
    out |= {s: t(f"status.{s}.title", lang) for s in _COLOURS}
    out |= {"none": t("echelon.none", lang), "rule": t("word.rule", lang), "ruleset": t("word.ruleset", lang),
            "trace": t("word.trace", lang)}
    return out


def echelon_label(echelon: str | None, lang: str) -> str:
    if echelon is None:
        return t("echelon.none", lang)
    return "0 bis" if echelon == "0bis" else echelon


def _money(value: Decimal | None, lang: str) -> str:
    return amount(value, lang) if value is not None else "—"


def income_could_change(decision: Decision) -> bool:
    """Whether income or points de charge could change the outcome: granted, or refused for income alone."""
    codes = {r.code for r in decision.reasons}
    if decision.status == "granted":
        return True
    return decision.status == "refused" and bool(codes) and codes <= set(_INCOME_REASONS)


def what_if_lines(decision: Decision, lang: str) -> list[str]:
    """The counterfactuals as sentences, where income or points could change the outcome (else none)."""
    if not income_could_change(decision):
        return []
    cf = decision.counterfactuals
    lines = []
    if cf.rbg_ceiling_current is not None and cf.echelon_reached is not None:
        lines.append(t("screen.ceiling_current", lang, e=echelon_label(cf.echelon_reached, lang),
                       v=_money(cf.rbg_ceiling_current, lang)))
    up = next_echelon_up(cf.echelon_reached)
    if cf.rbg_for_next_echelon is not None and up is not None:
        line = t("screen.next_rbg", lang, e=echelon_label(up, lang), v=_money(cf.rbg_for_next_echelon, lang))
        n = cf.points_for_next_echelon
        if n is not None:
            line += t("screen.next_points", lang, n=n, s="s" if n > 1 else "")
        else:
            line += t("screen.no_next_points", lang)
        lines.append(line)
    elif cf.rbg_ceiling_current is not None:
        lines.append(t("screen.top", lang))
    if cf.rbg_excess_over_0bis is not None:
        lines.append(t("screen.excess", lang, v=_money(cf.rbg_excess_over_0bis, lang)))
    return lines


def todo_lines(decision: Decision, lang: str, expected_income_year: int | None = None) -> list[str]:
    """« Que faire ? »: the document to ask for on a review, the recourse on a refusal, the next step on a grant."""
    if decision.status == "review":
        if expected_income_year is not None:
            return [t("screen.todo.review", lang, year=expected_income_year)]
        return [t("screen.todo.review_any", lang)]
    if decision.status == "granted":
        return [t("screen.todo.granted", lang), t("screen.todo.recourse", lang)]
    return [t("screen.todo.recourse", lang)]


def _hanging(console: Console, bullet: str, text: Text | str, indent: int = 2) -> None:
    """`bullet` then `text`, wrapped lines indented under the text, not under the bullet."""
    grid = Table.grid()
    grid.add_column(width=indent + len(bullet), no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(" " * indent + bullet, text)
    console.print(grid)


def print_decision(decision: Decision, console: Console, lang: str = "fr", *,
                   expected_income_year: int | None = None) -> None:
    """The readable decision for a person at a desk."""
    status = Text(t(f"status.{decision.status}.title", lang), style=f"bold {_COLOURS[decision.status]}")
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row(t("screen.learner", lang), Text(for_terminal(decision.learner_id)))
    table.add_row(t("screen.year", lang), decision.academic_year)
    table.add_row(t("screen.echelon", lang), echelon_label(decision.echelon, lang))
    table.add_row(t("screen.points", lang), str(decision.points_de_charge))
    table.add_row(t("screen.annual", lang), amount(decision.annual_amount, lang))
    table.add_row(t("screen.monthly", lang), amount(decision.monthly_amount, lang))
    table.add_row(t("screen.months", lang), str(decision.months))
    table.add_row(t("screen.total", lang), amount(decision.total_amount, lang))
    if decision.status == "review" and decision.echelon is not None:
        table.add_row("", Text(t("screen.provisional", lang), style="yellow"))
    console.print(Panel(table, title=Text.assemble(t("screen.title", lang), " — ", status), expand=False))
    console.print(Text(t("screen.reasons", lang), style="bold"))
    if not decision.reasons:
        _hanging(console, "", t("screen.no_reason", lang))
    for reason in decision.reasons:
        text = Text(reason.message) if lang != "en" else Text.assemble((reason.code, "bold"), " — ", reason.message)
        text.append("\n")
        text.append(reason.legal_ref, style="dim")
        _hanging(console, "• ", text)
    lines = what_if_lines(decision, lang)
    if lines:
        console.print(Text(t("screen.what_if", lang), style="bold"))
        for line in lines:
            _hanging(console, "• ", line)
    console.print(Text(t("screen.todo", lang), style="bold"))
    for line in todo_lines(decision, lang, expected_income_year):
        _hanging(console, "→ ", line)
    console.print(Text(t("screen.ruleset", lang, id=decision.ruleset.id, sha=decision.ruleset.sha256[:12],
                         version=decision.engine_version), style="dim"), overflow="fold")


# -- the trace ----------------------------------------------------------------------------------------------------
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL = re.compile(r"-?\d+\.\d+")
_AMOUNT_INPUTS = {"revenu_brut_global", "annual_amount", "monthly_amount"}


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _value(value: Any, lang: str, name: str = "") -> str:
    """A value the trace read or gave, as a person reads it in `lang`."""
    if lang == "en":
        return _cell(value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return yes_no(value, lang)
    if isinstance(value, list | tuple):
        return ", ".join(_value(v, lang) for v in value) if value else t("trace.none", lang)
    if isinstance(value, dict):
        return " · ".join(f"{echelon_label(str(k), lang)} : {_value(v, lang, 'ceiling')}" for k, v in value.items())
    if isinstance(value, str):
        if _ISO_DATE.fullmatch(value):
            from datetime import date

            return date_text(date.fromisoformat(value), lang)
        if name in _AMOUNT_INPUTS or name == "ceiling" or _DECIMAL.fullmatch(value):
            try:
                number = Decimal(value)
            except ArithmeticError:
                return value
            if name in _AMOUNT_INPUTS or name.startswith("amount."):
                return amount(number, lang)
            text = amount(number, lang, currency=False)
            return text[:-3] if text.endswith(",00") and name == "ceiling" else text
        if name in CHOICE_LABELS:
            return choice_label(name, value, lang)
        if name == "echelon" or value == "0bis":
            return echelon_label(value, lang)
        if value in _COLOURS:
            return status_label(value, lang)
    return _cell(value)


def _input_label(name: str, lang: str) -> str:
    if lang == "en":
        return name
    if name in FIELD_LABELS:
        return FIELD_LABELS[name][0]
    key = f"input.{name}"
    return t(key, lang) if key in MESSAGES else name


def _step_label(rule: str, lang: str, gate_labels: dict[str, str]) -> str:
    kind = rule.split("<", 1)[0]
    if kind in gate_labels:
        return gate_labels[kind]
    key = f"rule.{kind}"
    return t(key, lang) if key in MESSAGES and MESSAGES[key][0] else rule


def _gate_labels(book: Any, decision: Decision, lang: str) -> dict[str, str]:
    """Each gate's rule id → « Condition : not <label> » words from the rules of the decision's year."""
    if book is None:
        return {}
    try:
        ruleset = book.year(decision.academic_year)
    except Exception:  # a stored decision whose year the current rules no longer hold: rule ids stay
        return {}
    return {g.id: t("trace.gate", lang, label=g.label.get(lang)) for g in ruleset.gates}


def print_trace(decision: Decision, console: Console, lang: str = "fr", book: Any = None) -> None:
    """The trace as a table: each step, what it read, what it gave.

    In French: each step in words (a gate by its label from the rules), its rule id under it, values as a person
    writes them (dates, amounts, oui/non, statuses); in English: the rule, its expression, values as stored.  Key
    cells are never cut: long ones fold onto the next line.
    """
    gate_labels = _gate_labels(book, decision, lang) if lang != "en" else {}
    table = Table(title=Text(t("trace.title", lang, learner=for_terminal(decision.learner_id))), show_lines=True,
                  expand=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column(t("trace.step", lang), overflow="fold", ratio=3)
    if lang == "en":
        table.add_column(t("trace.expression", lang), overflow="fold", ratio=3)
    table.add_column(t("trace.inputs", lang), overflow="fold", ratio=3)
    table.add_column(t("trace.result", lang), overflow="fold", ratio=2)
    for number, step in enumerate(decision.trace, 1):
        inputs = "\n".join(f"{_input_label(k, lang)} = {_value(v, lang, k)}" for k, v in step.inputs.items())
        kind = step.rule.split("<", 1)[0]
        if lang == "en":
            table.add_row(str(number), Text(step.rule, style="bold"), Text(step.expression),
                          Text(for_terminal(inputs, keep_lines=True)), Text(for_terminal(_cell(step.result))))
            continue
        if kind.startswith("gate.") and isinstance(step.result, bool):
            result = t("trace.gate_passes" if step.result else "trace.gate_fails", lang)
        else:
            result = _value(step.result, lang, kind)
        points = step.inputs.get("points_de_charge")
        if kind == "bareme.row" and isinstance(points, int) and isinstance(step.result, int) and points > step.result:
            result += " " + t("trace.row_capped", lang, row=step.result, points=points)
        label = Text(_step_label(step.rule, lang, gate_labels), style="bold")
        label.append("\n" + step.rule, style="dim")
        table.add_row(str(number), label, Text(for_terminal(inputs, keep_lines=True)), Text(for_terminal(result)))
    console.print(table)
