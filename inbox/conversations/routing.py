"""Automatic routing: a customer who needs an agent gets one at once, in turn.

A channel in round-robin mode gives each conversation that needs an agent (open, unassigned,
a customer waiting for an answer) to an ONLINE agent: every active user with the agent role
may take any channel (there are no teams yet); agents who are away or offline, or who already
hold the channel's cap of open conversations, are passed over. The agent whose last turn on
the channel is longest ago (or who never had one) is next, and turns are rows, so the order is
fair across restarts and worker processes. With nobody available the conversation waits
unassigned until someone is.

It never runs in the webhook nor slows derivation: the event worker only enqueues a job per
conversation in its batch's transaction; the job worker assigns after the commit. A recurring
sweep in the job worker assigns what is left (an agent came online, a job was lost), ends
snoozes whose time came, and reassigns a waiting customer whose agent has been offline for the
grace period (ROUTING_OFFLINE_GRACE_SECONDS). Assigning is `set_assignee` with no actor: the
thread says "Assigned automatically", the audit log names no person, and the assignee's
workspace alerts as for any assignment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from inbox.conversations.activity import set_assignee
from inbox.conversations.snooze import end_due_snoozes
from inbox.extensions import db
from inbox.jobs import RetryLater, enqueue, handles
from inbox.models import (
    AgentAbsence,
    Channel,
    Conversation,
    ConversationStatus,
    RoutingMode,
    RoutingTurn,
    User,
    utcnow,
)
from inbox.models.user import active_agents
from inbox.realtime import announce
from inbox.realtime.presence import OFFLINE, ONLINE, PresenceRecord, status_of, store

log = logging.getLogger(__name__)

ASSIGN_JOB = "routing.assign"
SWEEP_JOB = "routing.sweep"
NEVER = datetime.min.replace(tzinfo=UTC)


def _unassigned_open(conversation: Conversation) -> bool:
    return (
        conversation.channel.routing_mode is RoutingMode.ROUND_ROBIN
        and conversation.status is ConversationStatus.OPEN
        and conversation.assignee_id is None
    )


def needs_agent(conversation: Conversation) -> bool:
    """Open, nobody's, a customer waiting, on a channel that routes by itself."""
    return _unassigned_open(conversation) and conversation.waiting_since is not None


def route_soon(conversations: Iterable[Conversation]) -> None:
    """The event worker's batch, whose customers just wrote (so they wait): a job per
    conversation that needs an agent, committed with the batch and run after it."""
    for conversation in conversations:
        if _unassigned_open(conversation):
            enqueue(ASSIGN_JOB, f"routing:{conversation.id}", {"conversation_id": conversation.id})


@dataclass
class Roster:
    """A channel's online agents with room under the cap, in turn order, as routing assigns."""

    channel: Channel
    now: datetime
    agents: list[User]
    open_counts: dict[int, int] = field(default_factory=dict)
    turns: dict[int, RoutingTurn] = field(default_factory=dict)

    @classmethod
    def load(cls, channel: Channel, presence: list[PresenceRecord], now: datetime) -> Roster:
        online = {record.user_id for record in presence if record.status == ONLINE}
        agents = (
            list(db.session.scalars(active_agents().where(User.id.in_(online)))) if online else []
        )
        ids = [agent.id for agent in agents]
        counts = dict(
            db.session.execute(
                sa.select(Conversation.assignee_id, sa.func.count())
                .where(
                    Conversation.channel_id == channel.id,
                    Conversation.status == ConversationStatus.OPEN,
                    Conversation.assignee_id.in_(ids),
                )
                .group_by(Conversation.assignee_id)
            ).all()
        )
        turns = db.session.scalars(
            sa.select(RoutingTurn).where(
                RoutingTurn.channel_id == channel.id, RoutingTurn.user_id.in_(ids)
            )
        )
        return cls(channel, now, agents, counts, {turn.user_id: turn for turn in turns})

    def next_agent(self) -> User | None:
        """Whose turn it is among those under the cap; None when nobody can take one."""
        free = [
            agent
            for agent in self.agents
            if self.open_counts.get(agent.id, 0) < self.channel.routing_cap
        ]
        if not free:
            return None
        return min(free, key=lambda agent: (self._last_turn(agent), agent.id))

    def _last_turn(self, agent: User) -> datetime:
        turn = self.turns.get(agent.id)
        return turn.last_assigned_at if turn is not None else NEVER

    def give(self, conversation: Conversation, agent: User) -> None:
        set_assignee(conversation, agent, actor=None)
        announce(conversation)
        self.open_counts[agent.id] = self.open_counts.get(agent.id, 0) + 1
        turn = self.turns.get(agent.id)
        if turn is None:
            turn = self.turns[agent.id] = RoutingTurn(channel_id=self.channel.id, user_id=agent.id)
            db.session.add(turn)
        turn.last_assigned_at = self.now


