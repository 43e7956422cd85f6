"""The report for programs: one JSON document (`--json`), a directory of CSV files (`--csv DIR`) and the
cash-flow CSV of the payment run (`--cash-flow FILE`).

Money is a decimal string with exactly two decimals (`money.as_str`: "6335.00"), ratios a decimal string with
four ("0.3125") or null, never a float.  CSV files are UTF-8 with a header line, in one of two forms
(`CsvForm`): for a French spreadsheet by default (`;`, decimal commas, BOM, French headers), or plain for a
program (`--csv-format plain`: `,`, decimal points, English headers); either is written by
the tool's one CSV writer (`files.CsvWriter`): every text cell quoted, a text cell that a spreadsheet would run
as a formula (= + - @ …) prefixed with `'`, each file written to a temporary file then renamed.
`report_json` is pure; the writers only write the files they are given and must never write anything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..files import output_dir, write_csv_file
from ..money import as_str
from .departement import SOURCE_NOTE
from .model import GroupTally, Repaid, Report

COUNTING = ("a learner's decisions for one training (learner_id + training_start_date) form a history whose latest "
            "stored decision is current; every figure counts the current decisions in scope only, superseded ones "
            "(a corrected declaration, a re-decision under other rules) are counted apart; refusals count under "
            "each of their reason codes")


def ratio_str(value: Decimal | None) -> str | None:
    """A ratio with four decimals, or None.

    >>> ratio_str(Decimal("0.3")), ratio_str(None)
    ('0.3000', None)
    """
    return None if value is None else format(value, ".4f")


def _group(g: GroupTally, key: str) -> dict[str, Any]:
    return {key: g.key, "decisions": g.decisions, "granted": g.granted, "refused": g.refused, "review": g.review,
            "committed": as_str(g.committed), "review_cost": as_str(g.review_cost)}


def _envelope(r: Report) -> dict[str, Any]:
    e = r.envelope
    return {"envelope": as_str(e.envelope), "committed": as_str(e.committed), "recovered": as_str(e.recovered),
            "net_committed": as_str(e.net), "remaining": as_str(e.remaining),
            "share_used": ratio_str(e.share_used), "review_cost": as_str(e.review_cost),
            "projected": as_str(e.projected), "projected_remaining": as_str(e.projected_remaining),
            "projected_share": ratio_str(e.projected_share)}


def _scope(r: Report) -> dict[str, Any]:
    s = r.scope
    return {"kind": s.kind, "run_id": s.run_id, "from": s.date_from.isoformat() if s.date_from else None,
            "to": s.date_to.isoformat() if s.date_to else None, "description": s.describe()}


def _targets(r: Report) -> list[dict[str, Any]]:
    return [{"indicator": s.indicator, "population": s.population, "yes": s.yes, "no": s.no, "unknown": s.unknown,
             "share": ratio_str(s.share), "lowest": ratio_str(s.lowest), "highest": ratio_str(s.highest),
             "target": ratio_str(s.target), "met": s.met} for s in r.shares]


def _cash_flow(r: Report) -> dict[str, Any]:
    cf = r.cash_flow
    return {"total": as_str(cf.total), "unscheduled_grants": cf.unscheduled_grants,
            "unscheduled_amount": as_str(cf.unscheduled_amount),
            "by_month": [{"month": m.month, "instalments": m.grants, "amount": as_str(m.amount)}
                         for m in cf.by_month]}


def _superseded(r: Report) -> dict[str, Any]:
    x = r.superseded
    return {"decisions": x.decisions, "after_correction": x.after_correction,
            "under_other_rules": x.under_other_rules, "granted": x.granted,
            "granted_amount": as_str(x.granted_amount)}


def report_json(r: Report) -> dict[str, Any]:
    """The report as one JSON-ready document (the `--json` output)."""
    c = r.counts
    return {
        "scope": _scope(r),
        "counting": COUNTING,
        "decisions": {"total": c.decisions, "current": c.current, "granted": c.granted, "refused": c.refused,
                      "review": c.review, "superseded": c.superseded, "learners": c.learners,
                      "learners_with_several_decisions": c.learners_with_several},
        "superseded": _superseded(r),
        "refused_by_reason": [{"code": x.code, "decisions": x.decisions} for x in r.reasons],
        "grants_by_echelon": [{"echelon": e.echelon, "grants": e.grants, "committed": as_str(e.committed)}
                              for e in r.echelons],
        "envelope": _envelope(r),
        "targets": _targets(r),
        "by_departement": [_group(g, "departement") for g in r.by_departement],
        "departement_source": SOURCE_NOTE,
        "departement_unknown": r.unknown_departements,
        "by_fabrique": [_group(g, "fabrique_id") for g in r.by_fabrique],
        "grants_by_start_month": [{"month": m.month, "grants": m.grants, "committed": as_str(m.amount)}
                                  for m in r.by_start_month],
        "recoveries": [_recovery(x) for x in r.recoveries],
        "cash_flow": _cash_flow(r),
    }


def _recovery(x: Repaid) -> dict[str, Any]:
    return {"learner_id": x.learner_id, "decision_id": x.decision_id, "left_on": x.left_on.isoformat(),
            "instalments": len(x.months_undue), "months": list(x.months_undue), "amount": as_str(x.amount)}


# -- CSV -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsvForm:
    """How the CSV files are written: for a French spreadsheet (the default) or for a program.

    `fr`: `;` between cells, decimal commas (`6335,00`), a UTF-8 byte-order mark so that a spreadsheet reads the
    accents, French headers and `oui`/`non`.  `plain`: `,`, decimal points (`"6335.00"`), English headers and
    `true`/`false`, without a BOM.  The cells are the same figures either way, in the same order.
    """

    name: str
    delimiter: str
    decimal_comma: bool
    bom: bool

    @property
    def french(self) -> bool:
        return self.name == "fr"

    def header(self, columns: Sequence[tuple[str, str]]) -> tuple[str, ...]:
        """The header line: each column's French or English name."""
        return tuple(fr if self.french else en for en, fr in columns)

    def figure(self, value: object) -> object:
        """A figure of the JSON document as a cell: its decimal text ("6335.00", "0.3125") for a program, the
        same Decimal for a French spreadsheet (written `6335,00`); a count, None or a flag as it is."""
        return Decimal(value) if self.french and isinstance(value, str) else value

    def money(self, amount: Decimal) -> object:
        """An amount to the cent (`6335,00` or "6335.00")."""
        return self.figure(as_str(amount))

    def ratio(self, value: Decimal | None) -> object:
        """A share with four decimals (`0,3125` or "0.3125"), empty when there is none."""
        return self.figure(ratio_str(value))

    def flag(self, value: bool | None) -> object:
        """A yes/no cell: `oui`/`non` or `true`/`false`, empty when unknown."""
        if value is None or not self.french:
            return value
        return "oui" if value else "non"


