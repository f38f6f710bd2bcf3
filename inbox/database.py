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
    """On SQLite, give the session's new rows of these models their ids before the flush.

    SQLite cannot return a multi-row insert's ids in the rows' order, so SQLAlchemy inserts
    rows it must learn ids for one statement at a time; rows that already have their ids go
    in as one executemany per table. Safe only in a transaction that has already written:
    it holds SQLite's one write lock, so no other writer can take the same ids meanwhile.
    """
    if session.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL returns a multi-row insert's ids in order
    for model in models:
        new = sorted(
            (row for row in session.new if type(row) is model and row.id is None),
            key=lambda row: sa.inspect(row).insert_order or 0,  # the order they were added
        )
        if not new:
            continue
        table: sa.Table = model.__table__  # type: ignore[attr-defined]
        highest = session.connection().scalar(sa.select(sa.func.max(table.c.id))) or 0
        for offset, row in enumerate(new, start=1):
            row.id = highest + offset
