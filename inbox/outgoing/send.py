"""The messages.send job: reply while a fresh token exists (free), else push; record the outcome.

Outcomes an agent can trust:
- sent: LINE accepted it (reply or push, with LINE's request id);
- failed: LINE refused it (its message, details and request id), or could not be reached for
  as long as LINE honours a retry key;
- uncertain: a reply whose answer never came: LINE may have delivered it, so it is sent again
  only when the agent confirms (`retry_failed`);
- still pending: LINE could not be reached yet; the push is retried with the same retry key,
  with backoff, by a job that survives restarts.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from inbox.channels import line_client
from inbox.conversations.waiting import refresh_waiting
from inbox.extensions import db
from inbox.jobs import RetryLater, handles
from inbox.jobs.runner import backoff
from inbox.line.client import MAX_MESSAGES_PER_SEND, LineClient, SendResult
from inbox.line.errors import (
    TRANSIENT_ERRORS,
    LineError,
    LineInvalidReplyToken,
    LineQuotaExceeded,
)
from inbox.models import Conversation, DeliveryState, Message, utcnow
from inbox.models import SendMode as UsedMode
from inbox.outgoing.guards import check_budget, recipients
from inbox.outgoing.modes import CannotSend, SendMode
from inbox.outgoing.quota import forget_quota, spend_quota
from inbox.outgoing.reply_tokens import take_reply_token
from inbox.outgoing.service import check_can_send
from inbox.realtime import announce

log = logging.getLogger(__name__)

# LINE recognises a retry key for 24 hours; after that a retry could deliver a second copy.
RETRY_KEY_LIFETIME = timedelta(hours=24) - timedelta(minutes=5)


def _mark_sent(chunk: list[Message], mode: UsedMode, result: SendResult) -> None:
    for index, message in enumerate(chunk):
        sent = result.sent_messages[index] if index < len(result.sent_messages) else {}
        message.delivery_state, message.send_mode = DeliveryState.SENT, mode
        message.line_request_id = result.request_id
        message.line_message_id = sent.get("id") or message.line_message_id
        message.quote_token = sent.get("quoteToken")
        message.error_message = message.error_details = None
        announce(message)
    db.session.commit()


def _mark_failed(chunk: list[Message], reason: str, error: LineError | None = None) -> None:
    for message in chunk:
        message.delivery_state = DeliveryState.FAILED
        message.error_message = reason
        message.error_details = error.as_dict() if error else None
        message.line_request_id = error.request_id if error else message.line_request_id
        announce(message)
    if chunk:  # the customer got no answer: their wait goes on
        refresh_waiting(chunk[0].conversation)
        announce(chunk[0].conversation)
    db.session.commit()


def _mark_uncertain(chunk: list[Message], error: LineError) -> None:
    for message in chunk:
        message.delivery_state = DeliveryState.UNCERTAIN
        message.error_message = str(
            _l("LINE may have delivered this reply, but never confirmed it: %(error)s", error=error)
        )
        message.error_details = error.as_dict()
        message.line_request_id = error.request_id or message.line_request_id
        announce(message)
    db.session.commit()


def _try_reply(client: LineClient, conversation: Conversation, chunk: list[Message]) -> bool:
    """Reply if a fresh token can be claimed; True when the chunk is settled (sent or failed)."""
    token = take_reply_token(conversation)
    if token is None:
        return False
    try:
        result = client.reply(token, [message.payload for message in chunk])
    except LineInvalidReplyToken:
        return False  # LINE refused the token, so nothing was sent: push instead
    except TRANSIENT_ERRORS as error:
        # LINE may or may not have delivered it, and a reply cannot be retried safely.
        _mark_uncertain(chunk, error)
        return True
    except LineError as error:
        _mark_failed(chunk, error.message, error)
        return True
    _mark_sent(chunk, UsedMode.REPLY, result)
    return True


def _push(client: LineClient, conversation: Conversation, chunk: list[Message]) -> None:
    # Queued as a reply that found no token after all, or waiting since before the budget
    # ran out: the budget is checked again where the push is paid for.
    reached = recipients(conversation) or 1
    try:
        if chunk[0].send_attempts == 0:
            check_budget(conversation, reached)
    except CannotSend as refusal:
        _mark_failed(chunk, str(refusal))
        return
    try:
        result = client.push(
            conversation.source_id,
            [message.payload for message in chunk],
            retry_key=chunk[0].retry_key,
        )
    except LineQuotaExceeded as error:
        forget_quota(conversation.channel_id)
        _mark_failed(chunk, error.message, error)
        return
    except TRANSIENT_ERRORS as error:
        for message in chunk:
            message.send_attempts += 1
        delay = max(backoff(chunk[0].send_attempts).total_seconds(), error.retry_after or 0.0)
        key_made = chunk[0].retry_key_at or chunk[0].created_at
        if utcnow() + timedelta(seconds=delay) - key_made > RETRY_KEY_LIFETIME:
            reason = _l("LINE could not take this message for a whole day: %(error)s", error=error)
            _mark_failed(chunk, str(reason), error)
            return
        for message in chunk:
            message.error_message = f"retrying: {error}"
            announce(message)
        db.session.commit()
        raise RetryLater(delay, str(error)) from error
    except LineError as error:
        _mark_failed(chunk, error.message, error)
        return
    _mark_sent(chunk, UsedMode.PUSH, result)
    if not result.already_accepted:
        spend_quota(conversation.channel_id, reached)


@handles("messages.send")
def send_messages(payload: dict) -> None:
    """Send the still-pending messages of a batch, at most five per LINE request."""
    pending = list(
        db.session.scalars(
            sa.select(Message)
            .where(
                Message.id.in_(payload["message_ids"]),
                Message.delivery_state == DeliveryState.PENDING,
            )
            .order_by(Message.id)
        )
    )
    if not pending:
        return
    conversation = pending[0].conversation
    try:
        check_can_send(conversation)
    except CannotSend as refusal:
        _mark_failed(pending, str(refusal))
        return
    # A reply is tried at once and may be retried only where LINE surely never got it, which
    # the patient client knows; a push keeps its retry key, so the job itself comes back later
    # instead of holding a worker thread through LINE's backoff.
    client = line_client(conversation.channel)
    pusher = line_client(conversation.channel, patient=False)
    mode = SendMode(payload.get("mode", SendMode.AUTO.value))
    for start in range(0, len(pending), MAX_MESSAGES_PER_SEND):
        chunk = pending[start : start + MAX_MESSAGES_PER_SEND]
        # A chunk that was pushed once (its answer maybe lost) stays on push and its retry key:
        # replying now could deliver it twice.
        first_try = chunk[0].send_attempts == 0
        if mode is not SendMode.PUSH and first_try and _try_reply(client, conversation, chunk):
            continue
        if mode is SendMode.REPLY:
            _mark_failed(
                chunk, str(_l("There is no unused reply token from the last minute; use push."))
            )
            continue
        _push(pusher, conversation, chunk)
