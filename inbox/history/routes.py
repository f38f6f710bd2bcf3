"""History for supervisors and admins: /api/history/search and /api/history/export."""

from __future__ import annotations

from datetime import datetime

from flask import Response, abort, jsonify, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from inbox.api.routes import bp, page_size
from inbox.api.serializers import conversation_json, message_json
from inbox.auth import roles_required
from inbox.history.export import FORMATS, export_rows, record_export
from inbox.history.search import EmptyQuery, SearchFilters, search_messages
from inbox.history.terms import query_parts
from inbox.models import Direction, Role


def _moment(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        abort(400, _("%(name)s must be a date or time like 2026-11-24T09:00:00Z.", name=name))
    if moment.tzinfo is None:
        abort(400, _("%(name)s needs a time zone, e.g. a trailing Z for UTC.", name=name))
    return moment


def _filters(*, query_required: bool) -> SearchFilters:
    args = request.args
    direction = args.get("direction")
    if direction and direction not in {item.value for item in Direction}:
        abort(400, _("direction must be incoming, outgoing or event."))
    channel = args.get("channel")
    if channel and not channel.isdigit():
        abort(400, _("channel must be a channel's numeric id."))
    query = args.get("q", "")
    if query_required and not query_parts(query):
        abort(400, _("Type some words or letters to search for."))
    return SearchFilters(
        query=query,
        channel_id=int(channel) if channel else None,
        direction=Direction(direction) if direction else None,
        message_type=args.get("type") or None,
        since=_moment("since"),
        until=_moment("until"),
    )


@bp.get("/history/export")
@roles_required(Role.SUPERVISOR)
def history_export() -> ResponseReturnValue:
    """A search result (`q` and the search filters) or a transcript (`conversation`), as
    `format=csv` or `json`, streamed."""
    export_format = request.args.get("format", "csv")
    if export_format not in FORMATS:
        abort(400, _("format must be csv or json."))
    conversation = request.args.get("conversation")
    if conversation is not None and not conversation.isdigit():
        abort(400, _("conversation must be a conversation's numeric id."))
    filters = _filters(query_required=conversation is None)
    conversation_id = int(conversation) if conversation else None
    record_export(filters, conversation_id, export_format)
    rows = export_rows(filters, conversation_id)
    writer, mimetype = FORMATS[export_format]
    name = (
        f"line-inbox-{'transcript-' + conversation if conversation else 'search'}.{export_format}"
    )
    return Response(
        stream_with_context(writer(rows)),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/history/search")
@roles_required(Role.SUPERVISOR)
def history_search() -> ResponseReturnValue:
    """Full-text search: `q` (words, or any part of Thai/Japanese/Chinese text), with
    `channel`, `direction`, `type`, `since`, `until`, `limit`, `cursor`. Newest first."""
    filters = _filters(query_required=True)
    try:
        page, next_cursor = search_messages(
            filters, cursor=request.args.get("cursor"), limit=page_size()
        )
    except EmptyQuery:
        abort(400, _("Type some words or letters to search for."))
    return jsonify(
        results=[
            {
                "message": message_json(message, current_user),
                "conversation": conversation_json(message.conversation, current_user),
            }
            for message in page.items
        ],
        next_cursor=next_cursor,
    )
