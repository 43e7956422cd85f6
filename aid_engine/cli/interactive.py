"""`aid-engine check --interactive`: the declaration asked field by field, each answer checked at once.

For a person at a desk without a JSON file.  In French by default: choices are offered by their French labels
(a number, the label or the code is accepted), dates are typed as 15/09/2024 (or 2024-09-15), amounts as
12 500,50, yes/no as oui/non.  An answer is checked against its field's own rule, and each check between two
fields is made as soon as the second is known (an end before the start, more children in higher education than
children, a birth date in the future, a start date no rule set covers); a wrong answer is asked again, nothing
already answered is lost.  Questions and errors go to stderr, so `--json` still prints the decision alone.
Ctrl-C stops the session (exit 130, one line, by the command line's error handler).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from datetime import date
from typing import Annotated, Any

import typer
from pydantic import TypeAdapter, ValidationError

from ..errors import FieldProblem, NoRulesetInForce
from ..i18n import CHOICE_LABELS, NO, YES, date_text, french_spaces, parse_amount, parse_date
from ..i18n import problem_message as problem_text
from ..models import (
    BOOL_FIELDS,
    DECLARATION_FIELDS,
    OPTIONAL_FIELDS,
    Declaration,
    csv_row_to_json,
    declaration_error,
    problems_from,
)

# The declaration's fields in the order asked: protection before the years of residence it makes unneeded.
ORDER = tuple(f for f in DECLARATION_FIELDS if f != "residence_years")
ORDER = (*ORDER[: ORDER.index("international_protection") + 1], "residence_years",
         *ORDER[ORDER.index("international_protection") + 1:])
DATE_FIELDS = ("application_date", "training_start_date", "training_end_date", "birth_date")
AMOUNT_FIELDS = ("revenu_brut_global", "distance_km")

_QUESTIONS: dict[str, tuple[str, str]] = {
    "learner_id": ("Identifiant pseudonyme de l'apprenant", "Pseudonymous learner id"),
    "application_date": ("Date de la demande (JJ/MM/AAAA)", "Application date (YYYY-MM-DD)"),
    "training_start_date": ("Date de début de la formation (JJ/MM/AAAA)", "Training start date (YYYY-MM-DD)"),
    "training_end_date": ("Date de fin de la formation (JJ/MM/AAAA)", "Training end date (YYYY-MM-DD)"),
    "training_labelled": ("La formation est-elle labellisée Grande École du numérique à son début ? (oui/non)",
                          "Is the training GEN-labelled at its start? (yes/no)"),
    "fabrique_id": ("Identifiant de la fabrique", "Training organisation (fabrique) id"),
    "profile": ("Profil", "Profile"),
    "nationality": ("Nationalité", "Nationality"),
    "international_protection": ("Protection internationale (réfugié, apatride, protection subsidiaire ou "
                                 "temporaire) ? (oui/non)",
                                 "International protection (refugee, stateless, subsidiary or temporary)? (yes/no)"),
    "residence_years": ("Années de résidence en France", "Years of residence in France"),
    "own_tax_return": ("Déclaration fiscale propre ? (oui/non ; non = foyer fiscal des parents)",
                       "Own tax return? (yes/no; no = the parents' household)"),
    "revenu_brut_global": ("Revenu brut global du foyer fiscal de référence, en euros (12 500,50)",
                           "Revenu brut global of the reference household, in euros (12500.50)"),
    "income_year": ("Année de ces revenus", "Year of that income"),
    "dependent_children": ("Autres enfants à charge du foyer (hors demandeur)",
                           "Other dependent children of the household (the applicant excluded)"),
    "children_in_higher_education": ("Dont enfants dans l'enseignement supérieur", "Of whom in higher education"),
    "distance_km": ("Distance domicile → lieu de formation, en km", "Distance home → training place, in km"),
    "jobseeker_aid": ("Demandeur d'emploi percevant une aide de France Travail ? (oui/non)",
                      "Job-seeker receiving a France Travail aid? (yes/no)"),
    "work_study_contract": ("Rémunéré sous contrat d'apprentissage ou de professionnalisation ? (oui/non)",
                            "Paid under an apprenticeship or professionalisation contract? (yes/no)"),
    "training_leave": ("En congé individuel de formation ou projet de transition professionnelle ? (oui/non)",
                       "On training leave or a professional transition project? (yes/no)"),
    "employment_or_region_aid": ("Aide du ministère chargé de l'emploi ou d'un conseil régional ? (oui/non)",
                                 "Aid from the employment ministry or a regional council? (yes/no)"),
    "higher_education_grant": ("Bourse sur critères sociaux ou aide spécifique ? (oui/non)",
                               "Higher-education grant or specific aid? (yes/no)"),
    "sex": ("Sexe (vide si non renseigné — statistiques seulement)",
            "Sex (empty if not given — statistics only)"),
    "birth_date": ("Date de naissance (JJ/MM/AAAA ; vide si non renseignée — statistiques seulement)",
                   "Birth date (YYYY-MM-DD; empty if not given — statistics only)"),
}
_SAID: dict[str, tuple[str, str]] = {
    "required": ("une réponse est obligatoire", "is required"),
    "choose": ("répondez par un numéro ou un libellé de la liste", "answer with a number or a code of the list"),
    "yes_no": ("répondez oui ou non", "answer yes or no"),
    "future": ("est dans le futur", "is in the future"),
    "no_rules": ("aucun jeu de règles n'est en vigueur pour cette date (années couvertes : {covered})",
                 "no rule set in force for that date (academic years covered: {covered})"),
    "expected_year": ("attendue : {year} pour une formation commençant le {start}",
                      "expected: {year} for a training starting on {start}"),
    "end_before_start": ("est avant la date de début ({start})", "is before the start date ({start})"),
    "too_many_children": ("dépasse le nombre d'enfants à charge ({n})", "is more than the dependent children ({n})"),
}


def _said(key: str, lang: str, **params: Any) -> str:
    fr, en = _SAID[key]
    return en.format(**params) if lang == "en" else french_spaces(fr.format(**params))


def _adapter(name: str) -> TypeAdapter[Any]:
    field = Declaration.model_fields[name]
    annotation: Any = field.annotation
    if not field.metadata:
        return TypeAdapter(annotation)
    annotated: Any = Annotated[(annotation, *field.metadata)]
    return TypeAdapter(annotated)


def _plain(text: str) -> str:
    """Lower case without accents, for matching a typed label.

    >>> _plain("  Française ")
    'francaise'
    """
    decomposed = unicodedata.normalize("NFD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def choices(name: str, lang: str) -> list[tuple[str, str]]:
    """(code, label) of a choice field, in the declaration's order."""
    labels = CHOICE_LABELS[name]
    return [(code, code if lang == "en" else label) for code, label in labels.items()]


