"""What the phone page reads: users, chats, channels, messages as JSON."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import Session

from inbox.sandbox.emojis import EMOJIS, PRODUCT_ID
from inbox.sandbox.models import (
    BotMembership,
    Chat,
    ChatMember,
    ChatMessage,
    Friendship,
    HiddenProfile,
    PlatformChannel,
    SimUser,
)
from inbox.sandbox.phone.notify import serialize
from inbox.sandbox.state import Sandbox
from inbox.sandbox.stickers import STICKERS


def _picture(kind: str, key: str) -> str:
    return url_for("sandbox_pictures.picture", kind=kind, key=key)


def user_view(
    user: SimUser, friendships: dict[str, str], hidden_from: list[str] | None = None
) -> dict[str, Any]:
    """`hidden_from`: the channels whose Get Profile calls answer 404 for this user."""
    return {
        "userId": user.user_id,
        "displayName": user.display_name,
        "statusMessage": user.status_message,
        "language": user.language,
        "pictureUrl": _picture("user", user.user_id),
        "friendships": friendships,
        "profileHiddenFrom": hidden_from or [],
    }


def state(sandbox: Sandbox) -> dict[str, Any]:
    """Everything the page needs to draw its pickers."""
    with sandbox.session() as session:
        channels = session.scalars(sa.select(PlatformChannel).order_by(PlatformChannel.id)).all()
        by_pk = {channel.id: channel.channel_id for channel in channels}
        friendships: dict[str, dict[str, str]] = {}
        for row in session.scalars(sa.select(Friendship)):
            friendships.setdefault(row.user_id, {})[by_pk[row.channel_pk]] = row.state
        hidden: dict[str, list[str]] = {}
        for row in session.scalars(sa.select(HiddenProfile)):
            hidden.setdefault(row.user_id, []).append(by_pk[row.channel_pk])
        users = session.scalars(sa.select(SimUser).order_by(SimUser.created_at)).all()
        return {
            "channels": [
                {
                    "channelId": channel.channel_id,
                    "name": channel.display_name,
                    "botUserId": channel.bot_user_id,
                    "pictureUrl": _picture("bot", channel.bot_user_id),
                }
                for channel in channels
            ],
            "users": [
                user_view(user, friendships.get(user.user_id, {}), hidden.get(user.user_id))
                for user in users
            ],
            "chats": [chat_view(session, chat, by_pk) for chat in _chats(session)],
            "stickers": [
                {"packageId": s.package_id, "stickerId": s.sticker_id, "emoji": s.emoji}
                for s in STICKERS
            ],
            "emojis": [
                {"productId": PRODUCT_ID, "emojiId": e.emoji_id, "token": e.token, "glyph": e.glyph}
                for e in EMOJIS
            ],
        }


def _chats(session: Session) -> list[Chat]:
    return list(session.scalars(sa.select(Chat).order_by(Chat.created_at)))


def chat_view(session: Session, chat: Chat, by_pk: dict[int, str]) -> dict[str, Any]:
    members = session.scalars(
        sa.select(ChatMember.user_id)
        .where(ChatMember.chat_id == chat.chat_id)
        .order_by(ChatMember.joined_at)
    ).all()
    bots = session.scalars(
        sa.select(BotMembership.channel_pk).where(BotMembership.chat_id == chat.chat_id)
    ).all()
    return {
        "chatId": chat.chat_id,
        "kind": chat.kind,
        "name": chat.name,
        "pictureUrl": _picture("group", chat.chat_id) if chat.kind == "group" else None,
        "members": list(members),
        "bots": [by_pk[pk] for pk in bots],
    }


def messages(
    sandbox: Sandbox, channel: PlatformChannel, chat: tuple[str, str], after: int = 0
) -> list[dict[str, Any]]:
    """A chat's messages, oldest first, after the given row id (polling and history)."""
    with sandbox.session() as session:
        rows = session.scalars(
            sa.select(ChatMessage)
            .where(
                ChatMessage.channel_pk == channel.id,
                ChatMessage.chat_type == chat[0],
                ChatMessage.chat_id == chat[1],
                ChatMessage.id > after,
            )
            .order_by(ChatMessage.id)
            .limit(500)
        ).all()
        return [serialize(row, channel.channel_id) for row in rows]
