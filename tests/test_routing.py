"""Automatic routing (round robin among online agents, caps, offline reassignment) and snooze."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa

from inbox.conversations import routing
from inbox.conversations.snooze import end_due_snoozes, snooze, unsnooze
from inbox.extensions import db
from inbox.jobs import run_job
from inbox.jobs.queue import claim
from inbox.models import (
    SNOOZE_CHANGED,
    AuditEntry,
    Channel,
    Conversation,
    ConversationStatus,
    Job,
    JobState,
    Message,
    Role,
    RoutingMode,
    utcnow,
)
from inbox.realtime.presence import AWAY, ONLINE, PresenceRecord, store
from tests.line_events import deliver, text_event, user_source

_sids = itertools.count(1)
_customers = itertools.count(1)


@pytest.fixture
def channel(make):
    return make.channel(routing_mode=RoutingMode.ROUND_ROBIN, routing_cap=2)


def online(*agents, status=ONLINE) -> None:
    for agent in agents:
        store().save(PresenceRecord(f"sid-{next(_sids)}", agent.id, agent.email, status))


def offline(agent) -> None:
    for record in store().everyone():
        if record.user_id == agent.id:
            store().forget(record.sid)


def customer_writes(client, channel, customer: str | None = None) -> Conversation:
    customer = customer or f"U{next(_customers):032d}"
    deliver(client, channel, [text_event("hello", source=user_source(customer))])
    run_routing_jobs()
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Conversation).where(
            Conversation.channel_id == channel.id, Conversation.source_id == customer
        )
    )


def run_routing_jobs() -> None:
    """What the job worker would run after the batch (not the profile fetches: no LINE here)."""
    for job_id in db.session.scalars(
        sa.select(Job.id).where(Job.kind == routing.ASSIGN_JOB, Job.state == JobState.QUEUED)
    ).all():
        if claim(job_id, timedelta(minutes=1)):
            run_job(job_id)


def lines(conversation, kind):
    return db.session.scalars(
        sa.select(Message)
        .where(Message.conversation_id == conversation.id, Message.type == kind)
        .order_by(Message.id)
    ).all()


def test_new_conversations_go_round_robin(client, make, channel) -> None:
    first, second = make.user(), make.user()
    online(first, second)
    assignees = [customer_writes(client, channel).assignee_id for _ in range(4)]
    assert assignees == [first.id, second.id, first.id, second.id]
    conversation = db.session.scalar(sa.select(Conversation).order_by(Conversation.id))
    (line,) = lines(conversation, "assignment_changed")
    assert line.payload["by"] is None and line.payload["to"]["id"] == first.id
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "conversation.assigned")
    )
    assert entry.actor_user_id is None


def test_the_order_lasts_past_a_restart(client, make, channel) -> None:
    first, second = make.user(), make.user()
    online(first, second)
    second_id = second.id
    assert customer_writes(client, channel).assignee_id == first.id
    db.session.remove()  # turns are rows: a new worker reads whose turn it is
    channel = db.session.get(Channel, channel.id)
    assert customer_writes(client, channel).assignee_id == second_id


def test_capped_away_and_offline_agents_are_passed_over(client, make, channel) -> None:
    busy, idle, gone, free = make.user(), make.user(), make.user(), make.user()
    online(busy, free)
    online(idle, status=AWAY)
    for _ in range(2):
        customer_writes(client, channel)  # busy, free
    for _ in range(2):
        customer_writes(client, channel)  # busy, free again: both at the cap of 2
    third = customer_writes(client, channel)
    assert third.assignee_id is None
    held = db.session.scalars(sa.select(Conversation.assignee_id)).all()
    assert set(held) - {None} == {busy.id, free.id} and gone.id not in held


def test_nobody_online_waits_unassigned_then_the_sweep_assigns(client, make, channel) -> None:
    agent = make.user()
    conversation = customer_writes(client, channel)
    assert conversation.assignee_id is None
    online(agent)
    assert routing.sweep().assigned == 1
    assert db.session.get(Conversation, conversation.id).assignee_id == agent.id


def test_manual_channels_are_left_alone(client, make) -> None:
    manual = make.channel()
    online(make.user())
    conversation = customer_writes(client, manual)
    assert conversation.assignee_id is None
    assert routing.sweep().assigned == 0
    assert db.session.get(Conversation, conversation.id).assignee_id is None


def test_a_resolved_conversation_reopened_by_the_customer_is_routed(client, make, channel) -> None:
    agent = make.user()
    conversation = customer_writes(client, channel, "U" + "7" * 32)
    conversation.status = ConversationStatus.RESOLVED
    db.session.commit()
    online(agent)
    again = customer_writes(client, channel, "U" + "7" * 32)
    assert again.id == conversation.id and again.assignee_id == agent.id


def test_an_offline_agents_waiting_customer_moves_after_the_grace(
    app, client, make, channel
) -> None:
    first, second = make.user(), make.user()
    online(first)
    conversation = customer_writes(client, channel)
    assert conversation.assignee_id == first.id
    offline(first)
    online(second)
    now = utcnow()
    grace = timedelta(seconds=app.config["ROUTING_OFFLINE_GRACE_SECONDS"])
    assert routing.sweep(now).reassigned == 0  # first seen offline now
    assert routing.sweep(now + grace / 2).reassigned == 0
    assert routing.sweep(now + grace + timedelta(seconds=1)).reassigned == 1
    conversation = db.session.get(Conversation, conversation.id)
    assert conversation.assignee_id == second.id
    line = lines(conversation, "assignment_changed")[-1]
    assert line.payload["from"]["id"] == first.id and line.payload["by"] is None


def test_an_agent_back_in_time_keeps_the_conversation(app, client, make, channel) -> None:
    first, second = make.user(), make.user()
    online(first)
    conversation = customer_writes(client, channel)
    offline(first)
    online(second)
    now = utcnow()
    routing.sweep(now)
    online(first)
    routing.sweep(now + timedelta(minutes=1))
    offline(first)
    routing.sweep(now + timedelta(minutes=3))  # offline again, counted from now
    assert db.session.get(Conversation, conversation.id).assignee_id == first.id


def test_snooze_ends_on_time_with_a_line(client, make) -> None:
    agent = make.user(display_name="Nok")
    conversation = customer_writes(client, make.channel())
    now = utcnow()
    snooze(conversation, now + timedelta(hours=1), actor=agent, now=now)
    assert conversation.status is ConversationStatus.PENDING
    assert end_due_snoozes(now + timedelta(minutes=59)) == 0
    assert end_due_snoozes(now + timedelta(hours=1)) == 1
    conversation = db.session.get(Conversation, conversation.id)
    assert conversation.status is ConversationStatus.OPEN and conversation.snoozed_until is None
    began, ended = lines(conversation, SNOOZE_CHANGED)
    assert began.payload["until"] and began.payload["by"]["name"] == "Nok"
    assert ended.payload["reason"] == "time_up" and ended.payload["by"] is None
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "conversation.snoozed" in actions and "conversation.snooze_ended" in actions


def test_snooze_ends_early_when_the_customer_writes(client, make) -> None:
    channel = make.channel()
    conversation = customer_writes(client, channel, "U" + "8" * 32)
    snooze(conversation, utcnow() + timedelta(days=1), actor=make.user())
    customer_writes(client, channel, "U" + "8" * 32)
    conversation = db.session.get(Conversation, conversation.id)
    assert conversation.status is ConversationStatus.OPEN and conversation.snoozed_until is None
    assert lines(conversation, SNOOZE_CHANGED)[-1].payload["reason"] == "customer_wrote"


def test_unsnooze_and_status_changes_end_a_snooze(client, make) -> None:
    agent = make.user()
    conversation = customer_writes(client, make.channel())
    snooze(conversation, utcnow() + timedelta(hours=1), actor=agent)
    unsnooze(conversation, actor=agent)
    assert conversation.status is ConversationStatus.OPEN and conversation.snoozed_until is None
    assert lines(conversation, SNOOZE_CHANGED)[-1].payload["by"]["id"] == agent.id


def test_snooze_api(client, make) -> None:
    conversation = customer_writes(client, make.channel())
    headers = make.auth_header()
    path = f"/api/conversations/{conversation.id}/snooze"
    until = (utcnow() + timedelta(hours=1)).isoformat()
    answer = client.put(path, json={"until": until}, headers=headers)
    assert answer.status_code == 200
    assert answer.json["status"] == "pending" and answer.json["snoozed_until"]
    open_list = client.get("/api/conversations?status=open", headers=headers).json
    assert open_list["conversations"] == []
    past = (utcnow() - timedelta(hours=1)).isoformat()
    assert client.put(path, json={"until": past}, headers=headers).status_code == 400
    assert client.put(path, json={"until": "soon"}, headers=headers).status_code == 400
    answer = client.delete(path, headers=headers)
    assert answer.status_code == 200 and answer.json["status"] == "open"
    supervisor = make.auth_header(Role.SUPERVISOR)
    assert client.put(path, json={"until": until}, headers=supervisor).status_code == 403
