"""Keyset (cursor) pagination: stable under inserts, cheap at any depth."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

T = TypeVar("T")


class BadCursor(ValueError):
    pass


def encode_cursor(at: datetime, row_id: int) -> str:
    raw = json.dumps([at.isoformat(), row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, row_id = json.loads(raw)
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None or not isinstance(row_id, int):
            raise ValueError
        return parsed, row_id
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise BadCursor("The cursor is not valid; use one this API returned.") from exc


def after(
    time_column: InstrumentedAttribute[datetime],
    id_column: InstrumentedAttribute[int],
    cursor: tuple[datetime, int],
    *,
    descending: bool,
) -> sa.ColumnElement[bool]:
    """Rows strictly past the cursor in (time, id) order, ascending or descending."""
    at, row_id = cursor
    if descending:
        return sa.or_(time_column < at, sa.and_(time_column == at, id_column < row_id))
    return sa.or_(time_column > at, sa.and_(time_column == at, id_column > row_id))


@dataclass
class Page(Generic[T]):
    items: list[T]
    has_more: bool


def fetch_page(statement: sa.Select[Any], session: Any, limit: int) -> Page[Any]:
    """Run an ordered statement for limit + 1 rows to learn whether more follow."""
    rows = list(session.scalars(statement.limit(limit + 1)))
    return Page(items=rows[:limit], has_more=len(rows) > limit)