CSV_FORMS = {"fr": CsvForm("fr", ";", True, True), "plain": CsvForm("plain", ",", False, False)}
PLAIN = CSV_FORMS["plain"]

CASH_FLOW_COLUMNS = (("month", "Mois"), ("learner_id", "Apprenant"), ("decision_id", "Décision"),
                     ("amount", "Montant (€)"))
RECOVERY_COLUMNS = (("learner_id", "Apprenant"), ("decision_id", "Décision"), ("left_on", "Départ le"),
                    ("instalments", "Mensualités reprises"), ("months", "Mois repris"), ("amount", "Montant (€)"))
TARGET_COLUMNS = (("indicator", "Indicateur"), ("population", "Parmi les"), ("yes", "Oui"), ("no", "Non"),
                  ("unknown", "Inconnu"), ("share", "Part"), ("lowest", "Part minimale"),
                  ("highest", "Part maximale"), ("target", "Cible"), ("met", "Atteinte"))
GROUP_COLUMNS = (("decisions", "Décisions"), ("granted", "Accordées"), ("refused", "Refusées"),
                 ("review", "À réexaminer"), ("committed", "Montant engagé (€)"),
                 ("review_cost", "À réexaminer (€)"))

# summary.csv: each figure's French name (the plain form keeps the key of the JSON document).
SUMMARY_LABELS = {
    "scope": "Périmètre", "decisions": "Décisions enregistrées dans le périmètre",
    "current": "Décisions en vigueur", "granted": "Accordées", "refused": "Refusées", "review": "À réexaminer",
    "superseded": "Décisions remplacées", "learners": "Apprenants distincts",
    "learners_with_several_decisions": "Apprenants ayant plusieurs décisions",
    "superseded_after_correction": "Remplacées après une déclaration corrigée",
    "superseded_under_other_rules": "Remplacées par une décision sous d’autres règles",
    "superseded_granted": "Aides accordées puis remplacées",
    "superseded_granted_amount": "Montant des aides remplacées (€)",
    "envelope": "Enveloppe (€)", "committed": "Engagé brut (€)", "recovered": "Reversements à récupérer (€)",
    "net_committed": "Engagé net (€)", "remaining": "Reste disponible (€)",
    "share_used": "Part de l’enveloppe engagée (net)", "review_cost": "Coût provisoire des décisions à réexaminer (€)",
    "projected": "Engagé net + à réexaminer (€)", "projected_remaining": "Reste après la projection (€)",
    "projected_share": "Part de l’enveloppe après la projection",
    "departement_unknown": "Décisions sans département reconnu",
    "cash_flow_total": "Trésorerie : total des mensualités (€)",
    "cash_flow_unscheduled_grants": "Aides sans date de début connue",
    "cash_flow_unscheduled_amount": "Montant des aides sans date de début connue (€)",
}


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *, option: str = "--csv",
              form: CsvForm = PLAIN, inputs: Iterable[Path | str] = ()) -> None:
    """Write one CSV file (`files.write_csv_file`: temporary file then rename, quoted and formula-safe cells)."""
    write_csv_file(path, option, header, rows, delimiter=form.delimiter, decimal_comma=form.decimal_comma,
                   bom=form.bom, inputs=inputs)


