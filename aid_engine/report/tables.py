"""The report's tables as text for a person: the one layout the terminal and the HTML page both render.

`tables_of(report)` gives each table its title, columns, rows of French-formatted cells and a note, so the
terminal (rich) and the page (HTML) show the same tables with the same words and figures.  Amounts use
`money.display` (« 6 335,00 € »), shares « 31,2 % », counts « 10 000 ».  Pure: it never writes anywhere and
never changes a figure (it formats what `Report` holds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..money import display
from .model import GroupTally, Report, Share

NNBSP = "\u202f"

INDICATOR_LABELS = {"women": "Femmes", "young_unqualified": "Moins de 26 ans sans qualification"}
INDICATOR_SHORT = {"women": "Femmes", "young_unqualified": "< 26 ans sans qualif."}
POPULATION_LABELS = {"applicants": "demandeurs", "grantees": "bénéficiaires"}


@dataclass(frozen=True, slots=True)
class Table:
    """A table to show: `numeric[i]` says whether column i is right-aligned."""

    key: str
    title: str
    columns: tuple[str, ...]
    numeric: tuple[bool, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


def count(n: int) -> str:
    """A count with French thousands separators.

    >>> count(10000), count(7)
    ('10\\u202f000', '7')
    """
    return format(n, ",d").replace(",", NNBSP)


def percent(share: Decimal | None) -> str:
    """A share as a French percentage with one decimal; « — » when there is none.

    >>> percent(Decimal("0.3125")), percent(Decimal("1")), percent(None)
    ('31,3\\xa0%', '100,0\\xa0%', '—')
    """
    if share is None:
        return "—"
    value = (share * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value:.1f}".replace(".", ",") + "\u00a0%"


def _part(n: int, whole: int) -> str:
    return percent(Decimal(n) / Decimal(whole)) if whole else "—"


def summary_table(r: Report) -> Table:
    c, x = r.counts, r.superseded
    rows = (
        ("Décisions enregistrées dans le périmètre", count(c.decisions), _part(c.decisions, c.decisions)),
        ("Décisions en vigueur", count(c.current), _part(c.current, c.decisions)),
        ("— accordées", count(c.granted), _part(c.granted, c.decisions)),
        ("— refusées", count(c.refused), _part(c.refused, c.decisions)),
        ("— à réexaminer", count(c.review), _part(c.review, c.decisions)),
        ("Décisions remplacées (comptées à part)", count(c.superseded), _part(c.superseded, c.decisions)),
        ("— après une déclaration corrigée", count(x.after_correction), _part(x.after_correction, c.decisions)),
        ("— par une décision sous d’autres règles", count(x.under_other_rules),
         _part(x.under_other_rules, c.decisions)),
        ("Apprenants distincts", count(c.learners), ""),
        ("Apprenants ayant plusieurs décisions", count(c.learners_with_several), ""),
    )
    return Table("summary", "Décisions", ("", "Nombre", "Part"), (False, True, True), rows, superseded_note(r))


def superseded_note(r: Report) -> str:
    """Why superseded decisions are set apart, in French, with what they would have added."""
    x = r.superseded
    note = ("Les décisions d’un apprenant pour une même formation (même date de début) forment un historique : "
            "la dernière enregistrée est en vigueur et remplace les précédentes (déclaration corrigée, ou "
            "nouvelle décision sous d’autres règles, par exemple un nouveau barème). Seules les décisions en "
            "vigueur comptent dans les montants, les statuts, les motifs, les échelons, le territoire, les cibles "
            "et la trésorerie ; les décisions remplacées sont comptées à part pour ne pas payer deux fois.")
    if x.granted:
        note += (f" Comptées, les {count(x.granted)} aide(s) accordée(s) puis remplacée(s) auraient ajouté "
                 f"{display(x.granted_amount)} à l’engagé.")
    return note


def reasons_table(r: Report) -> Table:
    rows = tuple((x.code, x.label, count(x.decisions), _part(x.decisions, r.counts.refused))
                 for x in r.reasons)
    note = "Une décision refusée compte sous chacun de ses motifs : les lignes peuvent dépasser le total des refus."
    return Table("reasons", "Refus par motif", ("Motif", "Libellé", "Décisions refusées", "Part des refus"),
                 (False, False, True, True), rows, note)


def echelons_table(r: Report) -> Table:
    rows = tuple((e.echelon, count(e.grants), display(e.committed)) for e in r.echelons)
    return Table("echelons", "Aides accordées par échelon", ("Échelon", "Accordées", "Montant engagé"),
                 (False, True, True), rows)


def _left(label: str, amount: Decimal) -> str:
    """A remainder's label, saying so when it is an overrun.

    >>> _left("Reste disponible", Decimal("-1.00"))
    'Reste disponible — dépassement de l’enveloppe'
    """
    return label if amount >= 0 else f"{label} — dépassement de l’enveloppe"


def envelope_table(r: Report) -> Table:
    e = r.envelope
    rows = (
        ("Enveloppe", display(e.envelope), percent(Decimal(1))),
        ("Engagé brut (total des aides accordées en vigueur)", display(e.committed),
         percent(e.committed / e.envelope)),
        ("Reversements à récupérer (départs anticipés)", display(e.recovered), percent(e.recovered / e.envelope)),
        ("Engagé net (brut − reversements)", display(e.net), percent(e.share_used)),
        (_left("Reste disponible", e.remaining), display(e.remaining), percent(Decimal(1) - e.share_used)),
        ("Coût provisoire des décisions à réexaminer", display(e.review_cost), percent(e.review_cost / e.envelope)),
        ("Engagé net + à réexaminer (projection)", display(e.projected), percent(e.projected_share)),
        (_left("Reste après la projection", e.projected_remaining), display(e.projected_remaining),
         percent(Decimal(1) - e.projected_share)),
    )
    note = ("Les montants par échelon, territoire et mois de début sont bruts ; le reste disponible et la "
            "trésorerie tiennent compte des reversements.")
    return Table("envelope", "Coût au regard de l'enveloppe", ("", "Montant", "Part de l'enveloppe"),
                 (False, True, True), rows, note)


def recoveries_table(r: Report) -> Table:
    rows = tuple((x.learner_id, str(x.decision_id), x.left_on.isoformat(), count(len(x.months_undue)),
                  ", ".join(x.months_undue) or "—", display(x.amount)) for x in r.recoveries)
    note = ("Un apprenant qui quitte la formation avant son terme reverse les mensualités des mois qui suivent le "
            "mois de son départ (décret n° 2017-548, assiduité) ; ces mensualités sortent de la trésorerie. "
            f"Total à récupérer : {display(r.envelope.recovered)} sur {count(len(r.recoveries))} aide(s).")
    return Table("recoveries", "Reversements",
                 ("Apprenant", "Décision", "Départ le", "Mensualités reprises", "Mois repris", "Montant"),
                 (False, True, False, True, False, True), rows, note)


def _share_row(s: Share) -> tuple[str, ...]:
    met = "—" if s.met is None else ("oui" if s.met else "non")
    span = f"{percent(s.lowest)} – {percent(s.highest)}" if s.unknown and s.lowest is not None else ""
    return (INDICATOR_SHORT[s.indicator], POPULATION_LABELS[s.population], count(s.yes), count(s.no),
            count(s.unknown), percent(s.share), span, percent(s.target), met)


def targets_table(r: Report) -> Table:
    note = ("Part : parmi les personnes dont la valeur est connue ; « inconnu » : sexe ou date de naissance "
            "absents, ou déclaration purgée — jamais devinés. La fourchette va de « tous les inconnus non » à "
            "« tous oui ». Moins de 26 ans à la date de début de la formation et profil unqualified.")
    return Table("targets", "Cibles de public",
                 ("Indicateur", "Parmi les", "Oui", "Non", "Inconnu", "Part", "Fourchette", "Cible", "Atteinte"),
                 (False, False, True, True, True, True, True, True, False),
                 tuple(_share_row(s) for s in r.shares), note)


GROUP_COLUMNS = ("Décisions", "Accordées", "Refusées", "À réexaminer", "Montant engagé", "À réexaminer (€)")


def _group_rows(groups: Sequence[GroupTally], unknown: str) -> tuple[tuple[str, ...], ...]:
    return tuple((g.key if g.key is not None else unknown, count(g.decisions), count(g.granted), count(g.refused),
                  count(g.review), display(g.committed), display(g.review_cost)) for g in groups)


def departements_table(r: Report) -> Table:
    note = (f"Département tiré de l'identifiant de la fabrique (un code 01–95, 2A, 2B ou 971–976 qui y figure), "
            f"faute de code postal dans la déclaration ; {count(r.unknown_departements)} décision(s) sans "
            f"département reconnu (aucun code, ou plusieurs), comptées « inconnu ».")
    return Table("departements", "Par département", ("Département", *GROUP_COLUMNS), (False,) + (True,) * 6,
                 _group_rows(r.by_departement, "inconnu"), note)


def fabriques_table(r: Report, limit: int | None = None) -> Table:
    """Every fabrique in id order; with `limit`, only the `limit` with most decisions (the others are counted)."""
    groups, title, note = r.by_fabrique, "Par fabrique", ""
    if limit is not None and len(groups) > limit:
        groups = tuple(sorted(groups, key=lambda g: (-g.decisions, g.key is None, g.key or ""))[:limit])
        title = f"Par fabrique : les {limit} qui ont le plus de décisions"
        note = f"{count(len(r.by_fabrique) - limit)} autres fabriques : toutes figurent dans --html et --csv."
    return Table("fabriques", title, ("Fabrique", *GROUP_COLUMNS), (False,) + (True,) * 6,
                 _group_rows(groups, "inconnue"), note)


def start_months_table(r: Report) -> Table:
    rows = tuple((m.month, count(m.grants), display(m.amount)) for m in r.by_start_month)
    return Table("start_months", "Aides accordées par mois de début de formation",
                 ("Mois de début", "Accordées", "Montant engagé"), (False, True, True), rows)


def cash_flow_table(r: Report) -> Table:
    cf = r.cash_flow
    running = Decimal("0.00")
    rows = []
    for m in cf.by_month:
        running += m.amount
        rows.append((m.month, count(m.grants), display(m.amount), display(running)))
    note = (f"Mensualités dues chaque mois par les aides accordées en vigueur, du mois de début de la formation, "
            f"sans celles des mois qui suivent un départ anticipé ; total {display(cf.total)}.")
    if cf.unscheduled_grants:
        note += (f" {count(cf.unscheduled_grants)} aide(s) sans date de début connue "
                 f"({display(cf.unscheduled_amount)}) ne sont pas placées dans le calendrier.")
    return Table("cash_flow", "Prévision de trésorerie mensuelle", ("Mois", "Mensualités", "Montant", "Cumul"),
                 (False, True, True, True), tuple(rows), note)


def tables_of(r: Report, *, fabrique_limit: int | None = None) -> tuple[Table, ...]:
    """Every table of the report, in reading order (the terminal shows the largest fabriques only)."""
    return (summary_table(r), envelope_table(r), recoveries_table(r), echelons_table(r), reasons_table(r),
            targets_table(r), departements_table(r), fabriques_table(r, fabrique_limit), start_months_table(r),
            cash_flow_table(r))
