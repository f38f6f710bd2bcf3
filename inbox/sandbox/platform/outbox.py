"""Messages the bot sends: into the chat, counted against the quota, shown on the phone."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inbox.sandbox import ids
from inbox.sandbox.models import (
    BotMembership,
    ChatMember,
    ChatMessage,
    Friendship,
    PlatformChannel,
    QuotaUsage,
    SimUser,
)
from inbox.sandbox.phone.notify import serialize
from inbox.sandbox.platform.common import LineError
from inbox.sandbox.state import Sandbox

QUOTABLE = {"text", "textV2", "sticker", "image", "video"}  # types a quoteToken is given for
FAILED = "Failed to send messages"
MONTHLY_LIMIT = "You have reached your monthly limit."


def month_of(sandbox: Sandbox) -> str:
    return sandbox.now().strftime("%Y-%m")


def usage(session: Session, sandbox: Sandbox, channel_pk: int) -> int:
    row = session.get(QuotaUsage, (channel_pk, month_of(sandbox)))
    return row.total if row else 0


def recipients(session: Session, channel: PlatformChannel, to: str) -> tuple[str, int]:
    """The chat type of `to` and how many people a push there reaches (the quota's count).

    Per LINE's FAQ (developers.line.biz/en/faq/tags/message/): pushing to a user who blocked
    the account, or never added it, answers 200 but reaches nobody and is not counted; a user,
    group or room ID that does not exist (for this bot) answers 400 "Failed to send messages".
    """
    if to.startswith("U"):
        if session.get(SimUser, to) is None:
            raise LineError(400, FAILED)
        friendship = session.get(Friendship, (channel.id, to))
        return "user", int(friendship is not None and friendship.state == "following")
    if to[:1] in ("C", "R") and session.get(BotMembership, (to, channel.id)) is not None:
        members = session.scalar(
            sa.select(sa.func.count()).select_from(ChatMember).where(ChatMember.chat_id == to)
        )
        return ("group" if to.startswith("C") else "room"), int(members or 0)
    raise LineError(400, FAILED)


def charge(session: Session, sandbox: Sandbox, channel: PlatformChannel, count: int) -> None:
    """Add `count` to this month's usage, or 429 when that would pass a limited quota."""
    row = session.get(QuotaUsage, (channel.id, month_of(sandbox)))
    current = row.total if row else 0
    if channel.quota_type == "limited" and current + count > channel.quota_value:
        raise LineError(429, MONTHLY_LIMIT)
    if row is None:
        row = QuotaUsage(channel_pk=channel.id, month=month_of(sandbox), total=0)
        session.add(row)
    row.total = current + count


def store(
    session: Session,
    sandbox: Sandbox,
    channel: PlatformChannel,
    chat: tuple[str, str] | None,
    messages: list[dict[str, Any]],
    via: str,
    request_id: str,
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """Record sent messages in the chat (None: the chat gets nothing, e.g. a block).

    Returns LINE's `sentMessages` and the phone's view of what arrived.
    """
    sent: list[dict[str, str]] = []
    shown: list[dict[str, Any]] = []
    for message in messages:
        entry = {"id": ids.message_id()}
        if message["type"] in QUOTABLE:
            entry["quoteToken"] = ids.quote_token()
        sent.append(entry)
        if chat is None:
            continue
        row = ChatMessage(
            message_id=entry["id"],
            channel_pk=channel.id,
            chat_type=chat[0],
            chat_id=chat[1],
            direction="outgoing",
            sender_id=channel.bot_user_id,
            type=message["type"],
            body=message,
            quote_token=entry.get("quoteToken"),
            via=via,
            request_id=request_id,
            created_at=sandbox.now(),
        )
        session.add(row)
        session.flush()
        shown.append(serialize(row, channel.channel_id))
    return sent, shown
