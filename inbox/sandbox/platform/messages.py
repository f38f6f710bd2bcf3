"""Sending: reply, push (with retry keys), quota, loading animation, read receipts."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import g, request
from flask.typing import ResponseReturnValue

from inbox.sandbox.models import ChatMessage, Friendship, ReplyToken, RetryKey
from inbox.sandbox.phone.notify import notify
from inbox.sandbox.platform import outbox, validation
from inbox.sandbox.platform.blueprints import api
from inbox.sandbox.platform.common import LineError, channel, invalid, json_body, line_json
from inbox.sandbox.state import get_sandbox

RETRY_KEY_HEADER = "X-Line-Retry-Key"
RETRY_KEY_TTL = timedelta(hours=24)  # how long LINE remembers an accepted retry key
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def _publish(shown: list[dict[str, Any]]) -> None:
    for payload in shown:
        notify("chat_message", payload)


def _refuse_retry_key() -> None:
    """Only push, multicast, narrowcast and broadcast take a retry key; others answer 400."""
    if RETRY_KEY_HEADER in request.headers:
        raise LineError(400, "The retry key is not supported by this API")


@api.post("/v2/bot/message/reply")
def reply() -> ResponseReturnValue:
    """Send messages with a reply token: single use, valid a minute after its event."""
    _refuse_retry_key()
    body = json_body()
    validation.enforce(validation.REPLY, body)
    sandbox, bot = get_sandbox(), channel()
    ttl = timedelta(seconds=int(sandbox.config["SANDBOX_REPLY_TOKEN_TTL"]))
    with sandbox.session() as session:
        now = sandbox.now()
        used = session.execute(
            sa.update(ReplyToken)
            .where(
                ReplyToken.token == body["replyToken"],
                ReplyToken.channel_pk == bot.id,
                ReplyToken.used_at.is_(None),
                ReplyToken.issued_at > now - ttl,
            )
            .values(used_at=now)
        )
        if used.rowcount != 1:
            raise LineError(400, "Invalid reply token")
        token = session.get(ReplyToken, body["replyToken"])
        chat = (token.chat_type, token.chat_id)
        sent, shown = outbox.store(
            session, sandbox, bot, chat, body["messages"], "reply", g.line_request_id
        )
    _publish(shown)
    return line_json({"sentMessages": sent})


def _accepted(session: Any, channel_pk: int, key: str, now: Any) -> RetryKey | None:
    return session.scalar(
        sa.select(RetryKey).where(
            RetryKey.channel_pk == channel_pk,
            RetryKey.retry_key == key.lower(),
            RetryKey.accepted_at > now - RETRY_KEY_TTL,
        )
    )


def _conflict(accepted: RetryKey) -> LineError:
    return LineError(
        409,
        body={
            "message": "The retry key is already accepted",
            "sentMessages": accepted.sent_messages,
        },
        headers={"X-Line-Accepted-Request-Id": accepted.request_id},
    )


@api.post("/v2/bot/message/push")
def push() -> ResponseReturnValue:
    """Send messages to a user, group or room at any time; counted against the monthly quota."""
    sandbox, bot = get_sandbox(), channel()
    key = request.headers.get(RETRY_KEY_HEADER)
    if key is not None and not _UUID.match(key.strip()):
        raise invalid([{"message": "must be a UUID", "property": RETRY_KEY_HEADER}])
    if key is not None:
        with sandbox.session() as session:
            session.execute(
                sa.delete(RetryKey).where(RetryKey.accepted_at <= sandbox.now() - RETRY_KEY_TTL)
            )
            accepted = _accepted(session, bot.id, key.strip(), sandbox.now())
            if accepted is not None:
                raise _conflict(accepted)
    body = json_body()
    validation.enforce(validation.PUSH, body)
    with sandbox.quota_lock, sandbox.session() as session:
        chat_type, reached = outbox.recipients(session, bot, body["to"])
        outbox.charge(session, sandbox, bot, reached)
        chat = (chat_type, body["to"]) if reached else None
        sent, shown = outbox.store(
            session, sandbox, bot, chat, body["messages"], "push", g.line_request_id
        )
        if key is not None:
            session.add(
                RetryKey(
                    channel_pk=bot.id,
                    retry_key=key.strip().lower(),
                    request_id=g.line_request_id,
                    sent_messages=sent,
                    accepted_at=sandbox.now(),
                )
            )
            try:
                session.flush()
            except sa.exc.IntegrityError:  # the same key raced in and won
                session.rollback()
                raise _conflict(_accepted(session, bot.id, key.strip(), sandbox.now())) from None
    _publish(shown)
    return line_json({"sentMessages": sent})


@api.post("/v2/bot/message/validate/<any(reply, push, multicast, narrowcast, broadcast):send>")
def validate_messages(send: str) -> ResponseReturnValue:
    """Check message objects as that kind of send would, sending nothing: 200 `{}` or LINE's 400."""
    _refuse_retry_key()
    validation.enforce(validation.VALIDATE, json_body())
    return line_json({})


