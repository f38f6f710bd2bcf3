"""The audit log's one way in: `record(...)` beside the change, committed with it."""

from __future__ import annotations

import getpass
from typing import Any

import click
from flask import has_request_context, request
from flask_login import current_user

from inbox.extensions import db
from inbox.models import AuditEntry, User

PREVIEW_CHARS = 40  # enough to recognise a message in the log, not enough to copy it out


def preview(text: str | None) -> str | None:
    """The start of a text for `details`: the log is not a second copy of private messages."""
    if not text:
        return None
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"


def _command_line() -> dict[str, str]:
    """Who ran a `flask` command: the entry's actor is "system", this says which login."""
    if has_request_context() or click.get_current_context(silent=True) is None:
        return {}
    try:
        return {"via": "cli", "os_user": getpass.getuser()}
    except (OSError, KeyError):  # no login name in some containers
        return {"via": "cli"}


def record(
    action: str,
    *,
    actor: User | None = None,
    actor_label: str | None = None,
    channel_id: int | None = None,
    target: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry to the current transaction: if the change rolls back, so does its entry.

    `actor` defaults to the signed-in user (None outside a request: the system did it);
    `actor_label` overrides how a user-less actor is shown ("anonymous" for a failed sign-in);
    `target` is a model row (its table and id are kept; a new row is flushed to get its id).
    From a `flask` command, the details say so (and which login ran it).
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    entry = AuditEntry(
        actor_user_id=actor.id if actor else None,
        actor_label=actor.email if actor else (actor_label or "system"),
        action=action,
        channel_id=channel_id,
        details={**(details or {}), **_command_line()} or None,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    if target is not None:
        if target.id is None:
            db.session.add(target)
            db.session.flush()
        entry.target_type = target.__tablename__
        entry.target_id = str(target.id)
    db.session.add(entry)
    return entry
