"""The audit log: every change leaves one entry in its own transaction; supervisors browse it."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from inbox.audit import record
from inbox.conversations.actions import update_conversation
from inbox.extensions import db
from inbox.jobs import run_due_jobs
from inbox.models import (
    AuditEntry,
    Channel,
    Conversation,
    ConversationStatus,
    Message,
    ReplyToken,
    Role,
    User,
)
from tests.factories import DEFAULT_PASSWORD
from tests.line_events import deliver, event, group_source, text_event
from tests.line_stub import Reply

SENT = {"sentMessages": [{"id": "9001"}]}


def entries(action: str | None = None) -> list[AuditEntry]:
    db.session.expire_all()
    statement = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        statement = statement.where(AuditEntry.action == action)
    return list(db.session.scalars(statement))


def only_entry(action: str) -> AuditEntry:
    found = entries()
    assert [entry.action for entry in found] == [action]
    return found[0]


@pytest.fixture
def agent(make) -> User:
    return make.user(Role.AGENT)


@pytest.fixture
def as_agent(make, agent) -> dict[str, str]:
    return {"Authorization": f"Bearer {make.token(agent)}"}


@pytest.fixture
def conversation(client, make, stub) -> Conversation:
    """A one-to-one chat; delivering it is LINE's doing and leaves no entry."""
    deliver(client, make.channel(), [text_event("สวัสดีค่ะ", replyToken="tok")])
    conversation = db.session.scalar(sa.select(Conversation))
    assert entries() == []
    return conversation


def send(client, headers, conversation, **body):
    return client.post(f"/api/conversations/{conversation.id}/messages", json=body, headers=headers)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (6, 199, 85)).save(buffer, "PNG")
    return buffer.getvalue()


# --- every action leaves exactly one entry -------------------------------------------------


def test_sending_text_is_logged_with_a_short_preview(client, agent, as_agent, conversation) -> None:
    long_text = "ขอบคุณที่ติดต่อร้านของเรา เราจะส่งสินค้าให้ภายในวันพรุ่งนี้ค่ะ 明日お届けします"
    answer = send(client, as_agent, conversation, texts=[long_text, "2"], mode="auto")
    assert answer.status_code == 202
    entry = only_entry("message.sent")
    assert (entry.actor_user_id, entry.actor_label) == (agent.id, agent.email)
    assert (entry.target_type, entry.target_id) == ("conversations", str(conversation.id))
    assert entry.channel_id == conversation.channel_id and entry.ip_address == "127.0.0.1"
    assert entry.details["message_ids"] == [m["id"] for m in answer.json["messages"]]
    assert entry.details["send_mode"] == "auto" and entry.details["types"] == ["text"]
    assert entry.details["preview"] == long_text[:40] + "…"  # never the whole text


@pytest.mark.parametrize(
    "body", [{"text": "   "}, {"text": "x" * 5001}, {"text": "ok", "mode": "x"}]
)
def test_a_refused_send_leaves_no_entry(client, as_agent, conversation, body) -> None:
    assert send(client, as_agent, conversation, **body).status_code == 400
    assert entries() == []


def test_a_failed_commit_takes_its_entry_with_it(app, conversation) -> None:
    def refuse(_session) -> None:
        raise RuntimeError("the database went away")

    session = db.session()
    sa.event.listen(session, "before_commit", refuse)
    try:
        with pytest.raises(RuntimeError):
            update_conversation(conversation, status=ConversationStatus.RESOLVED)
    finally:
        sa.event.remove(session, "before_commit", refuse)
    db.session.rollback()
    assert entries() == []
    assert conversation.status is ConversationStatus.OPEN


