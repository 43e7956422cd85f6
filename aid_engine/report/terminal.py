"""The report in the terminal: a heading, then the tables of `report.tables` as rich tables.

An edge module: rich is imported inside the function, so importing this module costs nothing.  It must never
compute a figure (it prints `tables_of(report)`) and never write anywhere but the console it is given.
"""

from __future__ import annotations

from typing import Any

from ..money import display
from ..text import for_terminal
from .model import Report
from .tables import Table, count, percent, tables_of

NO_WRAP_WIDTH = 16
WIDTH_OFF_TERMINAL = 120  # columns when the output is a file or a pipe (rich would say 80)
FABRIQUE_LIMIT = 20  # the terminal lists the largest fabriques; the page and the CSV files list them all


def heading(r: Report) -> str:
    """The one-line summary printed above the tables."""
    c, e = r.counts, r.envelope
    return (f"Rapport du programme — {r.scope.describe()} : {count(c.decisions)} décision(s) dont "
            f"{count(c.current)} en vigueur, {count(c.granted)} accordée(s), {display(e.net)} engagés nets des "
            f"reversements sur {display(e.envelope)} ({percent(e.share_used)})")


def rich_table(t: Table) -> Any:
    """A rich Table of a report table."""
    from rich.table import Table as RichTable
    from rich.text import Text

    # Text, not str: a fabrique id like "[FAB]" must be shown as it is, never read as rich markup.
    table = RichTable(title=Text(t.title), title_justify="left", caption=Text(t.note) if t.note else None,
                      caption_justify="left")
    for index, (name, numeric) in enumerate(zip(t.columns, t.numeric, strict=True)):
        # An amount or a count is never cut in two; a range ("29,1 % – 51,2 %") and words may wrap.
        whole = numeric and all(len(row[index]) <= NO_WRAP_WIDTH for row in t.rows)
        table.add_column(Text(name), justify="right" if numeric else "left", overflow="fold", no_wrap=whole)
    for row in t.rows:
        table.add_row(*(Text(for_terminal(cell)) for cell in row))
    return table


def console_for_stdout() -> Any:
    """A rich Console on stdout: the terminal's width, else $COLUMNS, else 120 columns for a file or a pipe."""
    import os

    from rich.console import Console

    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=WIDTH_OFF_TERMINAL)
    return console


def print_report(r: Report, console: Any) -> None:
    """Print the heading and every table on `console` (a rich Console)."""
    console.print(heading(r), markup=False, highlight=False, soft_wrap=True)  # never break an amount
    for t in tables_of(r, fabrique_limit=FABRIQUE_LIMIT):
        console.print()
        console.print(rich_table(t))
