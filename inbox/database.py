"""Engine behaviour that must hold for every connection."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite

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
