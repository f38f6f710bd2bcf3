"""What happens to a conversation is said in its thread: who assigned it, who resolved it, and
that it resolved itself when nobody could answer any more (blocked, the account left) and
reopened when the customer came back. The lines page, export and go live with the messages,
and are never unread, never the customer's last word, never sent to LINE."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa

from inbox.extensions import db, socketio
from inbox.models import (
    AuditEntry,
    Contact,
    Conversation,
    ConversationEpisode,
    ConversationStatus,
    FollowState,
    Role,
)
from tests.line_events import deliver, event, group_source, text_event
from tests.line_stub import Reply
from tests.test_realtime import received_by_name

GROUP = group_source()


@pytest.fixture
def channel(make):
    return make.channel()


@pytest.fixture
def conversation(client, channel) -> Conversation:
    deliver(client, channel, [text_event("สวัสดีค่ะ 予約したいです")])
    return db.session.scalar(sa.select(Conversation))


def thread(client, conversation, headers) -> list[dict]:
    answer = client.get(f"/api/conversations/{conversation.id}/messages", headers=headers)
    return answer.json["messages"]


def activity(messages: list[dict]) -> list[tuple[str, dict]]:
    """The activity lines of a thread: (type, payload without who did it)."""
    return [
        (line["type"], {key: value for key, value in line["payload"].items() if key != "by"})
        for line in messages
        if line["type"] in ("status_changed", "assignment_changed")
    ]


def patch(client, conversation, headers, **body):
    answer = client.patch(f"/api/conversations/{conversation.id}", json=body, headers=headers)
    assert answer.status_code == 200, answer.json
    return answer.json


def test_assignment_and_status_changes_are_lines_naming_who(client, make, conversation, stub):
    somchai = make.user(Role.AGENT, display_name="Somchai")
    nok = make.user(Role.AGENT, display_name="<b>Nok</b>")
    headers = {"Authorization": f"Bearer {make.token(somchai)}"}
    patch(client, conversation, headers, assignee_id=somchai.id)
    patch(client, conversation, headers, assignee_id=nok.id, status="pending")
    patch(client, conversation, headers, assignee_id=nok.id)  # no change: no line
    patch(client, conversation, headers, status="resolved")
    patch(client, conversation, headers, status="open")
    listed = patch(client, conversation, headers, assignee_id=None)

    messages = thread(client, conversation, headers)
    somchai_is = {"id": somchai.id, "name": "Somchai"}
    nok_is = {"id": nok.id, "name": "<b>Nok</b>"}
    assert activity(messages) == [
        ("assignment_changed", {"from": None, "to": somchai_is}),
        ("status_changed", {"from": "open", "to": "pending", "reason": None}),
        ("assignment_changed", {"from": somchai_is, "to": nok_is}),
        ("status_changed", {"from": "pending", "to": "resolved", "reason": None}),
        ("status_changed", {"from": "resolved", "to": "open", "reason": None}),
        ("assignment_changed", {"from": nok_is, "to": None}),
    ]
    lines = messages[1:]
    assert all(line["direction"] == "event" for line in lines)
    assert all(line["payload"]["by"] == somchai_is for line in lines)
    assert all(line["sent_by"]["id"] == somchai.id for line in lines)

    # Not unread, not the list's preview of the customer's words, never sent to LINE.
    db.session.refresh(conversation)
    assert conversation.unread_count == 1
    assert listed["last_message"]["text"] == "สวัสดีค่ะ 予約したいです"
    assert not any("/message/" in seen.path for seen in stub.seen)
    # The audit log keeps its entries beside them.
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions.count("conversation.status_changed") == 3


def test_a_refused_assignment_changes_nothing(client, make, conversation):
    supervisor = make.user(Role.SUPERVISOR)
    path = f"/api/conversations/{conversation.id}"
    body = {"status": "resolved", "assignee_id": supervisor.id}
    assert client.patch(path, json=body, headers=make.auth_header()).status_code == 400
    db.session.refresh(conversation)
    assert conversation.status is ConversationStatus.OPEN
    assert activity(thread(client, conversation, make.auth_header())) == []


def test_a_block_resolves_and_the_customer_coming_back_reopens(client, make, channel):
    deliver(client, channel, [text_event("hello")])
    conversation = db.session.scalar(sa.select(Conversation))
    deliver(client, channel, [event("unfollow")])
    db.session.refresh(conversation)
    assert conversation.status is ConversationStatus.RESOLVED
    contact = db.session.scalar(sa.select(Contact))
    assert contact.follow_state is FollowState.BLOCKED
    (episode,) = db.session.scalars(sa.select(ConversationEpisode))
    assert episode.resolved_at is not None  # the request ended with the block

    deliver(client, channel, [event("follow", follow={"isUnblocked": True})])
    db.session.refresh(conversation)
    assert conversation.status is ConversationStatus.OPEN
    deliver(client, channel, [event("unfollow")])
    deliver(client, channel, [text_event("I am back")])  # LINE lets no blocker write; a rejoin can
    db.session.refresh(conversation)
    assert conversation.status is ConversationStatus.OPEN

    messages = thread(client, conversation, make.auth_header())
    assert [line["type"] for line in messages] == [
        "text",
        "unfollow",
        "status_changed",
        "follow",
        "status_changed",
        "unfollow",
        "status_changed",
        "text",
        "status_changed",
    ]
    assert [payload["reason"] for _type, payload in activity(messages)] == [
        "blocked",
        "followed",
        "blocked",
        "customer_wrote",
    ]
    assert all(
        line["payload"]["by"] is None for line in messages if line["type"] == "status_changed"
    )
    db.session.refresh(conversation)
    assert conversation.unread_count == 2  # the customer's two messages, nothing else
    episodes = db.session.scalars(sa.select(ConversationEpisode)).all()
    assert len(episodes) == 2  # following back is no request; writing again is


def test_the_account_leaving_resolves_the_group_and_rejoining_reopens(client, make, channel):
    deliver(client, channel, [event("join", source=GROUP), text_event("hi", source=GROUP)])
    deliver(client, channel, [event("leave", source=GROUP)])
    conversation = db.session.scalar(sa.select(Conversation))
    assert conversation.status is ConversationStatus.RESOLVED
    deliver(client, channel, [event("join", source=GROUP)])
    db.session.refresh(conversation)
    assert conversation.status is ConversationStatus.OPEN and conversation.bot_is_member
    messages = thread(client, conversation, make.auth_header())
    assert [payload["reason"] for _type, payload in activity(messages)] == [
        "bot_left",
        "bot_joined",
    ]


def test_an_agent_taking_the_account_out_resolves_it(client, make, channel, stub):
    deliver(client, channel, [event("join", source=GROUP)])
    conversation = db.session.scalar(sa.select(Conversation))
    stub.route(f"/group/{GROUP['groupId']}/leave", Reply(200, {}))
    path = f"/api/conversations/{conversation.id}/leave"
    answer = client.post(path, headers=make.auth_header())
    assert answer.status_code == 200 and answer.json["status"] == "resolved"
    # LINE's own leave event confirms it afterwards: no second line.
    deliver(client, channel, [event("leave", source=GROUP)])
    messages = thread(client, conversation, make.auth_header())
    assert [line["type"] for line in messages] == ["join", "leave", "status_changed"]


def test_transcript_exports_say_what_happened(client, make, conversation):
    agent = make.user(Role.AGENT, display_name='=HYPERLINK("http://x")')
    headers = {"Authorization": f"Bearer {make.token(agent)}"}
    patch(client, conversation, headers, assignee_id=agent.id, status="resolved")
    supervisor = make.auth_header(Role.SUPERVISOR)
    answer = client.get(
        "/api/history/export",
        query_string={"conversation": conversation.id, "format": "csv"},
        headers=supervisor,
    )
    rows = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8").lstrip("\ufeff"))))
    assert [(row["direction"], row["type"]) for row in rows] == [
        ("incoming", "text"),
        ("event", "status_changed"),
        ("event", "assignment_changed"),
    ]
    # The sentence in the reader's language, and a name a spreadsheet will not run.
    assert rows[1]["text"] == '\'=HYPERLINK("http://x") resolved the conversation'
    assert rows[2]["text"] == '\'=HYPERLINK("http://x") assigned the conversation to themselves'


def test_profiles_and_groups_follow_live(app, client, make, channel):
    deliver(client, channel, [text_event("hello")])
    socket = socketio.test_client(app, auth={"token": make.token(make.user(Role.AGENT))})
    try:
        deliver(client, channel, [event("unfollow")])
        got = received_by_name(socket)
        (contact,) = got["contact"]
        assert contact["follow_state"] == "blocked" and contact["blocked_at"]
        assert contact["channel_id"] == channel.id
        (line,) = [m for m in got["message"] if m["type"] == "status_changed"]
        assert line["payload"]["reason"] == "blocked"
        assert got["conversation"][-1]["status"] == "resolved"

        deliver(client, channel, [event("follow")])
        *_, contact = received_by_name(socket)["contact"]
        assert contact["follow_state"] == "following"

        members = {"members": [{"type": "user", "userId": "U" + "7" * 32}]}
        deliver(client, channel, [event("memberJoined", source=GROUP, joined=members)])
        (group,) = received_by_name(socket)["group"]
        assert group["group"]["id"] == GROUP["groupId"]
        assert "U" + "7" * 32 in [member["line_user_id"] for member in group["group"]["members"]]
    finally:
        socket.disconnect()


def test_the_command_line_export_says_it_too(client, make, runner, conversation, tmp_path):
    patch(client, conversation, make.auth_header(), status="resolved")
    target = tmp_path / "transcript.json"
    result = runner.invoke(
        args=[
            *("history", "export", "--conversation", str(conversation.id)),
            *("--format", "json", "-o", str(target)),
        ]
    )
    assert result.exit_code == 0, result.output
    *_, line = json.loads(target.read_text(encoding="utf-8"))
    assert line["type"] == "status_changed"
    assert line["text"].endswith("resolved the conversation")
