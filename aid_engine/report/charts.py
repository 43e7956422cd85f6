"""The report's charts, drawn by matplotlib as SVG text to inline in the HTML page.

One chart for each section of the page that has figures: the decisions by status, the cost against the
envelope, the recoveries by month of leaving (when there are any), grants by échelon, refusals by reason,
population shares against their targets, the committed amount by département, amounts by month of training
start, and the monthly cash flow with today marked (months already due apart from the forecast).  Each is a
matplotlib `Figure` (no pyplot, no global figure manager) saved as SVG with its glyphs as paths, so the page
needs no font and no network; the ids inside each SVG are prefixed with the chart's key so the SVGs share one
page without clashes.  Money stays `Decimal` up to here and becomes a float only for the plotting library.

An edge module: matplotlib is imported inside the functions, so importing this module costs nothing.  It
must never compute a figure of the report (it draws what `Report` holds) nor write a file.
"""

from __future__ import annotations

import html
import io
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .model import Report
from .tables import INDICATOR_LABELS, POPULATION_LABELS, count, percent

WIDTH, HEIGHT = 7.5, 3.6  # inches, at 72 points per inch in the SVG
COLOURS = {"granted": "#1f5f8b", "review": "#e0a030", "remaining": "#d5dde5", "target": "#b0302a",
           "line": "#5a3d8a", "applicants": "#7fa7c9", "grantees": "#1f5f8b", "refused": "#9a4b3c",
           "superseded": "#a8b3bd", "past": "#8fa9bf", "today": "#b0302a"}
LONGEST_LABEL = 48  # characters of a bar's label before it is cut with « … »
MOST_BARS = 15  # a horizontal bar chart shows at most this many bars, the rest summed as « autres »
_ID = re.compile(r'\bid="([^"]+)"')


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: its key (the HTML id), its title and its SVG text."""

    key: str
    title: str
    svg: str


def euro_label(value: float) -> str:
    """A compact French amount for an axis.

    >>> euro_label(2_500_000), euro_label(350_000), euro_label(900), euro_label(0)
    ('2,5 M€', '350 k€', '900 €', '0 €')
    """
    size = abs(value)
    if size >= 1_000_000:
        return f"{value / 1_000_000:.1f}".rstrip("0").rstrip(".").replace(".", ",") + " M€"
    if size >= 1_000:
        return f"{value / 1_000:.0f} k€"
    return f"{value:.0f} €"


def _euro_axis(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: euro_label(v)))


def month_index(month: str) -> int:
    """A YYYY-MM month as a count of months, so months sit on a time axis with their gaps.

    >>> month_index("2024-12") + 1 == month_index("2025-01")
    True
    """
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_ticks(first: int, last: int, most: int = 14) -> list[int]:
    """Tick positions from `first` to `last` (month indices), every 1, 2, 3, 6 or 12 months, at most `most`.

    >>> ticks = month_ticks(month_index("2016-09"), month_index("2026-12"))   # yearly: each January
    >>> len(ticks), {t % 12 for t in ticks}
    (10, {0})
    >>> len(month_ticks(month_index("2024-09"), month_index("2025-06")))
    10
    """
    step = next((s for s in (1, 2, 3, 6, 12) if (last - first) // s < most), 12 * ((last - first) // (12 * most) + 1))
    start = first if step == 1 else first + (-first) % step
    return list(range(start, last + 1, step)) or [first]


def _month_axis(axes: Any, months: list[str]) -> list[int]:
    """Put the months on `axes`' x axis as time; return their positions."""
    positions = [month_index(m) for m in months]
    ticks = month_ticks(min(positions), max(positions))
    axes.set_xticks(ticks, [f"{t // 12}-{t % 12 + 1:02d}" for t in ticks])
    axes.set_xlim(min(positions) - 1, max(positions) + 1)
    axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    return positions


def _figure(height: float = HEIGHT) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, height), layout="constrained")
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _empty(axes: Any) -> None:
    axes.text(0.5, 0.5, "Aucune donnée dans le périmètre", ha="center", va="center", transform=axes.transAxes,
              color="#666666")
    axes.set_xticks([])
    axes.set_yticks([])