def _choice(name: str, text: str, lang: str) -> str | None:
    """The code a typed answer names: its number in the list, its label or its code; None if none."""
    options = choices(name, lang)
    if text.isdigit() and 1 <= int(text) <= len(options):
        return options[int(text) - 1][0]
    wanted = _plain(text)
    for code, label in options:
        if wanted in (_plain(code), _plain(label), _plain(CHOICE_LABELS[name][code])):
            return code
    return None


def _problem(name: str, problem: FieldProblem, lang: str) -> str:
    if lang == "en":
        return problem.message
    return problem_text(problem.code, problem.params, lang)


def read_answer(name: str, answer: str, lang: str = "fr") -> tuple[Any, str | None]:
    """The value of one answer for field `name`, or what is wrong with it (the field is the question itself)."""
    text = answer.strip()
    if not text:
        if name in OPTIONAL_FIELDS:
            return None, None
        return None, _said("required", lang)
    if name in BOOL_FIELDS:
        word = _plain(text)
        if word in YES:
            return True, None
        if word in NO:
            return False, None
        return None, _said("yes_no", lang)
    if name in CHOICE_LABELS:
        code = _choice(name, text, lang)
        return (code, None) if code is not None else (None, _said("choose", lang))
    if name in DATE_FIELDS:
        try:
            text = parse_date(text).isoformat()
        except ValueError as exc:
            return None, problem_text(str(exc), None, lang)
    elif name in AMOUNT_FIELDS:
        text = parse_amount(text)
    elif text.startswith("-") and text[1:].strip().isdigit():
        return None, problem_text("negative", None, lang)  # a count read as a CSV cell would say « not whole »
    data, problems = csv_row_to_json({name: text}, DECLARATION_FIELDS)
    if problems:
        return None, _problem(name, problems[0], lang)
    try:
        return _adapter(name).validate_python(data[name]), None
    except ValidationError as exc:
        return None, _problem(name, problems_from(exc.errors(include_url=False), name)[0], lang)


