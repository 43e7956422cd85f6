"""`aid-engine users add|list|revoke` and `aid-engine serve`: the people of the web desk, and the server itself.

A new user's token is printed once, as the last line of stdout; only its hash is stored.  `serve` on a store
with no user yet creates an admin and prints a sign-in link holding a one-time token.  FastAPI, uvicorn and
the store are imported inside the commands, so `aid-engine check` never loads them.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from .lang import h
from .options import DbOption, RulesOption
from .rules import rulebook
from .store_commands import open_db

users_app = typer.Typer(help=h("Les utilisateurs du guichet web et de l'API : ajouter, lister, révoquer.",
                               "The users of the web desk and of the API: add, list, revoke."),
                        no_args_is_help=True)


@users_app.command("add", help=h(
    "Ajoute un utilisateur ; son jeton est affiché une seule fois, en dernière ligne.",
    "Adds a user; its token is printed once, as the last line."))
def users_add(
    name: Annotated[str, typer.Argument(help=h(
        "Le nom de l'utilisateur (l'opérateur de ce qu'il enregistre).",
        "The user's name (the operator of what they store)."))],
    role: Annotated[str, typer.Option("--role", help=h(
        "desk, finance, auditor ou admin.", "desk, finance, auditor or admin."))],
    fabrique: Annotated[list[str] | None, typer.Option("--fabrique", help=h(
        "Une fabrique dont un utilisateur desk traite les apprenants (option répétable).",
        "A fabrique whose learners a desk user serves (repeat for several)."))] = None,
    db: DbOption = None,
) -> None:
    """Ajoute un utilisateur ; son jeton est affiché une seule fois, en dernière ligne."""
    from ..store.users import add_user

    store = open_db(db)
    try:
        with store.errors("add a user"):
            user, token, _ = add_user(store.engine, name, role, tuple(fabrique or ()))
    finally:
        store.close()
    where = f", fabriques {', '.join(user.fabriques)}" if user.fabriques else ""
    typer.echo(f"user {user.name} added: role {user.role}{where}; its token (shown once, keep it safe):")
    typer.echo(token)


@users_app.command("list", help=h("Liste les utilisateurs (jamais leurs jetons).",
                                   "Lists the users (never their tokens)."))
def users_list(db: DbOption = None) -> None:
    """Liste les utilisateurs (jamais leurs jetons)."""
    from ..store.users import list_users

    store = open_db(db)
    try:
        with store.errors("list the users"):
            found = list_users(store.engine)
    finally:
        store.close()
    for u in found:
        state = f"revoked {u.revoked_at:%Y-%m-%d %H:%M}" if u.revoked_at else "active"
        fabriques = ", ".join(u.fabriques) or "-"
        typer.echo(f"{u.name}\t{u.role}\t{fabriques}\t{state}")
    if not found:
        typer.echo("no user yet (aid-engine users add NAME --role ROLE)", err=True)


@users_app.command("revoke", help=h(
    "Révoque un utilisateur : son jeton et ses sessions sont refusés dès maintenant.",
    "Revokes a user: its token and its sessions are refused from now on."))
def users_revoke(
    name: Annotated[str, typer.Argument(help=h(
        "L'utilisateur à refuser désormais.", "The user to refuse from now on."))],
    db: DbOption = None,
) -> None:
    """Révoque un utilisateur : son jeton et ses sessions sont refusés dès maintenant."""
    from ..store.users import revoke_user

    store = open_db(db)
    try:
        with store.errors("revoke a user"):
            user = revoke_user(store.engine, name)
    finally:
        store.close()
    typer.echo(f"user {user.name} revoked")


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    for name in ("aid_engine.web", "aid_engine.web.access"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        if not logger.handlers:
            logger.addHandler(handler)
        logger.propagate = False


def serve(
    host: Annotated[str, typer.Option("--host", help=h(
        "Adresse d'écoute.", "Address to listen on."))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help=h(
        "Port d'écoute.", "Port to listen on."))] = 8000,
    db: DbOption = None,
    rules: RulesOption = None,
    max_upload_mb: Annotated[int, typer.Option("--max-upload-mb", min=1, max=4096, help=h(
        "Taille maximale d'un fichier de lot, en Mio.", "Largest batch file accepted, in MiB."))] = 64,
) -> None:
    """Sert le guichet dans un navigateur et l'API HTTP (http://127.0.0.1:8000 par défaut)."""
    import uvicorn

    from ..store.users import add_user, count_users
    from ..web import create_app

    book = rulebook(rules)
    store = open_db(db)
    try:
        with store.errors("read the users"):
            first = count_users(store.engine) == 0
            if first:
                _user, _token, once = add_user(store.engine, "admin", "admin", with_signin=True)
        shown = f"[{host}]" if ":" in host else host
        if first:
            typer.echo(f"no user yet: admin created; sign in once with this link (it works one time):\n"
                       f"    http://{shown}:{port}/signin?once={once}", err=True)
        typer.echo(f"serving {store.shown_url} on http://{shown}:{port} (Ctrl+C to stop)", err=True)
        _log_to_stderr()
        app = create_app(store, book, max_upload=max_upload_mb << 20)
        # uvicorn's own access log prints query strings (a sign-in link's token): ours prints paths only.
        uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning", server_header=False)
    finally:
        store.close()


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.command(help=h(
        "Sert le guichet dans un navigateur et l'API HTTP (http://127.0.0.1:8000 par défaut).",
        "Serves the desk in a browser and the HTTP API (http://127.0.0.1:8000 by default)."))(serve)
