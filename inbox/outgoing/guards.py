"""Guards on paid pushes: what a push costs, and whether LINE's monthly quota and the channel's
daily budget still allow it, checked before anything reaches LINE.

Units are LINE's: a push request counts once for each person it reaches (one in a one-to-one
chat, every member in a group or room), however many of its up to five messages it carries.
The daily budget is counted per UTC day (channels have no time zone of their own), from the
pushes LINE accepted since midnight UTC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from inbox.extensions import db
from inbox.line.client import MAX_MESSAGES_PER_SEND
from inbox.models import (
    Channel,
    Conversation,
    ConversationMember,
    DeliveryState,
    Direction,
    Message,
    SendMode,
    SourceType,
    utcnow,
)
from inbox.outgoing.modes import CannotSend
from inbox.outgoing.modes import SendMode as RequestedMode
from inbox.outgoing.quota import push_quota
from inbox.outgoing.reply_tokens import reply_window


def recipients(conversation: Conversation) -> int | None:
    """How many people a push here reaches: LINE's member count for a group or room, else the
    members the inbox knows of; None when neither is known yet."""
    if conversation.source_type is SourceType.USER:
        return 1
    if conversation.member_count:
        return conversation.member_count
    known = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ConversationMember)
        .where(
            ConversationMember.conversation_id == conversation.id,
            ConversationMember.left_at.is_(None),
        )
    )
    return int(known) or None


def push_units(conversation: Conversation, message_count: int) -> int:
    """Quota units a push of this many messages costs (unknown members count as one)."""
    requests = math.ceil(message_count / MAX_MESSAGES_PER_SEND)
    return requests * (recipients(conversation) or 1)


def start_of_budget_day(now: datetime | None = None) -> datetime:
    return (now or utcnow()).replace(hour=0, minute=0, second=0, microsecond=0)


def pushed_today(channel: Channel) -> int:
    """Quota units the channel's pushes used since midnight UTC (each request counted once,
    by the retry key its messages share, times the people its chat has now)."""
    requests = (
        sa.select(Message.conversation_id, Message.retry_key)
        .where(
            Message.channel_id == channel.id,
            Message.direction == Direction.OUTGOING,
            Message.send_mode == SendMode.PUSH,
            Message.delivery_state == DeliveryState.SENT,
            Message.sent_at >= start_of_budget_day(),
        )
        .distinct()
        .subquery()
    )
    people = sa.case(
        (Conversation.source_type == SourceType.USER, 1),
        else_=sa.func.coalesce(sa.func.nullif(Conversation.member_count, 0), 1),
    )
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(people), 0)).join_from(
            requests, Conversation, Conversation.id == requests.c.conversation_id
        )
    )
    return int(total or 0)


@dataclass(frozen=True)
class Budget:
    limit: int
    used: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def as_dict(self) -> dict[str, int]:
        return {"limit": self.limit, "used": self.used, "remaining": self.remaining}


def daily_budget(channel: Channel) -> Budget | None:
    if channel.push_budget_per_day is None:
        return None
    return Budget(channel.push_budget_per_day, pushed_today(channel))


def check_budget(conversation: Conversation, units: int) -> None:
    """Refuse a push the channel's daily budget cannot pay for (database only, no LINE call)."""
    budget = daily_budget(conversation.channel)
    if budget is not None and units > budget.remaining:
        raise CannotSend(
            str(
                _l(
                    "This push needs %(needed)d of today's push budget, and %(left)d of"
                    " %(limit)d is left (an admin sets the budget; it starts again at midnight"
                    " UTC). A free reply is possible within a minute of the customer's next"
                    " message.",
                    needed=units,
                    left=budget.remaining,
                    limit=budget.limit,
                )
            ),
            "push_budget_exceeded",
        )


def check_quota(conversation: Conversation, units: int) -> None:
    """Refuse a push that would pass this month's quota (LINE's numbers, kept a minute). When
    LINE cannot say, the push goes and LINE itself is the judge."""
    quota = push_quota(conversation.channel)
    if quota is None or quota.get("remaining") is None or units <= quota["remaining"]:
        return
    raise CannotSend(
        str(
            _l(
                "This month's push quota would be exceeded: this push counts %(needed)d and"
                " %(left)d are left. A free reply is possible within a minute of the customer's"
                " next message.",
                needed=units,
                left=quota["remaining"],
            )
        ),
        "quota_exceeded",
    )


def check_push_allowed(conversation: Conversation, message_count: int) -> None:
    units = push_units(conversation, message_count)
    check_budget(conversation, units)
    check_quota(conversation, units)


def check_send_mode(conversation: Conversation, mode: RequestedMode, message_count: int) -> None:
    """Before queueing: a reply needs an unused token; a push must be affordable."""
    has_reply = reply_window(conversation) is not None
    if mode is RequestedMode.REPLY and not has_reply:
        raise CannotSend(
            str(
                _l(
                    "There is no unused reply token from the last minute, so a reply is not"
                    " possible. Choose Automatic or Push."
                )
            ),
            "reply_unavailable",
        )
    if mode is RequestedMode.PUSH or (mode is RequestedMode.AUTO and not has_reply):
        check_push_allowed(conversation, message_count)


def push_outlook(conversation: Conversation) -> dict[str, Any]:
    """What a push of one request would cost here and whether it would be refused, for the
    composer: `{chat, recipients, quota, budget, refused}`."""
    budget = daily_budget(conversation.channel)
    refused = None
    try:
        check_push_allowed(conversation, 1)
    except CannotSend as refusal:
        refused = str(refusal)
    return {
        "chat": conversation.source_type.value,
        "recipients": recipients(conversation),
        "quota": push_quota(conversation.channel),
        "budget": budget.as_dict() if budget else None,
        "refused": refused,
    }