# Each check between fields, made right after the field named: (values so far, lang) → what is wrong, or None.
Check = Callable[[Mapping[str, Any], str], str | None]


def _end_after_start(values: Mapping[str, Any], lang: str) -> str | None:
    start, end = values.get("training_start_date"), values.get("training_end_date")
    if start is not None and end is not None and end < start:
        return _said("end_before_start", lang, start=date_text(start, lang))
    return None


def _children(values: Mapping[str, Any], lang: str) -> str | None:
    n, higher = values.get("dependent_children"), values.get("children_in_higher_education")
    if n is not None and higher is not None and higher > n:
        return _said("too_many_children", lang, n=n)
    return None


def _birth_in_the_past(today: date) -> Check:
    def check(values: Mapping[str, Any], lang: str) -> str | None:
        born = values.get("birth_date")
        return _said("future", lang) if born is not None and born > today else None

    return check


def _question(name: str, lang: str, values: Mapping[str, Any], book: Any) -> str:
    index = 1 if lang == "en" else 0
    text = _QUESTIONS[name][index]
    if name in CHOICE_LABELS:
        listed = ", ".join(f"{i} {label}" for i, (_, label) in enumerate(choices(name, lang), 1))
        text += f" ({listed})"
    if name == "income_year" and book is not None and values.get("training_start_date") is not None:
        start = values["training_start_date"]
        try:
            year = book.in_force(start).expected_income_year
        except NoRulesetInForce:
            year = None
        if year is not None:
            text += f" ({_said('expected_year', lang, year=year, start=date_text(start, lang))})"
    if name == "residence_years" and lang != "en":
        text += " (2 ans au moins sans protection internationale)"
    return french_spaces(text) if lang != "en" else text


def ask_declaration(lang: str = "fr", book: Any = None, today: date | None = None) -> Declaration:
    """Ask every field, each answer and each check between fields right away, until the declaration validates.

    `book` (the rule book) lets the session state the expected income year and refuse a start date no rule set
    covers; `today` is the date a birth date may not pass (the desk's clock: the caller gives it).
    """
    checks: dict[str, Check] = {"training_end_date": _end_after_start, "children_in_higher_education": _children,
                                "birth_date": _birth_in_the_past(today or date.today())}
    if book is not None:
        def _in_force(values: Mapping[str, Any], lang: str) -> str | None:
            try:
                book.in_force(values["training_start_date"])
            except NoRulesetInForce:
                return _said("no_rules", lang, covered=book.covered)
            return None

        checks["training_start_date"] = _in_force
    suffix = ": " if lang == "en" else "\u00a0: "
    values: dict[str, Any] = {}
    for name in ORDER:
        # Years of residence: asked only where they count (policy 5), and then required.
        if name == "residence_years" and (values.get("nationality") == "french"
                                          or values.get("international_protection")):
            continue
        while True:
            answer = typer.prompt(_question(name, lang, values, book), default="", show_default=False, err=True,
                                  prompt_suffix=suffix)
            value, error = read_answer(name, answer, lang)
            if error is None and value is None and name == "residence_years":
                error = _said("required", lang)
            if error is None and name in checks:
                error = checks[name]({**values, name: value}, lang)
            if error is None:
                break
            typer.echo(f"  ✗ {error}", err=True)
        if value is not None:
            values[name] = value
    try:
        return Declaration.model_validate(values)
    except ValidationError as exc:
        raise declaration_error(exc, source="<interactive>") from None
