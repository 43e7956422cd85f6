"""The desk pages with the test client: the form labels every field and keeps the values on an error shown
beside its field in French; a decision page shows the amounts, reasons, what would change, the trace folded,
and the notice; saving stores the decision with the user as operator and shows the history; CSRF is checked;
desk users stay within their fabriques."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from web_helpers import FABRIQUE, OTHER_FABRIQUE, Served

from aid_engine.web.fields import FIELDS
from aid_engine.web.notice import load_notice


def sign_in(served: Served, who: str) -> None:
    page = served.client.get("/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    answer = served.client.post("/signin", data={"csrf": csrf.group(1), "token": served.tokens[who]})
    assert answer.status_code == 303


def form_of(declaration: dict[str, Any]) -> dict[str, str]:
    values = {}
    for k, v in declaration.items():
        values[k] = ("true" if v else "false") if isinstance(v, bool) else str(v)
    return values


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_the_form_labels_every_field_in_french_and_groups_them(served: Served) -> None:
    sign_in(served, "desk")
    page = served.client.get("/desk")
    assert page.status_code == 200 and '<html lang="fr">' in page.text
    for name in FIELDS:
        assert f'<label for="f-{name}">' in page.text, name
        assert f'id="f-{name}"' in page.text
    for words in ("Revenu brut global de l&#39;avis d&#39;imposition", "Distance domicile – lieu de formation",
                  "La formation", "L&#39;apprenant", "Les ressources", "La situation"):
        assert words in page.text, words
    assert page.text.count('type="date"') == 4
    english = served.client.get("/desk?lang=en")
    assert '<html lang="en">' in english.text and "Revenu brut global on the tax notice" in english.text


def test_errors_are_beside_their_field_in_french_and_values_are_kept(
        served: Served, declaration: Callable[..., dict[str, Any]]) -> None:
    sign_in(served, "desk")
    csrf = csrf_of(served.client.get("/desk").text)
    values = form_of(declaration(revenu_brut_global="-12", distance_km="douze"))
    del values["income_year"]
    page = served.client.post("/desk", data={**values, "csrf": csrf})
    assert page.status_code == 422
    assert re.search(r'id="p-revenu_brut_global">Le montant ne peut pas être négatif', page.text)
    assert 'id="p-income_year">À renseigner.' in page.text
    assert 'id="p-distance_km">' in page.text
    assert 'value="douze"' in page.text and 'value="-12"' in page.text  # the entered values are kept


def test_a_decision_page_then_save_then_history(served: Served, declaration: Callable[..., dict[str, Any]]) -> None:
    sign_in(served, "desk")
    csrf = csrf_of(served.client.get("/desk").text)
    d = declaration(revenu_brut_global="12500,50")
    page = served.client.post("/desk", data={**form_of(d), "csrf": csrf})
    assert page.status_code == 200, page.text
    text = page.text
    assert "ACCORDÉE" in text and "Détail du calcul" in text and "<details" in text
    assert "Notification de décision" in text and "Voies et délais de recours" in text
    assert "directeur général du centre régional des œuvres universitaires et scolaires" in text
    assert "tribunal administratif" in text and "deux mois" in text
    assert "\u202f" in text and "\u00a0€" in text  # amounts in French typography
    saved = served.client.post("/desk/save", data={**form_of(d), "csrf": csrf})
    assert saved.status_code == 303
    history = served.client.get(saved.headers["location"])
    assert history.status_code == 200 and "Décision enregistrée sous le n°" in history.text
    assert "desk-user" in history.text
    records = served.call("GET", f"/api/v1/learners/{d['learner_id']}/decisions", "finance").json()["records"]
    assert [r["operator"] for r in records] == ["desk-user"]
    stored = served.client.get(f"/desk/decisions/{records[0]['decision_id']}")
    assert stored.status_code == 200 and "Notification de décision" in stored.text


def test_a_post_without_the_session_csrf_token_stores_nothing(
        served: Served, declaration: Callable[..., dict[str, Any]]) -> None:
    sign_in(served, "desk")
    d = declaration()
    answer = served.client.post("/desk/save", data={**form_of(d), "csrf": "forged"})
    assert answer.status_code == 400
    assert served.call("GET", f"/api/v1/learners/{d['learner_id']}/decisions", "finance").status_code == 404


def test_desk_pages_stay_within_the_fabriques(served: Served, declaration: Callable[..., dict[str, Any]]) -> None:
    theirs = served.call("POST", "/api/v1/decisions?save=true", "other-desk",
                         json=declaration(learner_id="THEIRS", fabrique_id=OTHER_FABRIQUE)).json()
    sign_in(served, "desk")
    assert served.client.get(f"/desk/decisions/{theirs['decision_id']}").status_code == 403
    assert served.client.get("/desk/decisions/99999").status_code == 403
    assert served.client.get("/desk/learners/THEIRS").status_code == 403
    csrf = csrf_of(served.client.get("/desk").text)
    page = served.client.post("/desk", data={**form_of(declaration(fabrique_id=OTHER_FABRIQUE)), "csrf": csrf})
    assert page.status_code == 422 and 'id="p-fabrique_id"' in page.text
    assert FABRIQUE in served.client.get("/desk").text  # the user's own fabrique is offered


def test_roles_reach_their_pages_only(served: Served) -> None:
    sign_in(served, "auditor")
    assert served.client.get("/desk").status_code == 403
    assert served.client.get("/api/docs").status_code == 200
    served.client.cookies.clear()
    assert served.client.get("/desk").status_code == 303  # not signed in: to the sign-in page


def test_the_decision_maker_follows_the_territory_and_the_date(project_root: Any) -> None:
    notice = load_notice(project_root / "rules")
    assert "vice-recteur" in notice.decision_maker("GEN-976-0001", date(2021, 3, 1)).fr
    assert "CROUS" in notice.decision_maker("GEN-976-0001", date(2023, 1, 1)).fr
    assert "CROUS" in notice.decision_maker("FAB-75-0001", date(2021, 3, 1)).fr
    lines = notice.appeal_lines(notice.decision_maker("FAB-75-0001", date(2024, 1, 1)), "fr")
    assert any("recours gracieux" in line and "CROUS" in line for line in lines)
    assert any("tribunal administratif" in line for line in lines)
