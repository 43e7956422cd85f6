"""The Merkle tree against RFC 6962's recursive definitions, written out here as the RFC states them: tree
hashes, inclusion paths and consistency proofs for every size up to 40 (every split shape), and the
verifiers refusing a proof that is one bit off."""

from __future__ import annotations

import hashlib

import pytest

from aid_engine.audit.merkle import (
    CompactRange,
    consistency_spans,
    inclusion_spans,
    roots_at,
    span_hashes,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)

SIZES = range(0, 41)


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _records(n: int) -> list[bytes]:
    return [_h(b"record %d" % i) for i in range(n)]


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    """RFC 6962 § 2.1 MTH."""
    if not d:
        return _h(b"")
    if len(d) == 1:
        return _h(b"\x00" + d[0])
    k = _k(len(d))
    return _h(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    """RFC 6962 § 2.1.1 PATH(m, D[n])."""
    if len(d) == 1:
        return []
    k = _k(len(d))
    return [*path(m, d[:k]), mth(d[k:])] if m < k else [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """RFC 6962 § 2.1.2 SUBPROOF(m, D[n], b)."""
    if m == len(d):
        return [] if b else [mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


@pytest.mark.parametrize("n", SIZES)
def test_the_tree_hash_is_rfc_6962s_at_every_size(n: int) -> None:
    d = _records(n)
    assert tree_hash(d) == mth(d)
    assert roots_at(iter(d), range(n + 1)) == {i: mth(d[:i]) for i in range(n + 1)}


def test_a_size_beyond_the_records_has_no_root() -> None:
    assert roots_at(iter(_records(3)), [2, 5]) == {2: mth(_records(2))}


def test_a_saved_compact_range_goes_on_as_if_never_stopped() -> None:
    d = _records(37)
    tree = CompactRange()
    for r in d[:21]:
        tree.append(r)
    again = CompactRange.restore(tree.size, tree.roots)
    for r in d[21:]:
        again.append(r)
    assert again.root() == mth(d)
    with pytest.raises(ValueError, match="compact range"):
        CompactRange.restore(21, tree.roots[:-1])


@pytest.mark.parametrize("n", range(1, 34))
def test_every_inclusion_proof_is_rfc_6962s_and_verifies(n: int) -> None:
    d = _records(n)
    root = mth(d)
    for m in range(n):
        spans = inclusion_spans(m, n)
        hashes = span_hashes(iter(d), spans)
        proof = [hashes[s] for s in spans]
        assert proof == path(m, d)
        assert verify_inclusion(m, n, d[m], proof, root)
        assert not verify_inclusion(m, n, _h(b"forged"), proof, root)
        assert not verify_inclusion((m + 1) % n, n, d[m], proof, root) or d[m] == d[(m + 1) % n] or n == 1
        assert not verify_inclusion(m, n, d[m], [*proof, root], root)


@pytest.mark.parametrize("n", range(1, 34))
def test_every_consistency_proof_is_rfc_6962s_and_verifies(n: int) -> None:
    d = _records(n)
    for m in range(n + 1):
        spans = consistency_spans(m, n)
        hashes = span_hashes(iter(d), spans)
        proof = [hashes[s] for s in spans]
        assert proof == ([] if m in (0, n) else subproof(m, d, True))
        assert verify_consistency(m, n, mth(d[:m]), mth(d), proof)
        if 0 < m < n:
            assert not verify_consistency(m, n, _h(b"other"), mth(d), proof)
            assert not verify_consistency(m, n, mth(d[:m]), _h(b"other"), proof)
            assert not verify_consistency(m, n, mth(d[:m]), mth(d), proof[:-1])


def test_a_million_leaves_keep_a_compact_range_of_a_few_hashes() -> None:
    tree = CompactRange()
    leaf = bytes(32)
    for _ in range(1 << 20 | 0b1011):
        tree.append_leaf(leaf)
    assert len(tree.roots) == 4 and tree.size == (1 << 20) + 11
