"""Engine behaviour that must hold for every connection."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from inbox.extensions import db

# What PostgreSQL's text and JSONB cannot hold: NUL, and UTF-16 halves without their pair.
UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the web server read while the webhook writes; busy_timeout rides out the lock.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def init_app(app: Flask) -> None:
    with app.app_context():
        sa.event.listen(db.engine, "connect", _tune_sqlite)


def conflict_insert(table: sa.Table, dialect_name: str) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT (DO NOTHING / DO UPDATE) on this database."""
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    if dialect_name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"Unsupported database {dialect_name!r}: use PostgreSQL or SQLite")


def number_new_rows(session: Session, models: tuple[type, ...]) -> None:
    """Give the session's new rows of these models their ids before the flush, so each
    table's rows go in as one executemany that returns nothing.

    Rows without ids must be inserted with RETURNING. SQLite cannot return a multi-row
    insert's ids in order, so SQLAlchemy inserts those rows one statement at a time; on
    PostgreSQL it builds one statement with a placeholder per value, which psycopg parses
    anew each time (it caches only short queries), where a short INSERT is prepared once.

    On SQLite this is safe only in a transaction that has already written: it holds the one
    write lock, so no other writer can take the same ids meanwhile. PostgreSQL's sequences
    never hand out an id twice.
    """
    dialect = session.get_bind().dialect.name
    for model in models:
        new = sorted(
            (row for row in session.new if type(row) is model and row.id is None),
            key=lambda row: sa.inspect(row).insert_order or 0,  # the order they were added
        )
        if new:
            table: sa.Table = model.__table__  # type: ignore[attr-defined]
            for row, row_id in zip(new, _new_ids(session, table, len(new), dialect), strict=True):
                row.id = row_id


def _new_ids(session: Session, table: sa.Table, count: int, dialect: str) -> list[int]:
    connection = session.connection()
    if dialect == "sqlite":
        highest = connection.scalar(sa.select(sa.func.max(table.c.id))) or 0
        return list(range(highest + 1, highest + count + 1))
    sequence = sa.func.pg_get_serial_sequence(table.name, "id")
    taken = connection.scalars(
        sa.select(sa.func.nextval(sequence)).select_from(sa.func.generate_series(1, count))
    )
    return sorted(taken)
