"""Episodes: each customer request, from their first message to the agent's "resolved".

The two ways a conversation's status moves (an agent changes it, a customer writes) both come
through here, so `Conversation.resolved_at` and the episode rows reports read stay in step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from inbox.conversations.waiting import answered
from inbox.extensions import db
from inbox.models import Conversation, ConversationEpisode, ConversationStatus


def latest_episode(conversation: Conversation) -> ConversationEpisode | None:
    return db.session.scalar(
        sa.select(ConversationEpisode)
        .where(ConversationEpisode.conversation_id == conversation.id)
        .order_by(ConversationEpisode.opened_at.desc(), ConversationEpisode.id.desc())
        .limit(1)
    )


def latest_episodes(conversation_ids: list[int]) -> dict[int, ConversationEpisode | None]:
    """`latest_episode` of many conversations in one query."""
    newest_first = (
        sa.func.row_number()
        .over(
            partition_by=ConversationEpisode.conversation_id,
            order_by=(ConversationEpisode.opened_at.desc(), ConversationEpisode.id.desc()),
        )
        .label("newest_first")
    )
    ranked = (
        sa.select(ConversationEpisode.id, newest_first)
        .where(ConversationEpisode.conversation_id.in_(conversation_ids))
        .subquery()
    )
    latest: dict[int, ConversationEpisode | None] = dict.fromkeys(conversation_ids)
    for episode in db.session.scalars(
        sa.select(ConversationEpisode)
        .join(ranked, ranked.c.id == ConversationEpisode.id)
        .where(ranked.c.newest_first == 1)
    ):
        latest[episode.conversation_id] = episode
    return latest


def customer_wrote(
    conversation: Conversation,
    at: datetime,
    latest_of: Callable[[Conversation], ConversationEpisode | None] = latest_episode,
) -> ConversationEpisode:
    """A customer's message reopens a resolved conversation and opens an episode if none is;
    the episode it belongs to. `latest_of` finds the latest episode (the event worker has its
    batch's at hand)."""
    if conversation.status is ConversationStatus.RESOLVED:
        conversation.status, conversation.resolved_at = ConversationStatus.OPEN, None
        latest = None
    else:
        latest = latest_of(conversation)
    if latest is None or latest.resolved_at is not None:
        latest = ConversationEpisode(
            conversation_id=conversation.id, channel_id=conversation.channel_id, opened_at=at
        )
        db.session.add(latest)
    elif at < latest.opened_at:  # an earlier message delivered late
        latest.opened_at = at
    return latest


def change_status(conversation: Conversation, status: ConversationStatus, at: datetime) -> None:
    """An agent's status change. Reopening by hand continues the same request."""
    was = conversation.status
    if status is was:
        return
    conversation.status = status
    if status is not ConversationStatus.RESOLVED and was is not ConversationStatus.RESOLVED:
        return
    latest = latest_episode(conversation)
    if status is ConversationStatus.RESOLVED:
        conversation.resolved_at = at
        answered(conversation)  # resolved: nothing is awaited any more
        if latest is not None and latest.resolved_at is None:
            latest.resolved_at = at
    else:
        conversation.resolved_at = None
        if latest is not None:
            latest.resolved_at = None


def customer_returned(conversation: Conversation) -> bool:
    """The user unblocked the account, or the account is back in their group: a resolved
    conversation is open again. No request is yet (their first message opens the episode), so
    the one resolved before stays resolved. Whether it reopened."""
    if conversation.status is not ConversationStatus.RESOLVED:
        return False
    conversation.status, conversation.resolved_at = ConversationStatus.OPEN, None
    return True
