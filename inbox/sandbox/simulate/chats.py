"""Groups and rooms: members come and go, the account is invited or removed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from inbox.sandbox import events, ids, media
from inbox.sandbox.models import (
    BotMembership,
    Chat,
    ChatMember,
)
from inbox.sandbox.simulate.core import (
    SimulationError,
    Upload,
    _after_commit,
    _bots_in,
    _channel,
    _queue,
    _user,
)
from inbox.sandbox.state import Sandbox


def create_chat(
    sandbox: Sandbox,
    kind: str,
    member_ids: list[str],
    name: str | None = None,
    picture: Upload | None = None,
) -> Chat:
    """A group (named) or room (unnamed) with these users in it; no bot yet."""
    if kind not in ("group", "room"):
        raise SimulationError(_l("A chat is a group or a room."))
    if kind == "group" and not (name or "").strip():
        raise SimulationError(_l("A group needs a name."))
    chat = Chat(
        chat_id=ids.group_id() if kind == "group" else ids.room_id(),
        kind=kind,
        name=(name or "").strip()[:255] if kind == "group" else None,
        created_at=sandbox.now(),
    )
    if picture is not None and kind == "group":
        stored = media.store_stream(sandbox, picture.stream, picture.content_type)
        chat.picture_file, chat.picture_type = stored.name, stored.content_type
    with sandbox.session() as session:
        for user_id in dict.fromkeys(member_ids):
            _user(session, user_id)
        session.add(chat)
        session.flush()
        for user_id in dict.fromkeys(member_ids):
            session.add(ChatMember(chat_id=chat.chat_id, user_id=user_id, joined_at=sandbox.now()))
    _after_commit(sandbox, [("chats", {"chat": chat.chat_id})])
    return chat


def _membership_event(
    sandbox: Sandbox,
    chat_id: str,
    change: Callable[[Session, Chat], None],
    event_type: str,
    field: str,
    members: list[str],
    with_reply: bool,
) -> None:
    with sandbox.session() as session:
        chat = session.get(Chat, chat_id)
        if chat is None:
            raise SimulationError(_l("There is no such chat."))
        change(session, chat)
        for channel_pk in _bots_in(session, chat_id):
            _queue(
                session,
                sandbox,
                channel_pk,
                event_type,
                events.source(chat.kind, chat_id),
                reply_chat=(chat.kind, chat_id) if with_reply else None,
                **{field: {"members": [{"type": "user", "userId": m} for m in members]}},
            )
    _after_commit(sandbox, [("chats", {"chat": chat_id})])


def add_member(sandbox: Sandbox, chat_id: str, user_id: str) -> None:
    """A user joins: bots already in the chat get `memberJoined` (with a reply token)."""

    def change(session: Session, chat: Chat) -> None:
        _user(session, user_id)
        if session.get(ChatMember, (chat_id, user_id)) is not None:
            raise SimulationError(_l("That user is already in the chat."))
        session.add(ChatMember(chat_id=chat_id, user_id=user_id, joined_at=sandbox.now()))

    _membership_event(sandbox, chat_id, change, "memberJoined", "joined", [user_id], True)


def remove_member(sandbox: Sandbox, chat_id: str, user_id: str) -> None:
    """A user leaves: bots in the chat get `memberLeft`."""

    def change(session: Session, chat: Chat) -> None:
        member = session.get(ChatMember, (chat_id, user_id))
        if member is None:
            raise SimulationError(_l("That user is not in the chat."))
        session.delete(member)

    _membership_event(sandbox, chat_id, change, "memberLeft", "left", [user_id], False)


def invite_bot(sandbox: Sandbox, chat_id: str, channel_pk: int) -> dict[str, Any]:
    """A member invites the account: the bot gets a `join` event with a reply token."""
    with sandbox.session() as session:
        chat = session.get(Chat, chat_id)
        _channel(session, channel_pk)
        if chat is None:
            raise SimulationError(_l("There is no such chat."))
        if session.get(BotMembership, (chat_id, channel_pk)) is not None:
            raise SimulationError(_l("The account is already in this chat."))
        session.add(BotMembership(chat_id=chat_id, channel_pk=channel_pk, joined_at=sandbox.now()))
        event = _queue(
            session,
            sandbox,
            channel_pk,
            "join",
            events.source(chat.kind, chat_id),
            reply_chat=(chat.kind, chat_id),
        )
    _after_commit(sandbox, [("chats", {"chat": chat_id})])
    return event


def remove_bot(sandbox: Sandbox, chat_id: str, channel_pk: int) -> dict[str, Any]:
    """The account is removed from (or leaves) the chat: a `leave` event."""
    with sandbox.session() as session:
        membership = session.get(BotMembership, (chat_id, channel_pk))
        chat = session.get(Chat, chat_id)
        if membership is None or chat is None:
            raise SimulationError(_l("The account is not in this chat."))
        session.delete(membership)
        event = _queue(session, sandbox, channel_pk, "leave", events.source(chat.kind, chat_id))
    _after_commit(sandbox, [("chats", {"chat": chat_id})])
    return event