def test_media_uploads_are_logged(client, app, agent, as_agent, conversation) -> None:
    app.config["PUBLIC_BASE_URL"] = "https://inbox.example.com"
    path = f"/api/conversations/{conversation.id}/attachments"

    def upload(data: bytes, name: str, content_type: str):
        files = {"file": (io.BytesIO(data), name, content_type), "mode": "push"}
        return client.post(path, data=files, headers=as_agent, content_type="multipart/form-data")

    assert upload(b"GIF89a", "anim.gif", "image/gif").status_code == 400
    assert entries() == []
    answer = upload(png(), "ร้าน.png", "image/png")
    assert answer.status_code == 202
    entry = only_entry("message.sent")
    assert entry.actor_user_id == agent.id and entry.details["types"] == ["image"]
    assert entry.details["message_ids"] == [answer.json["messages"][0]["id"]]
    assert entry.details["file_name"] == "ร้าน.png" and entry.details["content_type"] == "image/png"
    assert entry.details["send_mode"] == "push" and entry.details["size"] > 0


def test_retrying_a_failed_message_is_logged(client, agent, as_agent, conversation, stub) -> None:
    db.session.execute(sa.delete(ReplyToken))
    db.session.commit()
    stub.route("/v2/bot/message/push", Reply(403, {"message": "Forbidden"}), Reply(200, SENT))
    send(client, as_agent, conversation, texts=["a", "b"])
    run_due_jobs()  # the job marks them failed: the system's doing, not logged
    first, second = db.session.scalars(sa.select(Message.id).where(Message.direction == "outgoing"))
    assert client.post(f"/api/messages/{second}/retry", headers=as_agent).status_code == 202
    (entry,) = entries("message.retried")
    assert entry.actor_user_id == agent.id
    assert (entry.target_type, entry.target_id) == ("messages", str(second))
    assert entry.details == {"conversation_id": conversation.id, "message_ids": [first, second]}
    assert [e.action for e in entries()] == ["message.sent", "message.retried"]


def test_status_and_assignment_changes(client, make, agent, as_agent, conversation) -> None:
    path = f"/api/conversations/{conversation.id}"
    answer = client.patch(
        path, json={"status": "pending", "assignee_id": agent.id}, headers=as_agent
    )
    assert answer.status_code == 200
    status, assigned = entries()
    assert (status.action, status.details) == (
        "conversation.status_changed",
        {"from": "open", "to": "pending"},
    )
    assert assigned.action == "conversation.assigned"
    assert assigned.details == {"from": None, "to": agent.id, "assignee": agent.email}
    assert {status.target_id, assigned.target_id} == {str(conversation.id)}
    # Setting what is already set changes nothing, so it logs nothing.
    client.patch(path, json={"status": "pending", "assignee_id": agent.id}, headers=as_agent)
    assert len(entries()) == 2
    client.patch(path, json={"assignee_id": None}, headers=as_agent)
    assert entries()[-1].action == "conversation.unassigned"
    assert entries()[-1].details == {"from": agent.id, "to": None}
    supervisor = make.user(Role.SUPERVISOR)
    assert (
        client.patch(path, json={"assignee_id": supervisor.id}, headers=as_agent).status_code == 400
    )
    assert len(entries()) == 3


def test_private_notes_are_logged(client, agent, as_agent, conversation) -> None:
    path = f"/api/conversations/{conversation.id}/notes"
    assert client.post(path, json={"text": " "}, headers=as_agent).status_code == 400
    created = client.post(path, json={"text": "ลูกค้า VIP 大切なお客様"}, headers=as_agent).json
    entry = only_entry("conversation.note_added")
    assert entry.actor_user_id == agent.id
    assert (entry.target_type, entry.target_id) == ("messages", str(created["id"]))
    assert entry.details == {"conversation_id": conversation.id, "preview": "ลูกค้า VIP 大切なお客様"}


def test_leaving_a_group_is_logged_and_a_refusal_is_not(client, make, as_agent, stub) -> None:
    group = group_source()
    deliver(client, make.channel(), [event("join", source=group, replyToken="r")])
    conversation = db.session.scalar(sa.select(Conversation))
    path = f"/api/conversations/{conversation.id}/leave"
    refusal = Reply(400, {"message": "The bot is not a member of the group"})
    stub.route("/leave", refusal, Reply(200, {}))
    assert client.post(path, headers=as_agent).status_code == 502
    assert entries() == []
    assert client.post(path, headers=as_agent).status_code == 200
    left, resolved = entries()
    assert left.action == "conversation.left" and left.target_id == str(conversation.id)
    assert left.details == {"source_type": "group"}
    assert resolved.action == "conversation.status_changed"  # nobody can answer there now
    assert resolved.details == {"from": "open", "to": "resolved", "reason": "bot_left"}