def svg_of(figure: Any, key: str, title: str) -> str:
    """The figure as inline SVG: no XML prolog, every id prefixed with `key`, labelled for screen readers."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": key}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = _ID.sub(lambda m: f'id="{key}-{m.group(1)}"', text)
    text = re.sub(r'(href="|url\()#', lambda m: f"{m.group(1)}#{key}-", text)
    return text.replace("<svg ", f'<svg role="img" aria-label="{html.escape(title)}" ', 1)


def echelon_chart(r: Report) -> Chart:
    figure, axes = _figure()
    labels = [e.echelon for e in r.echelons]
    grants = [e.grants for e in r.echelons]
    if any(grants):
        bars = axes.bar(labels, grants, color=COLOURS["granted"])
        axes.bar_label(bars, labels=[euro_label(float(e.committed)) if e.grants else "" for e in r.echelons],
                       fontsize=8, padding=2)
        axes.set_xlabel("Échelon")
        axes.set_ylabel("Aides accordées")
    else:
        _empty(axes)
    return _chart("chart-echelons", "Aides accordées par échelon (nombre ; montant engagé au-dessus)", figure)


def start_month_chart(r: Report) -> Chart:
    figure, axes = _figure()
    months = [m.month for m in r.by_start_month]
    if months:
        axes.bar(_month_axis(axes, months), [float(m.amount) for m in r.by_start_month], width=0.8,
                 color=COLOURS["granted"])
        _euro_axis(axes.yaxis)
        axes.set_ylabel("Montant engagé")
    else:
        _empty(axes)
    return _chart("chart-start-months", "Montant engagé par mois de début de formation", figure)


def envelope_chart(r: Report) -> Chart:
    e = r.envelope
    figure, axes = _figure(2.2)
    parts = [("Engagé net", e.net, COLOURS["granted"]), ("À réexaminer (provisoire)", e.review_cost,
                                                           COLOURS["review"]),
             ("Reste", max(e.projected_remaining, Decimal(0)), COLOURS["remaining"])]
    left = 0.0
    for label, amount, colour in parts:
        axes.barh(["Enveloppe"], [float(amount)], left=left, color=colour, height=0.5,
                  label=f"{label} : {euro_label(float(amount))}")
        left += float(amount)
    axes.axvline(float(e.envelope), color=COLOURS["target"], linestyle="--",
                 label=f"Enveloppe : {euro_label(float(e.envelope))}")
    _euro_axis(axes.xaxis)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, frameon=False, fontsize=8)
    return _chart("chart-envelope", "Coût au regard de l'enveloppe", figure)


def targets_chart(r: Report) -> Chart:
    figure, axes = _figure()
    width = 0.35
    for i, indicator in enumerate(INDICATOR_LABELS):
        for j, population in enumerate(POPULATION_LABELS):
            s = r.share(indicator, population)
            x = i + (j - 0.5) * width
            bars = axes.bar([x], [float(s.share or 0) * 100], width=width, color=COLOURS[population],
                            label=POPULATION_LABELS[population].capitalize() + " (connus)" if i == 0 else None)
            axes.bar_label(bars, labels=[percent(s.share)], fontsize=8, padding=2)
            if s.lowest is not None and s.highest is not None and s.unknown:
                axes.vlines(x, float(s.lowest) * 100, float(s.highest) * 100, color="#333333", linewidth=1)
        target = float(r.share(indicator, "applicants").target) * 100
        axes.hlines(target, i - 1.2 * width, i + 1.2 * width, color=COLOURS["target"], linestyles="--",
                    label="Cible" if i == 0 else None)
    axes.set_xticks(range(len(INDICATOR_LABELS)), list(INDICATOR_LABELS.values()))
    axes.set_ylim(0, 100)
    axes.set_ylabel("Part (%)")
    axes.legend(fontsize=8, frameon=False)
    return _chart("chart-targets", "Parts de public au regard des cibles (trait fin : fourchette des inconnus)",
                  figure)


def _short(label: str) -> str:
    """A bar label that fits beside its bar.

    >>> _short("court"), len(_short("x" * 100))
    ('court', 48)
    """
    return label if len(label) <= LONGEST_LABEL else label[:LONGEST_LABEL - 1].rstrip() + "…"


def _hbars(axes: Any, labels: Sequence[str], values: Sequence[float], colours: Sequence[str] | str,
           texts: Sequence[str]) -> None:
    """Horizontal bars, the first label on top, each bar's value written at its end."""
    positions = list(range(len(labels)))[::-1]
    bars = axes.barh(positions, values, color=colours, height=0.6)
    axes.set_yticks(positions, [_short(x) for x in labels], fontsize=8)
    axes.bar_label(bars, labels=list(texts), fontsize=8, padding=3)
    axes.margins(x=0.15)


def _hbar_height(bars: int) -> float:
    return max(1.6, 0.5 + 0.28 * bars)


def decisions_chart(r: Report) -> Chart:
    c = r.counts
    rows = [("Accordées", c.granted, COLOURS["granted"]), ("Refusées", c.refused, COLOURS["refused"]),
            ("À réexaminer", c.review, COLOURS["review"]),
            ("Remplacées (comptées à part)", c.superseded, COLOURS["superseded"])]
    figure, axes = _figure(_hbar_height(len(rows)))
    if c.decisions:
        _hbars(axes, [x[0] for x in rows], [x[1] for x in rows], [x[2] for x in rows],
               [count(x[1]) for x in rows])
        axes.set_xlabel("Décisions")
    else:
        _empty(axes)
    return _chart("chart-decisions", "Décisions du périmètre : en vigueur par statut, et remplacées", figure)


