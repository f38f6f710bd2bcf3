"""What the LINE user sees of the agents: read marks and the "typing…" animation."""

from __future__ import annotations

import contextlib
import threading
import time

import sqlalchemy as sa
from flask import current_app

from inbox.channels import line_client
from inbox.extensions import db
from inbox.jobs import enqueue, handles
from inbox.line.errors import LineBadRequest
from inbox.models import Conversation, Direction, FollowState, Message, SourceType

LOADING_SECONDS = 20  # LINE accepts 5 to 60, in steps of 5
_LOADING_EVERY = 15.0  # seconds; typing events arrive every few seconds
LOADING_KEY = "inbox.outgoing.loading"  # this app's conversation id -> last animation asked
_loading_lock = threading.Lock()


def mark_read(conversation: Conversation) -> None:
    """Agents opened it: clear the unread count, and mark the user's messages read in LINE
    with the newest mark-as-read token the webhook carried."""
    if conversation.unread_count == 0:
        return
    conversation.unread_count = 0
    newest = db.session.scalar(
        sa.select(Message)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == Direction.INCOMING,
            Message.mark_as_read_token.is_not(None),
        )
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(1)
    )
    if newest is not None:
        enqueue(
            "chat.mark_read",
            f"read:{newest.id}",
            {"conversation_id": conversation.id, "token": newest.mark_as_read_token},
            max_attempts=3,
        )


def show_typing(conversation_id: int) -> None:
    """An agent is typing in a one-to-one chat: show LINE's loading animation (throttled).

    The throttle comes first: typing signals arrive every few seconds from each typist, and
    only the rare one that may start an animation reads the conversation."""
    with _loading_lock:
        last_loading = current_app.extensions.setdefault(LOADING_KEY, {})
        now = time.monotonic()
        if now - last_loading.get(conversation_id, -_LOADING_EVERY) < _LOADING_EVERY:
            return
        last_loading[conversation_id] = now
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or conversation.source_type is not SourceType.USER:
        return
    contact = conversation.contact
    if contact is None or contact.follow_state is FollowState.BLOCKED:
        return
    enqueue(
        "chat.loading",
        f"loading:{conversation.id}",
        {"conversation_id": conversation.id},
        max_attempts=1,
    )
    db.session.commit()


@handles("chat.mark_read")
def send_mark_read(payload: dict) -> None:
    conversation = db.session.get(Conversation, payload["conversation_id"])
    if conversation is None:
        return
    with contextlib.suppress(LineBadRequest):  # an old or foreign token: nothing left to mark
        line_client(conversation.channel).mark_as_read(payload["token"])


@handles("chat.loading")
def send_loading(payload: dict) -> None:
    conversation = db.session.get(Conversation, payload["conversation_id"])
    if conversation is None:
        return
    line_client(conversation.channel).show_loading_animation(
        conversation.source_id, LOADING_SECONDS
    )
