"""The checkpoint signing key: Ed25519 through `cryptography`, named and identified as C2SP signed-note says.

- The key ID is the first four bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key) (signed-note,
  « Ed25519 signatures »).
- The private key file holds one line, the form Go's `golang.org/x/mod/sumdb/note` gives a signer key:
  `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 ‖ 32-byte Ed25519 seed)>`.
- The public key is printed and read as a signed-note verifier key (vkey), one line:
  `<name>+<hex key ID>+<base64(0x01 ‖ 32-byte Ed25519 public key)>`.

The private key lives in a file outside the database (`--key FILE` or `$AID_ENGINE_SIGNING_KEY`): nothing in
this package ever writes it into the store.  This module must never print or log a private key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ..errors import InputFileError
from ..files import check_output, read_input

KEY_ENV = "AID_ENGINE_SIGNING_KEY"
ED25519 = 0x01  # signed-note's signature type byte for Ed25519
DEFAULT_NAME = "aid-engine"
_PRIVATE_PREFIX = "PRIVATE+KEY+"
_KEY_FILE_LIMIT = 4096
# signed-note: a key name is non-empty, holds no Unicode space and no plus; no control character either.
_BAD_NAME = re.compile(r"[\s+\x00-\x1f\x7f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")


def check_name(name: str) -> str:
    """A key name as signed-note allows it, or ValueError.

    >>> check_name("aid-engine/gip")
    'aid-engine/gip'
    """
    if not name or _BAD_NAME.search(name):
        raise ValueError("a key name is non-empty and holds no space, no plus sign and no control character")
    return name


def key_id(name: str, public: bytes) -> bytes:
    """signed-note's key ID: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ED25519]) + public).digest()[:4]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True, slots=True)
class Verifier:
    """A public key that can check signatures: its name, key ID and Ed25519 key."""

    name: str
    id: bytes
    key: Ed25519PublicKey

    @property
    def vkey(self) -> str:
        """The signed-note verifier key: name+hex(key ID)+base64(0x01 ‖ public key)."""
        material = base64.b64encode(bytes([ED25519]) + _raw_public(self.key)).decode("ascii")
        return f"{self.name}+{self.id.hex()}+{material}"

    def verifies(self, message: bytes, signature: bytes) -> bool:
        try:
            self.key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    @classmethod
    def parse(cls, text: str) -> Verifier:
        """A verifier key line, or ValueError saying what is wrong with it."""
        parts = text.strip().split("+", 2)  # the base64 key may hold + itself
        if len(parts) != 3:
            raise ValueError("a verifier key is NAME+KEYID+KEY (three parts joined by +)")
        name, hex_id, material = parts
        check_name(name)
        raw = _b64(material, "the key")
        if len(raw) != 33 or raw[0] != ED25519:
            raise ValueError("the key is not an Ed25519 verifier key (type byte 0x01 and 32 bytes)")
        public = raw[1:]
        if hex_id != key_id(name, public).hex():
            raise ValueError("the key ID does not match the name and the key")
        return cls(name, key_id(name, public), Ed25519PublicKey.from_public_bytes(public))


@dataclass(frozen=True, slots=True)
class Signer:
    """A private key that signs checkpoints, with its name."""

    name: str
    key: Ed25519PrivateKey

    @property
    def verifier(self) -> Verifier:
        public = self.key.public_key()
        return Verifier(self.name, key_id(self.name, _raw_public(public)), public)

    def sign(self, message: bytes) -> bytes:
        """key ID ‖ Ed25519 signature of `message`: what a signed note's signature line carries."""
        return self.verifier.id + self.key.sign(message)

    def line(self) -> str:
        """The private key file's one line (see the module docstring)."""
        seed = self.key.private_bytes_raw()
        material = base64.b64encode(bytes([ED25519]) + seed).decode("ascii")
        return f"{_PRIVATE_PREFIX}{self.name}+{self.verifier.id.hex()}+{material}\n"

    @classmethod
    def parse(cls, text: str) -> Signer:
        """A private key line, or ValueError saying what is wrong with it (never quoting the key)."""
        text = text.strip()
        if not text.startswith(_PRIVATE_PREFIX):
            raise ValueError(f"a signing key file holds one line starting with {_PRIVATE_PREFIX}")
        parts = text[len(_PRIVATE_PREFIX):].split("+", 2)
        if len(parts) != 3:
            raise ValueError("a signing key is PRIVATE+KEY+NAME+KEYID+KEY")
        name, hex_id, material = parts
        check_name(name)
        raw = _b64(material, "the key")
        if len(raw) != 33 or raw[0] != ED25519:
            raise ValueError("the key is not an Ed25519 signing key (type byte 0x01 and a 32-byte seed)")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if hex_id != signer.verifier.id.hex():
            raise ValueError("the key ID does not match the name and the key")
        return signer


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{what} is not base64") from None


def new_signer(name: str = DEFAULT_NAME) -> Signer:
    return Signer(check_name(name), Ed25519PrivateKey.generate())


def write_key_file(path: Path, signer: Signer, option: str = "--key") -> None:
    """Write the private key to a new file, mode 0600; an existing file is never overwritten.

    Not through `files.safe_output`: its temporary file is created readable by others and its rename replaces
    an existing file; a key file must be neither.  The same checks on the target come first (no link, device).
    """
    where = f"{option} {path}"
    check_output(path, option)
    if os.path.lexists(path):
        raise InputFileError(where, "already exists; a signing key is never overwritten (give a new file)")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise InputFileError(where, "already exists; a signing key is never overwritten (give a new file)") from None
    except OSError as exc:
        raise InputFileError(where, f"cannot be written ({exc.strerror})") from None
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, signer.line().encode("ascii"))
    finally:
        os.close(fd)


def key_path(key: Path | None) -> Path | None:
    """The signing key file: `--key`, else `$AID_ENGINE_SIGNING_KEY`, else none."""
    if key is not None:
        return key
    from_env = os.environ.get(KEY_ENV)
    return Path(from_env) if from_env else None


def load_signer(path: Path, option: str = "--key") -> Signer:
    """The signing key in `path`; a file that is not one is bad input naming it (never quoting it)."""
    text = read_input(str(path), what="signing key file", limit=_KEY_FILE_LIMIT).decode("ascii", "replace")
    try:
        return Signer.parse(text)
    except ValueError as exc:
        raise InputFileError(f"{option} {path}", str(exc)) from None


def load_verifier(path: Path, option: str = "--public-key") -> Verifier:
    """The verifier key in `path` (one line, as `audit keygen` prints it)."""
    text = read_input(str(path), what="public key file", limit=_KEY_FILE_LIMIT).decode("utf-8", "replace")
    try:
        return Verifier.parse(text)
    except ValueError as exc:
        raise InputFileError(f"{option} {path}", str(exc)) from None