def write_cash_flow(r: Report, path: Path, *, option: str = "--cash-flow", form: CsvForm = PLAIN,
                    inputs: Iterable[Path | str] = ()) -> None:
    """The payment run's file: one line per instalment (month, learner, decision, amount)."""
    write_csv(path, form.header(CASH_FLOW_COLUMNS),
              ((i.month, i.learner_id, i.decision_id, form.money(i.amount)) for i in r.cash_flow.instalments),
              option=option, form=form, inputs=inputs)


def _summary_rows(r: Report, form: CsvForm) -> list[tuple[object, object]]:
    """The report's headline figures, the same as the JSON document's (`_superseded`, `_envelope`)."""
    c, cf = r.counts, r.cash_flow
    figures: dict[str, object] = {
        "decisions": c.decisions, "current": c.current, "granted": c.granted, "refused": c.refused,
        "review": c.review, "superseded": c.superseded, "learners": c.learners,
        "learners_with_several_decisions": c.learners_with_several}
    figures |= {f"superseded_{k}": v for k, v in _superseded(r).items() if k != "decisions"}
    figures |= _envelope(r)
    figures |= {"departement_unknown": r.unknown_departements, "cash_flow_total": as_str(cf.total),
                "cash_flow_unscheduled_grants": cf.unscheduled_grants,
                "cash_flow_unscheduled_amount": as_str(cf.unscheduled_amount)}
    rows = [("scope", r.scope.describe()), *((k, form.figure(v)) for k, v in figures.items())]
    return [(SUMMARY_LABELS[k] if form.french else k, v) for k, v in rows]


