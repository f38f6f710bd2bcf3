"""The write side of /api: sending, conversation actions, notes, leaving, composer hints."""

from __future__ import annotations

from flask import abort, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from inbox.api.input import (
    choice_field,
    id_or_null_field,
    json_object,
    text_field,
    text_list_field,
    zoned_moment,
)
from inbox.api.routes import bp, conversation_or_404
from inbox.api.serializers import conversation_json, message_json, user_brief
from inbox.auth import roles_required
from inbox.conversations.actions import add_note, leave_chat, update_conversation
from inbox.conversations.queries import last_messages
from inbox.conversations.snooze import snooze, unsnooze
from inbox.extensions import db
from inbox.line.errors import LineError
from inbox.models import Conversation, ConversationStatus, Message, Role, User
from inbox.models.user import active_agents
from inbox.outgoing import CannotSend, SendMode, queue_texts, reply_window, retry_failed
from inbox.outgoing.guards import push_outlook
from inbox.outgoing.media import queue_media
from inbox.outgoing.service import check_can_send


def with_last_message(conversation: Conversation) -> dict:
    """A conversation as the list shows it, so clients can replace their row with it."""
    latest = last_messages([conversation.id]).get(conversation.id)
    return conversation_json(conversation, current_user, latest)


CONFLICTS = (
    "blocked",
    "not_member",
    "not_failed",
    "needs_confirmation",
    "channel_disabled",
    "reply_unavailable",
    "quota_exceeded",
    "push_budget_exceeded",
)


def _refused(refusal: CannotSend) -> None:
    abort(
        409 if refusal.code in CONFLICTS else 400,
        str(refusal),
    )


@bp.post("/conversations/<int:conversation_id>/messages")
@roles_required(Role.AGENT)
def send(conversation_id: int) -> ResponseReturnValue:
    """Queue text messages: `{"texts": [...]}` or `{"text": ...}`, `"mode": auto|reply|push`.

    Answers 202 with the messages as pending; their delivery state follows (sent or failed).
    """
    conversation = conversation_or_404(conversation_id)
    body = json_object()
    refusal = _("Give text, or texts as a list of strings.")
    texts = (
        text_list_field(body, "texts", refusal)
        if "texts" in body
        else [text_field(body, "text", refusal)]
    )
    mode = choice_field(
        body, "mode", SendMode, SendMode.AUTO, _("mode must be auto, reply or push.")
    )
    try:
        messages = queue_texts(conversation, current_user, texts, mode)
    except CannotSend as refusal:
        _refused(refusal)
    return jsonify(messages=[message_json(message, current_user) for message in messages]), 202


@bp.post("/conversations/<int:conversation_id>/attachments")
@roles_required(Role.AGENT)
def send_media(conversation_id: int) -> ResponseReturnValue:
    """Send an image (JPEG, PNG) or video (MP4) as multipart `file`, with an optional `preview`
    image for a video, an optional `caption` (a text message sent after it, in the same LINE
    request) and `mode`. Answers 202 with the pending messages."""
    conversation = conversation_or_404(conversation_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400, _("Attach the image or video as 'file'."))
    mode = request.form.get("mode", "auto")
    if mode not in {item.value for item in SendMode}:
        abort(400, _("mode must be auto, reply or push."))
    preview = request.files.get("preview")
    caption = request.form.get("caption", "")
    try:
        messages = queue_media(
            conversation,
            current_user,
            upload.stream,
            upload.mimetype,
            upload.filename,
            preview=preview.stream if preview and preview.filename else None,
            mode=SendMode(mode),
            caption=caption if caption.strip() else None,
        )
    except CannotSend as refusal:
        _refused(refusal)
    return jsonify(messages=[message_json(message, current_user) for message in messages]), 202


@bp.post("/messages/<int:message_id>/retry")
@roles_required(Role.AGENT)
def retry(message_id: int) -> ResponseReturnValue:
    """Send a failed message again (by push, with its original retry key); an uncertain one
    only with `{"confirm": true}` (by push, with a new key)."""
    message = db.session.get(Message, message_id)
    if message is None:
        abort(404, _("There is no message %(id)d.", id=message_id))
    body = request.get_json(silent=True)
    confirmed = isinstance(body, dict) and body.get("confirm") is True
    try:
        group = retry_failed(message, current_user, confirmed=confirmed)
    except CannotSend as refusal:
        _refused(refusal)
    return jsonify(messages=[message_json(item, current_user) for item in group]), 202


