"""The desk pages: the form, the decision with its printable notice, saving, a learner's history.

The form posts to itself: errors are shown beside their field in plain French with the entered values kept;
a valid declaration gives the decision page, whose « Enregistrer » posts the same values again (hidden, with
the CSRF token) to store the decision with the user as operator, then shows the learner's history.  Desk
users work for their fabriques only (403 otherwise, as in the API).  Nothing here logs a value.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from .. import evaluate
from ..cli.render import echelon_label, what_if_lines, words
from ..errors import DeclarationError, FieldProblem, NoRulesetInForce
from ..models import Decision, Declaration
from ..money import display
from ..ruleset import RuleSet
from ..store.users import User
from .access import ApiError, Permission, fabrique_of, may, sees_fabrique
from .context import server_of
from .fields import FIELDS, GROUPS, declaration_data, problem_text
from .pages import page_user, render
from .reading import decision_for, history_for


def _guard(request: Request, permission: Permission) -> tuple[User, str] | Response:
    """The signed-in user and its CSRF token, or the response to send instead (sign-in, or 403)."""
    user, session = page_user(request)
    if user is None:
        return RedirectResponse("/signin", status_code=303)
    csrf = server_of(request).signer.csrf_of(session.nonce)
    if not may(user, permission):
        return forbidden_page(request, user, csrf)
    return user, csrf


def forbidden_page(request: Request, user: User, csrf: str) -> Response:
    return render(request, "forbidden.html", 403, user=user, csrf=csrf)


def refused_page(request: Request, user: User, csrf: str, exc: ApiError) -> Response:
    """The page for a read the API refused: 403 outside the user's fabriques, 404 when nothing is there."""
    if exc.status == 403:
        return forbidden_page(request, user, csrf)
    return render(request, "forbidden.html", 404, user=user, csrf=csrf, missing=True)


async def _posted(request: Request, csrf: str) -> dict[str, str] | None:
    """The posted form's fields, or None when its CSRF token is not this session's."""
    async with request.form() as form:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
    return values if values.get("csrf") == csrf else None


def _form_page(request: Request, user: User, csrf: str, values: dict[str, str],
               problems: dict[str, str], status: int = 200) -> Response:
    return render(request, "desk.html", status, user=user, csrf=csrf, groups=GROUPS, values=values,
                  problems=problems, fabriques=user.fabriques)


