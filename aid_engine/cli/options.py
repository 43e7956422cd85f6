"""The options several commands share, written once: the store (`--db`), the rules (`--rules`), who runs the
command (`--operator`).  Their help is in the run's language (`lang.h`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .lang import h

DbOption = Annotated[str | None, typer.Option("--db", help=h(
    "Adresse de la base : sqlite:///FICHIER ou postgresql+psycopg://UTILISATEUR:MOT_DE_PASSE@HÔTE:PORT/BASE "
    "(défaut : $AID_ENGINE_DB, sinon sqlite:///aid_engine.db).",
    "Database URL: sqlite:///FILE or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB "
    "(default: $AID_ENGINE_DB, else sqlite:///aid_engine.db)."))]
RulesOption = Annotated[Path | None, typer.Option("--rules", help=h(
    "Dossier de règles (défaut : $AID_ENGINE_RULES, sinon les règles installées avec le paquet).",
    "Rules directory (default: $AID_ENGINE_RULES, else the rules installed with the package)."))]
OperatorOption = Annotated[str | None, typer.Option("--operator", help=h(
    "Qui lance la commande, inscrit dans la piste d'audit (défaut : l'utilisateur du système).",
    "Who runs this, recorded in the audit trail (default: the OS user)."))]
