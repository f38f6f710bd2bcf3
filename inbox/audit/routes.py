"""The audit log for supervisors and admins: the page /audit and the API GET /api/audit."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from inbox.api.input import BadInput, guard, in_utc, is_row_id, zoned_moment
from inbox.api.routes import bp as api_bp
from inbox.api.routes import page_size
from inbox.api.serializers import iso
from inbox.audit.actions import KINDS, SENTENCES, conversation_id_of, describe, target_name
from inbox.audit.queries import AuditFilters, BadFilter, list_entries
from inbox.auth import roles_required
from inbox.extensions import db
from inbox.i18n import viewer_zone
from inbox.models import AuditEntry, Channel, Role, User

bp = Blueprint("audit", __name__)
guard(bp)

PAGE_SIZE = 50


def _number(args: MultiDict[str, str], name: str, message: str) -> int | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    if not is_row_id(raw):
        raise BadFilter(message)
    return int(raw)


def _moment(args: MultiDict[str, str], name: str) -> datetime | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        return zoned_moment(raw, name)
    except ValueError as problem:
        raise BadFilter(str(problem)) from problem


def _local_day(args: MultiDict[str, str], name: str, *, end: bool) -> datetime | None:
    """A page date (YYYY-MM-DD) as the start of that day, or of the next, in the viewer's zone."""
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise BadFilter(_("%(name)s must be a date like 2026-11-24.", name=name)) from exc
    if end and day == date.max:
        return None  # up to the end of time: no upper bound
    return in_utc(
        datetime.combine(day + timedelta(days=1 if end else 0), time(), tzinfo=viewer_zone()),
        name,
    )


def _filters(args: MultiDict[str, str], *, page: bool) -> AuditFilters:
    """The shared filters; the API takes exact times, the page whole days in the viewer's zone."""
    return AuditFilters(
        actor_user_id=_number(args, "actor", _("actor must be a user's numeric id.")),
        action=args.get("action", "").strip() or None,
        channel_id=_number(args, "channel", _("channel must be a channel's numeric id.")),
        target_type=args.get("target_type", "").strip() or None,
        target_id=args.get("target_id", "").strip() or None,
        since=_local_day(args, "from", end=False) if page else _moment(args, "since"),
        until=_local_day(args, "to", end=True) if page else _moment(args, "until"),
    )


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "created_at": iso(entry.created_at),
        "actor": {"user_id": entry.actor_user_id, "label": entry.actor_label},
        "action": entry.action,
        "description": describe(entry.action),
        "channel_id": entry.channel_id,
        "target": {"type": entry.target_type, "id": entry.target_id} if entry.target_type else None,
        "conversation_id": conversation_id_of(entry),
        "details": entry.details or {},
        "ip_address": entry.ip_address,
    }


@api_bp.get("/audit")
@roles_required(Role.SUPERVISOR)
def audit_log() -> ResponseReturnValue:
    """Audit entries newest first. Filters: `actor` (user id), `action` (a name, or a prefix
    ending in "."), `channel`, `target_type`, `target_id`, `since`, `until`; `limit`, `cursor`."""
    try:
        filters = _filters(request.args, page=False)
        before = _number(
            request.args, "cursor", _("The cursor is not valid; use one this API returned.")
        )
    except (BadFilter, BadInput) as error:
        abort(400, str(error))
    page, next_before = list_entries(filters, before=before, limit=page_size())
    return jsonify(
        entries=[entry_json(entry) for entry in page.items],
        next_cursor=str(next_before) if next_before else None,
    )


@bp.get("/audit")
@roles_required(Role.SUPERVISOR)
def index() -> ResponseReturnValue:
    """The audit log page: filter by who, what, channel and days; "Older" pages back."""
    error, status = None, 200
    try:
        filters = _filters(request.args, page=True)
        before = _number(request.args, "before", _("That page link is not valid."))
    except (BadFilter, BadInput) as refusal:
        error, status, filters, before = str(refusal), 400, None, None
    page, next_before = (
        (None, None) if filters is None else list_entries(filters, before=before, limit=PAGE_SIZE)
    )
    channels = {channel.id: channel for channel in db.session.scalars(sa.select(Channel))}
    people = db.session.scalars(sa.select(User).order_by(User.email))
    chosen = {key: value for key, value in request.args.items() if key != "before" and value}
    return render_template(
        "audit/index.html",
        entries=page.items if page else [],
        channels=channels,
        people=list(people),
        kinds=KINDS,
        actions=sorted(SENTENCES.items()),
        describe=describe,
        conversation_id_of=conversation_id_of,
        target_name=target_name,
        args=request.args,
        error=error,
        older={**chosen, "before": next_before} if next_before else None,
        newest=chosen if before is not None else None,
    ), status
