"""Profiles, group and room information, leaving chats, and the bot's own information."""

from __future__ import annotations

import base64
from typing import Any

import sqlalchemy as sa
from flask import request
from flask.typing import ResponseReturnValue

from inbox.sandbox import simulate
from inbox.sandbox.models import (
    BotMembership,
    Chat,
    ChatMember,
    Friendship,
    HiddenProfile,
    SimUser,
)
from inbox.sandbox.pictures import picture_url
from inbox.sandbox.platform.blueprints import api
from inbox.sandbox.platform.common import LineError, channel, line_json
from inbox.sandbox.state import get_sandbox

MEMBER_IDS_PAGE = 100  # LINE's page size for member IDs


def _profile(user: SimUser, *, full: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "displayName": user.display_name,
        "userId": user.user_id,
        "pictureUrl": picture_url("user", user.user_id),
    }
    if full:
        if user.status_message:
            body["statusMessage"] = user.status_message
        if user.language:
            body["language"] = user.language
    return body


@api.get("/v2/bot/profile/<user_id>")
def profile(user_id: str) -> ResponseReturnValue:
    """A friend's profile; 404 for users who never added the account or blocked it."""
    sandbox, bot = get_sandbox(), channel()
    with sandbox.session() as session:
        friendship = session.get(Friendship, (bot.id, user_id))
        user = session.get(SimUser, user_id)
        if user is None or friendship is None or friendship.state != "following":
            raise LineError(404)
        if session.get(HiddenProfile, (bot.id, user_id)) is not None:
            raise LineError(404)
        return line_json(_profile(user, full=True))


def _chat_of_bot(session: Any, kind: str, chat_id: str, bot_pk: int) -> Chat:
    chat = session.get(Chat, chat_id)
    if chat is None or chat.kind != kind or session.get(BotMembership, (chat_id, bot_pk)) is None:
        raise LineError(404)
    return chat


def member_profile(kind: str, chat_id: str, user_id: str) -> ResponseReturnValue:
    """A group or room member's name and picture (no friendship needed)."""
    sandbox, bot = get_sandbox(), channel()
    with sandbox.session() as session:
        _chat_of_bot(session, kind, chat_id, bot.id)
        user = session.get(SimUser, user_id)
        if user is None or session.get(ChatMember, (chat_id, user_id)) is None:
            raise LineError(404)
        if session.get(HiddenProfile, (bot.id, user_id)) is not None:
            raise LineError(404)
        return line_json(_profile(user, full=False))


def member_count(kind: str, chat_id: str) -> ResponseReturnValue:
    """How many users are in the group or room (the bot not counted)."""
    sandbox, bot = get_sandbox(), channel()
    with sandbox.session() as session:
        _chat_of_bot(session, kind, chat_id, bot.id)
        count = session.scalar(
            sa.select(sa.func.count()).select_from(ChatMember).where(ChatMember.chat_id == chat_id)
        )
        return line_json({"count": count})


def _offset(start: str | None) -> int:
    if not start:
        return 0
    try:
        return int(base64.urlsafe_b64decode(start.encode() + b"==").decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise LineError(
            400, "Invalid start", [{"message": "invalid", "property": "start"}]
        ) from exc


def member_ids(kind: str, chat_id: str) -> ResponseReturnValue:
    """Member user IDs, 100 a page; `next` goes back as `start` for the following page."""
    sandbox, bot = get_sandbox(), channel()
    offset = _offset(request.args.get("start"))
    with sandbox.session() as session:
        _chat_of_bot(session, kind, chat_id, bot.id)
        found = session.scalars(
            sa.select(ChatMember.user_id)
            .where(ChatMember.chat_id == chat_id)
            .order_by(ChatMember.joined_at, ChatMember.user_id)
            .offset(offset)
            .limit(MEMBER_IDS_PAGE + 1)
        ).all()
    body: dict[str, Any] = {"memberIds": list(found[:MEMBER_IDS_PAGE])}
    if len(found) > MEMBER_IDS_PAGE:
        token = str(offset + MEMBER_IDS_PAGE).encode()
        body["next"] = base64.urlsafe_b64encode(token).decode().rstrip("=")
    return line_json(body)


def leave(kind: str, chat_id: str) -> ResponseReturnValue:
    """The bot leaves the group or room (LINE then sends it a `leave` event)."""
    sandbox, bot = get_sandbox(), channel()
    with sandbox.session() as session:
        _chat_of_bot(session, kind, chat_id, bot.id)
    simulate.remove_bot(sandbox, chat_id, bot.id)
    return line_json({})


for _kind in ("group", "room"):
    _id = f"<{_kind}_id>"
    api.add_url_rule(
        f"/v2/bot/{_kind}/{_id}/member/<user_id>",
        f"{_kind}_member_profile",
        lambda kind=_kind, **kw: member_profile(kind, kw[f"{kind}_id"], kw["user_id"]),
    )
    api.add_url_rule(
        f"/v2/bot/{_kind}/{_id}/members/count",
        f"{_kind}_member_count",
        lambda kind=_kind, **kw: member_count(kind, kw[f"{kind}_id"]),
    )
    api.add_url_rule(
        f"/v2/bot/{_kind}/{_id}/members/ids",
        f"{_kind}_member_ids",
        lambda kind=_kind, **kw: member_ids(kind, kw[f"{kind}_id"]),
    )
    api.add_url_rule(
        f"/v2/bot/{_kind}/{_id}/leave",
        f"leave_{_kind}",
        lambda kind=_kind, **kw: leave(kind, kw[f"{kind}_id"]),
        methods=["POST"],
    )


@api.get("/v2/bot/group/<group_id>/summary")
def group_summary(group_id: str) -> ResponseReturnValue:
    """A group's name and picture."""
    sandbox, bot = get_sandbox(), channel()
    with sandbox.session() as session:
        chat = _chat_of_bot(session, "group", group_id, bot.id)
        return line_json(
            {
                "groupId": chat.chat_id,
                "groupName": chat.name or "",
                "pictureUrl": picture_url("group", chat.chat_id),
            }
        )


@api.get("/v2/bot/info")
def bot_info() -> ResponseReturnValue:
    """The bot's user ID, basic ID, name, picture, chat mode and read mode."""
    bot = channel()
    return line_json(
        {
            "userId": bot.bot_user_id,
            "basicId": bot.basic_id,
            "displayName": bot.display_name,
            "pictureUrl": picture_url("bot", bot.bot_user_id),
            "chatMode": bot.chat_mode,
            "markAsReadMode": bot.mark_as_read_mode,
        }
    )
