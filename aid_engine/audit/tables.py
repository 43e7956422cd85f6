"""The tables of the checkpoints, exactly as the migration `r0004_checkpoints` creates them.

- `store_identity`: one row, written once when the store is created (or upgraded to this revision): the store
  id that names the store in a checkpoint's origin line, `aid-engine/<store id>`.
- `checkpoints`: every signed checkpoint the store made: its record count, its root (hex), the compact range
  of the tree at that size (so that the next checkpoint reads only the records after it), the signed note.

Neither holds a key: the signing key lives in a file outside the database.  This module only describes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Integer, Text
from sqlmodel import Field, SQLModel


class StoreIdentityRow(SQLModel, table=True):
    """The store's id, one row (id 1)."""

    __tablename__ = "store_identity"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    store_id: str = Field(max_length=64)
    created_at: datetime


class CheckpointRow(SQLModel, table=True):
    """A signed checkpoint of the first `tree_size` audit records."""

    __tablename__ = "checkpoints"

    id: int | None = Field(default=None, primary_key=True)
    tree_size: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    root_hash: str = Field(max_length=64)
    compact_range: str = Field(sa_type=Text)
    key_name: str = Field(max_length=200)
    note: str = Field(sa_type=Text)
    created_at: datetime


store_identity = SQLModel.metadata.tables["store_identity"]
checkpoints = SQLModel.metadata.tables["checkpoints"]
