"""The revisions, oldest first: 0001 the tables, 0002 append-only audit records and the lookup indices, 0003 the
users of `serve`, 0004 the signed checkpoints, 0005 format 2 of the audit trail (keyed digests, records binding
every stored fact, rule sets archived)."""
