"""The record module: one canonical JSON writer, the faster form of it for declarations pinned to it, the
hashes of both formats, the keyed digests."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import declarations

from aid_engine import Declaration
from aid_engine.store.records import (
    GENESIS,
    Record,
    canonical_json,
    declaration_json,
    kept,
    keyed_hex,
    sha256_hex,
)

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | _TEXT,
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
                     max_leaves=20)


@given(_JSON)
def test_canonical_json_is_sorted_compact_utf8_and_reads_back_as_the_value(value: Any) -> None:
    text = canonical_json(value)
    assert json.loads(text) == value
    assert text == json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@settings(max_examples=200)
@given(declarations())
def test_declaration_json_is_the_canonical_json_of_the_validated_declaration(raw: dict[str, Any]) -> None:
    declaration = Declaration.parse(raw)
    assert declaration_json(declaration) == canonical_json(declaration.model_dump(mode="json"))


@given(_TEXT, st.sampled_from(["learner", "L-é\u2028\"\\"]), st.integers(min_value=1, max_value=10**9))
def test_a_record_hash_is_the_sha256_of_the_canonical_json_of_its_header(operator: str, learner: str,
                                                                        ident: int) -> None:
    record = Record(ident, "decision", learner, "d" * 64, '{"status":"granted"}', "gen/2024-2025", "s" * 64,
                    "0.1.0", operator, "2024-09-01T00:00:00.000000Z", GENESIS, decision_id=ident, run_id=None,
                    line=None, lang="fr", decision_digest="k" * 64)
    header = record.header()
    assert header["format"] == 2 and header["payload_sha256"] == sha256_hex(record.payload)
    assert record.hash() == sha256_hex(canonical_json(header))
    assert set(header) == {"format", "id", "kind", "learner_id", "declaration_digest", "payload_sha256",
                           "ruleset_id", "ruleset_sha256", "engine_version", "operator", "recorded_at",
                           "prev_hash", "decision_id", "run_id", "line", "lang", "decision_digest"}
    for field, other in (("operator", operator + "x"), ("lang", "en"), ("decision_id", ident + 1),
                         ("run_id", 1), ("line", 2), ("decision_digest", "j" * 64), ("format", 1)):
        assert Record.of({**record.row(), field: other}).hash() != record.hash(), field


def test_a_format1_record_hashes_as_the_first_release_did() -> None:
    row = {"id": 1, "kind": "decision", "learner_id": "L1", "declaration_digest": "d" * 64, "payload": "{}",
           "ruleset_id": "gen/2024-2025", "ruleset_sha256": "s" * 64, "engine_version": "0.1.0", "operator": "op",
           "recorded_at": "2024-09-01T00:00:00.000000Z", "prev_hash": GENESIS, "format": 1, "decision_id": None,
           "run_id": None, "line": None, "lang": None, "decision_digest": None}
    expected = sha256_hex(
        '{"chain_version":1,"declaration_digest":"' + "d" * 64 + '","engine_version":"0.1.0","id":1,'
        '"kind":"decision","learner_id":"L1","operator":"op","payload_sha256":"' + sha256_hex("{}") + '",'
        '"prev_hash":"' + GENESIS + '","recorded_at":"2024-09-01T00:00:00.000000Z","ruleset_id":"gen/2024-2025",'
        '"ruleset_sha256":"' + "s" * 64 + '"}')
    assert Record.of(row).hash() == expected


def test_a_keyed_digest_needs_the_secret() -> None:
    text = '{"revenu_brut_global":"100.00"}'
    assert keyed_hex(b"a" * 32, text) != keyed_hex(b"b" * 32, text) != sha256_hex(text)
    assert keyed_hex(b"a" * 32, text) == keyed_hex(b"a" * 32, text)


def test_kept_leaves_only_the_training_and_the_learner() -> None:
    assert json.loads(kept('{"learner_id":"L","sex":"F","fabrique_id":"F","training_start_date":"2024-09-16"}')) \
        == {"learner_id": "L", "fabrique_id": "F", "training_start_date": "2024-09-16"}
