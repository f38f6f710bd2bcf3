"""POST /api/conversations/bulk: one request resolves, reopens, assigns, labels or snoozes many
conversations,
each with its own audit entry and line in the thread; what could not change is said per id."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from inbox.conversations.bulk import MAX_BULK_IDS
from inbox.extensions import db
from inbox.labels.service import checked, create_label
from inbox.models import (
    ASSIGNMENT_CHANGED,
    LABELS_CHANGED,
    SNOOZE_CHANGED,
    STATUS_CHANGED,
    AuditEntry,
    Conversation,
    ConversationStatus,
    Message,
    Role,
    utcnow,
)
from tests.line_events import deliver, text_event, user_source


@pytest.fixture
def three(client, make) -> list[int]:
    channel = make.channel()
    deliver(
        client,
        channel,
        [text_event(f"hello {n}", source=user_source(f"U{n:032d}")) for n in range(3)],
    )
    return list(db.session.scalars(sa.select(Conversation.id).order_by(Conversation.id)))


def bulk(client, headers, **body):
    return client.post("/api/conversations/bulk", json=body, headers=headers)


def lines(kind: str) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Message.conversation_id).where(Message.type == kind).order_by(Message.id)
        )
    )


def audited(action: str) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry.target_id)
            .where(AuditEntry.action == action)
            .order_by(AuditEntry.id)
        )
    )


def test_resolving_many_in_one_request(client, make, three) -> None:
    agent = make.user(Role.AGENT)
    headers = {"Authorization": f"Bearer {make.token(agent)}"}
    answer = bulk(client, headers, ids=three, action="resolve")
    assert answer.status_code == 200
    assert answer.json["changed"] == 3
    assert [result["id"] for result in answer.json["results"]] == three
    assert all(result["conversation"]["status"] == "resolved" for result in answer.json["results"])
    db.session.expire_all()
    statuses = db.session.scalars(sa.select(Conversation.status))
    assert set(statuses) == {ConversationStatus.RESOLVED}
    assert sorted(lines(STATUS_CHANGED)) == three  # one line in each thread
    assert sorted(map(int, audited("conversation.status_changed"))) == three
    actors = db.session.scalars(
        sa.select(AuditEntry.actor_user_id).where(
            AuditEntry.action == "conversation.status_changed"
        )
    )
    assert set(actors) == {agent.id}

    answer = bulk(client, headers, ids=three[:2], action="reopen")
    assert answer.json["changed"] == 2
    db.session.expire_all()
    assert db.session.get(Conversation, three[0]).status is ConversationStatus.OPEN


def test_assigning_to_an_agent_to_me_and_unassigning(client, make, three) -> None:
    me, colleague = make.user(Role.AGENT), make.user(Role.AGENT)
    headers = {"Authorization": f"Bearer {make.token(me)}"}
    answer = bulk(client, headers, ids=three, action="assign", assignee_id=colleague.id)
    assert answer.json["changed"] == 3
    assert {r["conversation"]["assignee"]["id"] for r in answer.json["results"]} == {colleague.id}
    assert (
        bulk(client, headers, ids=three[:1], action="assign", assignee_id=me.id).json["changed"]
        == 1
    )
    answer = bulk(client, headers, ids=three, action="assign", assignee_id=None)
    assert answer.json["changed"] == 3
    assert len(lines(ASSIGNMENT_CHANGED)) == 3 + 1 + 3
    assert len(audited("conversation.unassigned")) == 3


def test_labelling_and_snoozing_many_in_one_request(client, make, three) -> None:
    agent = make.user(Role.AGENT)
    headers = {"Authorization": f"Bearer {make.token(agent)}"}
    vip = create_label(checked("VIP ลูกค้า", "blue"))
    assert (
        bulk(client, headers, ids=three[:1], action="label", label_id=vip.id).json["changed"] == 1
    )
    answer = bulk(client, headers, ids=three, action="label", label_id=vip.id)
    assert answer.json["changed"] == 2  # the first already had it
    assert answer.json["results"][0]["error"] == "unchanged"
    assert all(
        [label["name"] for label in result["conversation"]["labels"]] == ["VIP ลูกค้า"]
        for result in answer.json["results"][1:]
    )
    assert sorted(lines(LABELS_CHANGED)) == three
    assert sorted(map(int, audited("conversation.label_added"))) == three

    assert bulk(client, headers, ids=three[:1], action="resolve").json["changed"] == 1
    until = (utcnow() + timedelta(hours=1)).replace(microsecond=0)
    answer = bulk(client, headers, ids=three, action="snooze", until=until.isoformat())
    assert answer.json["changed"] == 2
    assert answer.json["results"][0]["error"] == "refused"  # resolved: nothing to set aside
    db.session.expire_all()
    snoozed = db.session.scalars(
        sa.select(Conversation.snoozed_until).where(Conversation.id.in_(three[1:]))
    )
    assert set(snoozed) == {until}
    assert sorted(lines(SNOOZE_CHANGED)) == three[1:]


@pytest.mark.parametrize(
    "body",
    [
        {"action": "label"},
        {"action": "label", "label_id": 999_999},
        {"action": "snooze"},
        {"action": "snooze", "until": "tomorrow"},
        {"action": "snooze", "until": "2001-01-01T00:00:00Z"},
    ],
)
def test_a_label_or_snooze_without_what_it_needs_is_refused_whole(
    client, make, three, body
) -> None:
    answer = bulk(client, make.auth_header(Role.AGENT), ids=three, **body)
    assert answer.status_code == 400
    assert not lines(LABELS_CHANGED) and not lines(SNOOZE_CHANGED)


def test_partial_failures_are_reported_per_id(client, make, three) -> None:
    headers = make.auth_header(Role.AGENT)
    assert bulk(client, headers, ids=[three[0]], action="resolve").json["changed"] == 1
    answer = bulk(client, headers, ids=[*three, 999_999, three[1]], action="resolve")
    assert answer.status_code == 200
    results = {result["id"]: result for result in answer.json["results"]}
    assert list(results) == [*three, 999_999]  # a repeated id counts once
    assert results[three[0]]["ok"] is False and results[three[0]]["error"] == "unchanged"
    assert results[999_999]["error"] == "not_found" and results[999_999]["message"]
    assert results[three[1]]["ok"] and results[three[2]]["ok"]
    assert answer.json["changed"] == 2
    assert len(lines(STATUS_CHANGED)) == 3  # nothing told twice


@pytest.mark.parametrize(
    "body",
    [
        {"ids": [1], "action": "explode"},
        {"ids": [1], "action": "label"},
        {"ids": [], "action": "resolve"},
        {"ids": "1,2", "action": "resolve"},
        {"ids": [True], "action": "resolve"},
        {"ids": [0], "action": "resolve"},
        {"ids": [1]},
        {"ids": [1], "action": "assign"},
        {"ids": [1], "action": "assign", "assignee_id": "me"},
        {"ids": [1], "action": "assign", "assignee_id": 999_999},
        {"ids": list(range(1, MAX_BULK_IDS + 2)), "action": "resolve"},
    ],
)
def test_unusable_requests_are_refused_whole(client, make, three, body) -> None:
    answer = bulk(client, make.auth_header(Role.AGENT), **body)
    assert answer.status_code == 400 and answer.json["message"]
    assert lines(STATUS_CHANGED) == []


def test_the_cap_counts_distinct_ids(client, make, three) -> None:
    ids = [three[0]] * (MAX_BULK_IDS + 50)
    assert (
        bulk(client, make.auth_header(Role.AGENT), ids=ids, action="resolve").json["changed"] == 1
    )


def test_only_active_agents_can_be_given_conversations(client, make, three) -> None:
    supervisor = make.user(Role.SUPERVISOR)
    answer = bulk(client, make.auth_header(), ids=three, action="assign", assignee_id=supervisor.id)
    assert answer.status_code == 400


def test_supervisors_cannot_act_in_bulk(client, make, three) -> None:
    answer = bulk(client, make.auth_header(Role.SUPERVISOR), ids=three, action="resolve")
    assert answer.status_code == 403
    assert lines(STATUS_CHANGED) == []
