"""Every word a person reads, in French (the default) or English, and French typography.

One catalogue (`t(key, lang, **params)`), one way to write an amount (`amount`: « 12 500,50 € », "€12,500.50"),
a count, a percentage, a date (« 15/09/2024 »), a yes/no, a status; the French reading of what a person types
(`parse_date`, `parse_amount`: « 15/09/2024 », « 12 500,50 »); the messages of the library's errors in either
language (`error_text`, `problem_text`: the stable codes stay in the errors for programs).

French typography: a no-break space before « : » and inside « … », a narrow no-break space before « ; ! ? » and
as the thousands separator, a no-break space before « € » and « % ».  Catalogue texts are written with ordinary
spaces (« Motifs : ») and `french_spaces` puts the right ones in.  Pure: no I/O, no clock; the caller decides the
language (`lang_of` reads an option or an environment value it is given).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from .errors import AidEngineError, DeclarationError, FieldProblem, InputFileError, clipped
from .money import to_cents

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")
LANG_ENV = "AID_ENGINE_LANG"
NBSP = "\u00a0"  # espace insécable: before « : », « € », « % », inside « »
NNBSP = "\u202f"  # espace fine insécable: before « ; ! ? », thousands separator


def lang_of(*values: str | None) -> Lang:
    """The first of `values` given (an option, then an environment value), else French; unknown → ValueError.

    >>> lang_of(None, "en"), lang_of("fr", "en"), lang_of(None, None), lang_of(" EN ")
    ('en', 'fr', 'fr', 'en')
    """
    for value in values:
        if value is not None and value.strip():
            v = value.strip().lower()
            if v in LANGS:
                return "en" if v == "en" else "fr"
            raise ValueError(value)
    return "fr"


_SPACE_BEFORE = re.compile(r"[ \u00a0\u202f]([:;!?»])")
_SPACE_AFTER = re.compile(r"«[ \u00a0\u202f]")


def french_spaces(text: str) -> str:
    """French typography's spaces: no-break before « : » and around guillemets, narrow no-break before ; ! ?.

    >>> french_spaces("Motifs : aucun ; « oui » !") == "Motifs\\u00a0: aucun\\u202f; «\\u00a0oui\\u00a0»\\u202f!"
    True
    """
    text = _SPACE_BEFORE.sub(lambda m: (NBSP if m.group(1) in ":»" else NNBSP) + m.group(1), text)
    return _SPACE_AFTER.sub("«" + NBSP, text)


def amount(value: Decimal | int, lang: str = "fr", *, currency: bool = True) -> str:
    """An amount for a person, rounded to the cent: « 12 500,50 € » in French, "€12,500.50" in English.

    >>> amount(Decimal("12500.5")) == "12\\u202f500,50\\u00a0€"
    True
    >>> amount(Decimal("6335"), "en"), amount(Decimal("-3.1"), "en", currency=False)
    ('€6,335.00', '-3.10')
    """
    text = format(to_cents(Decimal(value)), ",.2f")
    if lang == "en":
        return ("€" + text if not text.startswith("-") else "-€" + text[1:]) if currency else text
    text = text.replace(",", NNBSP).replace(".", ",")
    return text + NBSP + "€" if currency else text


def cents(value: int, lang: str = "fr", *, currency: bool = True) -> str:
    """An amount held in integer cents.

    >>> cents(256800, "en")
    '€2,568.00'
    """
    return amount(Decimal(value).scaleb(-2), lang, currency=currency)


def count(n: int, lang: str = "fr") -> str:
    """A count with thousands separators.

    >>> count(10000) == "10\\u202f000", count(10000, "en")
    (True, '10,000')
    """
    text = format(n, ",d")
    return text if lang == "en" else text.replace(",", NNBSP)


def percent(share: Decimal | None, lang: str = "fr") -> str:
    """A share (0.3125) as a percentage with one decimal; « — » when there is none.

    >>> percent(Decimal("0.3125")) == "31,3\\u00a0%", percent(Decimal("0.3125"), "en"), percent(None)
    (True, '31.3%', '—')
    """
    if share is None:
        return "—"
    from decimal import ROUND_HALF_UP

    value = format((share * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), ".1f")
    return value + "%" if lang == "en" else value.replace(".", ",") + NBSP + "%"


def date_text(day: date | None, lang: str = "fr") -> str:
    """A date for a person: « 15/09/2024 » in French, 2024-09-15 in English.

    >>> date_text(date(2024, 9, 15)), date_text(date(2024, 9, 15), "en")
    ('15/09/2024', '2024-09-15')
    """
    if day is None:
        return "—"
    return day.isoformat() if lang == "en" else day.strftime("%d/%m/%Y")


_FR_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(text: str) -> date:
    """A date as a person types it: 15/09/2024, 15.09.2024, 15-09-2024 or 2024-09-15; otherwise ValueError whose
    message is the problem code (`not_a_date`, `no_such_day`).

    >>> parse_date("15/09/2024"), parse_date(" 2024-09-15 "), parse_date("1/9/2024")
    (datetime.date(2024, 9, 15), datetime.date(2024, 9, 15), datetime.date(2024, 9, 1))
    """
    text = text.strip()
    if _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in text.split("-"))
    else:
        match = _FR_DATE.fullmatch(text)
        if not match:
            raise ValueError("not_a_date")
        day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("no_such_day") from None


_AMOUNT_SPACES = re.compile(r"(?<=\d)[ \u00a0\u202f'](?=\d{3}(?:\D|$))")


def parse_amount(text: str) -> str:
    """An amount as a person types it (« 12 500,50 », « 12500.50 », « 12 500 € ») → a plain decimal string.

    Spaces between groups of three digits and a trailing « € » are dropped, a decimal comma becomes a point;
    anything else is left for the declaration's own check to refuse.

    >>> parse_amount("12 500,50"), parse_amount("12500.50"), parse_amount("12\\u202f500 €"), parse_amount("1,5e3")
    ('12500.50', '12500.50', '12500', '1.5e3')
    """
    text = text.strip().removesuffix("€").strip()
    text = _AMOUNT_SPACES.sub("", text)
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return text


YES = ("oui", "o", "yes", "y", "true", "vrai", "1")
NO = ("non", "n", "no", "false", "faux", "0")


def yes_no(value: bool, lang: str = "fr") -> str:
    """Yes or no in `lang`.

    >>> yes_no(True), yes_no(False, "en")
    ('oui', 'no')
    """
    if lang == "en":
        return "yes" if value else "no"
    return "oui" if value else "non"


# -- the catalogue ---------------------------------------------------------------------------------------------
# key → (French, English).  `{name}` placeholders; French texts use ordinary spaces before « : ; ! ? », which
# `t` turns into the right no-break spaces.
MESSAGES: dict[str, tuple[str, str]] = {
    # statuses and échelons
    "status.granted": ("accordée", "granted"),
    "status.refused": ("refusée", "refused"),
    "status.review": ("à revoir", "to review"),
    "status.granted.title": ("ACCORDÉE", "GRANTED"),
    "status.refused.title": ("REFUSÉE", "REFUSED"),
    "status.review.title": ("À REVOIR", "TO REVIEW"),
    "echelon.none": ("aucun", "none"),
    # errors
    "error.prefix": ("erreur : {message}", "error: {message}"),
    "error.internal": ("erreur interne : {kind} (relancez avec --debug pour le détail)",
                       "internal error: {kind} (run with --debug for details)"),
    "error.interrupted": ("Interrompu : rien n'a été décidé ni enregistré.",
                          "Interrupted: nothing was decided or saved."),
    "error.invalid_declaration": ("déclaration invalide : {problems}", "invalid declaration: {problems}"),
    "error.more_problems": ("et {n} autre(s) problème(s)", "and {n} more problem(s)"),
    "error.line": ("ligne {line}", "line {line}"),
    "error.column": ("colonne {column}", "column {column}"),
    "error.no_ruleset": ("date de début de formation (training_start_date) : aucun jeu de règles en vigueur pour le "
                         "{start} (années universitaires couvertes : {covered})",
                         "training_start_date: no rule set in force for {start} (academic years covered: {covered})"),
    # the decision screen
    "screen.title": ("Décision — aide Grande École du numérique", "Decision — Grande École du numérique aid"),
    "screen.learner": ("Apprenant", "Learner"),
    "screen.year": ("Année universitaire", "Academic year"),
    "screen.echelon": ("Échelon", "Échelon"),
    "screen.points": ("Points de charge", "Points de charge"),
    "screen.annual": ("Montant annuel (10 mois)", "Annual amount (10 months)"),
    "screen.monthly": ("Mensualité", "Monthly instalment"),
    "screen.months": ("Mois de formation payés", "Training months paid"),
    "screen.total": ("Total à verser", "Total"),
    "screen.provisional": ("montants provisoires, à confirmer après revue", "provisional amounts, to confirm after "
                                                                             "review"),
    "screen.reasons": ("Motifs :", "Reasons:"),
    "screen.no_reason": ("Toutes les conditions sont remplies.", "Every condition is met."),
    "screen.what_if": ("Ce qui changerait la décision :", "What would change the decision:"),
    "screen.ceiling_current": ("L'échelon {e} vaut jusqu'à un revenu brut global de {v}.",
                               "Échelon {e} holds up to a revenu brut global of {v}."),
    "screen.next_rbg": ("L'échelon {e} serait atteint avec un revenu brut global de {v} au plus",
                        "Échelon {e} would be reached with a revenu brut global of {v} at most"),
    "screen.next_points": (", ou avec {n} point{s} de charge de plus au même revenu.",
                           ", or with {n} more point{s} de charge at the same income."),
    "screen.no_next_points": (" ; aucun nombre de points de charge n'y suffit au même revenu.",
                              "; no number of points de charge reaches it at the same income."),
    "screen.top": ("L'échelon 7, le plus élevé, est atteint.", "Échelon 7, the highest, is reached."),
    "screen.excess": ("Le revenu brut global dépasse de {v} le plafond de l'échelon 0 bis.",
                      "The revenu brut global is above the échelon 0 bis ceiling by {v}."),
    "screen.todo": ("Que faire ?", "What next?"),
    "screen.todo.granted": ("Notifier la décision à l'apprenant ; l'aide est versée chaque mois de formation.",
                            "Notify the learner; the aid is paid for each month of training."),
    "screen.todo.review": ("Demander l'avis d'imposition des revenus de {year} du foyer fiscal de référence "
                           "(revenu brut global de {year}), puis décider à nouveau avec ce revenu.",
                           "Ask for the tax notice of the reference household's {year} income (its {year} revenu "
                           "brut global), then decide again with that income."),
    "screen.todo.review_any": ("Demander l'avis d'imposition de l'année de revenus attendue, puis décider à "
                               "nouveau avec ce revenu.",
                               "Ask for the tax notice of the expected income year, then decide again with it."),
    "screen.todo.recourse": ("Si l'apprenant conteste : recours gracieux auprès de l'auteur de la décision, ou "
                             "recours contentieux devant le tribunal administratif, dans les deux mois suivant la "
                             "notification.",
                             "If the learner disagrees: an appeal to the decision-maker (recours gracieux), or "
                             "before the administrative court (recours contentieux), within two months of the "
                             "notification."),
    "screen.ruleset": ("Règles : {id} ({sha}…), aid_engine {version}", "Rules: {id} ({sha}…), aid_engine {version}"),
    "word.ruleset": ("Règles", "Rules"),
    "word.rule": ("Règle", "Rule"),
    "word.trace": ("Trace de la décision", "Decision trace"),
    # explain
    "trace.title": ("Trace de la décision — {learner}", "Decision trace — {learner}"),
    "trace.step": ("Étape", "Rule"),
    "trace.expression": ("Expression", "Expression"),
    "trace.inputs": ("Valeurs lues", "Values read"),
    "trace.result": ("Résultat", "Result"),
    "trace.gate_passes": ("écarté", "passes"),
    "trace.gate_fails": ("RETENU : refus", "fails"),
    "trace.gate": ("Motif de refus : {label} ?", "Fails when: {label}"),
    "trace.none": ("aucun", "none"),
    "trace.row_capped": ("(le barème s'arrête à {row} points : ligne {row} utilisée pour {points})",
                         "(the tables stop at {row} points: row {row} used for {points})"),
    "rule.period.academic_year": ("Année universitaire (1er septembre → 31 août) de la date de début", ""),
    "rule.income.year": ("Année des revenus : celle attendue (1re année universitaire − 2) ?", ""),
    "rule.points.distance": ("Points de distance (domicile → formation)", ""),
    "rule.points.children": ("Points pour enfants à charge", ""),
    "rule.points.total": ("Points de charge (distance + enfants, sans limite)", ""),
    "rule.bareme.row": ("Ligne du barème (points de charge, 17 au plus)", ""),
    "rule.bareme.echelon": ("Échelon : le plus élevé dont le plafond atteint le revenu brut global", ""),
    "rule.decision.status": ("Statut : une condition manquée → refus ; sinon une autre année de revenus → à "
                             "revoir ; sinon un revenu au-dessus du plafond 0 bis → refus ; sinon accordée", ""),
    "rule.amount.annual": ("Montant annuel : le taux 10 mois de l'échelon", ""),
    "rule.amount.monthly": ("Mensualité : le montant annuel ÷ 10, arrondi au centime", ""),
    "rule.amount.months": ("Mois payés : du mois de début au mois de fin, 10 au plus", ""),
    "rule.amount.total": ("Total : la mensualité × les mois", ""),
    "input.row": ("ligne du barème", "row"),
    "input.ceilings": ("plafonds", "ceilings"),
    "input.distance_points": ("points de distance", "distance_points"),
    "input.children_points": ("points pour enfants", "children_points"),
    "input.points_de_charge": ("points de charge", "points_de_charge"),
    "input.failed_gates": ("conditions manquées", "failed_gates"),
    "input.income_year_matches": ("année des revenus attendue", "income_year_matches"),
    "input.echelon_reached": ("échelon atteint", "echelon_reached"),
    "input.echelon": ("échelon", "echelon"),
    "input.annual_amount": ("montant annuel", "annual_amount"),
    "input.monthly_amount": ("mensualité", "monthly_amount"),
    "input.months": ("mois", "months"),
    # the batch's summary
    "batch.decided": ("décidées : {decided}   rejetées : {rejected}", "decided: {decided}   rejected: {rejected}"),
    "batch.total": ("montant total : {v}", "total: {v}"),
    "batch.provisional_total": ("montant provisoire : {v}", "provisional total: {v}"),
    "batch.raw": ("{text}", "{text}"),
    "batch.by_echelon": ("    par échelon : {listed}", "    by échelon: {listed}"),
    "batch.rejected_line": ("  ligne {line} rejetée (apprenant {learner}) : {fields}",
                            "  rejected line {line} (learner {learner}): {fields}"),
    "batch.more_rejected": ("  … et {n} autre(s) ligne(s) rejetée(s)", "  … and {n} more rejected rows"),
    "run.resumed": ("repris après la ligne {line}", "resumed after line {line}"),
    "run.done": ("terminé", "done"),
    "run.head": ("lot {id} {how} : {name}, {lines} lignes ; {new} nouvelle(s) décision(s) enregistrée(s), {old} "
                 "ligne(s) déjà décidée(s) dans la base",
                 "run {id} {how}: {name}, {lines} lines; {new} new decision(s) stored, {old} row(s) already decided "
                 "in the store"),
    "recovery.head": ("apprenant {learner}, décision {decision} : formation du {start} au {end}, départ le {left}",
                      "learner {learner}, decision {decision}: training {start} → {end}, left on {left}"),
    "recovery.paid": ("  mensualités versées : {n} × {monthly} ({months})",
                      "  instalments paid: {n} × {monthly} ({months})"),
    "recovery.undue": ("  mois après le mois du départ : {n} ({months})",
                       "  months after the month of leaving: {n} ({months})"),
    "recovery.owed": ("  somme à reverser : {owed}", "  amount owed back: {owed}"),
    "recovery.recorded": ("enregistré sous l'enregistrement d'audit", "recorded as audit record"),
    "recovery.already": ("déjà enregistré sous l'enregistrement d'audit", "already recorded as audit record"),
    "recovery.replacing": (", qui remplace l'enregistrement d'audit {id}", ", replacing audit record {id}"),
    "verify.intact": ("piste d'audit intacte : {records} enregistrement(s) ({decisions} décision(s), "
                      "{recoveries} reversement(s){purges}) ; dernier hachage {head}",
                      "audit chain intact: {records} record(s) ({decisions} decision(s), "
                      "{recoveries} recovery record(s){purges}); head {head}"),
    "verify.purges": (", {n} purge(s)", ", {n} purge record(s)"),
    "replay.head": ("décision {id} (apprenant {learner}, {ruleset})", "decision {id} (learner {learner}, {ruleset})"),
    "replay.engine": (", moteur {then} → {now}", ", engine {then} → {now}"),
    "replay.rules_missing": ("{head} : rejeu impossible — aucun barème de sha256 {sha} dans l'archive de la base "
                             "ni dans {where} ; rejouez avec les fichiers de règles de l'époque (--rules DIR)",
                             "{head}: cannot replay — no rule set with sha256 {sha} in the store's archive nor in "
                             "{where}; replay with the rules files of that time (--rules DIR)"),
    "replay.purged": ("{head} : rejeu impossible — les données personnelles de sa déclaration ont été effacées",
                      "{head}: cannot replay — its declaration's personal data was purged"),
    "replay.same": ("{head} : même décision", "{head}: same decision"),
    "replay.differs": ("{head} : {n} différence(s)", "{head}: {n} difference(s)"),
    "replay.counts": ("rejouées : {counts}", "replayed: {counts}"),
    "replay.nothing": ("aucune", "nothing"),
    "replay.state.same": ("identique(s)", "same"),
    "replay.state.differs": ("différente(s)", "differs"),
    "replay.state.purged": ("effacée(s)", "purged"),
    "replay.state.rules_missing": ("sans barème", "rules_missing"),
    "diff.head": ("changements du lot {a} au lot {b} :", "changes from run {a} to run {b}:"),
    "diff.absent": ("absente", "absent"),
    "diff.line": ("  {learner}{training} : {before} → {after} — {why}",
                  "  {learner}{training}: {before} → {after} — {why}"),
    "diff.echelon": (", échelon {echelon}", ", échelon {echelon}"),
    "diff.why.only_in": ("seulement dans le lot {run}", "only in run {run}"),
    "diff.why.declaration": ("déclaration changée : {fields}", "declaration changed: {fields}"),
    "diff.why.ruleset": ("jeu de règles {before} → {after}", "rule set {before} → {after}"),
    "diff.why.now": ("désormais : {label}", "now {code}"),
    "diff.why.no_longer": ("ne s'applique plus : {label}", "no longer {code}"),
    "diff.why.points": ("points de charge {before} → {after}", "points de charge {before} → {after}"),
    "diff.why.ceiling": ("plafond de l'échelon {echelon} pour ces points : {before} → {after}",
                         "ceiling of échelon {echelon} for these points: {before} → {after}"),
    "diff.why.rate": ("taux annuel de l'échelon {echelon} : {before} → {after}",
                      "annual rate of échelon {echelon}: {before} → {after}"),
    "diff.why.months": ("mois payés {before} → {after}", "months paid {before} → {after}"),
    "diff.why.same_inputs": ("décidée autrement avec la même déclaration et les mêmes règles "
                             "(lancez aid-engine replay)",
                             "decided differently with the same declaration and rules (run aid-engine replay)"),
    "diff.training": (" (formation du {start})", " (training from {start})"),
    "diff.tally": ("{compared} apprenant(s) comparé(s) : {changed} changé(s), {only_a} seulement dans le lot {a}, "
                   "{only_b} seulement dans le lot {b}",
                   "{compared} learner(s) compared: {changed} changed, {only_a} only in run {a}, "
                   "{only_b} only in run {b}"),
    "db.current": ("{url} : schéma déjà à la dernière révision {rev}",
                   "{url}: schema already at the latest revision {rev}"),
    "db.upgraded": ("{url} : schéma mis à niveau de {before} à {after}",
                    "{url}: schema upgraded from {before} to {after}"),
    "db.empty": ("vide", "empty"),
    "purge.none": ("aucune déclaration reçue avant le {day} à effacer",
                   "no declaration received before {day} left to purge"),
    "purge.done": ("{n} déclaration(s) reçue(s) avant le {day} effacée(s) (gardés : {kept}) ; enregistrements "
                   "d'audit {first}–{last}",
                   "{n} declaration(s) received before {day} purged (kept: {kept}); audit records {first}–{last}"),
    "report.page": ("page du rapport écrite : {path}", "page written: {path}"),
    "report.csv": ("{n} fichiers CSV écrits dans {path}", "{n} CSV files written in {path}"),
    "report.cash_flow": ("échéancier écrit : {path} ({n} mensualités)",
                         "cash flow written: {path} ({n} instalments)"),
    "save.saved": ("décision enregistrée sous le numéro {id} dans {where}", "saved as decision {id} in {where}"),
    "save.already": ("décision déjà enregistrée sous le numéro {id} dans {where}",
                     "already stored as decision {id} in {where}"),
    # rules list|show|validate|diff (a rule set's sources, notes and legal references are shown as written)
    # `rules list`: a header's line breaks are where it wraps (each column as wide as its longest line or cell)
    "rules.list.title": ("Jeux de règles par année universitaire", "Rule sets"),
    "rules.list.year": ("Année", "academic\nyear"),
    "rules.list.id": ("Identifiant", "id"),
    "rules.list.sha256": ("Empreinte\nsha256", "sha256"),
    "rules.list.ceiling": ("Plafond 0 bis\n(0 point)", "0bis ceiling\n(0 pt)"),
    "rules.list.rate": ("Taux\néchelon 7", "échelon 7\nrate"),
    "rules.list.caption": ("Empreinte entière et fichiers : aid-engine rules show ANNÉE",
                           "Whole sha256 and files: aid-engine rules show YEAR"),
    "rules.show.files": ("Fichiers : {files}", "files: {files}"),
    "rules.show.note": ("Note : ", "note: "),
    "rules.show.gates": ("Conditions d'attribution", "Gates"),
    "rules.show.gate_id": ("Identifiant", "id"),
    "rules.show.gate_code": ("Code du motif", "reason code"),
    "rules.show.gate_expression": ("Expression", "expression"),
    "rules.show.gate_legal_ref": ("Référence juridique", "legal reference"),
    "rules.show.income_year": ("Année des revenus attendue : {year}", "income year expected: {year}"),
    "rules.show.distance": ("Points de distance : ", "points, distance: "),
    "rules.show.children": ("Points pour enfants : {per_child} par enfant à charge, {per_he} par enfant dans "
                            "l'enseignement supérieur",
                            "points, children: {per_child} per child, {per_he} per child in higher education"),
    "rules.show.rows": ("Lignes du barème : 0 … {last}", "table rows: 0 … {last}"),
    "rules.show.ceilings": ("Plafonds de ressources (€)", "Ceilings (€)"),
    "rules.show.points": ("Points", "points"),
    "rules.show.rates": ("Taux annuels sur 10 mois (€)", "Annual 10-month rates (€)"),
    "rules.show.amounts": ("Montants : mensualité = montant annuel ÷ {divisor}, {cap} mois au plus",
                           "amounts: monthly = annual ÷ {divisor}, at most {cap} months"),
    "rules.validate.ok": ("règles valides : {n} années universitaires, {covered}",
                          "ok: {n} academic years, {covered}"),
    "rules.diff.head": ("{a} → {b} : {n} changement(s)", "{a} → {b}: {n} change(s)"),
    "rules.diff.rate": ("taux de l'échelon {e} : {before} → {after}", "rate {e}: {before} → {after}"),
    "rules.diff.ceiling": ("plafond de l'échelon {e} à {row} {points} : {before} → {after}",
                           "ceiling {e} at {row} points: {before} → {after}"),
    "rules.diff.distance": ("points de distance : {before} → {after}", "distance points: {before} → {after}"),
    "rules.diff.children": ("points pour enfants : {before} → {after}", "children points: {before} → {after}"),
    "rules.diff.income_year": ("année des revenus attendue : {before} → {after}",
                               "income year expected: {before} → {after}"),
    "rules.diff.gate_added": ("condition {id} : ajoutée", "gate {id}: added"),
    "rules.diff.gate_removed": ("condition {id} : retirée", "gate {id}: removed"),
    "rules.diff.gate_changed": ("condition {id} : ", "gate {id}: "),
    # audit show: a learner's audit records, one line each
    "history.record": ("enregistrement {id}", "record {id}"),
    "history.kind.decision": ("décision", "decision"),
    "history.kind.recovery": ("reversement", "recovery"),
    "history.kind.purge": ("purge", "purge"),
    "history.by": ("[{ruleset}, par {operator}]", "[{ruleset}, by {operator}]"),
    "history.superseded": ("(remplacée par la décision {id})", "(superseded by decision {id})"),
    "history.decision": ("décision {id} : {status}, {echelon}, {total} sur {months} mois, {year} ; motifs : {codes}",
                         "decision {id}: {status}, {echelon}, {total} over {months} month(s), {year}; "
                         "reasons: {codes}"),
    "history.echelon": ("échelon {e}", "échelon {e}"),
    "history.no_echelon": ("sans échelon", "no échelon"),
    "history.no_reason": ("aucun", "-"),
    "history.recovery": ("décision {id} : départ le {left}, {n} mensualité(s) à reverser = {owed}{replaces}",
                         "decision {id}: left on {left}, {n} instalment(s) owed back = {owed}{replaces}"),
    "history.replaces": (" (remplace l'enregistrement {id})", " (replaces record {id})"),
    "history.purge": ("données personnelles de la déclaration effacées : {n} champ(s) vidé(s)",
                      "declaration purged: {n} personal field(s) blanked"),
    "history.none": ("aucun enregistrement d'audit pour l'apprenant {learner}",
                     "no audit record for learner {learner}"),
}


def t(key: str, lang: str = "fr", /, **params: Any) -> str:
    """The text of `key` in `lang`, its `{name}` placeholders filled.

    >>> t("error.prefix", "fr", message="x") == "erreur\\u00a0: x", t("error.prefix", "en", message="x")
    (True, 'error: x')
    """
    fr, en = MESSAGES[key]
    if lang == "en":
        return en.format(**params) if params else en
    return french_spaces(fr.format(**params) if params else fr)


def status_label(status: str, lang: str = "fr") -> str:
    return t(f"status.{status}", lang) if f"status.{status}" in MESSAGES else status


# -- the declaration's fields and problems ----------------------------------------------------------------------
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "learner_id": ("identifiant de l'apprenant", "learner id"),
    "application_date": ("date de la demande", "application date"),
    "training_start_date": ("date de début de formation", "training start date"),
    "training_end_date": ("date de fin de formation", "training end date"),
    "training_labelled": ("formation labellisée", "labelled training"),
    "fabrique_id": ("fabrique", "fabrique"),
    "profile": ("profil", "profile"),
    "nationality": ("nationalité", "nationality"),
    "residence_years": ("années de résidence en France", "years of residence in France"),
    "international_protection": ("protection internationale", "international protection"),
    "own_tax_return": ("déclaration fiscale propre", "own tax return"),
    "revenu_brut_global": ("revenu brut global", "revenu brut global"),
    "income_year": ("année des revenus", "income year"),
    "dependent_children": ("enfants à charge", "dependent children"),
    "children_in_higher_education": ("enfants dans l'enseignement supérieur", "children in higher education"),
    "distance_km": ("distance domicile-formation", "home-to-training distance"),
    "jobseeker_aid": ("aide de demandeur d'emploi", "job-seeker aid"),
    "work_study_contract": ("contrat d'apprentissage ou de professionnalisation", "work-study contract"),
    "training_leave": ("congé de formation", "training leave"),
    "employment_or_region_aid": ("aide de l'État ou de la région", "employment or region aid"),
    "higher_education_grant": ("bourse de l'enseignement supérieur", "higher-education grant"),
    "sex": ("sexe", "sex"),
    "birth_date": ("date de naissance", "birth date"),
}

# The French message of each problem code (the English ones are errors.PROBLEM_MESSAGES).
PROBLEM_MESSAGES_FR: dict[str, str] = {
    "missing": "est obligatoire et manque",
    "unknown_field": "n'est pas un champ de la déclaration",
    "not_a_boolean": "doit être vrai ou faux (true/false)",
    "not_a_boolean_cell": "doit être true/false ou 1/0",
    "not_a_whole_number": "doit être un nombre entier",
    "not_a_string": "doit être un texte",
    "not_one_of": "doit être l'une des valeurs {expected}",
    "below_minimum": "est trop petit : {minimum} au moins",
    "above_maximum": "est trop grand : {maximum} au plus",
    "empty": "ne doit pas être vide",
    "too_long": "est trop long : {maximum} caractères au plus",
    "blank": "ne doit pas être vide",
    "control_character": "contient un caractère de contrôle ou de direction (seuls les caractères imprimables "
                         "sont admis)",
    "not_a_date": "n'est pas une date comme 15/09/2024",
    "no_such_day": "n'est pas une date du calendrier (ce jour n'existe pas)",
    "date_and_time": "est une date et une heure : donnez une date comme 15/09/2024",
    "boolean_amount": "est un booléen, pas un montant",
    "not_finite": "n'est pas un nombre fini",
    "not_a_number": "n'est pas un nombre décimal",
    "not_plain_decimal": "n'est pas un montant : des chiffres, une virgule décimale, sans exposant (12 500,50)",
    "negative": "est négatif : il doit être positif ou nul",
    "too_many_decimals": "a plus de {places} décimales",
    "end_before_start": "est avant la date de début de formation",
    "more_than_dependent_children": "dépasse le nombre d'enfants à charge",
    "residence_years_required": "est obligatoire pour une nationalité autre que française sans protection "
                                "internationale",
    "too_many_cells": "a plus de cellules que l'en-tête n'a de colonnes",
    "too_large": "est trop grand : {limit} octets au plus pour une déclaration",
    "invalid": "n'est pas valide",
    "in_the_future": "est dans le futur",
}
# The French words of the declaration's choices (the codes stay in files and JSON).
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "profile": {"unqualified": "sans qualification", "graduate_jobseeker": "diplômé demandeur d'emploi",
                "graduate_reconversion": "diplômé en reconversion", "other": "autre"},
    "nationality": {"french": "française", "eu_eea_swiss": "UE, EEE ou Suisse", "other": "autre"},
    "sex": {"F": "femme", "M": "homme", "X": "non précisé"},
}


def choice_label(field: str, value: str, lang: str = "fr") -> str:
    """A choice of the declaration by its French label (the code itself in English).

    >>> choice_label("nationality", "eu_eea_swiss"), choice_label("nationality", "french", "en")
    ('UE, EEE ou Suisse', 'french')
    """
    if lang == "en":
        return value
    return CHOICE_LABELS.get(field, {}).get(value, value)


_SUFFIXES_FR = {"suggestion": " (vouliez-vous dire « {suggestion} » ?)"}


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def field_label(name: str, lang: str = "fr") -> str:
    """A field's name for a person: its French label and its key, or the key alone in English.

    >>> field_label("revenu_brut_global"), field_label("revenu_brut_global", "en"), field_label("colour")
    ('revenu brut global (revenu_brut_global)', 'revenu_brut_global', 'colour')
    """
    if lang == "en" or name not in FIELD_LABELS:
        return name
    label = FIELD_LABELS[name][0]
    return label if label == name else f"{label} ({name})"


def problem_message(code: str, params: Mapping[str, str] | None = None, lang: str = "fr") -> str:
    """What is wrong with a field, from its code, without the field's name.

    >>> problem_message("negative") == "est négatif\\u00a0: il doit être positif ou nul"
    True
    """
    params = params or {}
    if lang == "en":
        from .errors import problem_message as english

        return english(code, params)
    text = PROBLEM_MESSAGES_FR.get(code, PROBLEM_MESSAGES_FR["invalid"])
    text += "".join(suffix for name, suffix in _SUFFIXES_FR.items() if name in params)
    return clipped(french_spaces(text.format_map(_Params(params))), 200)


def problem_text(problem: FieldProblem, lang: str = "fr") -> str:
    """One problem as a person reads it: the field once, then what is wrong.

    >>> problem_text(FieldProblem.of("revenu_brut_global", "negative"), "en")
    'revenu_brut_global: is negative; it must be 0 or more'
    """
    if lang == "en":
        return f"{problem.field}: {problem.message}"
    return french_spaces(f"{field_label(problem.field)} : {problem_message(problem.code, problem.params)}")


def declaration_error_text(exc: DeclarationError, lang: str = "fr") -> str:
    """A DeclarationError for a person: where, then every problem once (one per line when there are several)."""
    problems = [problem_text(p, lang) for p in exc.problems]
    if exc.omitted:
        problems.append(t("error.more_problems", lang, n=exc.omitted))
    where = [exc.source] if exc.source else []
    if exc.line is not None:
        where.append(t("error.line", lang, line=exc.line))
    listed = problems[0] if len(problems) == 1 else "".join("\n  – " + p for p in problems)
    text = t("error.invalid_declaration", lang, problems=listed)
    if where:
        text = ", ".join(where) + (": " if lang == "en" else NBSP + ": ") + text
    return text


# -- English messages read back in French, through tables of patterns ------------------------------------------

Table = tuple[tuple[re.Pattern[str], str], ...]
_GROUP = re.compile(r"\\(\d)|\\g<(\w+)>")


def table(*pairs: tuple[str, str], flags: int = 0) -> Table:
    """A translation table: each English message form (a pattern over the whole message) and its French, in which
    `\\1` or `\\g<name>` stands for what the pattern captured."""
    return tuple((re.compile(pattern, flags), french) for pattern, french in pairs)


def first_entry(entries: Table, message: str) -> int | None:
    """The index of the first entry of `entries` whose pattern is the whole of `message`; None when none is."""
    return next((i for i, (pattern, _) in enumerate(entries) if pattern.fullmatch(message)), None)


def translated(entries: Table, message: str, part: Callable[[str, str], str] | None = None) -> str | None:
    """The French of `message` by the first entry of `entries` it matches, None when it matches none.

    French typography is applied to the entry's French, not to what it quotes; each captured value goes through
    `part(group name or number, value)` when given.

    >>> translated(table((r"no such file: (.+)", r"fichier introuvable : \\1"),), "no such file: a :b")
    'fichier introuvable\\xa0: a :b'
    """
    index = first_entry(entries, message)
    if index is None:
        return None
    pattern, french = entries[index]
    match = pattern.fullmatch(message)
    assert match is not None

    def group(ref: re.Match[str]) -> str:
        name = ref.group(1) or ref.group(2)
        value = match.group(int(name) if name.isdigit() else name) or ""
        return part(name, value) if part is not None else value

    return _GROUP.sub(group, french_spaces(french))


# The library's file messages (English where they are raised), read back in French: each pattern, its French.
_FILE_MESSAGES_FR = table(
    (r"no such file", "fichier introuvable"),
    (r"is a directory, not an? (.+)", "est un dossier, pas un fichier"),
    (r"cannot be read \((.+)\)", r"illisible (\1)"),
    (r"cannot be written \((.+)\)", r"impossible d'y écrire (\1)"),
    (r"cannot be created \((.+)\)", r"impossible de le créer (\1)"),
    (r"is not UTF-8 \(byte (\d+)\)", r"n'est pas en UTF-8 (octet \1)"),
    (r"is not valid JSON: (.+)", r"n'est pas du JSON valide (\1)"),
    (r"holds a JSON (\w+), not one object", r"contient un « \1 » JSON, pas un objet"),
    (r"is larger than (.+), the limit for (.+)", r"dépasse \1, la taille maximale"),
    (r"is a symbolic link; (.+)", "est un lien symbolique : une sortie ne suit jamais un lien, donnez le chemin "
                                  "du fichier lui-même"),
    (r"is an input of this command; (.+)", "est une entrée de cette commande : une sortie n'écrase jamais une "
                                          "entrée"),
    (r"is also the --out file; (.+)", "est aussi le fichier --out : donnez deux fichiers différents"),
    (r"is empty: (.+)", "est vide : un lot CSV commence par une ligne d'en-tête"),
    (r"unknown column '(.+?)'(.*)", r"colonne inconnue « \1 »"),
    (r"column '(.+?)' appears twice", r"la colonne « \1 » apparaît deux fois"),
    (r"missing column\(s\): (.+)", r"colonne(s) manquante(s) : \1"),
    (r"is not a directory of rules", "n'est pas un dossier de règles"),
)


def file_message(message: str, lang: str = "fr") -> str:
    """A file error's message in `lang` (French for the known ones; any other stays as raised).

    >>> file_message("no such file"), file_message("no such file", "en")
    ('fichier introuvable', 'no such file')
    """
    if lang == "en":
        return message
    return translated(_FILE_MESSAGES_FR, message) or message


def error_text(exc: BaseException, lang: str = "fr") -> str:
    """The message of one of the library's errors for a person, in `lang` (codes stay on the exception)."""
    from .errors import NoRulesetInForce, RulesetError

    # A rules file's errors (RulesetError, rules/notice.yaml's too) in French from their English message through
    # one table (i18n_rules.RULES_FR); the keys, expressions, rule ids and did-you-mean they quote stay as written.
    if isinstance(exc, RulesetError):
        from .i18n_rules import rules_error_text

        return str(exc) if lang == "en" else rules_error_text(exc)
    if isinstance(exc, DeclarationError):
        return declaration_error_text(exc, lang)
    if isinstance(exc, InputFileError):
        where = exc.source
        if exc.line is not None:
            where += ", " + t("error.line", lang, line=exc.line)
            if exc.column is not None:
                where += ", " + t("error.column", lang, column=exc.column)
        return where + (": " if lang == "en" else NBSP + ": ") + file_message(exc.message, lang)
    if isinstance(exc, NoRulesetInForce):
        start = exc.value
        shown = date_text(start, lang) if isinstance(start, date) else str(start)
        covered = str(exc).rsplit("academic years covered: ", 1)[-1].rstrip(")")
        return t("error.no_ruleset", lang, start=shown, covered=covered)
    if isinstance(exc, AidEngineError):
        return str(exc)
    return str(exc)
