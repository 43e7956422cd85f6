"""The revisions, oldest first: 0001 the tables, 0002 append-only audit records and the lookup indices."""
