"""The RFC 6962 Merkle tree over the audit records' hashes: tree hashes, inclusion and consistency proofs.

The leaves are the audit records' hashes (32 bytes each) in chain order.  As RFC 6962 § 2.1 (and RFC 9162
§ 2.1.1) defines it: the hash of an empty tree is SHA-256 of nothing; a leaf's hash is SHA-256(0x00 ‖ record
hash); a node's is SHA-256(0x01 ‖ left ‖ right); a tree of n > 1 leaves splits at k, the largest power of two
smaller than n, into the first k leaves and the rest.

Every computation streams the leaves once, in order, keeping a compact range (the roots of the perfect
subtrees the leaves so far make, at most one per bit of the count), so a million records cost a million leaf
hashes and a few dozen hashes of memory.  A proof is a list of subtree hashes over disjoint ranges of leaves,
computed in the same single pass.

Pure: this module never reads a database, a file or the clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(record_hash: bytes) -> bytes:
    """SHA-256(0x00 ‖ record hash): a leaf of the tree.

    >>> leaf_hash(bytes(32)).hex()[:16]
    '7f9c9e31ac8256ca'
    """
    return hashlib.sha256(b"\x00" + record_hash).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right): an inner node of the tree."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than `n` (n ≥ 2): where RFC 6962 splits a tree of n leaves.

    >>> [split_point(n) for n in (2, 3, 4, 5, 8, 9)]
    [1, 2, 2, 4, 4, 8]
    """
    return 1 << ((n - 1).bit_length() - 1)


@dataclass(slots=True)
class CompactRange:
    """The leaves appended so far, as the roots of their perfect subtrees (largest first) and their count.

    `root()` folds them right to left, which is exactly RFC 6962's tree hash of those leaves.
    """

    size: int = 0
    roots: list[bytes] = field(default_factory=list)

    def append_leaf(self, leaf: bytes) -> None:
        """Add one leaf hash; merge the equal-sized subtrees it completes (one per trailing 1 bit)."""
        self.roots.append(leaf)
        size = self.size
        while size & 1:
            right = self.roots.pop()
            self.roots[-1] = node_hash(self.roots[-1], right)
            size >>= 1
        self.size += 1

    def append(self, record_hash: bytes) -> None:
        """Add one record hash as a leaf."""
        self.append_leaf(leaf_hash(record_hash))

    def root(self) -> bytes:
        """The tree hash of the leaves so far.

        >>> CompactRange().root() == EMPTY_ROOT
        True
        """
        if not self.roots:
            return EMPTY_ROOT
        value = self.roots[-1]
        for left in reversed(self.roots[:-1]):
            value = node_hash(left, value)
        return value

    def copy(self) -> CompactRange:
        return CompactRange(self.size, list(self.roots))

    @classmethod
    def restore(cls, size: int, roots: Sequence[bytes]) -> CompactRange:
        """A compact range saved before (one root per set bit of `size`); refused if the counts disagree."""
        if len(roots) != size.bit_count() or any(len(r) != HASH_SIZE for r in roots):
            raise ValueError(f"a compact range of {size} leaves holds {size.bit_count()} hashes of 32 bytes")
        return cls(size, list(roots))


def tree_hash(record_hashes: Iterable[bytes]) -> bytes:
    """RFC 6962's tree hash of all the record hashes given (streamed)."""
    tree = CompactRange()
    for record_hash in record_hashes:
        tree.append(record_hash)
    return tree.root()


def roots_at(record_hashes: Iterable[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """The tree hash of the first n record hashes, for each n of `sizes` that the records reach, in one pass.

    A size beyond the number of records is absent from the answer (the store is shorter).
    """
    wanted = sorted(set(sizes))
    found: dict[int, bytes] = {}
    tree = CompactRange()
    pending = iter(wanted)
    target = next(pending, None)
    while target == 0:
        found[0] = EMPTY_ROOT
        target = next(pending, None)
    for record_hash in record_hashes:
        if target is None:
            break
        tree.append(record_hash)
        while target is not None and tree.size == target:
            found[target] = tree.root()
            target = next(pending, None)
    return found


# -- proofs ----------------------------------------------------------------------------------------------------

Span = tuple[int, int]  # leaves [start, end)


def inclusion_spans(index: int, size: int) -> list[Span]:
    """The leaf ranges whose tree hashes make the inclusion proof of leaf `index` in a tree of `size` leaves,
    in the proof's order (RFC 6962 § 2.1.1, PATH(m, D[n]): the sibling nearest the leaf first).

    >>> inclusion_spans(0, 3)
    [(1, 2), (2, 3)]
    >>> inclusion_spans(2, 3)
    [(0, 2)]
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    spans: list[Span] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            spans.append((start + k, end))
            end = start + k
        else:
            spans.append((start, start + k))
            start += k
    spans.reverse()
    return spans


def consistency_spans(old: int, new: int) -> list[Span]:
    """The leaf ranges whose tree hashes make the consistency proof from a tree of `old` leaves to one of
    `new` (RFC 6962 § 2.1.2, PROOF(m, D[n])); empty when old is 0 or old equals new.

    >>> consistency_spans(3, 7)
    [(2, 3), (3, 4), (0, 2), (4, 7)]
    """
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from {old} leaves to {new}")
    if old in (0, new):
        return []
    spans: list[Span] = []
    start, end, m, complete = 0, new, old, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                spans.append((start, end))
            break
        k = split_point(n)
        if m <= k:
            spans.append((start + k, end))
            end = start + k
        else:
            spans.append((start, start + k))
            start, m, complete = start + k, m - k, False
    spans.reverse()
    return spans


def span_hashes(record_hashes: Iterable[bytes], spans: Sequence[Span]) -> dict[Span, bytes]:
    """The tree hash of each leaf range in `spans` (disjoint ranges), reading the record hashes once."""
    ordered = sorted(set(spans))
    found: dict[Span, bytes] = {}
    todo: Iterator[Span] = iter(ordered)
    current = next(todo, None)
    tree = CompactRange()
    for index, record_hash in enumerate(record_hashes):
        if current is None:
            break
        start, end = current
        if index < start:
            continue
        tree.append(record_hash)
        if index + 1 == end:
            found[current] = tree.root()
            tree = CompactRange()
            current = next(todo, None)
    return found


# -- verifying proofs (RFC 9162 § 2.1.3.2 and § 2.1.4.2) ----------------------------------------------------


def root_from_inclusion(index: int, size: int, record_hash: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root an inclusion proof leads to from a record hash; None when the proof has the wrong length."""
    if not 0 <= index < size:
        return None
    fn, sn = index, size - 1
    value = leaf_hash(record_hash)
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            value = node_hash(sibling, value)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            value = node_hash(value, sibling)
        fn, sn = fn >> 1, sn >> 1
    return value if sn == 0 else None


def verify_inclusion(index: int, size: int, record_hash: bytes, path: Sequence[bytes], root: bytes) -> bool:
    """Whether `path` proves that `record_hash` is leaf `index` of the tree of `size` leaves with `root`."""
    return root_from_inclusion(index, size, record_hash, path) == root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """Whether `proof` shows the tree of `new` leaves with `new_root` extends the one of `old` with `old_root`."""
    if not 0 <= old <= new:
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0 or not proof:
        return old == 0 and not proof
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is the first node of the path
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
