"""`aid-engine check --interactive`: the declaration asked field by field, each answer validated at once.

For a person at a desk without a JSON file.  An answer is read as a CSV cell would be (so `37081,50` and
`oui`/`non` are understood), checked against the field's own rule, and asked again until it is right.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import TypeAdapter, ValidationError

from ..models import (
    BOOL_FIELDS,
    DECLARATION_FIELDS,
    OPTIONAL_FIELDS,
    Declaration,
    csv_row_to_json,
    declaration_error,
    problems_from,
)

_QUESTIONS: dict[str, tuple[str, str]] = {
    "learner_id": ("Identifiant pseudonyme de l'apprenant", "Pseudonymous learner id"),
    "application_date": ("Date de la demande (AAAA-MM-JJ)", "Application date (YYYY-MM-DD)"),
    "training_start_date": ("Date de début de la formation (AAAA-MM-JJ)", "Training start date (YYYY-MM-DD)"),
    "training_end_date": ("Date de fin de la formation (AAAA-MM-JJ)", "Training end date (YYYY-MM-DD)"),
    "training_labelled": ("La formation est-elle labellisée GEN à son début ? (oui/non)",
                          "Is the training GEN-labelled at its start? (yes/no)"),
    "fabrique_id": ("Identifiant de la fabrique", "Training organisation (fabrique) id"),
    "profile": ("Profil (unqualified, graduate_jobseeker, graduate_reconversion, other)",
                "Profile (unqualified, graduate_jobseeker, graduate_reconversion, other)"),
    "nationality": ("Nationalité (french, eu_eea_swiss, other)", "Nationality (french, eu_eea_swiss, other)"),
    "international_protection": ("Protection internationale (réfugié, apatride, protection subsidiaire ou "
                                 "temporaire) ? (oui/non)",
                                 "International protection (refugee, stateless, subsidiary or temporary)? (yes/no)"),
    "residence_years": ("Années de résidence en France (vide si inconnu)",
                        "Years of residence in France (empty if unknown)"),
    "own_tax_return": ("Déclaration fiscale propre ? (oui/non ; non = foyer des parents)",
                       "Own tax return? (yes/no; no = the parents' household)"),
    "revenu_brut_global": ("Revenu brut global du foyer fiscal de référence (€)",
                           "Revenu brut global of the reference household (€)"),
    "income_year": ("Année de ces revenus", "Year of that income"),
    "dependent_children": ("Autres enfants à charge du foyer (hors demandeur)",
                           "Other dependent children of the household"),
    "children_in_higher_education": ("Dont enfants dans l'enseignement supérieur", "Of whom in higher education"),
    "distance_km": ("Distance domicile → lieu de formation (km)", "Distance home → training place (km)"),
    "jobseeker_aid": ("Demandeur d'emploi percevant une aide France Travail ? (oui/non)",
                      "Job-seeker receiving a France Travail aid? (yes/no)"),
    "work_study_contract": ("Rémunéré sous contrat d'apprentissage ou de professionnalisation ? (oui/non)",
                            "Paid under an apprenticeship or professionalisation contract? (yes/no)"),
    "training_leave": ("En congé individuel de formation / projet de transition professionnelle ? (oui/non)",
                       "On training leave / professional transition project? (yes/no)"),
    "employment_or_region_aid": ("Aide du ministère de l'emploi ou d'un conseil régional ? (oui/non)",
                                 "Aid from the employment ministry or a regional council? (yes/no)"),
    "higher_education_grant": ("Bourse sur critères sociaux ou aide spécifique ? (oui/non)",
                               "Higher-education grant or specific aid? (yes/no)"),
    "sex": ("Sexe (F, M, X ; vide si non renseigné — statistiques seulement)",
            "Sex (F, M, X; empty if not given — statistics only)"),
    "birth_date": ("Date de naissance (AAAA-MM-JJ ; vide si non renseignée — statistiques seulement)",
                   "Birth date (YYYY-MM-DD; empty if not given — statistics only)"),
}
_YES_NO = {"oui": "true", "o": "true", "yes": "true", "y": "true", "non": "false", "n": "false", "no": "false"}


def _adapter(name: str) -> TypeAdapter[Any]:
    field = Declaration.model_fields[name]
    annotation: Any = field.annotation
    if not field.metadata:
        return TypeAdapter(annotation)
    annotated: Any = Annotated[(annotation, *field.metadata)]
    return TypeAdapter(annotated)


def read_answer(name: str, answer: str) -> tuple[Any, str | None]:
    """The value of one answer for field `name`, or an error message naming the field."""
    text = answer.strip()
    if name in BOOL_FIELDS:
        text = _YES_NO.get(text.lower(), text)
    if not text:
        if name in OPTIONAL_FIELDS:
            return None, None
        return None, f"{name}: is required"
    data, problems = csv_row_to_json({name: text}, DECLARATION_FIELDS)
    if problems:
        return None, str(problems[0])
    try:
        return _adapter(name).validate_python(data[name]), None
    except ValidationError as exc:
        return None, str(problems_from(exc.errors(include_url=False), name)[0])


def ask_declaration(lang: str = "fr") -> Declaration:
    """Ask every field until the whole declaration validates."""
    index = 1 if lang == "en" else 0
    values: dict[str, Any] = {}
    for name in Declaration.model_fields:
        if name == "residence_years" and values.get("nationality") == "french":
            continue
        while True:
            # Questions go to stderr, so `--json` still prints the decision and nothing else on stdout.
            answer = typer.prompt(_QUESTIONS[name][index], default="", show_default=False, err=True)
            value, error = read_answer(name, answer)
            if error is None:
                break
            typer.echo(f"  ✗ {error}", err=True)
        if value is not None:
            values[name] = value
    try:
        return Declaration.model_validate(values)
    except ValidationError as exc:
        raise declaration_error(exc, source="<interactive>") from None
