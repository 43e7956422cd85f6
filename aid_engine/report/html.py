"""The report as one self-contained HTML page: key figures, the charts (inline SVG) and the same tables as
the terminal.

Everything is inline — styles, charts, no script — and a Content-Security-Policy forbids any load, so the
page opens offline from a file, a mail attachment or a USB stick, and prints.  Every text of the report is
escaped.  `render_html` is pure (it returns the page); it must never fetch, link or embed anything from
outside the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ..money import display
from .charts import Chart
from .model import Report
from .tables import Table, count, percent, tables_of

LONG_TABLE = 15  # rows: a longer table scrolls in its own box on screen (and prints whole)
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

# (section id, heading, chart keys, table keys), in reading order.
SECTIONS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("decisions", "Décisions", (), ("summary",)),
    ("envelope", "Coût et enveloppe", ("chart-envelope",), ("envelope",)),
    ("recoveries", "Reversements", (), ("recoveries",)),
    ("echelons", "Aides par échelon", ("chart-echelons",), ("echelons",)),
    ("reasons", "Refus par motif", (), ("reasons",)),
    ("targets", "Cibles de public", ("chart-targets",), ("targets",)),
    ("territory", "Territoire", (), ("departements", "fabriques")),
    ("start-months", "Mois de début de formation", ("chart-start-months",), ("start_months",)),
    ("cash-flow", "Trésorerie mensuelle", ("chart-cash-flow",), ("cash_flow",)),
)

STYLE = """
:root { color-scheme: light; --ink: #1d2630; --muted: #5b6672; --line: #d5dde5; --accent: #1f5f8b; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); background: #f6f8fa; }
header, main, nav { max-width: 1100px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 24px; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin: 0 0 12px; font-size: 20px; color: var(--accent); }
h3 { margin: 18px 0 6px; font-size: 16px; }
.scope { color: var(--muted); margin: 0 0 16px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 10px; }
.kpi { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.kpi b { display: block; font-size: 20px; }
.kpi span { color: var(--muted); font-size: 13px; }
nav { margin: 16px auto; font-size: 14px; }
nav a { color: var(--accent); margin-right: 14px; white-space: nowrap; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 16px 18px;
          margin: 0 0 18px; }
figure { margin: 0 0 12px; }
figure svg { display: block; width: 100%; max-width: 760px; height: auto; }
figcaption { color: var(--muted); font-size: 13px; margin-bottom: 4px; }
.table-wrap { overflow-x: auto; }
.table-wrap.long { max-height: 460px; overflow-y: auto; border-bottom: 1px solid var(--line); }
.table-wrap.long th { position: sticky; top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef2f6; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
.note { color: var(--muted); font-size: 13px; margin: 6px 0 0; }
footer { max-width: 1100px; margin: 0 auto 30px; padding: 0 20px; color: var(--muted); font-size: 13px; }
@media print { body { background: #fff; } nav { display: none; } figure { break-inside: avoid; }
               .table-wrap.long { max-height: none; overflow: visible; } }
"""


def html_table(t: Table, heading: str = "") -> str:
    """A report table as an HTML table with its title (unless the section's heading says it) and note."""
    def cell(tag: str, text: str, numeric: bool) -> str:
        attribute = ' class="num"' if numeric else ""
        return f"<{tag}{attribute}>{escape(text)}</{tag}>"

    head = "".join(cell("th", name, numeric) for name, numeric in zip(t.columns, t.numeric, strict=True))
    body = "".join("<tr>" + "".join(cell("td", c, n) for c, n in zip(row, t.numeric, strict=True)) + "</tr>"
                   for row in t.rows)
    if not t.rows:
        body = f'<tr><td colspan="{len(t.columns)}">Aucune ligne dans le périmètre.</td></tr>'
    note = f'<p class="note">{escape(t.note)}</p>' if t.note else ""
    title = f"<h3>{escape(t.title)}</h3>" if t.title != heading else ""
    wrap = "table-wrap long" if len(t.rows) > LONG_TABLE else "table-wrap"
    return (f'{title}<div class="{wrap}"><table id="table-{t.key}"><thead><tr>{head}'
            f"</tr></thead><tbody>{body}</tbody></table></div>{note}")


def html_chart(c: Chart) -> str:
    return f'<figure class="chart" id="{c.key}"><figcaption>{escape(c.title)}</figcaption>{c.svg}</figure>'


def _kpis(r: Report) -> str:
    c, e = r.counts, r.envelope
    women, young = r.share("women", "applicants"), r.share("young_unqualified", "applicants")
    cards = (
        (count(c.decisions), "décisions"), (count(c.granted), "accordées"), (count(c.refused), "refusées"),
        (count(c.review), "à réexaminer"), (display(e.committed), f"engagés sur {display(e.envelope)}"),
        (percent(e.share_used), "de l'enveloppe engagée"),
        (percent(women.share), f"de femmes parmi les demandeurs (cible {percent(women.target)})"),
        (percent(young.share), f"de moins de 26 ans sans qualification (cible {percent(young.target)})"),
    )
    return '<div class="kpis">' + "".join(f'<div class="kpi"><b>{escape(v)}</b><span>{escape(label)}</span></div>'
                                          for v, label in cards) + "</div>"


def _section(ident: str, heading: str, charts: Sequence[str], parts: dict[str, str]) -> str:
    body = "".join(parts[key] for key in charts)
    return f'<section id="{ident}"><h2>{escape(heading)}</h2>{body}</section>'


def render_html(r: Report, charts: Sequence[Chart], *, generated_at: str | None = None) -> str:
    """The whole page, as text."""
    headings = {key: heading for _, heading, _, keys in SECTIONS for key in keys}
    parts = {c.key: html_chart(c) for c in charts}
    parts |= {t.key: html_table(t, headings.get(t.key, "")) for t in tables_of(r)}
    sections = "".join(_section(ident, heading, (*chart_keys, *table_keys), parts)
                       for ident, heading, chart_keys, table_keys in SECTIONS)
    nav = "".join(f'<a href="#{ident}">{escape(heading)}</a>' for ident, heading, _, _ in SECTIONS)
    when = f" — produit le {escape(generated_at)}" if generated_at else ""
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Rapport du programme — aide GEN</title>"
        f"<style>{STYLE}</style></head><body>"
        "<header><h1>Rapport du programme — aide aux apprenants de la Grande École du numérique</h1>"
        f'<p class="scope">{escape(r.scope.describe())}{when}</p>{_kpis(r)}</header>'
        f"<nav>{nav}</nav><main>{sections}</main>"
        "<footer>Montants en euros ; les décisions proviennent de la base d'aid-engine. Page autonome : elle "
        "s'ouvre sans réseau.</footer></body></html>\n"
    )
