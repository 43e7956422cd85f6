"""Keys and signed notes as C2SP signed-note and tlog-checkpoint state them, with the spec's own example."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from aid_engine.audit.checkpoint import Checkpoint, CheckpointRejected, SignedNote, open_note
from aid_engine.audit.keys import Signer, Verifier, load_signer, new_signer, write_key_file
from aid_engine.errors import InputFileError

# signed-note « Verifier keys », Example: this vkey verifies this note.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = ("This is an example message.\n\n— example.com/foo "
             "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")


def test_the_specs_example_note_verifies_with_its_vkey_and_not_once_altered() -> None:
    verifier = Verifier.parse(SPEC_VKEY)
    assert verifier.vkey == SPEC_VKEY
    assert SignedNote.parse(SPEC_NOTE, "spec").verified_by([verifier], "spec") == verifier
    with pytest.raises(CheckpointRejected, match="does not verify"):
        SignedNote.parse(SPEC_NOTE.replace("example", "Example", 1), "spec").verified_by([verifier], "spec")


def test_a_checkpoint_round_trips_through_its_signed_note() -> None:
    signer = new_signer("aid-engine/test")
    point = Checkpoint("aid-engine/store-1", 20852163, bytes(range(32)))
    note = point.sign(signer)
    lines = note.split("\n")
    assert lines[:3] == ["aid-engine/store-1", "20852163", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="]
    assert lines[3] == "" and lines[4].startswith("— aid-engine/test ") and lines[5:] == [""]
    assert open_note(note, [signer.verifier], "n") == point
    other = new_signer("aid-engine/test")
    with pytest.raises(CheckpointRejected, match="signed by another key"):
        open_note(note, [other.verifier], "n")
    with pytest.raises(CheckpointRejected, match="does not verify"):
        open_note(note.replace("20852163", "20852164"), [signer.verifier], "n")


@pytest.mark.parametrize("bad", ["no blank line\n— a b\n", "a\n\n— name\n", "a\n1\n\n— k AAAA\n",
                                 "a\x01\n\n— k AAAAAAAA\n"])
def test_what_is_not_a_signed_note_is_refused(bad: str) -> None:
    with pytest.raises(CheckpointRejected):
        SignedNote.parse(bad, "x")


def test_keygen_writes_a_private_file_once(tmp_path: Path) -> None:
    path = tmp_path / "signing.key"
    signer = new_signer()
    write_key_file(path, signer)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_signer(path).verifier == signer.verifier
    assert Signer.parse(signer.line()).verifier.vkey == signer.verifier.vkey
    with pytest.raises(InputFileError, match="never overwritten"):
        write_key_file(path, new_signer())
    link = tmp_path / "link.key"
    link.symlink_to(tmp_path / "elsewhere.key")
    with pytest.raises(InputFileError, match="symbolic link"):
        write_key_file(link, signer)


@pytest.mark.parametrize("name", ["", "two words", "a+b", "tab\there"])
def test_a_key_name_signed_note_refuses_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="key name"):
        new_signer(name)
