"""Keeping the search index in step with messages: new ones, edits, unsends, notes.

A flush marks the messages it wrote; before each commit (savepoints included) their index
rows are rebuilt in the same transaction, so the index never holds what rolled back.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from inbox.history.terms import index_terms
from inbox.models import Message, MessageRevision

DIRTY = "inbox.search.dirty"
SEARCH_TABLES_PREFIX = "message_search"


def searchable_text(message_type: str, text: str | None, payload: dict[str, Any] | None) -> str:
    """What a search should find in a message: its text, a file's name, a place's name and
    address, a postback's data, a sticker's keywords."""
    payload = payload or {}
    parts = [text or ""]
    if message_type == "file":
        parts.append(payload.get("fileName") or "")
    elif message_type == "location":
        parts += [payload.get("title") or "", payload.get("address") or ""]
    elif message_type == "postback":
        parts.append(payload.get("data") or "")
    elif message_type == "sticker":
        parts += [*(payload.get("keywords") or []), payload.get("text") or ""]
    return " ".join(part for part in parts if part)


def _tsvector_literal(terms: list[str]) -> str:
    """A tsvector written out lexeme by lexeme, with positions (phrases need them)."""
    lexemes = (term.replace("\\", "\\\\").replace("'", "''") for term in terms)
    return " ".join(f"'{lexeme}':{position}" for position, lexeme in enumerate(lexemes, 1))


def reindex(connection: Connection, message_ids: list[int]) -> None:
    """Rebuild the index rows of these messages (current text and every earlier version)."""
    if not message_ids:
        return
    messages = connection.execute(
        sa.select(Message.id, Message.type, Message.text, Message.payload).where(
            Message.id.in_(message_ids)
        )
    ).all()
    earlier: dict[int, list[str]] = {}
    for message_id, text in connection.execute(
        sa.select(MessageRevision.message_id, MessageRevision.text).where(
            MessageRevision.message_id.in_(message_ids)
        )
    ):
        earlier.setdefault(message_id, []).append(text or "")
    rows = []
    for message_id, message_type, text, payload in messages:
        full = " ".join(
            [searchable_text(message_type, text, payload), *earlier.get(message_id, [])]
        )
        terms = index_terms(full)
        if terms:
            rows.append({"id": message_id, "terms": terms})
    sqlite = connection.dialect.name == "sqlite"
    key = "rowid" if sqlite else "message_id"
    connection.execute(
        sa.text(f"DELETE FROM message_search WHERE {key} IN ({','.join(map(str, message_ids))})")
    )
    if not rows:
        return
    if sqlite:
        statement = sa.text("INSERT INTO message_search (rowid, terms) VALUES (:id, :terms)")
        connection.execute(
            statement, [{"id": r["id"], "terms": " ".join(r["terms"])} for r in rows]
        )
    else:
        statement = sa.text(
            "INSERT INTO message_search (message_id, terms) VALUES (:id, CAST(:terms AS tsvector))"
        )
        connection.execute(
            statement, [{"id": r["id"], "terms": _tsvector_literal(r["terms"])} for r in rows]
        )


def _after_flush(session: Session, _context: Any) -> None:
    dirty: set[int] = session.info.setdefault(DIRTY, set())
    for row in [*session.new, *session.dirty]:
        if isinstance(row, Message) and row.id is not None:
            dirty.add(row.id)
        elif isinstance(row, MessageRevision) and row.message_id is not None:
            dirty.add(row.message_id)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the batch's real commit indexes everything at once
    session.flush()
    dirty = session.info.pop(DIRTY, None)
    if dirty:
        reindex(session.connection(), sorted(dirty))


def _forget(session: Session, *_args: Any) -> None:
    if not session.in_nested_transaction():
        session.info.pop(DIRTY, None)


def include_in_schema_check(name: str | None, type_: str, _parent: Any) -> bool:
    """Alembic's model comparison: the search table lives outside the models."""
    return not (type_ == "table" and name and name.startswith(SEARCH_TABLES_PREFIX))


def init_app(app: Flask) -> None:
    if not sa.event.contains(Session, "before_commit", _before_commit):
        sa.event.listen(Session, "after_flush", _after_flush)
        sa.event.listen(Session, "before_commit", _before_commit)
        sa.event.listen(Session, "after_rollback", _forget)
