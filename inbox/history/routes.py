"""History for supervisors and admins: /api/history/search and /api/history/export."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, abort, jsonify, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from inbox.api.input import is_row_id, zoned_moment
from inbox.api.routes import bp, page_size
from inbox.api.serializers import conversation_json, message_json
from inbox.auth import roles_required
from inbox.history.export import FORMATS, export_rows, record_export
from inbox.history.highlight import hit_spans, utf16_spans
from inbox.history.search import SearchFilters, neighbours, search_messages
from inbox.i18n import viewer_zone
from inbox.models import ConversationStatus, Direction, Message, Role


def _moment(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    return zoned_moment(raw, name)


def _number(name: str, what: str) -> int | None:
    raw = request.args.get(name)
    if not raw:
        return None
    if not is_row_id(raw):
        abort(400, _("%(name)s must be %(what)s.", name=name, what=what))
    return int(raw)


def _filters() -> SearchFilters:
    """The search filters from the query string; refuses a search with nothing to look for."""
    args = request.args
    direction = args.get("direction")
    if direction and direction not in {item.value for item in Direction}:
        abort(400, _("direction must be incoming, outgoing or event."))
    status = args.get("status")
    if status and status not in {item.value for item in ConversationStatus}:
        abort(400, _("status must be open, pending or resolved."))
    filters = SearchFilters(
        query=args.get("q", ""),
        channel_id=_number("channel", _("a channel's numeric id")),
        conversation_id=_number("conversation", _("a conversation's numeric id")),
        agent_id=_number("agent", _("a user's numeric id")),
        direction=Direction(direction) if direction else None,
        status=ConversationStatus(status) if status else None,
        message_type=args.get("type") or None,
        since=_moment("since"),
        until=_moment("until"),
    )
    if filters.is_empty:
        abort(400, _("Type some words or letters to search for, or pick a filter."))
    return filters


@bp.get("/history/export")
@roles_required(Role.SUPERVISOR)
def history_export() -> ResponseReturnValue:
    """A search result (`q` and the search filters) or a transcript (`conversation`), as
    `format=csv` or `json`, streamed."""
    export_format = request.args.get("format", "csv")
    if export_format not in FORMATS:
        abort(400, _("format must be csv or json."))
    filters = _filters()
    record_export(filters, export_format)
    rows = export_rows(filters, viewer_zone())
    name = (
        f"line-inbox-transcript-{filters.conversation_id}.{export_format}"
        if filters.conversation_id is not None and not filters.has_words
        else f"line-inbox-search.{export_format}"
    )
    writer, mimetype = FORMATS[export_format]
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
    filters = _filters()
    page, next_cursor = search_messages(
        filters, cursor=request.args.get("cursor"), limit=page_size()
    )
    return jsonify(
        results=[_result(message, filters.query) for message in page.items],
        next_cursor=next_cursor,
    )


def _result(message: Message, query: str) -> dict[str, Any]:
    """A hit: the message, where the query matched its text, its neighbours, its conversation."""
    before, following = neighbours(message)
    body = message_json(message, current_user)
    text = body["text"] or ""
    return {
        "message": body,
        "highlights": utf16_spans(text, hit_spans(text, query)),
        "context": {
            "before": message_json(before, current_user) if before else None,
            "after": message_json(following, current_user) if following else None,
        },
        "conversation": conversation_json(message.conversation, current_user),
    }
