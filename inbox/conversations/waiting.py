"""How long a customer has been waiting for an answer, kept on the conversation row.

`Conversation.waiting_since` is the customer's oldest message after the last answer an agent
sent (an answer LINE refused does not count). It is stored, not computed per list: the inbox
list is read far more often than messages arrive, and computing it there would mean a grouped
scan of every listed thread's messages on each page and each live update. It moves:

- a customer writes: the wait starts, unless it already has (`customers_wait`);
- an agent sends: the wait ends (`answered`);
- a send fails or is retried, or the wait is unknown: it is worked out again from the thread
  (`refresh_waiting`);
- the conversation is resolved: nothing is awaited any more (`answered`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from inbox.extensions import db
from inbox.models import (
    Channel,
    Conversation,
    ConversationStatus,
    DeliveryState,
    Direction,
    Message,
)


class WaitingLevel(StrEnum):
    CALM = "calm"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True)
class WaitingTimes:
    """When a wait started, and when it turns amber and red by its channel's thresholds."""

    since: datetime
    amber_at: datetime
    red_at: datetime

    def level(self, now: datetime) -> WaitingLevel:
        if now >= self.red_at:
            return WaitingLevel.RED
        if now >= self.amber_at:
            return WaitingLevel.AMBER
        return WaitingLevel.CALM


def waiting_times(conversation: Conversation, channel: Channel) -> WaitingTimes | None:
    since = conversation.waiting_since
    if since is None:
        return None
    return WaitingTimes(
        since=since,
        amber_at=since + timedelta(minutes=channel.waiting_amber_minutes),
        red_at=since + timedelta(minutes=channel.waiting_red_minutes),
    )


def customers_wait(started: dict[Conversation, datetime]) -> None:
    """Each conversation's customer wrote, earliest at its time: the wait starts then, unless
    it already had. In SQL, so an agent's answer or another worker's change meanwhile is not
    overwritten with what this worker read; one statement for a batch's conversations."""
    if not started:
        return
    conversations: sa.Table = Conversation.__table__  # type: ignore[assignment]
    since = sa.bindparam("since", type_=conversations.c.waiting_since.type)
    waiting = conversations.c.waiting_since
    db.session.connection().execute(
        sa.update(conversations)
        .where(conversations.c.id == sa.bindparam("chat"))
        .values(
            waiting_since=sa.case(
                (sa.or_(waiting.is_(None), waiting > since), since), else_=waiting
            )
        ),
        [{"chat": conversation.id, "since": at} for conversation, at in started.items()],
    )
    for conversation in started:
        db.session.expire(conversation, ["waiting_since"])


def answered(conversation: Conversation) -> None:
    conversation.waiting_since = None


def unanswered_since() -> sa.ScalarSelect[datetime]:
    """A correlated subquery: the conversation's oldest customer message after its last answer."""
    answer = aliased(Message)
    return (
        sa.select(sa.func.min(Message.sent_at))
        .where(
            Message.conversation_id == Conversation.id,
            Message.direction == Direction.INCOMING,
            ~sa.exists().where(
                answer.conversation_id == Conversation.id,
                answer.direction == Direction.OUTGOING,
                answer.delivery_state != DeliveryState.FAILED,
                answer.sent_at >= Message.sent_at,
            ),
        )
        .scalar_subquery()
    )


def refresh_waiting(conversation: Conversation) -> None:
    """Work the wait out again from the thread (after a send failed or was retried)."""
    db.session.flush()
    since = db.session.scalar(
        sa.select(unanswered_since()).where(Conversation.id == conversation.id)
    )
    resolved = conversation.status is ConversationStatus.RESOLVED
    conversation.waiting_since = None if resolved else since
