"""Signed checkpoints of the audit trail: an RFC 6962 Merkle tree over the records' hashes, C2SP checkpoints
signed with Ed25519, inclusion and consistency proofs.

- `merkle`: the tree (pure): tree hashes, compact ranges, proofs and their verification.
- `keys`: the signing key file and the verifier key (`cryptography`'s Ed25519).
- `checkpoint`: the checkpoint text and its signed note (pure).
- `log`: the store's side: its id, its record hashes in chain order, the `checkpoints` table, proofs.

`docs/audit.md` states every format so that a third party can check a checkpoint and a proof without
aid_engine.  Nothing here ever writes a private key into the store.
"""
