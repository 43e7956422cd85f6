"""`aid-engine audit keygen|checkpoint|prove`, and the checkpoint part of `audit verify`.

The signing key is a file outside the database: `--key FILE`, else `$AID_ENGINE_SIGNING_KEY`.  `keygen`
writes it (mode 0600, never over an existing file) and prints the public key as a signed-note verifier key,
one line, the form `--public-key FILE` reads.  Checkpoints and proofs are written through `files.safe_output`
or printed; `docs/audit.md` states their formats.  Errors go up to `cli._Group` (a checkpoint the store does
not extend, or signed by another key: exit 1; a bad key file: exit 2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .lang import h
from .options import DbOption
from .store_commands import audit_app, open_db

if TYPE_CHECKING:
    from ..audit.keys import Signer, Verifier
    from ..audit.log import Made
    from ..store import Store

KeyOption = Annotated[Path | None, typer.Option("--key", help=h(
    "Le fichier de la clé de signature (défaut : $AID_ENGINE_SIGNING_KEY).",
    "The signing key file (default: $AID_ENGINE_SIGNING_KEY)."))]
NOTE_LIMIT = 64 * 1024


def signer_of(key: Path | None) -> Signer | None:
    """The signing key of `--key`, else of `$AID_ENGINE_SIGNING_KEY`, else none."""
    from ..audit.keys import KEY_ENV, key_path, load_signer

    path = key_path(key)
    return None if path is None else load_signer(path, "--key" if key is not None else KEY_ENV)


def required_signer(key: Path | None) -> Signer:
    """The signing key (see `signer_of`); none set is bad input."""
    from ..audit.keys import KEY_ENV

    signer = signer_of(key)
    if signer is None:
        raise typer.BadParameter(f"no signing key: give --key FILE or set {KEY_ENV} "
                                 "(make one with `aid-engine audit keygen --key FILE`)", param_hint="--key")
    return signer


def keygen(
    key: Annotated[Path, typer.Option("--key", help=h(
        "Où écrire la nouvelle clé privée (un nouveau fichier, mode 0600).",
        "Where to write the new private key (a new file, mode 0600)."))],
    name: Annotated[str, typer.Option("--name", help=h(
        "Le nom de la clé dans les lignes de signature.",
        "The key's name in the signature lines."))] = "aid-engine",
) -> None:
    """Crée une clé de signature Ed25519 (fichier 0600) et affiche sa clé publique sur une ligne."""
    from ..audit.keys import new_signer, write_key_file

    try:
        signer = new_signer(name)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--name") from None
    write_key_file(key, signer)
    typer.echo(signer.verifier.vkey)


def store_checkpoint(store: Store, signer: Signer, out: Path | None, option: str = "--out",
                     inputs: tuple[Path, ...] = ()) -> Made:
    """Sign and store a checkpoint of the whole store; write it to `out` too when given (never over an input)."""
    from ..audit.log import make_checkpoint
    from ..files import database_files, write_text_file

    with store.errors("make a checkpoint"):
        made = make_checkpoint(store.engine, signer)
    if out is not None:
        write_text_file(out, option, made.note, inputs=(*inputs, *database_files(store.engine.url)))
    return made


CheckpointOutOption = Annotated[Path | None, typer.Option("--checkpoint-out", help=h(
    "Écrit aussi dans ce fichier le point de contrôle signé à la fin (il faut une clé).",
    "Also write the signed checkpoint made at the end to this file (needs a key)."))]


def signer_for_end(key: Path | None, checkpoint_out: Path | None) -> Signer | None:
    """The key that signs the checkpoint at a command's end, loaded before the work (a bad key file stops it
    first); `--checkpoint-out` without a key is bad input."""
    signer = signer_of(key)
    if signer is None and checkpoint_out is not None:
        required_signer(key)
    return signer


def checkpoint_at_end(store: Store, signer: Signer | None, checkpoint_out: Path | None,
                      inputs: tuple[Path, ...] = ()) -> None:
    """Store a signed checkpoint of the whole store when a key is set, and write it to `--checkpoint-out`."""
    if signer is None:
        return
    made = store_checkpoint(store, signer, checkpoint_out, "--checkpoint-out", inputs)
    where = f", written to {checkpoint_out}" if checkpoint_out is not None else ""
    typer.echo(f"checkpoint {made.id} signed: {made.checkpoint.size} record(s){where}", err=True)


def checkpoint(
    out: Annotated[Path | None, typer.Option("--out", help=h(
        "Écrit le point de contrôle signé dans ce fichier.",
        "Write the signed checkpoint to this file."))] = None,
    key: KeyOption = None,
    db: DbOption = None,
) -> None:
    """Signe un point de contrôle (checkpoint C2SP) de la piste d'audit, l'enregistre et l'affiche."""
    signer = required_signer(key)
    store = open_db(db)
    try:
        made = store_checkpoint(store, signer, out)
    finally:
        store.close()
    if out is None:
        typer.echo(made.note, nl=False)
    else:
        typer.echo(f"checkpoint {made.id}: {made.checkpoint.size} record(s) written to {out}")


