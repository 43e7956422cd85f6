"""How an integrator embeds aid_engine: decide a declaration, read the decision, keep the JSON.

Run it from the project root: `python examples/embed.py`.
"""

from __future__ import annotations

import json
from decimal import Decimal

from aid_engine import Declaration, DeclarationError, evaluate, load_ruleset

# A declaration as your system holds it: a dict shaped like the JSON input contract.
declaration = {
    "learner_id": "CRM-88412",
    "application_date": "2025-01-20",
    "training_start_date": "2025-01-13",
    "training_end_date": "2025-07-04",
    "training_labelled": True,
    "fabrique_id": "FAB-69-0007",
    "profile": "graduate_jobseeker",
    "nationality": "eu_eea_swiss",
    "residence_years": 4,
    "international_protection": False,
    "own_tax_return": True,
    "revenu_brut_global": "14210.50",
    "income_year": 2022,
    "dependent_children": 1,
    "children_in_higher_education": 0,
    "distance_km": "36",
    "jobseeker_aid": False,
    "work_study_contract": False,
    "training_leave": False,
    "employment_or_region_aid": False,
    "higher_education_grant": False,
}

# Load and validate the rules once (a bad rules file fails here, never in the middle of your run).
rules = load_ruleset()

decision = evaluate(declaration, rules, lang="en")
print(f"{decision.learner_id}: {decision.status}, échelon {decision.echelon}, "
      f"{decision.monthly_amount} € a month for {decision.months} months = {decision.total_amount} €")
for reason in decision.reasons:
    print(f"  {reason.code}: {reason.message} ({reason.legal_ref})")

# What would change the outcome.
cf = decision.counterfactuals
if cf.rbg_for_next_echelon is not None:
    print(f"  next échelon up with an income of at most {cf.rbg_for_next_echelon} €"
          + (f", or with {cf.points_for_next_echelon} more points de charge" if cf.points_for_next_echelon else ""))

# Amounts are Decimal, never float; the JSON form is the stable output contract.
assert isinstance(decision.total_amount, Decimal)
stored = json.dumps(decision.model_dump(mode="json"), ensure_ascii=False)
print(f"  JSON: {len(stored)} characters, {len(decision.trace)} trace steps, rules {decision.ruleset.id}")

# A "what if" is a re-validated copy.
richer = Declaration.parse(declaration).with_changes(revenu_brut_global="40000")
print(f"  with 40 000 € of income: {evaluate(richer, rules).status}")

# Bad input is an error that names the field, never a guess.
try:
    evaluate({**declaration, "revenu_brut_global": "-5"}, rules)
except DeclarationError as error:
    print(f"  rejected: field {error.field}: {error.reason}")
