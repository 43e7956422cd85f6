"""The desk form's fields in the words of the aid's own form, grouped as a person thinks, each with one line of
help; how a form's text becomes a declaration; and each problem code in plain French (English alternates
beside them).

A field's label and help are the product's words, not the law's: the law's words are in `rules/`.  Nothing
here reads a value into a message: a problem says what is wrong with the field, never what it holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import FieldProblem

YES_NO = (("", "— choisir —", "— choose —"), ("true", "oui", "yes"), ("false", "non", "no"))


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of the desk form."""

    name: str
    kind: str  # text, date, amount, count, year, bool, choice
    fr: str
    en: str
    help_fr: str
    help_en: str
    required: bool = True
    choices: tuple[tuple[str, str, str], ...] = ()

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr

    def help(self, lang: str) -> str:
        return self.help_en if lang == "en" else self.help_fr

    def options(self, lang: str) -> list[tuple[str, str]]:
        return [(value, en if lang == "en" else fr) for value, fr, en in self.choices]


def _yes_no(name: str, fr: str, en: str, help_fr: str, help_en: str) -> FormField:
    return FormField(name, "bool", fr, en, help_fr, help_en, choices=YES_NO)


GROUPS: tuple[tuple[str, str, tuple[FormField, ...]], ...] = (
    ("La formation", "The training", (
        FormField("fabrique_id", "text", "Identifiant de la fabrique", "Fabrique id",
                  "L'organisme qui dispense la formation labellisée, tel qu'il est enregistré.",
                  "The organisation giving the labelled training, as registered."),
        _yes_no("training_labelled", "Formation labellisée Grande École du numérique",
                "Training labelled Grande École du numérique",
                "La formation détient-elle le label à sa date de début ?",
                "Does the training hold the label on its start date?"),
        FormField("training_start_date", "date", "Date de début de la formation", "Training start date",
                  "Elle fixe l'année universitaire, le barème et les taux appliqués.",
                  "It sets the academic year, the barème and the rates applied."),
        FormField("training_end_date", "date", "Date de fin de la formation", "Training end date",
                  "Chaque mois civil de formation, jusqu'à dix, ouvre droit à une mensualité.",
                  "Each calendar month of training, up to ten, gives one instalment."),
        FormField("application_date", "date", "Date de la demande", "Application date",
                  "Le jour où la demande d'aide a été déposée (la formation doit avoir commencé).",
                  "The day the aid was applied for (the training must have started)."),
    )),
    ("L'apprenant", "The learner", (
        FormField("learner_id", "text", "Identifiant de l'apprenant", "Learner id",
                  "Un identifiant pseudonyme : ni nom, ni numéro de sécurité sociale.",
                  "A pseudonymous id: no name, no social-security number."),
        FormField("profile", "choice", "Situation de l'apprenant (article 1 du décret)",
                  "Learner's situation (decree art. 1)",
                  "Le public de l'aide : sans qualification, ou diplômé en recherche d'emploi ou en reconversion.",
                  "The aid's public: without qualification, or a graduate seeking a job or retraining.",
                  choices=(("", "— choisir —", "— choose —"),
                           ("unqualified", "sans qualification professionnelle ni diplôme",
                            "without professional qualification or diploma"),
                           ("graduate_jobseeker", "diplômé(e) à la recherche d'un emploi", "graduate seeking a job"),
                           ("graduate_reconversion", "diplômé(e) en reconversion professionnelle",
                            "graduate retraining"),
                           ("other", "autre situation", "other situation"))),
        FormField("nationality", "choice", "Nationalité", "Nationality",
                  "Une personne étrangère doit résider en France depuis au moins deux ans, sauf protection.",
                  "A foreign national must have lived in France for two years at least, unless protected.",
                  choices=(("", "— choisir —", "— choose —"), ("french", "française", "French"),
                           ("eu_eea_swiss", "Union européenne, EEE ou Suisse", "EU, EEA or Swiss"),
                           ("other", "autre", "other"))),
        FormField("residence_years", "count", "Années de résidence en France", "Years of residence in France",
                  "À remplir pour une personne étrangère sans protection internationale.",
                  "Needed for a foreign national without international protection.", required=False),
        _yes_no("international_protection", "Réfugié(e), apatride, protection subsidiaire ou temporaire",
                "Refugee, stateless, subsidiary or temporary protection",
                "Une protection internationale dispense de la condition de résidence.",
                "International protection waives the residence condition."),
        FormField("sex", "choice", "Sexe", "Sex", "Pour les statistiques du programme seulement.",
                  "For the programme's statistics only.", required=False,
                  choices=(("", "— non renseigné —", "— not given —"), ("F", "femme", "female"),
                           ("M", "homme", "male"), ("X", "autre", "other"))),
        FormField("birth_date", "date", "Date de naissance", "Birth date",
                  "Pour les statistiques du programme seulement ; aucune règle ne la lit.",
                  "For the programme's statistics only; no rule reads it.", required=False),
    )),
    ("Les ressources", "Resources", (
        _yes_no("own_tax_return", "L'apprenant a sa propre déclaration de revenus",
                "The learner files their own tax return",
                "Sinon, les revenus et les enfants sont ceux du foyer fiscal des parents.",
                "If not, the income and children are those of the parents' tax household."),
        FormField("revenu_brut_global", "amount", "Revenu brut global de l'avis d'imposition",
                  "Revenu brut global on the tax notice",
                  "En euros, la ligne « revenu brut global » de l'avis d'imposition du foyer de référence.",
                  "In euros, the « revenu brut global » line of the reference household's tax notice."),
        FormField("income_year", "year", "Année des revenus de l'avis d'imposition", "Year of that income",
                  "Normalement l'année N-2 de l'année universitaire (revenus 2022 pour 2024-2025).",
                  "Normally year N-2 of the academic year (2022 income for 2024-2025)."),
        FormField("dependent_children", "count", "Enfants à charge du foyer fiscal", "Dependent children",
                  "Les autres enfants à charge du foyer de référence, le demandeur non compté.",
                  "The other dependent children of the reference household, the applicant not counted."),
        FormField("children_in_higher_education", "count", "Dont enfants dans l'enseignement supérieur",
                  "Of whom in higher education",
                  "Parmi ces enfants, ceux qui font des études supérieures (4 points de charge chacun).",
                  "Of those children, the ones in higher education (4 points de charge each)."),
        FormField("distance_km", "amount", "Distance domicile – lieu de formation (km)",
                  "Distance home – training place (km)",
                  "En kilomètres, du domicile du demandeur au lieu de la formation.",
                  "In kilometres, from the applicant's home to the training place."),
    )),
    ("La situation", "Situation", (
        _yes_no("jobseeker_aid", "Perçoit une aide de France Travail (ex-Pôle emploi) liée à la formation",
                "Receives a France Travail (Pôle emploi) training or insertion aid",
                "Demandeur d'emploi indemnisé au titre d'une aide à l'insertion ou à la formation.",
                "A registered job-seeker receiving an insertion or training aid."),
        _yes_no("work_study_contract", "Rémunéré(e) en contrat d'apprentissage ou de professionnalisation",
                "Paid under an apprenticeship or professionalisation contract",
                "Une formation en alternance rémunérée n'ouvre pas droit à l'aide.",
                "A paid work-study training gives no right to the aid."),
        _yes_no("training_leave", "En congé individuel de formation ou projet de transition professionnelle",
                "On individual training leave or a professional transition project",
                "CIF ou PTP : la rémunération est déjà prise en charge.", "CIF or PTP: pay is already covered."),
        _yes_no("employment_or_region_aid",
                "Aide à la formation du ministère chargé de l'emploi ou d'un conseil régional",
                "Training aid from the employment ministry or a conseil régional",
                "Une aide à la formation ou à l'insertion de l'État (emploi) ou de la région.",
                "A training or insertion aid from the State (employment) or the region."),
        _yes_no("higher_education_grant", "Titulaire d'une bourse sur critères sociaux ou d'une aide spécifique",
                "Holds a social-criteria grant or an aide spécifique",
                "Ces aides ne se cumulent pas avec l'aide Grande École du numérique.",
                "These aids do not add up with the Grande École du numérique aid."),
    )),
)
FIELDS: dict[str, FormField] = {f.name: f for _, _, group in GROUPS for f in group}


