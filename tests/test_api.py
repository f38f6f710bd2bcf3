"""The read-side JSON API: auth, filters, pagination, and what each role may see."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from inbox.extensions import db
from inbox.models import ApiToken, Conversation, ConversationStatus, Role, utcnow
from tests.factories import DEFAULT_PASSWORD
from tests.line_events import deliver, event, group_source, now_millis, text_event, user_source

API_ROUTES = ["/api/conversations", "/api/conversations/1", "/api/conversations/1/messages"]


@pytest.mark.parametrize("path", API_ROUTES)
@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer lit_wrong", "Basic dXNlcjpwYXNz", "lit_no_scheme"]
)
def test_api_refuses_without_a_valid_token(client, path: str, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.json["message"]


def test_revoked_tokens_and_inactive_users_are_refused(client, make) -> None:
    user = make.user(Role.AGENT)
    token = make.token(user)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/conversations", headers=headers).status_code == 200
    row = db.session.scalar(sa.select(ApiToken))
    assert row.last_used_at is not None and row.hint == token[-4:]
    row.revoked_at = utcnow()
    db.session.commit()
    assert client.get("/api/conversations", headers=headers).status_code == 401
    second = make.token(user)
    user.active = False
    db.session.commit()
    assert (
        client.get("/api/conversations", headers={"Authorization": f"Bearer {second}"}).status_code
        == 401
    )


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_api(client, make, role: Role) -> None:
    assert client.get("/api/conversations", headers=make.auth_header(role)).status_code == 200


def sign_in(client, user, *, remember: bool = False) -> str:
    """Sign in through the form (ticking "keep me signed in" when asked); return the session's
    CSRF token."""
    page = client.get("/login")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1)
    form = {"email": user.email.upper(), "password": DEFAULT_PASSWORD, "csrf_token": token.decode()}
    response = client.post("/login", data={**form, "remember": "y"} if remember else form)
    assert response.status_code == 302
    return token.decode()


def test_a_database_outage_is_a_503_not_a_500(client, make) -> None:
    headers = make.auth_header(Role.AGENT)

    def refuse(conn, cursor, statement, *args) -> None:
        raise OperationalError(statement, {}, Exception("database is locked"))

    sa.event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        answer = client.get("/api/conversations", headers=headers)
        page = client.get("/login")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", refuse)
    assert answer.status_code == 503 and "try again" in answer.json["message"]
    assert page.status_code in (200, 503)  # the sign-in page needs no database until posted


def test_signed_in_session_reads_the_api(client, make) -> None:
    sign_in(client, make.user(Role.AGENT))
    assert client.get("/api/conversations").status_code == 200


def test_sign_in_without_csrf_token_is_refused(client, make) -> None:
    user = make.user(Role.AGENT)
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert client.get("/api/conversations").status_code == 401


def test_pages_redirect_to_sign_in(client) -> None:
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def conversations(client, headers, **params) -> dict:
    response = client.get("/api/conversations", headers=headers, query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def test_list_newest_first_with_last_message_and_filters(client, make) -> None:
    channel, other_channel = make.channel(), make.channel()
    agent = make.user(Role.AGENT)
    headers = {"Authorization": f"Bearer {make.token(agent)}"}
    base = now_millis() - 60_000
    deliver(
        client, channel, [text_event("older", timestamp=base, source=user_source("U" + "1" * 32))]
    )
    deliver(client, channel, [text_event("สวัสดี", timestamp=base + 1000, source=group_source())])
    deliver(client, other_channel, [text_event("newest", timestamp=base + 2000)])
    listed = conversations(client, headers)["conversations"]
    assert [item["last_message"]["text"] for item in listed] == ["newest", "สวัสดี", "older"]
    assert listed[1]["source"]["type"] == "group" and listed[0]["unread_count"] == 1

    group = db.session.scalar(sa.select(Conversation).where(Conversation.source_type == "group"))
    group.status, group.assignee_id, group.title = (
        ConversationStatus.PENDING,
        agent.id,
        "ร้านกาแฟ 東京",
    )
    db.session.commit()
    assert [c["id"] for c in conversations(client, headers, status="pending")["conversations"]] == [
        group.id
    ]
    assert [c["id"] for c in conversations(client, headers, assignee="me")["conversations"]] == [
        group.id
    ]
    assert len(conversations(client, headers, assignee="none")["conversations"]) == 2
    assert len(conversations(client, headers, channel=other_channel.id)["conversations"]) == 1
    assert len(conversations(client, headers, status="open,resolved")["conversations"]) == 2
    # Thai and Japanese names match on any part: there are no spaces to split words on.
    assert [c["id"] for c in conversations(client, headers, q="กาแฟ")["conversations"]] == [
        group.id
    ]
    assert [c["id"] for c in conversations(client, headers, q="東京")["conversations"]] == [
        group.id
    ]
    assert conversations(client, headers, q="100%")["conversations"] == []


@pytest.mark.parametrize(
    ("params", "complaint"),
    [
        ({"status": "closed"}, "status"),
        ({"assignee": "someone"}, "assignee"),
        ({"channel": "abc"}, "channel"),
        ({"limit": "0"}, "limit"),
        ({"limit": "10000"}, "limit"),
        ({"cursor": "bm9wZQ"}, "cursor"),
    ],
)
def test_bad_filters_get_a_clear_400(client, make, params, complaint) -> None:
    response = client.get("/api/conversations", headers=make.auth_header(), query_string=params)
    assert response.status_code == 400
    assert complaint in response.json["message"]


def test_conversation_pages_with_a_stable_cursor(client, make) -> None:
    channel = make.channel()
    headers = make.auth_header()
    base = now_millis() - 100_000
    deliver(
        client,
        channel,
        [
            text_event(f"m{n}", timestamp=base + n, source=user_source(f"U{n:032d}"))
            for n in range(7)
        ],
    )
    seen, cursor = [], None
    while True:
        page = conversations(client, headers, limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [item["last_message"]["text"] for item in page["conversations"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"m{n}" for n in reversed(range(7))]


def test_detail_shows_contact_or_group_members(client, make) -> None:
    channel = make.channel()
    headers = make.auth_header()
    deliver(client, channel, [event("follow", follow={"isUnblocked": False}, replyToken="r")])
    alice = "U" + "a" * 32
    deliver(client, channel, [text_event("hi all", source=group_source(user_id=alice))])
    one_to_one, group = db.session.scalars(sa.select(Conversation).order_by(Conversation.id)).all()
    detail = client.get(f"/api/conversations/{one_to_one.id}", headers=headers).json
    assert detail["contact"]["follow_state"] == "following" and "group" not in detail
    detail = client.get(f"/api/conversations/{group.id}", headers=headers).json
    assert detail["contact"] is None
    assert [member["line_user_id"] for member in detail["group"]["members"]] == [alice]
    missing = client.get("/api/conversations/999999", headers=headers)
    assert missing.status_code == 404 and "999999" in missing.json["message"]


def messages(client, headers, conversation_id, **params) -> dict:
    response = client.get(
        f"/api/conversations/{conversation_id}/messages", headers=headers, query_string=params
    )
    assert response.status_code == 200, response.json
    return response.json


def test_thread_pages_oldest_to_newest_and_scrolls_back(client, make) -> None:
    channel = make.channel()
    headers = make.auth_header()
    base = now_millis() - 100_000
    deliver(client, channel, [text_event(f"t{n}", timestamp=base + n * 10) for n in range(8)])
    conversation_id = db.session.scalar(sa.select(Conversation.id))
    newest = messages(client, headers, conversation_id, limit=3)
    assert [m["text"] for m in newest["messages"]] == ["t5", "t6", "t7"]
    assert newest["has_newer"] is False
    older = messages(client, headers, conversation_id, limit=3, before=newest["older_cursor"])
    assert [m["text"] for m in older["messages"]] == ["t2", "t3", "t4"]
    oldest = messages(client, headers, conversation_id, limit=3, before=older["older_cursor"])
    assert [m["text"] for m in oldest["messages"]] == ["t0", "t1"]
    assert oldest["older_cursor"] is None
    forward = messages(client, headers, conversation_id, limit=4, after=oldest["newer_cursor"])
    assert [m["text"] for m in forward["messages"]] == ["t2", "t3", "t4", "t5"]
    assert forward["has_newer"] is True
    # Polling from the newest cursor returns only what arrived since.
    deliver(client, channel, [text_event("t8", timestamp=base + 1000)])
    polled = messages(client, headers, conversation_id, after=newest["newer_cursor"])
    assert [m["text"] for m in polled["messages"]] == ["t8"]
    both = client.get(
        f"/api/conversations/{conversation_id}/messages",
        headers=headers,
        query_string={"before": newest["older_cursor"], "after": newest["newer_cursor"]},
    )
    assert both.status_code == 400


def test_agents_see_message_unsent_supervisors_see_what_it_said(client, make) -> None:
    channel = make.channel()
    start = now_millis() - 10_000
    original = text_event("my phone is 080-1234-5678", timestamp=start)
    message_id = original["message"]["id"]
    deliver(
        client,
        channel,
        [
            original,
            event(
                "messageEdited",
                timestamp=start + 1,
                message={"id": message_id, "type": "text", "text": "call me"},
            ),
            event("unsend", timestamp=start + 2, unsend={"messageId": message_id}),
        ],
    )
    conversation_id = db.session.scalar(sa.select(Conversation.id))
    (agent_view,) = messages(client, make.auth_header(Role.AGENT), conversation_id)["messages"]
    assert agent_view["unsent"] is True
    assert agent_view["text"] is None and agent_view["payload"] is None
    assert "revisions" not in agent_view
    (supervisor_view,) = messages(client, make.auth_header(Role.SUPERVISOR), conversation_id)[
        "messages"
    ]
    assert supervisor_view["unsent"] is True and supervisor_view["text"] == "call me"
    assert [r["text"] for r in supervisor_view["revisions"]] == ["my phone is 080-1234-5678"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", "/api/nothing", 404), ("post", "/api/conversations", 405)],
)
def test_errors_under_api_are_json(client, make, method, path, status) -> None:
    response = getattr(client, method)(path, headers=make.auth_header())
    assert response.status_code == status and response.is_json and response.json["message"]
