"""Reading the audit log: filters, and keyset pages newest first (by id, which only grows)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from inbox.extensions import db
from inbox.models import AuditEntry
from inbox.pagination import Page, fetch_page

# "conversation.assigned" exactly, or "conversation." for every action of that area.
ACTION_FILTER = re.compile(r"^[a-z_]+(\.[a-z_]*)?$")
TARGET_TYPE = re.compile(r"^[a-z_]+$")


class BadFilter(ValueError):
    """A filter that cannot mean anything; its message is written for the person asking."""


@dataclass(frozen=True)
class AuditFilters:
    actor_user_id: int | None = None
    action: str | None = None  # an action, or a prefix ending in "."
    channel_id: int | None = None
    target_type: str | None = None  # a table name: "conversations", "messages", "users"…
    target_id: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    def __post_init__(self) -> None:
        if self.action is not None and (
            len(self.action) > 64 or not ACTION_FILTER.fullmatch(self.action)
        ):
            raise BadFilter(_l('action must be an action name or a prefix like "conversation."'))
        if self.target_type is not None and (
            len(self.target_type) > 32 or not TARGET_TYPE.fullmatch(self.target_type)
        ):
            raise BadFilter(_l('target_type must be a kind of row, like "conversations".'))
        if self.target_id is not None and len(self.target_id) > 64:
            raise BadFilter(_l("target_id is too long."))
        if self.since and self.until and self.since >= self.until:
            raise BadFilter(_l("The start of the range must come before its end."))


def _conditions(filters: AuditFilters) -> list[sa.ColumnElement[bool]]:
    equal = (
        (AuditEntry.actor_user_id, filters.actor_user_id),
        (AuditEntry.channel_id, filters.channel_id),
        (AuditEntry.target_type, filters.target_type),
        (AuditEntry.target_id, filters.target_id),
    )
    conditions = [column == value for column, value in equal if value is not None]
    if filters.action:
        prefix = filters.action.endswith(".")
        conditions.append(
            AuditEntry.action.startswith(filters.action, autoescape=True)
            if prefix
            else AuditEntry.action == filters.action
        )
    if filters.since is not None:
        conditions.append(AuditEntry.created_at >= filters.since)
    if filters.until is not None:
        conditions.append(AuditEntry.created_at < filters.until)
    return conditions


def list_entries(
    filters: AuditFilters, *, before: int | None = None, limit: int = 50
) -> tuple[Page[AuditEntry], int | None]:
    """A page of entries newest first, and the `before` that fetches the next (older) page."""
    statement = sa.select(AuditEntry).where(*_conditions(filters)).order_by(AuditEntry.id.desc())
    if before is not None:
        statement = statement.where(AuditEntry.id < before)
    page = fetch_page(statement, db.session, limit)
    return page, page.items[-1].id if page.has_more else None