def test_history_exports_from_the_api_are_logged(client, make, conversation) -> None:
    supervisor = make.user(Role.SUPERVISOR)
    headers = {"Authorization": f"Bearer {make.token(supervisor)}"}
    refused = client.get("/api/history/export?q=x&format=xml", headers=headers)
    assert refused.status_code == 400 and entries() == []
    params = {"q": "สวัสดี", "format": "json", "since": "2026-01-01T00:00:00Z"}
    answer = client.get("/api/history/export", query_string=params, headers=headers)
    assert answer.status_code == 200 and json.loads(answer.data)
    entry = only_entry("history.exported")
    assert entry.actor_user_id == supervisor.id and entry.target_type is None
    assert entry.details == {
        "format": "json",
        "query": "สวัสดี",
        "since": "2026-01-01T00:00:00+00:00",
    }
    client.get(f"/api/history/export?conversation={conversation.id}", headers=headers)
    transcript = entries()[-1]
    assert (transcript.target_type, transcript.target_id) == ("conversations", str(conversation.id))
    assert transcript.channel_id == conversation.channel_id
    assert transcript.details == {"format": "csv", "conversation_id": conversation.id}


def test_history_exports_from_the_cli_are_logged(runner, conversation) -> None:
    result = runner.invoke(args=["history", "export", "-q", "สวัสดี", "--format", "json"])
    assert result.exit_code == 0, result.output
    entry = only_entry("history.exported")
    assert (entry.actor_user_id, entry.actor_label, entry.ip_address) == (None, "system", None)
    assert entry.details["via"] == "cli" and entry.details["query"] == "สวัสดี"


def sign_in(client, email: str, password: str):
    page = client.get("/login")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1)
    form = {"email": email, "password": password, "csrf_token": token.decode()}
    return client.post("/login", data=form), token.decode()


def test_sign_in_sign_out_and_failed_sign_in(client, agent) -> None:
    answer, _token = sign_in(client, agent.email, "not-the-password")
    assert answer.status_code == 401
    failed = only_entry("auth.sign_in_failed")
    assert (failed.actor_user_id, failed.actor_label) == (None, "anonymous")
    assert failed.details == {"email": agent.email} and failed.target_id == str(agent.id)
    assert "not-the-password" not in json.dumps(failed.details)
    answer, token = sign_in(client, agent.email.upper(), DEFAULT_PASSWORD)
    assert answer.status_code == 302
    signed_in = entries()[-1]
    assert (signed_in.action, signed_in.actor_user_id) == ("auth.signed_in", agent.id)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    signed_out = entries()[-1]
    assert (signed_out.action, signed_out.actor_user_id) == ("auth.signed_out", agent.id)
    sign_in(client, "nobody@example.com", "guess")
    assert entries()[-1].details == {"email": "nobody@example.com"}
    assert entries()[-1].target_type is None


def test_cli_user_creation_token_issue_and_channel_add(runner) -> None:
    created = runner.invoke(args=["users", "create", "nok@example.com", "--password", "pw-123456"])
    assert created.exit_code == 0
    user = db.session.scalar(sa.select(User))
    entry = only_entry("user.created")
    assert (entry.target_type, entry.target_id) == ("users", str(user.id))
    assert entry.details["roles"] == ["agent"] and entry.details["via"] == "cli"
    assert "pw-123456" not in json.dumps(entry.details)

    issued = runner.invoke(args=["users", "token", "nok@example.com", "--name", "CRM"])
    token = issued.output.strip()
    (entry,) = entries("user.token_issued")
    assert (entry.target_type, entry.target_id) == ("users", str(user.id))
    assert entry.details["name"] == "CRM" and entry.details["hint"] == token[-4:]
    assert token not in json.dumps(entry.details)

    runner.invoke(
        args=[
            *("channels", "add", "--channel-id", "2001", "--name", "ร้าน", "--secret", "s" * 32),
            *("--access-token", "very-secret-token"),
        ]
    )
    (entry,) = entries("channel.created")
    channel = db.session.scalar(sa.select(Channel))
    assert entry.channel_id == channel.id and entry.details["line_channel_id"] == "2001"
    assert "very-secret-token" not in json.dumps(entry.details) and "s" * 32 not in str(
        entry.details
    )


