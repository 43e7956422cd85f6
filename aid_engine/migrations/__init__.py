"""Alembic migrations of the store, run programmatically by `aid_engine.store.database` (no alembic.ini).

Each revision in `versions/` changes the schema of one release to the next; a database made by one release
opens with the next after `aid-engine db upgrade`.  A revision must never be edited once released: add one.
"""