def recoveries_chart(r: Report) -> Chart:
    figure, axes = _figure(2.8)
    by_month: dict[str, Decimal] = {}
    for x in r.recoveries:
        month = x.left_on.isoformat()[:7]
        by_month[month] = by_month.get(month, Decimal(0)) + x.amount
    months = sorted(by_month)
    axes.bar(_month_axis(axes, months), [float(by_month[m]) for m in months], width=0.8, color=COLOURS["review"])
    _euro_axis(axes.yaxis)
    axes.set_ylabel("Montant à reverser")
    return _chart("chart-recoveries", "Reversements à récupérer, par mois de départ", figure)


def reasons_chart(r: Report) -> Chart:
    reasons = sorted(r.reasons, key=lambda x: (-x.decisions, x.code))[:MOST_BARS]
    figure, axes = _figure(_hbar_height(len(reasons)))
    if reasons:
        _hbars(axes, [x.label or x.code for x in reasons], [x.decisions for x in reasons], COLOURS["refused"],
               [count(x.decisions) for x in reasons])
        axes.set_xlabel("Décisions refusées")
    else:
        _empty(axes)
    return _chart("chart-reasons", "Refus par motif", figure)


def territory_chart(r: Report) -> Chart:
    groups = sorted(r.by_departement, key=lambda g: (-g.committed, g.key is None, g.key or ""))
    shown = [(g.key or "inconnu", g.committed) for g in groups[:MOST_BARS]]
    rest = sum((g.committed for g in groups[MOST_BARS:]), Decimal(0))
    if rest:
        shown.append((f"{count(len(groups) - MOST_BARS)} autres départements", rest))
    figure, axes = _figure(_hbar_height(len(shown)))
    if any(amount for _, amount in shown):
        _hbars(axes, [k for k, _ in shown], [float(a) for _, a in shown], COLOURS["granted"],
               [euro_label(float(a)) for _, a in shown])
        _euro_axis(axes.xaxis)
        axes.set_xlabel("Montant engagé (brut)")
    else:
        _empty(axes)
    return _chart("chart-territory", "Montant engagé par département (les plus élevés)", figure)


def cash_flow_chart(r: Report, today: date | None = None) -> Chart:
    """The instalments due each month and their running total; with `today`, the months already due (paid)
    apart from those to come (forecast), and a line at today."""
    figure, axes = _figure()
    months = [m.month for m in r.cash_flow.by_month]
    if months:
        now = None if today is None else month_index(today.isoformat()[:7])
        span = months if today is None else sorted({*months, today.isoformat()[:7]})
        positions = [month_index(m) for m in months]
        _month_axis(axes, span)
        amounts = [float(m.amount) for m in r.cash_flow.by_month]
        coming = "Mois à venir : prévision" if now is not None else "Mensualités du mois"
        for paid, colour, label in ((True, COLOURS["past"], "Mois échus : mensualités dues"),
                                    (False, COLOURS["granted"], coming)):
            bars = [(p, a) for p, a in zip(positions, amounts, strict=True) if (now is not None and p < now) == paid]
            if bars:
                axes.bar([p for p, _ in bars], [a for _, a in bars], width=0.8, color=colour,
                         label=f"{label} (axe de gauche)")
        if today is not None and now is not None:
            axes.axvline(now + (today.day - 1) / 31, color=COLOURS["today"], linestyle="--", linewidth=1.2,
                         label=f"Aujourd’hui ({today.day:02d}/{today.month:02d}/{today.year})")
        cumulative = axes.twinx()
        running = list(itertools.accumulate(m.amount for m in r.cash_flow.by_month))
        cumulative.plot(positions, [float(x) for x in running], color=COLOURS["line"], linewidth=1.5,
                        label="Cumul (axe de droite)")
        cumulative.set_ylim(bottom=0)
        for axis in (axes.yaxis, cumulative.yaxis):
            _euro_axis(axis)
        figure.legend(loc="outside upper left", ncol=2, fontsize=8, frameon=False)
    else:
        _empty(axes)
    return _chart("chart-cash-flow", "Prévision de trésorerie : mensualités dues par mois", figure)


def _chart(key: str, title: str, figure: Any) -> Chart:
    return Chart(key, title, svg_of(figure, key, title))


CHARTS: tuple[Callable[[Report], Chart], ...] = (decisions_chart, envelope_chart, echelon_chart, reasons_chart,
                                                targets_chart, territory_chart, start_month_chart)


def charts_of(r: Report, today: date | None = None) -> tuple[Chart, ...]:
    """Every chart of the report (the recoveries' only when there are any); `today` marks the cash flow."""
    charts = [draw(r) for draw in CHARTS]
    if r.recoveries:
        charts.append(recoveries_chart(r))
    return (*charts, cash_flow_chart(r, today))
