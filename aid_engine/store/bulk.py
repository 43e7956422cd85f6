"""Bulk writing for the batch: many rows per statement, through the database driver.

SQLAlchemy's statement machinery costs more per row than the database itself on a batch; these helpers go
to the driver: PostgreSQL `COPY … FROM STDIN`, SQLite `executemany`, values converted by the columns' own
types so that what is stored is exactly what SQLAlchemy would have stored.  Ids are given by the caller
under the store's write lock (`next_id`), and PostgreSQL's sequences are moved past them (`sync_sequence`)
so that an insert without an id still gets a fresh one.

Only `store.writer` uses them, inside a write transaction; they must never commit or open a connection.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import ARRAY, Column, ColumnElement, Connection, String, Table, any_, bindparam, func, select, text

from ..errors import StoreError
from .database import reason_of


def among(connection: Connection, column: Column[Any], values: Collection[str]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `column = ANY(array)`, one parameter (thousands cost more there)."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(f"{column.name}_values", sorted(values), type_=ARRAY(String)))
    return column.in_(sorted(values))


def next_id(connection: Connection, table: Table) -> int:
    """The next free id of `table` (call under the write lock, which every writer of these tables takes)."""
    return int(connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1


def sync_sequence(connection: Connection, table: Table) -> None:
    """On PostgreSQL, move the id sequence past the ids given by `next_id`."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table.name}))"))


_NOTHING = object()


def _values(connection: Connection, table: Table, columns: list[str],
            rows: Sequence[Mapping[str, object]]) -> list[tuple[object, ...]]:
    dialect = connection.dialect
    convert = [(i, f) for i, name in enumerate(columns)
               if (f := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None]
    get = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    if not convert:
        return [get(row) for row in rows]
    last: list[tuple[object, object]] = [(_NOTHING, None)] * len(columns)
    values: list[tuple[object, ...]] = []
    for row in rows:
        cells = list(get(row))
        for i, f in convert:  # the same object as the row before (a chunk's timestamp) converted once
            cell = cells[i]
            seen, converted = last[i]
            if cell is not seen:
                converted = f(cell)
                last[i] = (cell, converted)
            cells[i] = converted
        values.append(tuple(cells))
    return values


def bulk_insert(connection: Connection, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert `rows` (mappings with the same keys) into `table`: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    columns = list(rows[0])
    values = _values(connection, table, columns, rows)
    if connection.dialect.name == "postgresql":
        _copy(connection, table, columns, values)
        return
    marks = ", ".join("?" * len(columns))
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", values)


def _copy(connection: Connection, table: Table, columns: list[str], values: list[tuple[object, ...]]) -> None:
    import psycopg

    driver = connection.connection.driver_connection
    if driver is None:  # pragma: no cover - a live connection always has its driver connection
        raise StoreError(f"cannot copy into {table.name}: the connection is closed")
    try:
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
    except psycopg.Error as exc:  # the driver's own error: say what failed, never the rows' values
        raise StoreError(f"cannot copy rows into {table.name}: {reason_of(exc)}") from exc
