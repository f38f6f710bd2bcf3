"""The audit log's one way in: `record(...)` beside the change, committed with it."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from inbox.extensions import db
from inbox.models import AuditEntry, User


def record(
    action: str,
    *,
    actor: User | None = None,
    channel_id: int | None = None,
    target: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry to the current transaction: if the change rolls back, so does its entry.

    `actor` defaults to the signed-in user (None outside a request: the system did it);
    `target` is a model row (its table and id are kept) or None.
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    entry = AuditEntry(
        actor_user_id=actor.id if actor else None,
        actor_label=actor.email if actor else "system",
        action=action,
        channel_id=channel_id,
        details=details or None,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    if target is not None:
        entry.target_type = target.__tablename__
        entry.target_id = str(target.id)
    db.session.add(entry)
    return entry