# --- browsing: the API ----------------------------------------------------------------------


@pytest.fixture
def logged(app, make):
    """Six entries by two people in two channels, one minute apart, oldest first."""
    nok, ken = make.user(Role.AGENT), make.user(Role.ADMIN)
    first, second = make.channel(), make.channel()
    start = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    plan = [
        (nok, "auth.signed_in", None, None),
        (nok, "message.sent", first, {"send_mode": "push"}),
        (nok, "conversation.status_changed", first, {"from": "open", "to": "resolved"}),
        (ken, "conversation.assigned", second, {"to": nok.id}),
        (ken, "user.created", None, None),
        (ken, "history.exported", second, {"format": "csv"}),
    ]
    for minute, (actor, action, channel, details) in enumerate(plan):
        entry = record(
            action,
            actor=actor,
            channel_id=channel.id if channel else None,
            target=channel,
            details=details,
        )
        entry.created_at = start + timedelta(minutes=minute)
    db.session.commit()
    return {"nok": nok, "ken": ken, "first": first, "second": second, "start": start}


def audit(client, headers, **params):
    return client.get("/api/audit", query_string=params, headers=headers)


def actions(answer) -> list[str]:
    assert answer.status_code == 200, answer.json
    return [entry["action"] for entry in answer.json["entries"]]


def test_the_api_filters(client, make, logged) -> None:
    headers = make.auth_header(Role.SUPERVISOR)
    every = audit(client, headers)
    assert actions(every)[:6] == [
        "history.exported",
        "user.created",
        "conversation.assigned",
        "conversation.status_changed",
        "message.sent",
        "auth.signed_in",
    ]
    newest = every.json["entries"][0]
    assert newest["actor"] == {"user_id": logged["ken"].id, "label": logged["ken"].email}
    assert newest["description"] == "Exported message history"
    assert newest["target"] == {"type": "channels", "id": str(logged["second"].id)}
    assert newest["created_at"] == "2026-11-24T10:05:00Z" and newest["details"] == {"format": "csv"}
    assert actions(audit(client, headers, actor=logged["nok"].id)) == [
        "conversation.status_changed",
        "message.sent",
        "auth.signed_in",
    ]
    assert actions(audit(client, headers, action="conversation.")) == [
        "conversation.assigned",
        "conversation.status_changed",
    ]
    assert actions(audit(client, headers, action="message.sent")) == ["message.sent"]
    assert actions(audit(client, headers, action="message.")) == ["message.sent"]
    assert actions(audit(client, headers, channel=logged["second"].id)) == [
        "history.exported",
        "conversation.assigned",
    ]
    target = {"target_type": "channels", "target_id": logged["first"].id}
    assert actions(audit(client, headers, **target)) == [
        "conversation.status_changed",
        "message.sent",
    ]
    window = {"since": "2026-11-24T10:01:00Z", "until": "2026-11-24T17:03:00+07:00"}
    assert actions(audit(client, headers, **window)) == [
        "conversation.status_changed",
        "message.sent",
    ]


