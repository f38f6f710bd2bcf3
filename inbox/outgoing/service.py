"""Queueing agents' messages: stored first (pending), sent by a job, never silently lost."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from inbox.audit import preview, record
from inbox.conversations.waiting import answered, refresh_waiting
from inbox.extensions import db
from inbox.jobs import enqueue
from inbox.line.client import MAX_MESSAGES_PER_SEND, MAX_TEXT_LENGTH, text_length
from inbox.models import (
    Attachment,
    Conversation,
    DeliveryState,
    Direction,
    FollowState,
    Message,
    SourceType,
    User,
    utcnow,
)
from inbox.outgoing.guards import check_push_allowed, check_send_mode
from inbox.outgoing.modes import CannotSend, SendMode
from inbox.realtime import announce


def check_can_send(conversation: Conversation) -> None:
    """Why this conversation cannot be answered right now, if it cannot."""
    if not conversation.channel.enabled:
        raise CannotSend(
            str(_l("An admin disabled this channel, so nothing can be sent from it.")),
            "channel_disabled",
        )
    contact = conversation.contact
    blocked = contact is not None and contact.follow_state is FollowState.BLOCKED
    if conversation.source_type is SourceType.USER and blocked:
        raise CannotSend(
            str(_l("This user blocked the account, so LINE will not deliver messages.")),
            "blocked",
        )
    if conversation.source_type is not SourceType.USER and not conversation.bot_is_member:
        raise CannotSend(str(_l("The account is no longer in this group or room.")), "not_member")


def validate_texts(texts: list[str]) -> list[str]:
    cleaned = [text.strip("\n") for text in texts]
    if not cleaned or any(not text.strip() for text in cleaned):
        raise CannotSend(str(_l("A message cannot be empty.")), "empty")
    for text in cleaned:
        if text_length(text) > MAX_TEXT_LENGTH:
            raise CannotSend(
                str(_l("A message can have at most %(limit)d characters.", limit=MAX_TEXT_LENGTH)),
                "too_long",
            )
    return cleaned


@dataclass(frozen=True)
class Outgoing:
    """One message to queue. Its LINE payload is built after the row has an id."""

    type: str
    payload_for: Callable[[Message], dict[str, Any]]
    text: str | None = None
    attachment: Attachment | None = None


def text_item(text: str) -> Outgoing:
    return Outgoing("text", lambda _message: {"type": "text", "text": text}, text=text)


def queue_messages(
    conversation: Conversation,
    author: User,
    items: list[Outgoing],
    mode: SendMode = SendMode.AUTO,
    *,
    audit_details: dict[str, Any] | None = None,
) -> list[Message]:
    """Store the messages as pending and queue their sending, in one transaction.

    Messages sent together go out together: up to five per LINE request, each group with one
    retry key for life, so no retry can ever deliver a group twice. Refused before anything
    is stored when the mode cannot work now (reply without a token, a push over the quota or
    the channel's daily budget).
    """
    check_can_send(conversation)
    check_send_mode(conversation, mode, len(items))
    now = utcnow()
    messages: list[Message] = []
    for start in range(0, len(items), MAX_MESSAGES_PER_SEND):
        retry_key = str(uuid.uuid4())
        for item in items[start : start + MAX_MESSAGES_PER_SEND]:
            message = Message(
                conversation_id=conversation.id,
                channel_id=conversation.channel_id,
                direction=Direction.OUTGOING,
                type=item.type,
                text=item.text,
                sent_by_user_id=author.id,
                sent_at=now,
                delivery_state=DeliveryState.PENDING,
                retry_key=retry_key,
                retry_key_at=now,
                attachment=item.attachment,
            )
            db.session.add(message)
            messages.append(message)
    db.session.flush()
    for message, item in zip(messages, items, strict=True):
        message.payload = item.payload_for(message)
        announce(message)
    announce(conversation)
    conversation.last_activity_at = now
    conversation.unread_count = 0  # answering means the agent read it
    answered(conversation)
    _enqueue_send([message.id for message in messages], mode)
    record(
        "message.sent",
        actor=author,
        channel_id=conversation.channel_id,
        target=conversation,
        details={
            "message_ids": [message.id for message in messages],
            "types": sorted({item.type for item in items}),
            "send_mode": mode.value,
            **(audit_details or {}),
        },
    )
    db.session.commit()
    return messages


def queue_texts(
    conversation: Conversation, author: User, texts: list[str], mode: SendMode = SendMode.AUTO
) -> list[Message]:
    """Queue text messages (validated against LINE's limits first)."""
    check_can_send(conversation)
    items = [text_item(text) for text in validate_texts(texts)]
    return queue_messages(
        conversation, author, items, mode, audit_details={"preview": preview(items[0].text)}
    )


def _enqueue_send(message_ids: list[int], mode: SendMode) -> None:
    enqueue(
        "messages.send",
        f"send:{message_ids[0]}",
        {"message_ids": message_ids, "mode": mode.value},
        max_attempts=3,
    )


def retry_failed(
    message: Message, agent: User | None = None, *, confirmed: bool = False
) -> list[Message]:
    """Send a failed or uncertain message again, with the messages that shared its request.

    A failed group keeps its retry key: if LINE had in fact accepted it, it answers 409 and
    it is marked sent instead of being delivered twice. An uncertain reply may already be on
    the customer's phone, so it goes again only when the agent confirms, by push with a new
    key (a reply carries none LINE could recognise).
    """
    uncertain = message.delivery_state is DeliveryState.UNCERTAIN
    if message.delivery_state is not DeliveryState.FAILED and not uncertain:
        raise CannotSend(str(_l("Only a failed message can be retried.")), "not_failed")
    if uncertain and not confirmed:
        raise CannotSend(
            str(
                _l(
                    "LINE may have delivered this reply already. Check with the customer, then"
                    " confirm to send it again."
                )
            ),
            "needs_confirmation",
        )
    check_can_send(message.conversation)
    group = list(
        db.session.scalars(
            sa.select(Message)
            .where(
                Message.conversation_id == message.conversation_id,
                Message.retry_key == message.retry_key,
                Message.delivery_state == message.delivery_state,
            )
            .order_by(Message.id)
        )
    )
    check_push_allowed(message.conversation, len(group))  # a retry always pushes
    fresh_key = str(uuid.uuid4()) if uncertain else None
    for item in group:
        item.delivery_state = DeliveryState.PENDING
        item.error_message = item.error_details = None
        item.send_attempts = 0
        if fresh_key:
            item.retry_key, item.retry_key_at = fresh_key, utcnow()
        announce(item)
    refresh_waiting(message.conversation)
    announce(message.conversation)
    db.session.flush()
    # Reply tokens are single-use: a retry always pushes.
    _enqueue_send([item.id for item in group], SendMode.PUSH)
    record(
        "message.retried",
        actor=agent,
        channel_id=message.channel_id,
        target=message,
        details={
            "conversation_id": message.conversation_id,
            "message_ids": [item.id for item in group],
            **({"confirmed_after_uncertain_reply": True} if uncertain else {}),
        },
    )
    db.session.commit()
    return group
