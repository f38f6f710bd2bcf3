"""Shared pieces of the simulated users' actions."""

from __future__ import annotations

from typing import IO, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from inbox.sandbox import events, ids, media
from inbox.sandbox.delivery import enqueue
from inbox.sandbox.models import (
    BotMembership,
    ChatMember,
    Friendship,
    PlatformChannel,
    ReplyToken,
    SimUser,
)
from inbox.sandbox.phone.notify import notify
from inbox.sandbox.state import Sandbox


class SimulationError(ValueError):
    """The simulated user cannot do that; the message is for the person at the phone."""


class Upload:
    """A file a simulated user sends: read from `stream` in chunks, never whole."""

    def __init__(self, stream: IO[bytes], file_name: str, content_type: str | None = None) -> None:
        self.stream, self.file_name = stream, file_name
        self.content_type = media.guess_type(file_name, content_type)


def _millis(sandbox: Sandbox) -> int:
    return int(sandbox.now().timestamp() * 1000)


def _after_commit(sandbox: Sandbox, emits: list[tuple[str, dict[str, Any]]]) -> None:
    if sandbox.worker is not None:
        sandbox.worker.wake()
    for name, payload in emits:
        notify(name, payload)


def _channel(session: Session, channel_pk: int) -> PlatformChannel:
    found = session.get(PlatformChannel, channel_pk)
    if found is None:
        raise SimulationError(_l("There is no such channel."))
    return found


def _user(session: Session, user_id: str) -> SimUser:
    found = session.get(SimUser, user_id)
    if found is None:
        raise SimulationError(_l("There is no such LINE user."))
    return found


def _issue_reply_token(
    session: Session, sandbox: Sandbox, channel_pk: int, chat_type: str, chat_id: str
) -> str:
    token = ids.reply_token()
    session.add(
        ReplyToken(
            token=token,
            channel_pk=channel_pk,
            chat_type=chat_type,
            chat_id=chat_id,
            issued_at=sandbox.now(),
        )
    )
    return token


def _bots_in(session: Session, chat_id: str) -> list[int]:
    return list(
        session.scalars(sa.select(BotMembership.channel_pk).where(BotMembership.chat_id == chat_id))
    )


def _can_receive(session: Session, channel_pk: int, chat_type: str, chat_id: str) -> bool:
    """Whether the channel's bot gets events from this chat (a friend, or a member chat)."""
    if chat_type == "user":
        friendship = session.get(Friendship, (channel_pk, chat_id))
        return friendship is not None and friendship.state == "following"
    return session.get(BotMembership, (chat_id, channel_pk)) is not None


def _queue(
    session: Session,
    sandbox: Sandbox,
    channel_pk: int,
    event_type: str,
    source: dict[str, str] | None,
    *,
    reply_chat: tuple[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    reply_token = None
    if reply_chat is not None:
        reply_token = _issue_reply_token(session, sandbox, channel_pk, *reply_chat)
    event = events.event(event_type, _millis(sandbox), source, reply_token=reply_token, **fields)
    enqueue(session, sandbox, channel_pk, event)
    return event


def _check_sender(session: Session, chat_type: str, chat_id: str, sender_id: str) -> None:
    _user(session, sender_id)
    if chat_type == "user":
        if chat_id != sender_id:
            raise SimulationError(_l("A one-to-one chat belongs to its user."))
        return
    if session.get(ChatMember, (chat_id, sender_id)) is None:
        raise SimulationError(_l("Only members can write in this chat."))