def prove(
    decision_id: Annotated[int, typer.Argument(help=h("La décision enregistrée.", "The stored decision."))],
    db: DbOption = None,
) -> None:
    """Affiche la preuve d'inclusion (JSON) de l'enregistrement d'une décision dans le dernier checkpoint."""
    from ..audit.log import prove as prove_one

    store = open_db(db)
    try:
        with store.errors(f"prove decision {decision_id}"):
            proof = prove_one(store.engine, decision_id)
    finally:
        store.close()
    typer.echo(json.dumps(proof, indent=2, ensure_ascii=False))


def verifiers_of(public_key: Path | None, key: Path | None) -> list[Verifier]:
    """The trusted public key: `--public-key FILE`, else the public half of the signing key, if any."""
    from ..audit.keys import load_verifier

    if public_key is not None:
        return [load_verifier(public_key)]
    signer = signer_of(key)
    return [signer.verifier] if signer is not None else []


def _read_note(path: Path) -> str:
    from ..audit.checkpoint import CheckpointRejected
    from ..files import read_input

    data = read_input(str(path), what="checkpoint file", limit=NOTE_LIMIT)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CheckpointRejected(str(path), "not a signed note: not UTF-8") from None


def verify_checkpoints(store: Store, files: list[Path], public_key: Path | None) -> list[str]:
    """Check the given checkpoint files and the stored checkpoints against the store; the lines to print."""
    from ..audit.log import check_checkpoints

    verifiers = verifiers_of(public_key, None)
    if files and not verifiers:
        raise typer.BadParameter("a checkpoint is checked against a public key: give --public-key FILE "
                                 "(the line `aid-engine audit keygen` printed)", param_hint="--public-key")
    notes = [(str(path), _read_note(path)) for path in files]
    with store.errors("check the checkpoints"):
        checked = check_checkpoints(store.engine, notes, verifiers)
    lines = []
    for c in checked:
        who = (f"signed by {c.signed_by.split('+')[0]}" if c.signed_by
               else "signature not checked: no public key given for its key")
        lines.append(f"checkpoint {c.where}: the store extends it ({c.size} record(s), {who})")
    return lines


def register(app: typer.Typer) -> None:
    """Add keygen, checkpoint and prove to the `audit` group (`audit verify` lives with the store's commands)."""
    audit_app.command("keygen", help=h(
        "Crée une clé de signature Ed25519 (fichier 0600) et affiche sa clé publique sur une ligne.",
        "Creates an Ed25519 signing key (file mode 0600) and prints its public key on one line."))(keygen)
    audit_app.command("checkpoint", help=h(
        "Signe un point de contrôle (checkpoint C2SP) de la piste d'audit, l'enregistre et l'affiche.",
        "Signs a checkpoint (C2SP) of the audit trail, stores it and prints it."))(checkpoint)
    audit_app.command("prove", help=h(
        "Affiche la preuve d'inclusion (JSON) de l'enregistrement d'une décision dans le dernier point de contrôle.",
        "Prints the inclusion proof (JSON) of a decision's record in the latest checkpoint."))(prove)