def declaration_data(form: Mapping[str, str]) -> dict[str, Any]:
    """The JSON-shaped declaration of a form's text: an empty input is absent (then reported as missing when
    required), yes/no become booleans, numbers stay text for the declaration's own checks (« 12 500,50 » is
    read as 12500.50)."""
    data: dict[str, Any] = {}
    for name, f in FIELDS.items():
        raw = str(form.get(name, "")).strip()
        if raw == "":
            continue
        if f.kind == "bool":
            data[name] = {"true": True, "false": False}.get(raw, raw)
        elif f.kind in ("count", "year"):
            data[name] = int(raw) if raw.isdigit() and len(raw) < 10 else raw
        elif f.kind == "amount":
            data[name] = raw.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
        else:
            data[name] = raw
    return data


# Each problem code in plain French: said to the person at the desk, beside the field.
FR_PROBLEMS: dict[str, str] = {
    "missing": "À renseigner.",
    "unknown_field": "Ce champ n'existe pas.",
    "not_a_boolean": "Choisissez oui ou non.",
    "not_a_whole_number": "Indiquez un nombre entier, sans virgule.",
    "not_a_string": "Indiquez un texte.",
    "not_one_of": "Choisissez une valeur de la liste.",
    "below_minimum": "La valeur est trop petite.",
    "above_maximum": "La valeur est trop grande.",
    "empty": "À renseigner.",
    "too_long": "Le texte est trop long.",
    "blank": "À renseigner (des espaces seuls ne suffisent pas).",
    "control_character": "Le texte contient un caractère invisible non autorisé.",
    "not_a_date": "Indiquez une date (jour, mois, année).",
    "no_such_day": "Cette date n'existe pas dans le calendrier.",
    "date_and_time": "Indiquez une date sans heure.",
    "not_finite": "Indiquez un montant en chiffres.",
    "not_a_number": "Indiquez un nombre, par exemple 12 500,50.",
    "not_plain_decimal": "Indiquez un nombre en chiffres, par exemple 12 500,50.",
    "negative": "Le montant ne peut pas être négatif.",
    "too_many_decimals": "Trop de chiffres après la virgule.",
    "end_before_start": "La fin de la formation est avant son début.",
    "more_than_dependent_children": "Plus d'enfants dans le supérieur que d'enfants à charge.",
    "residence_years_required": "À renseigner pour une personne étrangère sans protection internationale.",
    "no_ruleset_in_force": "Aucun barème n'est en vigueur pour l'année universitaire de cette date.",
}


def problem_text(problem: FieldProblem, lang: str) -> str:
    """A problem in the person's language: plain French by its code, else the English message."""
    if lang == "en":
        return problem.message[:1].upper() + problem.message[1:] + "."
    return FR_PROBLEMS.get(problem.code, "Valeur non valable.")


__all__ = ["FIELDS", "FR_PROBLEMS", "GROUPS", "FormField", "declaration_data", "problem_text"]
