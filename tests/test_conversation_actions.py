"""PATCH status/assignee, private notes, leaving a group, and the composer's hints."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import Conversation, ReplyToken, Role, utcnow
from tests.line_events import deliver, event, group_source, text_event
from tests.line_stub import Reply


@pytest.fixture
def conversation(client, make) -> Conversation:
    deliver(client, make.channel(), [text_event("hello", replyToken="tok")])
    return db.session.scalar(sa.select(Conversation))


def patch(client, headers, conversation, **body):
    return client.patch(f"/api/conversations/{conversation.id}", json=body, headers=headers)


def test_status_and_assignment(client, make, conversation) -> None:
    agent = make.user(Role.AGENT)
    headers = {"Authorization": f"Bearer {make.token(agent)}"}
    answer = patch(client, headers, conversation, status="pending", assignee_id=agent.id)
    assert answer.status_code == 200
    assert answer.json["status"] == "pending" and answer.json["assignee"]["id"] == agent.id
    listed = client.get("/api/conversations?assignee=me", headers=headers).json["conversations"]
    assert [c["id"] for c in listed] == [conversation.id]
    answer = patch(client, headers, conversation, assignee_id=None, status="resolved")
    assert answer.json["assignee"] is None and answer.json["status"] == "resolved"


@pytest.mark.parametrize(
    ("body", "status"),
    [({"status": "closed"}, 400), ({"assignee_id": "me"}, 400), ({"assignee_id": 99999}, 400)],
)
def test_bad_updates_are_refused(client, make, conversation, body, status) -> None:
    assert patch(client, make.auth_header(), conversation, **body).status_code == status


def test_only_agents_can_be_assigned(client, make, conversation) -> None:
    supervisor = make.user(Role.SUPERVISOR)
    answer = patch(client, make.auth_header(), conversation, assignee_id=supervisor.id)
    assert answer.status_code == 400 and "agents" in answer.json["message"]


def test_supervisors_cannot_change_conversations(client, make, conversation) -> None:
    headers = make.auth_header(Role.SUPERVISOR)
    assert patch(client, headers, conversation, status="resolved").status_code == 403
    path = f"/api/conversations/{conversation.id}/notes"
    assert client.post(path, json={"text": "x"}, headers=headers).status_code == 403


def test_notes_are_private_lines_in_the_thread(client, make, conversation, stub) -> None:
    agent = make.user(Role.AGENT, display_name="Nok")
    headers = {"Authorization": f"Bearer {make.token(agent)}"}
    path = f"/api/conversations/{conversation.id}/notes"
    created = client.post(path, json={"text": "ลูกค้า VIP 大切なお客様"}, headers=headers)
    assert created.status_code == 201
    assert created.json["type"] == "note" and created.json["direction"] == "event"
    assert created.json["text"] == "ลูกค้า VIP 大切なお客様"
    thread = client.get(f"/api/conversations/{conversation.id}/messages", headers=headers).json
    assert thread["messages"][-1]["type"] == "note"
    assert not any("/message/" in seen.path for seen in stub.seen)  # never sent to LINE
    assert client.post(path, json={"text": "  "}, headers=headers).status_code == 400


def test_leaving_a_group_calls_line_and_says_so(client, make, stub) -> None:
    channel = make.channel()
    group = group_source()
    deliver(client, channel, [event("join", source=group, replyToken="r")])
    conversation = db.session.scalar(sa.select(Conversation))
    stub.route(f"/group/{group['groupId']}/leave", Reply(200, {}))
    answer = client.post(f"/api/conversations/{conversation.id}/leave", headers=make.auth_header())
    assert answer.status_code == 200 and answer.json["bot_is_member"] is False
    assert any(seen.path.endswith(f"/group/{group['groupId']}/leave") for seen in stub.seen)
    thread = client.get(
        f"/api/conversations/{conversation.id}/messages", headers=make.auth_header()
    )
    left, resolved = thread.json["messages"][-2:]
    assert left["type"] == "leave" and left["sent_by"]["id"]
    assert resolved["type"] == "status_changed"
    assert resolved["payload"] == {
        "from": "open",
        "to": "resolved",
        "reason": "bot_left",
        "by": None,
    }
    assert answer.json["status"] == "resolved"
    again = client.post(f"/api/conversations/{conversation.id}/leave", headers=make.auth_header())
    assert again.status_code == 409


def test_line_refusing_to_leave_is_reported(client, make, stub) -> None:
    channel = make.channel()
    deliver(client, channel, [event("join", source=group_source(), replyToken="r")])
    conversation = db.session.scalar(sa.select(Conversation))
    stub.route("/leave", Reply(400, {"message": "The bot is not a member of the group"}))
    answer = client.post(f"/api/conversations/{conversation.id}/leave", headers=make.auth_header())
    assert answer.status_code == 502 and "not a member" in answer.json["message"]
    assert answer.json["line"]["request_id"]
    db.session.expire_all()
    assert conversation.bot_is_member is True


def test_one_to_one_chats_cannot_be_left(client, make, conversation) -> None:
    path = f"/api/conversations/{conversation.id}/leave"
    assert client.post(path, headers=make.auth_header()).status_code == 400


def test_composer_says_free_reply_or_push_with_quota(client, make, conversation, stub) -> None:
    stub.route("/v2/bot/message/quota", Reply(200, {"type": "limited", "value": 500}))
    stub.route("/v2/bot/message/quota/consumption", Reply(200, {"totalUsage": 120}))
    path = f"/api/conversations/{conversation.id}/composer"
    hints = client.get(path, headers=make.auth_header()).json
    assert hints["can_send"] is True and 40 < hints["reply_seconds_left"] <= 55
    assert hints["quota"] == {"type": "limited", "limit": 500, "used": 120, "remaining": 380}
    db.session.execute(sa.update(ReplyToken).values(event_at=utcnow() - timedelta(minutes=2)))
    db.session.commit()
    assert client.get(path, headers=make.auth_header()).json["reply_seconds_left"] is None
    deliver(client, conversation.channel, [event("unfollow")])
    blocked = client.get(path, headers=make.auth_header()).json
    assert blocked["can_send"] is False and "blocked" in blocked["reason"]


def test_agents_list_for_assignment(client, make) -> None:
    make.user(Role.AGENT, email="a@example.com")
    make.user(Role.SUPERVISOR, email="s@example.com")
    make.user(Role.ADMIN, email="boss@example.com")
    listed = client.get("/api/agents", headers=make.auth_header(Role.SUPERVISOR)).json["agents"]
    emails = {agent["email"] for agent in listed}
    assert {"a@example.com", "boss@example.com"} <= emails and "s@example.com" not in emails


def test_lines_confirming_an_agents_leave_are_not_doubled(client, make, stub) -> None:
    channel = make.channel()
    group = group_source(user_id=None)
    deliver(client, channel, [event("join", source=group, replyToken="r")])
    conversation = db.session.scalar(sa.select(Conversation))
    stub.route("/leave", Reply(200, {}))
    agent = make.user(Role.AGENT, display_name="Nok")
    headers = {"Authorization": f"Bearer {make.token(agent)}"}
    left = client.post(f"/api/conversations/{conversation.id}/leave", headers=headers)
    assert left.json["last_message"]["type"] == "leave"
    deliver(client, channel, [event("leave", source=group)])  # LINE confirms by webhook
    thread = client.get(f"/api/conversations/{conversation.id}/messages", headers=headers).json
    leaves = [m for m in thread["messages"] if m["type"] == "leave"]
    assert len(leaves) == 1 and leaves[0]["sent_by"]["display_name"] == "Nok"


def test_notes_say_who_wrote_them(client, make, conversation) -> None:
    agent = make.user(Role.AGENT, display_name="Ploy")
    headers = {"Authorization": f"Bearer {make.token(agent)}"}
    note = client.post(
        f"/api/conversations/{conversation.id}/notes", json={"text": "x"}, headers=headers
    )
    assert note.json["sent_by"]["display_name"] == "Ploy"