def test_the_api_pages_newest_first(client, make, logged) -> None:
    headers = make.auth_header(Role.SUPERVISOR)
    seen, cursor = [], None
    while True:
        page = audit(client, headers, limit=2, **({"cursor": cursor} if cursor else {})).json
        assert len(page["entries"]) <= 2
        seen += [entry["id"] for entry in page["entries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    all_ids = [entry.id for entry in entries()]
    assert seen == sorted(all_ids, reverse=True)


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"action": "conversation.'; DROP"}, "action must be"),
        ({"actor": "me"}, "actor must be"),
        ({"channel": "-1"}, "channel must be"),
        ({"since": "yesterday"}, "since must be"),
        ({"until": "2026-11-24T10:00:00"}, "time zone"),
        ({"since": "2026-11-25T00:00:00Z", "until": "2026-11-24T00:00:00Z"}, "before its end"),
        ({"target_type": "Conversations!"}, "target_type"),
        ({"limit": "1000"}, "limit must be"),
        ({"cursor": "abc"}, "cursor"),
    ],
)
def test_bad_filters_are_explained(client, make, params, words) -> None:
    answer = audit(client, make.auth_header(Role.SUPERVISOR), **params)
    assert answer.status_code == 400 and words in answer.json["message"]


@pytest.mark.parametrize("path", ["/api/audit", "/audit"])
def test_agents_may_not_read_the_log(client, make, path) -> None:
    assert client.get(path, headers=make.auth_header(Role.AGENT)).status_code == 403
    assert client.get(path, headers=make.auth_header(Role.ADMIN)).status_code == 200


# --- browsing: the page ---------------------------------------------------------------------


def table(answer) -> str:
    """The log's table body, without the filter form (which names every action too)."""
    html = answer.get_data(as_text=True)
    found = re.search(r"<tbody>(.*)</tbody>", html, re.S)
    return found.group(1) if found else ""


def test_the_page_shows_sentences_links_and_escapes_user_text(client, make, as_agent, conversation):
    note = "<script>alert(1)</script> ลูกค้า 大切"
    client.post(
        f"/api/conversations/{conversation.id}/notes", json={"text": note}, headers=as_agent
    )
    supervisor = make.user(Role.SUPERVISOR, display_name="スーパーバイザー")
    headers = {"Authorization": f"Bearer {make.token(supervisor)}"}
    client.set_cookie("tz", "Asia/Bangkok")
    entry = only_entry("conversation.note_added")
    entry.created_at = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    db.session.commit()
    page = client.get("/audit", headers=headers)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ลูกค้า 大切" in html
    assert "Added a private note" in html and "Audit log" in html
    assert f'<a href="/conversations/{conversation.id}">Message #{entry.target_id}</a>' in html
    assert "Nov 25, 2026, 6:30:00\u202fAM" in html or "Nov 25, 2026, 6:30:00 AM" in html
    assert 'href="/audit" aria-current="page"' in html  # the top bar offers the area
    in_range = client.get("/audit?from=2026-11-25&to=2026-11-25", headers=headers)
    assert "Added a private note" in table(in_range)  # the 25th in Bangkok
    assert "Added a private note" not in table(client.get("/audit?to=2026-11-24", headers=headers))


def test_the_page_filters_and_pages_back(client, make, logged) -> None:
    headers = make.auth_header(Role.SUPERVISOR)
    filtered = table(
        client.get(
            "/audit",
            query_string={"action": "conversation.", "channel": logged["first"].id},
            headers=headers,
        )
    )
    assert "Changed a conversation&#39;s status" in filtered and "Sent a message" not in filtered
    for _ in range(50):
        record("auth.signed_in", actor=logged["nok"])
    db.session.commit()
    first = client.get("/audit?action=auth.", headers=headers).get_data(as_text=True)
    older = re.search(r'href="(/audit\?[^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "action=auth." in older and "before=" in older
    second = client.get(older, headers=headers).get_data(as_text=True)
    assert second.count("<tr>") == 2  # the header and the 51st sign-in
    assert 'rel="next"' not in second and ">Newest<" in second


def test_the_page_explains_a_bad_filter(client, make) -> None:
    answer = client.get("/audit?from=24/11/2026", headers=make.auth_header(Role.SUPERVISOR))
    assert answer.status_code == 400 and "from must be a date like 2026-11-24." in answer.get_data(
        as_text=True
    )