@bp.patch("/conversations/<int:conversation_id>")
@roles_required(Role.AGENT)
def update(conversation_id: int) -> ResponseReturnValue:
    """Change `status` (open, pending, resolved) and/or `assignee_id` (a user id, or null)."""
    conversation = conversation_or_404(conversation_id)
    body = json_object()
    status = choice_field(
        body, "status", ConversationStatus, None, _("status must be open, pending or resolved.")
    )
    assignee, unassign = None, False
    if "assignee_id" in body:
        assignee_id = id_or_null_field(
            body, "assignee_id", _("assignee_id must be a user id or null.")
        )
        unassign = assignee_id is None
        if assignee_id is not None:
            assignee = db.session.get(User, assignee_id)
            if assignee is None:
                abort(400, _("There is no user %(id)d.", id=assignee_id))
    try:
        update_conversation(
            conversation,
            actor=current_user._get_current_object(),
            status=status,
            assignee=assignee,
            unassign=unassign,
        )
    except CannotSend as refusal:
        _refused(refusal)
    return jsonify(with_last_message(conversation))


@bp.put("/conversations/<int:conversation_id>/snooze")
@roles_required(Role.AGENT)
def snooze_conversation(conversation_id: int) -> ResponseReturnValue:
    """Snooze until `until` (ISO 8601 with its offset): pending until then, then open again
    (or earlier when the customer writes)."""
    conversation = conversation_or_404(conversation_id)
    until = zoned_moment(text_field(json_object(), "until", _("Give the time as until.")), "until")
    try:
        snooze(conversation, until, actor=current_user._get_current_object())
    except CannotSend as refusal:
        _refused(refusal)
    return jsonify(with_last_message(conversation))


@bp.delete("/conversations/<int:conversation_id>/snooze")
@roles_required(Role.AGENT)
def unsnooze_conversation(conversation_id: int) -> ResponseReturnValue:
    """End the snooze now: the conversation is open again."""
    conversation = conversation_or_404(conversation_id)
    unsnooze(conversation, actor=current_user._get_current_object())
    return jsonify(with_last_message(conversation))


@bp.post("/conversations/<int:conversation_id>/notes")
@roles_required(Role.AGENT)
def note(conversation_id: int) -> ResponseReturnValue:
    """A private note (`{"text"}`) in the thread, never sent to LINE."""
    conversation = conversation_or_404(conversation_id)
    text = text_field(json_object(), "text", _("Give the note's text."))
    try:
        created = add_note(conversation, current_user, text)
    except CannotSend as refusal:
        _refused(refusal)
    return jsonify(message_json(created, current_user)), 201


@bp.post("/conversations/<int:conversation_id>/leave")
@roles_required(Role.AGENT)
def leave(conversation_id: int) -> ResponseReturnValue:
    """Take the account out of this group or room (LINE's Leave API)."""
    conversation = conversation_or_404(conversation_id)
    try:
        leave_chat(conversation, current_user)
    except CannotSend as refusal:
        _refused(refusal)
    except LineError as error:
        response = jsonify(
            error="LINE refused",
            message=_("LINE refused to leave: %(reason)s", reason=error.message),
            status=502,
            line=error.as_dict(),
        )
        response.status_code = 502
        return response
    return jsonify(with_last_message(conversation))


@bp.get("/conversations/<int:conversation_id>/composer")
@roles_required(Role.AGENT, Role.SUPERVISOR)
def composer(conversation_id: int) -> ResponseReturnValue:
    """What the composer shows: can we send, is a free reply available (for how long), and what
    a push would cost here and whether it would be refused (quota, daily budget)."""
    conversation = conversation_or_404(conversation_id)
    can_send, reason = True, None
    try:
        check_can_send(conversation)
    except CannotSend as refusal:
        can_send, reason = False, str(refusal)
    window = reply_window(conversation)
    seconds_left = window.seconds_left if window and window.seconds_left > 0 else None
    push = push_outlook(conversation)
    return jsonify(
        can_send=can_send,
        reason=reason,
        reply_available=seconds_left is not None,
        reply_seconds_left=seconds_left,
        quota=push["quota"],
        push=push,
    )


@bp.get("/agents")
@roles_required(Role.AGENT, Role.SUPERVISOR)
def agents() -> ResponseReturnValue:
    """People conversations can be assigned to."""
    people = db.session.scalars(active_agents())
    return jsonify(agents=[user_brief(user) for user in people])
