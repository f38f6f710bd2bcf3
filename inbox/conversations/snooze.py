"""Snoozing: a conversation set aside until a time, then back in Open by itself.

A snoozed conversation is pending with `snoozed_until` set, so it leaves Open and shows under
Pending with its time. It comes back when the time comes (a job due then, and the routing
sweep as a backstop for a lost job), when an agent ends the snooze, or earlier when the
customer writes; any other status change by hand ends it too. Each step is an audit entry and
a line in the thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from inbox.audit import record
from inbox.conversations.activity import SnoozeEnd, snooze_line
from inbox.conversations.episodes import change_status
from inbox.extensions import db
from inbox.jobs import enqueue, handles
from inbox.models import Conversation, ConversationStatus, User, utcnow
from inbox.outgoing.service import CannotSend
from inbox.realtime import announce

JOB_KIND = "conversation.snooze_end"
LONGEST = timedelta(days=366)


def snooze(
    conversation: Conversation, until: datetime, *, actor: User, now: datetime | None = None
) -> Conversation:
    """Set the conversation aside until `until` (a future moment within a year)."""
    set_aside(conversation, until, actor=actor, now=now)
    db.session.commit()
    return conversation


def set_aside(
    conversation: Conversation, until: datetime, *, actor: User, now: datetime | None = None
) -> None:
    """`snooze` without the commit, for several conversations in one transaction."""
    now = now or utcnow()
    if until.tzinfo is None:
        raise CannotSend(str(_l("Give the time with its time zone.")), "until")
    if until <= now:
        raise CannotSend(str(_l("Choose a time in the future.")), "until")
    if until > now + LONGEST:
        raise CannotSend(str(_l("A conversation can be snoozed for at most a year.")), "until")
    if conversation.status is ConversationStatus.RESOLVED:
        raise CannotSend(str(_l("A resolved conversation cannot be snoozed.")), "resolved")
    record(
        "conversation.snoozed",
        actor=actor,
        channel_id=conversation.channel_id,
        target=conversation,
        details={"until": until.isoformat(), "from": conversation.status.value},
    )
    change_status(conversation, ConversationStatus.PENDING, now)
    conversation.snoozed_until = until
    snooze_line(conversation, until=until, actor=actor, at=now)
    enqueue(
        JOB_KIND,
        f"snooze:{conversation.id}:{int(until.timestamp())}",
        {"conversation_id": conversation.id},
        delay=until - now,
    )
    announce(conversation)


def unsnooze(conversation: Conversation, *, actor: User) -> Conversation:
    """An agent brings a snoozed conversation back to Open before its time."""
    if conversation.snoozed_until is not None:
        _wake(conversation, actor=actor, ended=None, at=utcnow())
        db.session.commit()
    return conversation


def _wake(
    conversation: Conversation, *, actor: User | None, ended: SnoozeEnd | None, at: datetime
) -> None:
    details = {
        "until": conversation.snoozed_until.isoformat() if conversation.snoozed_until else None
    }
    if ended is not None:
        details["reason"] = ended.value
    record(
        "conversation.snooze_ended",
        actor=actor,
        channel_id=conversation.channel_id,
        target=conversation,
        details=details,
    )
    conversation.snoozed_until = None
    change_status(conversation, ConversationStatus.OPEN, at)
    snooze_line(conversation, until=None, actor=actor, at=at, ended=ended)
    announce(conversation)


def end_due_snoozes(now: datetime | None = None) -> int:
    """Snoozes whose time has come: back to Open, each with its "Snooze ended" line. How many."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Conversation)
        .where(Conversation.snoozed_until <= now)
        .order_by(Conversation.snoozed_until, Conversation.id)
        .limit(500)
    ).all()
    for conversation in due:
        _wake(conversation, actor=None, ended=SnoozeEnd.TIME_UP, at=now)
    db.session.commit()
    return len(due)


def customer_wrote(conversations: Iterable[tuple[Conversation, datetime]]) -> None:
    """The event worker's batch: a customer who writes ends their conversation's snooze (in
    the batch's transaction)."""
    for conversation, at in conversations:
        if conversation.snoozed_until is not None:
            _wake(conversation, actor=None, ended=SnoozeEnd.CUSTOMER_WROTE, at=at)


@handles(JOB_KIND)
def _snooze_due(payload: dict) -> None:
    """The time a snooze was set for: end it, unless it ended (or moved) since."""
    conversation = db.session.get(Conversation, payload["conversation_id"])
    if conversation is None or conversation.snoozed_until is None:
        return
    if conversation.snoozed_until <= utcnow():
        _wake(conversation, actor=None, ended=SnoozeEnd.TIME_UP, at=utcnow())
