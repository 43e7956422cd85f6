"""Checkpoints: C2SP tlog-checkpoint bodies in C2SP signed notes, signed with Ed25519.

A checkpoint's note text is three lines, each ending in a newline: the origin `aid-engine/<store id>`, the
number of audit records it covers (decimal, no leading zero), and the base64 RFC 6962 tree hash of those
records' hashes.  The signed note is that text, an empty line, then one signature line per key:
`— <key name> <base64(4-byte key ID ‖ 64-byte Ed25519 signature of the note text)>`.

Pure: it never reads a database or a file.  A note is refused (`CheckpointRejected`) unless a signature by
one of the given verifier keys verifies; signatures by other keys are ignored, as signed-note requires.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import AuditChainBroken
from .keys import Signer, Verifier
from .merkle import HASH_SIZE

ORIGIN_PREFIX = "aid-engine/"
_DASH = "\u2014"
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_SIZE = re.compile(r"0|[1-9][0-9]*")
MAX_NOTE = 64 * 1024
MAX_SIGNATURES = 64


class CheckpointRejected(AuditChainBroken):
    """A checkpoint the store does not extend, or that no trusted key signed: `audit verify` exits 1."""

    code = "checkpoint_rejected"

    def __init__(self, where: str, message: str) -> None:
        self.record_id = None
        self.where = where
        Exception.__init__(self, f"checkpoint {where}: {message}")


def origin_of(store_id: str) -> str:
    return ORIGIN_PREFIX + store_id


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What a checkpoint states: whose log (origin), how many records, the tree hash of those records."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        """The note text (tlog-checkpoint): origin, size, base64 root, each line ending in a newline.

        >>> Checkpoint("aid-engine/x", 0, bytes(32)).text()
        'aid-engine/x\\n0\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\n'
        """
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode('ascii')}\n"

    def sign(self, signer: Signer) -> str:
        """The signed note: the text, an empty line, the signature line."""
        text = self.text()
        signature = base64.b64encode(signer.sign(text.encode("utf-8"))).decode("ascii")
        return f"{text}\n{_DASH} {signer.name} {signature}\n"

    @classmethod
    def parse_text(cls, text: str, where: str) -> Checkpoint:
        """The checkpoint a note text states (its three first lines; extension lines are ignored)."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
            raise CheckpointRejected(where, "not a checkpoint: its text is not three or more non-empty lines")
        origin, size, root = lines[0], lines[1], lines[2]
        if not _SIZE.fullmatch(size):
            raise CheckpointRejected(where, "not a checkpoint: its second line is not a record count")
        try:
            digest = base64.b64decode(root, validate=True)
        except (binascii.Error, ValueError):
            digest = b""
        if len(digest) != HASH_SIZE:
            raise CheckpointRejected(where, "not a checkpoint: its third line is not a base64 SHA-256 hash")
        return cls(origin, int(size), digest)


@dataclass(frozen=True, slots=True)
class SignedNote:
    """A signed note split into its text and its signature lines (key name, decoded signature)."""

    text: str
    signatures: tuple[tuple[str, bytes], ...]

    @classmethod
    def parse(cls, note: str, where: str) -> SignedNote:
        """Split a signed note (signed-note « Format »), or `CheckpointRejected` saying why it is not one."""
        if len(note) > MAX_NOTE or _CONTROL.search(note):
            raise CheckpointRejected(where, "not a signed note (too long, or a control character)")
        text, blank, signed = note.rpartition("\n\n")
        if not blank or not signed.endswith("\n"):
            raise CheckpointRejected(where, "not a signed note: no empty line before the signatures")
        signatures = []
        for line in signed[:-1].split("\n")[:MAX_SIGNATURES + 1]:
            parts = line.split(" ")
            if len(parts) != 3 or parts[0] != _DASH or not parts[1]:
                raise CheckpointRejected(where, "not a signed note: a signature line is not « — NAME SIGNATURE »")
            try:
                raw = base64.b64decode(parts[2], validate=True)
            except (binascii.Error, ValueError):
                raise CheckpointRejected(where, "not a signed note: a signature is not base64") from None
            if len(raw) < 5:
                raise CheckpointRejected(where, "not a signed note: a signature is too short")
            signatures.append((parts[1], raw))
        if len(signatures) > MAX_SIGNATURES:
            raise CheckpointRejected(where, f"more than {MAX_SIGNATURES} signatures")
        return cls(text + "\n", tuple(signatures))

    def verified_by(self, verifiers: Sequence[Verifier], where: str) -> Verifier:
        """The first trusted key whose signature verifies; refused when a trusted key's signature fails or
        no trusted key signed (signatures by unknown keys are ignored)."""
        message = self.text.encode("utf-8")
        good: Verifier | None = None
        for name, raw in self.signatures:
            for verifier in verifiers:
                if (name, raw[:4]) != (verifier.name, verifier.id):
                    continue
                if not verifier.verifies(message, raw[4:]):
                    raise CheckpointRejected(where, f"the signature by key {name} does not verify: the checkpoint "
                                                    "was altered after it was signed")
                good = good or verifier
        if good is None:
            names = ", ".join(sorted({name for name, _ in self.signatures}))
            raise CheckpointRejected(where, f"signed by another key ({names}), not by the public key given")
        return good


def open_note(note: str, verifiers: Sequence[Verifier], where: str) -> Checkpoint:
    """The checkpoint of a signed note that one of `verifiers` signed (see `SignedNote.verified_by`)."""
    signed = SignedNote.parse(note, where)
    signed.verified_by(verifiers, where)
    return Checkpoint.parse_text(signed.text, where)
