"""GET /api/conversations, /api/conversations/<id>, /api/conversations/<id>/messages."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from inbox.api.input import guard, is_row_id
from inbox.api.serializers import conversation_detail_json, conversation_list_json, message_json
from inbox.auth import roles_required
from inbox.conversations.queries import (
    ConversationFilters,
    list_conversations,
    thread_around,
    thread_page,
)
from inbox.errors import handle_http_error
from inbox.extensions import db
from inbox.models import Conversation, ConversationStatus, Message, Role
from inbox.pagination import BadCursor

bp = Blueprint("api", __name__, url_prefix="/api")
guard(bp)


@bp.errorhandler(BadCursor)
def bad_cursor(error: BadCursor) -> ResponseReturnValue:
    return handle_http_error(BadRequest(_("The cursor is not valid; use one this API returned.")))


def page_size() -> int:
    default, largest = current_app.config["API_PAGE_SIZE"], current_app.config["API_MAX_PAGE_SIZE"]
    raw = request.args.get("limit")
    if raw is None:
        return default
    if not is_row_id(raw) or not 1 <= int(raw) <= largest:
        abort(400, _("limit must be a whole number from 1 to %(largest)d.", largest=largest))
    return int(raw)


MAX_WAITING = 60 * 24 * 365  # minutes: a year


def _filters() -> ConversationFilters:
    args = request.args
    channel = args.get("channel")
    if channel is not None and not is_row_id(channel):
        abort(400, _("channel must be a channel's numeric id."))
    statuses: list[ConversationStatus] = []
    for value in filter(None, args.get("status", "").split(",")):
        try:
            statuses.append(ConversationStatus(value.strip()))
        except ValueError:
            abort(400, _("status must be open, pending or resolved (or several, comma-separated)."))
    assignee = args.get("assignee")
    if assignee is not None and assignee not in ("me", "none") and not is_row_id(assignee):
        abort(400, _("assignee must be me, none, or a user id."))
    label = args.get("label")
    if label is not None and not is_row_id(label):
        abort(400, _("label must be a label's numeric id."))
    waiting = args.get("waiting")
    if waiting is not None and not (is_row_id(waiting) and 1 <= int(waiting) <= MAX_WAITING):
        abort(400, _("waiting must be a number of minutes from 1 to %(most)d.", most=MAX_WAITING))
    return ConversationFilters(
        channel_id=int(channel) if channel else None,
        statuses=tuple(statuses),
        assignee=assignee,
        query=args.get("q") or None,
        label_id=int(label) if label else None,
        waiting_minutes=int(waiting) if waiting else None,
    )


def conversation_or_404(conversation_id: int) -> Conversation:
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        abort(404, _("There is no conversation %(id)d.", id=conversation_id))
    return conversation


@bp.get("/conversations")
@roles_required(Role.AGENT, Role.SUPERVISOR)
def conversations() -> ResponseReturnValue:
    """The inbox list, newest activity first; filters channel, status, assignee, label,
    waiting (minutes the customer has waited at least), q."""
    filters = _filters()
    page, next_cursor = list_conversations(
        filters, current_user, cursor=request.args.get("cursor"), limit=page_size()
    )
    return jsonify(conversation_list_json(page.items, current_user, next_cursor, filters.query))


@bp.get("/conversations/<int:conversation_id>")
@roles_required(Role.AGENT, Role.SUPERVISOR)
def conversation(conversation_id: int) -> ResponseReturnValue:
    """One conversation with its contact's profile, or its group's or room's members."""
    return jsonify(conversation_detail_json(conversation_or_404(conversation_id), current_user))


@bp.get("/conversations/<int:conversation_id>/messages")
@roles_required(Role.AGENT, Role.SUPERVISOR)
def messages(conversation_id: int) -> ResponseReturnValue:
    """The thread, oldest to newest; `before`/`after` cursors page through it, `around`
    (a message id) opens it at that message."""
    args = request.args
    if sum(bool(args.get(name)) for name in ("before", "after", "around")) > 1:
        abort(400, _("Give one of before, after or around, not several."))
    conversation = conversation_or_404(conversation_id)
    if args.get("around"):
        around = args["around"]
        target = db.session.get(Message, int(around)) if is_row_id(around) else None
        if target is None or target.conversation_id != conversation.id:
            abort(404, _("This conversation has no message %(id)s.", id=around))
        page = thread_around(conversation, target, limit=page_size())
    else:
        page = thread_page(
            conversation,
            before=args.get("before"),
            after_cursor=args.get("after"),
            limit=page_size(),
        )
    return jsonify(
        messages=[message_json(message, current_user) for message in page.messages],
        older_cursor=page.older_cursor,
        newer_cursor=page.newer_cursor,
        has_newer=page.has_newer,
    )
