"""The report as one self-contained HTML page: key figures, the charts (inline SVG) and the same tables as
the terminal.

Everything is inline — styles, charts, no script — and a Content-Security-Policy forbids any load, so the
page opens offline from a file, a mail attachment or a USB stick, and prints.  Every text of the report is
escaped.  `render_html` is pure (it returns the page); it must never fetch, link or embed anything from
outside the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from html import escape

from ..money import display
from .charts import Chart
from .model import Envelope, Report, Share
from .tables import Table, count, percent, tables_of

LONG_TABLE = 15  # rows: a longer table scrolls in its own box on screen (and prints whole)
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

WARN_SHARE = Decimal("0.90")  # of the envelope engaged: the card warns before the overrun

# (section id, heading, chart keys, table keys), in reading order; a chart absent from the page is left out.
SECTIONS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("decisions", "Décisions", ("chart-decisions",), ("summary",)),
    ("envelope", "Coût et enveloppe", ("chart-envelope",), ("envelope",)),
    ("recoveries", "Reversements", ("chart-recoveries",), ("recoveries",)),
    ("echelons", "Aides par échelon", ("chart-echelons",), ("echelons",)),
    ("reasons", "Refus par motif", ("chart-reasons",), ("reasons",)),
    ("targets", "Cibles de public", ("chart-targets",), ("targets",)),
    ("territory", "Territoire", ("chart-territory",), ("departements", "fabriques")),
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
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 10px; }
.kpi { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--line); border-radius: 6px;
       padding: 10px 12px; min-width: 0; }
.kpi b { display: block; font-size: clamp(15px, 0.9vw + 8px, 20px); line-height: 1.25; overflow-wrap: anywhere; }
.kpi span { color: var(--muted); font-size: 13px; }
.kpi em { display: block; font-style: normal; font-weight: 600; font-size: 13px; margin-top: 4px; }
.kpi.ok { border-left-color: #2e7d32; background: #eef7ee; } .kpi.ok em { color: #1e5e22; }
.kpi.warn { border-left-color: #b26a00; background: #fff4e0; } .kpi.warn em { color: #7a4800; }
.kpi.over { border-left-color: #b0302a; background: #fdecea; } .kpi.over em { color: #8a1f1a; }
.due { display: flex; flex-wrap: wrap; gap: 8px 24px; margin: 0 0 10px; }
.due b { font-variant-numeric: tabular-nums; }
nav { margin: 16px auto; font-size: 14px; display: flex; flex-wrap: wrap; gap: 4px 14px; }
nav a { color: var(--accent); white-space: nowrap; }
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
               .kpi { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
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


@dataclass(frozen=True, slots=True)
class Card:
    """A key figure: its value, what it is, and against a target or the envelope its state (`ok`, `warn`,
    `over`; empty when there is nothing to compare) said in words as well as by colour."""

    value: str
    label: str
    state: str = ""
    words: str = ""


def envelope_state(e: Envelope) -> tuple[str, str]:
    """The committed amount against the envelope: within it, close to it, beyond it (now or once the decisions
    to review are granted).

    >>> from decimal import Decimal as D
    >>> def env(net, review="0"):
    ...     n, v = D(net), D(review)
    ...     return Envelope(D(100), n, D(100) - n, n / 100, v, n + v, D(100) - n - v, (n + v) / 100, D(0), n)
    >>> envelope_state(env("50"))[0], envelope_state(env("95"))[0], envelope_state(env("101"))[0]
    ('ok', 'warn', 'over')
    >>> envelope_state(env("80", "30"))
    ('warn', '⚠ dépassement si les décisions à réexaminer sont accordées')
    """
    if e.net > e.envelope:
        return "over", "✗ dépassement de l’enveloppe"
    if e.projected > e.envelope:
        return "warn", "⚠ dépassement si les décisions à réexaminer sont accordées"
    if e.share_used >= WARN_SHARE:
        return "warn", f"⚠ plus de {percent(WARN_SHARE)} de l’enveloppe engagés"
    return "ok", "✓ dans l’enveloppe"


def target_state(s: Share) -> tuple[str, str]:
    """A share against its target: met, missed, or nothing known to compare."""
    if s.met is None:
        return "", "aucune valeur connue"
    return ("ok", "✓ cible atteinte") if s.met else ("warn", "✗ cible non atteinte")


def cards(r: Report) -> tuple[Card, ...]:
    """The key figures at the top of the page, in reading order."""
    c, e = r.counts, r.envelope
    women, young = r.share("women", "applicants"), r.share("young_unqualified", "applicants")
    money = envelope_state(e)
    return (
        Card(count(c.current), "décisions en vigueur"), Card(count(c.granted), "accordées"),
        Card(count(c.refused), "refusées"), Card(count(c.review), "à réexaminer"),
        Card(display(e.net), f"engagés (net) sur une enveloppe de {display(e.envelope)}", *money),
        Card(percent(e.share_used), "de l’enveloppe engagée", *money),
        Card(percent(women.share), f"de femmes parmi les demandeurs (cible {percent(women.target)})",
             *target_state(women)),
        Card(percent(young.share), f"de moins de 26 ans sans qualification (cible {percent(young.target)})",
             *target_state(young)),
    )


def _kpis(r: Report) -> str:
    def card(k: Card) -> str:
        state = f'<em>{escape(k.words)}</em>' if k.words else ""
        css = f"kpi {k.state}" if k.state else "kpi"
        return f'<div class="{css}"><b>{escape(k.value)}</b><span>{escape(k.label)}</span>{state}</div>'

    return '<div class="kpis">' + "".join(card(k) for k in cards(r)) + "</div>"


def due_by(r: Report, today: date) -> tuple[Decimal, Decimal]:
    """The cash flow split at today's month: what fell due in the months before it, what falls due from it on."""
    now = today.isoformat()[:7]
    past = sum((m.amount for m in r.cash_flow.by_month if m.month < now), Decimal("0.00"))
    return past, r.cash_flow.total - past


def _due(r: Report, today: date | None) -> str:
    if today is None or not r.cash_flow.by_month:
        return ""
    past, coming = due_by(r, today)
    day = f"{today.day:02d}/{today.month:02d}/{today.year}"
    return (f'<p class="due"><span>Au {escape(day)} — mois échus (payés) : <b>{escape(display(past))}</b></span>'
            f"<span>mois à venir (prévision) : <b>{escape(display(coming))}</b></span></p>")


def _section(ident: str, heading: str, charts: Sequence[str], parts: dict[str, str]) -> str:
    body = "".join(parts[key] for key in charts)
    return f'<section id="{ident}"><h2>{escape(heading)}</h2>{body}</section>'


def render_html(r: Report, charts: Sequence[Chart], *, generated_at: str | None = None,
                today: date | None = None) -> str:
    """The whole page, as text; `today` splits the cash flow into months already due and months to come."""
    headings = {key: heading for _, heading, _, keys in SECTIONS for key in keys}
    parts = {c.key: html_chart(c) for c in charts}
    parts |= {t.key: html_table(t, headings.get(t.key, "")) for t in tables_of(r)}
    parts["cash_flow"] = _due(r, today) + parts["cash_flow"]
    sections = "".join(_section(ident, heading, [k for k in (*chart_keys, *table_keys) if k in parts], parts)
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


def report_page(r: Report, now: datetime) -> str:
    """The page as the CLI and the server give it: its charts, stamped with `now` (UTC), the cash flow split at
    `now`'s day."""
    from .charts import charts_of

    today = now.date()
    return render_html(r, charts_of(r, today), generated_at=now.strftime("%Y-%m-%d %H:%M UTC"), today=today)