def _target_rows(r: Report, form: CsvForm) -> list[tuple[object, ...]]:
    from .tables import INDICATOR_LABELS, POPULATION_LABELS

    def words(labels: dict[str, str], key: str) -> str:
        return labels[key] if form.french else key

    return [(words(INDICATOR_LABELS, s.indicator), words(POPULATION_LABELS, s.population), s.yes, s.no,
             s.unknown, form.ratio(s.share), form.ratio(s.lowest), form.ratio(s.highest), form.ratio(s.target),
             form.flag(s.met)) for s in r.shares]


def _group_rows(groups: Iterable[GroupTally], form: CsvForm) -> list[tuple[object, ...]]:
    return [(g.key, g.decisions, g.granted, g.refused, g.review, form.money(g.committed),
             form.money(g.review_cost)) for g in groups]


def _reasons(r: Report, form: CsvForm) -> tuple[Sequence[str], list[Sequence[object]]]:
    if form.french:
        return ("Motif", "Libellé", "Décisions refusées"), [(x.code, x.label, x.decisions) for x in r.reasons]
    return ("code", "decisions"), [(x.code, x.decisions) for x in r.reasons]


def csv_files(r: Report, form: CsvForm = PLAIN) -> dict[str, tuple[Sequence[str], list[Sequence[object]]]]:
    """Each CSV file of `--csv DIR`: its name, header and rows, in the form asked for."""
    h = form.header
    grants = ("grants", "Accordées")
    committed = ("committed", "Montant engagé (€)")
    return {
        "summary.csv": (h((("figure", "Indicateur"), ("value", "Valeur"))), list(_summary_rows(r, form))),
        "refused_by_reason.csv": _reasons(r, form),
        "grants_by_echelon.csv": (h((("echelon", "Échelon"), grants, committed)),
                                  [(e.echelon, e.grants, form.money(e.committed)) for e in r.echelons]),
        "targets.csv": (h(TARGET_COLUMNS), list(_target_rows(r, form))),
        "by_departement.csv": (h((("departement", "Département"), *GROUP_COLUMNS)),
                               list(_group_rows(r.by_departement, form))),
        "by_fabrique.csv": (h((("fabrique_id", "Fabrique"), *GROUP_COLUMNS)), list(_group_rows(r.by_fabrique, form))),
        "grants_by_start_month.csv": (h((("month", "Mois de début"), grants, committed)),
                                      [(m.month, m.grants, form.money(m.amount)) for m in r.by_start_month]),
        "recoveries.csv": (h(RECOVERY_COLUMNS), [(x.learner_id, x.decision_id, x.left_on.isoformat(),
                                                  len(x.months_undue), " ".join(x.months_undue),
                                                  form.money(x.amount)) for x in r.recoveries]),
        "cash_flow_by_month.csv": (h((("month", "Mois"), ("instalments", "Mensualités"), ("amount", "Montant (€)"))),
                                   [(m.month, m.grants, form.money(m.amount)) for m in r.cash_flow.by_month]),
        "cash_flow_by_learner.csv": (h((("learner_id", "Apprenant"), ("instalments", "Mensualités"),
                                        ("amount", "Montant (€)"))),
                                     [(x.learner_id, x.instalments, form.money(x.amount))
                                      for x in r.cash_flow.by_learner]),
    }


def write_csv_dir(r: Report, directory: Path, *, form: CsvForm = PLAIN,
                  inputs: Iterable[Path | str] = ()) -> list[Path]:
    """Write every CSV file of the report, and the instalments as `cash_flow.csv`, into `directory`."""
    output_dir(directory, "--csv")
    written = []
    for name, (header, rows) in csv_files(r, form).items():
        write_csv(directory / name, header, rows, form=form, inputs=inputs)
        written.append(directory / name)
    write_cash_flow(r, directory / "cash_flow.csv", option="--csv", form=form, inputs=inputs)
    return [*written, directory / "cash_flow.csv"]