def assign(conversation: Conversation, *, now: datetime | None = None) -> User | None:
    """Give one conversation that needs an agent to the agent whose turn it is (committed)."""
    if not needs_agent(conversation):
        return None
    roster = Roster.load(conversation.channel, store().everyone(), now or utcnow())
    agent = roster.next_agent()
    if agent is not None:
        roster.give(conversation, agent)
    db.session.commit()
    return agent


@dataclass(frozen=True)
class Swept:
    assigned: int = 0
    reassigned: int = 0
    snoozes_ended: int = 0


def sweep(now: datetime | None = None, presence: list[PresenceRecord] | None = None) -> Swept:
    """End due snoozes; then, per round-robin channel, reassign customers whose agent is gone
    and assign those still waiting, oldest wait first."""
    now = now or utcnow()
    snoozes_ended = end_due_snoozes(now)
    presence = store().everyone() if presence is None else presence
    grace = timedelta(seconds=current_app.config["ROUTING_OFFLINE_GRACE_SECONDS"])
    absences = _note_absences(presence, now)
    assigned = reassigned = 0
    channels = db.session.scalars(
        sa.select(Channel).where(
            Channel.routing_mode == RoutingMode.ROUND_ROBIN, Channel.enabled.is_(True)
        )
    ).all()
    for channel in channels:
        roster = Roster.load(channel, presence, now)
        for conversation in _abandoned(channel, absences, now - grace):
            agent = roster.next_agent()
            if agent is None:
                break
            roster.give(conversation, agent)
            reassigned += 1
        for conversation in _unassigned_waiting(channel):
            agent = roster.next_agent()
            if agent is None:
                break
            roster.give(conversation, agent)
            assigned += 1
    db.session.commit()
    return Swept(assigned, reassigned, snoozes_ended)


def _waiting_in(channel_ids: sa.ColumnElement[bool]) -> sa.Select[tuple[Conversation]]:
    return (
        sa.select(Conversation)
        .where(
            channel_ids,
            Conversation.status == ConversationStatus.OPEN,
            Conversation.waiting_since.is_not(None),
        )
        .order_by(Conversation.waiting_since, Conversation.id)
    )


def _unassigned_waiting(channel: Channel) -> list[Conversation]:
    return list(
        db.session.scalars(
            _waiting_in(Conversation.channel_id == channel.id)
            .where(Conversation.assignee_id.is_(None))
            .limit(500)
        )
    )


def _abandoned(
    channel: Channel, absences: dict[int, datetime], gone_before: datetime
) -> list[Conversation]:
    """Waiting customers of agents offline since before `gone_before`, who have waited that
    long too (an answer since their agent left restarts nothing: the customer waits again)."""
    gone = [user_id for user_id, since in absences.items() if since <= gone_before]
    if not gone:
        return []
    return list(
        db.session.scalars(
            _waiting_in(Conversation.channel_id == channel.id).where(
                Conversation.assignee_id.in_(gone), Conversation.waiting_since <= gone_before
            )
        )
    )


def _note_absences(presence: list[PresenceRecord], now: datetime) -> dict[int, datetime]:
    """Since when each agent holding a waiting customer in a round-robin channel has been
    offline (first seen so by a sweep); the others' absences are forgotten."""
    holders = set(
        db.session.scalars(
            _waiting_in(Conversation.channel.has(Channel.routing_mode == RoutingMode.ROUND_ROBIN))
            .with_only_columns(Conversation.assignee_id)
            .where(Conversation.assignee_id.is_not(None))
            .distinct()
            .order_by(None)
        )
    )
    offline = {user_id for user_id in holders if status_of(user_id, presence) == OFFLINE}
    known = {row.user_id: row for row in db.session.scalars(sa.select(AgentAbsence))}
    for user_id, row in known.items():
        if user_id not in offline:
            db.session.delete(row)
    for user_id in offline - known.keys():
        known[user_id] = AgentAbsence(user_id=user_id, since=now)
        db.session.add(known[user_id])
    return {user_id: known[user_id].since for user_id in offline}


@handles(ASSIGN_JOB)
def _assign_job(payload: dict) -> None:
    conversation = db.session.get(Conversation, payload["conversation_id"])
    if conversation is not None:
        assign(conversation)


def ensure_sweep() -> None:
    """At start-up: the recurring sweep is queued (a no-op while it is)."""
    enqueue(SWEEP_JOB, SWEEP_JOB, max_attempts=1_000_000)
    db.session.commit()


@handles(SWEEP_JOB)
def _sweep_job(payload: dict) -> None:
    """Sweep, then run again in ROUTING_SWEEP_SECONDS: one job row for ever, asked to come back
    rather than finished, so the jobs table does not grow by a row per sweep."""
    period = float(current_app.config["ROUTING_SWEEP_SECONDS"])
    try:
        sweep()
    except Exception:
        db.session.rollback()
        log.exception("routing sweep failed; trying again in %s s", period)
    raise RetryLater(period, "recurring: the next sweep")