@api.get("/v2/bot/message/quota")
def quota() -> ResponseReturnValue:
    """The monthly message limit: `{"type": "limited", "value": N}` or `{"type": "none"}`."""
    bot = channel()
    if bot.quota_type == "limited":
        return line_json({"type": "limited", "value": bot.quota_value})
    return line_json({"type": "none"})


@api.get("/v2/bot/message/quota/consumption")
def quota_consumption() -> ResponseReturnValue:
    """Messages counted this month (pushes, per person reached; replies are free)."""
    sandbox = get_sandbox()
    with sandbox.session() as session:
        return line_json({"totalUsage": outbox.usage(session, sandbox, channel().id)})


@api.post("/v2/bot/chat/loading/start")
def loading_start() -> ResponseReturnValue:
    """Show the typing indicator in a one-to-one chat for 5 to 60 seconds (202 `{}`)."""
    body = json_body()
    seconds = body.get("loadingSeconds", 20)
    bad_seconds = (
        isinstance(seconds, bool)
        or not isinstance(seconds, int)
        or not 5 <= seconds <= 60
        or seconds % 5
    )
    more = [{"message": "must be a multiple of 5 between 5 and 60", "property": "loadingSeconds"}]
    validation.enforce(validation.LOADING, body, *(more if bad_seconds else []))
    sandbox, bot = get_sandbox(), channel()
    with sandbox.session() as session:
        friendship = session.get(Friendship, (bot.id, body["chatId"]))
        if friendship is None or friendship.state != "following":
            raise invalid([{"message": "An invalid chat ID is specified", "property": "chatId"}])
    notify("loading", {"channel": bot.channel_id, "chat": body["chatId"], "seconds": seconds})
    return line_json({}, 202)


def _mark_read(where: Any, bot_pk: int, up_to: int | None = None) -> list[str]:
    sandbox = get_sandbox()
    with sandbox.session() as session:
        query = sa.select(ChatMessage).where(
            where,
            ChatMessage.channel_pk == bot_pk,
            ChatMessage.direction == "incoming",
            ChatMessage.read_at.is_(None),
        )
        if up_to is not None:
            query = query.where(ChatMessage.id <= up_to)
        rows = session.scalars(query).all()
        for row in rows:
            row.read_at = sandbox.now()
        return [row.message_id for row in rows]


@api.post("/v2/bot/chat/markAsRead")
def mark_as_read_by_token() -> ResponseReturnValue:
    """Mark a chat read up to the message whose webhook carried this `markAsReadToken`."""
    body = json_body()
    validation.enforce(validation.MARK_AS_READ, body)
    sandbox, bot = get_sandbox(), channel()
    with sandbox.session() as session:
        message = session.scalar(
            sa.select(ChatMessage).where(
                ChatMessage.mark_as_read_token == body["markAsReadToken"],
                ChatMessage.channel_pk == bot.id,
            )
        )
        if message is None:
            raise LineError(400, "An invalid markAsReadToken is specified")
        chat = (message.chat_type, message.chat_id)
    read = _mark_read(
        sa.and_(ChatMessage.chat_type == chat[0], ChatMessage.chat_id == chat[1]),
        bot.id,
        message.id,
    )
    notify("read", {"channel": bot.channel_id, "messages": read})
    return line_json({})


@api.post("/v2/bot/message/markAsRead")
def mark_as_read() -> ResponseReturnValue:
    """The older call (partners only): mark everything a user sent in the one-to-one chat read."""
    body = json_body()
    user_id = (body.get("chat") or {}).get("userId") if isinstance(body.get("chat"), dict) else None
    if not isinstance(user_id, str) or not user_id:
        raise invalid([{"message": "must be specified", "property": "chat.userId"}])
    bot = channel()
    read = _mark_read(
        sa.and_(ChatMessage.chat_type == "user", ChatMessage.chat_id == user_id), bot.id
    )
    notify("read", {"channel": bot.channel_id, "messages": read})
    return line_json({})