def _problems_of(exc: DeclarationError, lang: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for p in exc.problems:
        found.setdefault(p.field if p.field in FIELDS else "_form", problem_text(p, lang))
    return found


def _decide(request: Request, user: User, values: dict[str, str]) -> tuple[Declaration, Decision] | dict[str, str]:
    """The declaration and decision of a form, or the problems to show beside the fields."""
    lang = _lang(request)
    try:
        declaration = Declaration.parse(declaration_data(values))
    except DeclarationError as exc:
        return _problems_of(exc, lang)
    if not sees_fabrique(user, declaration.fabrique_id):
        fr, en = "Cette fabrique n'est pas l'une des vôtres.", "This fabrique is not one of yours."
        return {"fabrique_id": en if lang == "en" else fr}
    try:
        decision = evaluate(declaration, server_of(request).book, lang=lang)
    except NoRulesetInForce:
        return {"training_start_date": problem_text(FieldProblem("training_start_date", "no_ruleset_in_force",
                                                                 "has no rule set in force"), lang)}
    return declaration, decision


def _lang(request: Request) -> Any:
    from .pages import lang_of

    return lang_of(request)


def money(value: Any, lang: str) -> str:
    return display(Decimal(str(value)), lang)


def decision_view(request: Request, decision: dict[str, Any], declaration: dict[str, Any] | None,
                  decided_on: date) -> dict[str, Any]:
    """What the decision page and its notice show, from the decision's JSON (stored or just made)."""
    lang = _lang(request)
    server = server_of(request)
    model = Decision.model_validate(decision)
    ruleset = _ruleset_of(request, decision)
    notice = server.notice
    fabrique = (declaration or {}).get("fabrique_id")
    maker = notice.decision_maker(fabrique, decided_on)
    return {
        "d": decision, "w": words(lang), "declaration": declaration or {},
        "echelon": echelon_label(decision.get("echelon"), lang),
        "amounts": {k: money(decision[k], lang) for k in ("annual_amount", "monthly_amount", "total_amount")},
        "what_if": [line.strip() for line in what_if_lines(model, lang)],
        "decided_on": decided_on, "maker": maker.name(lang), "legal_basis": notice.legal_basis[lang],
        "appeal": notice.appeal_lines(maker, lang),
        "rates_ref": ruleset.rates_legal_ref if ruleset else None,
        "points_ref": ruleset.points_legal_ref if ruleset else None,
        "trace_rows": [(s["rule"], s["expression"], _cell(s["inputs"]), _cell(s["result"]))
                       for s in decision.get("trace", [])],
    }


def _ruleset_of(request: Request, decision: dict[str, Any]) -> RuleSet | None:
    for rs in server_of(request).book:
        if rs.sha256 == decision.get("ruleset", {}).get("sha256"):
            return rs
    return None


def _cell(value: Any) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def mount(app: FastAPI) -> None:
    @app.get("/desk", include_in_schema=False)
    def desk_form(request: Request) -> Response:
        guard = _guard(request, "decide")
        if isinstance(guard, Response):
            return guard
        user, csrf = guard
        values = {"fabrique_id": user.fabriques[0]} if len(user.fabriques) == 1 else {}
        return _form_page(request, user, csrf, values, {})

    @app.post("/desk", include_in_schema=False)
    async def desk_decide(request: Request) -> Response:
        guard = _guard(request, "decide")
        if isinstance(guard, Response):
            return guard
        user, csrf = guard
        values = await _posted(request, csrf)
        if values is None:
            return _form_page(request, user, csrf, {}, {"_form": _expired(request)}, 400)
        if values.get("edit"):
            return _form_page(request, user, csrf, values, {})
        outcome = _decide(request, user, values)
        if isinstance(outcome, dict):
            return _form_page(request, user, csrf, values, outcome, 422)
        declaration, decision = outcome
        view = decision_view(request, decision.model_dump(mode="json"), declaration.model_dump(mode="json"),
                             datetime.now(UTC).date())
        kept = {k: v for k, v in values.items() if k in FIELDS}
        return render(request, "decision.html", user=user, csrf=csrf, values=kept, decision_id=None,
                      saved=False, **view)

    @app.post("/desk/save", include_in_schema=False)
    async def desk_save(request: Request) -> Response:
        guard = _guard(request, "decide")
        if isinstance(guard, Response):
            return guard
        user, csrf = guard
        values = await _posted(request, csrf)
        if values is None:
            return _form_page(request, user, csrf, {}, {"_form": _expired(request)}, 400)
        outcome = _decide(request, user, values)
        if isinstance(outcome, dict):
            return _form_page(request, user, csrf, values, outcome, 422)
        declaration, decision = outcome
        from fastapi.concurrency import run_in_threadpool

        store = server_of(request).store
        saved = await run_in_threadpool(store.save, declaration, decision, operator=user.name, lang=_lang(request))
        from urllib.parse import quote

        return RedirectResponse(f"/desk/learners/{quote(declaration.learner_id, safe='')}?saved={saved.decision_id}",
                                status_code=303)

    @app.get("/desk/learners/{learner_id}", include_in_schema=False)
    def learner_page(request: Request, learner_id: str, saved: int | None = None) -> Response:
        guard = _guard(request, "read")
        if isinstance(guard, Response):
            return guard
        user, csrf = guard
        try:
            records = history_for(server_of(request).store, user, learner_id)
        except ApiError as exc:
            return refused_page(request, user, csrf, exc)
        lang = _lang(request)
        rows = [{"r": r, "echelon": echelon_label(r.payload.get("echelon"), lang),
                 "total": money(r.payload["total_amount"], lang) if "total_amount" in r.payload else "",
                 "owed": money(r.payload["amount_owed"], lang) if "amount_owed" in r.payload else ""}
                for r in records]
        return render(request, "history.html", user=user, csrf=csrf, learner_id=learner_id, rows=rows,
                      saved=saved, w=words(lang))

    @app.get("/desk/decisions/{decision_id}", include_in_schema=False)
    def decision_page(request: Request, decision_id: int) -> Response:
        guard = _guard(request, "read")
        if isinstance(guard, Response):
            return guard
        user, csrf = guard
        try:
            stored = decision_for(server_of(request).store, user, decision_id)
        except ApiError as exc:
            return refused_page(request, user, csrf, exc)
        decided_on = _decided_on(request, stored.learner_id, stored.id)
        view = decision_view(request, stored.decision, stored.declaration, decided_on)
        view["declaration"].setdefault("fabrique_id", fabrique_of(stored))
        return render(request, "decision.html", user=user, csrf=csrf, values={}, decision_id=stored.id,
                      saved=True, **view)


def _decided_on(request: Request, learner_id: str, decision_id: int) -> date:
    """The day a stored decision was recorded (its audit record's time), for the decision-maker then in force."""
    from ..store.queries import learner_history

    for entry in learner_history(server_of(request).store.engine, learner_id):
        if entry.decision_id == decision_id and entry.kind == "decision":
            return date.fromisoformat(entry.recorded_at[:10])
    return datetime.now(UTC).date()


def _expired(request: Request) -> str:
    fr, en = "Le formulaire a expiré : recommencez.", "The form expired: try again."
    return en if _lang(request) == "en" else fr


__all__ = ["mount"]
