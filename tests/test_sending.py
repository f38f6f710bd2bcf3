"""Agents' messages: stored pending, sent by reply while a token is fresh, else by push with a
retry key for life; failures recorded with LINE's words; retries never double a message."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from inbox.extensions import db
from inbox.jobs import run_due_jobs
from inbox.models import (
    Conversation,
    DeliveryState,
    Job,
    Message,
    ReplyToken,
    Role,
    SendMode,
    utcnow,
)
from inbox.outgoing import reply_window
from tests.line_events import deliver, event, text_event
from tests.line_stub import LineStub, Reply

SENT = {"sentMessages": [{"id": "9001", "quoteToken": "q1"}]}


@pytest.fixture
def agent(make):
    return make.auth_header(Role.AGENT)


def conversation_with_message(client, make, **event_fields) -> Conversation:
    channel = make.channel()
    deliver(client, channel, [text_event("ช่วยด้วยค่ะ", **event_fields)])
    return db.session.scalar(sa.select(Conversation))


def quiet_conversation(client, make) -> Conversation:
    """A customer wrote, but longer ago than a reply token lasts: answers go by push."""
    conversation = conversation_with_message(client, make)
    db.session.execute(sa.delete(ReplyToken))
    db.session.commit()
    return conversation


def send(client, headers, conversation, **body):
    return client.post(f"/api/conversations/{conversation.id}/messages", json=body, headers=headers)


def outgoing() -> list[Message]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Message).where(Message.direction == "outgoing").order_by(Message.id)
        )
    )


def request_id_of(stub: LineStub, path_suffix: str) -> str:
    """The X-Line-Request-Id the stub gave the last request to this path (it numbers them)."""
    position = max(i for i, seen in enumerate(stub.seen) if seen.path.endswith(path_suffix))
    return f"req-{position + 1}"


def pushes(stub: LineStub) -> list:
    return [seen for seen in stub.seen if seen.path.endswith("/v2/bot/message/push")]


def test_a_fresh_reply_token_makes_the_reply_free(client, make, stub, agent) -> None:
    conversation = conversation_with_message(client, make, replyToken="fresh-token")
    assert reply_window(conversation).seconds_left > 40
    stub.route("/v2/bot/message/reply", Reply(200, SENT))
    response = send(client, agent, conversation, text="สวัสดีค่ะ มีอะไรให้ช่วยคะ")
    assert response.status_code == 202
    assert response.json["messages"][0]["delivery_state"] == "pending"
    run_due_jobs()
    (message,) = outgoing()
    assert (message.delivery_state, message.send_mode) == (DeliveryState.SENT, SendMode.REPLY)
    # The browser may hear "sent" before the POST's answer: the version says which is newer.
    assert message.version > response.json["messages"][0]["version"]
    assert message.line_message_id == "9001"
    assert message.line_request_id == request_id_of(stub, "/v2/bot/message/reply")
    assert stub.seen[-1].json()["replyToken"] == "fresh-token"
    assert db.session.scalar(sa.select(ReplyToken.used_at)) is not None
    assert reply_window(conversation) is None  # single use


def test_without_a_fresh_token_it_pushes_with_a_retry_key(client, make, stub, agent) -> None:
    conversation = conversation_with_message(client, make, replyToken="old")
    db.session.execute(sa.update(ReplyToken).values(event_at=utcnow() - timedelta(seconds=70)))
    db.session.commit()
    stub.route("/v2/bot/message/push", Reply(200, SENT))
    send(client, agent, conversation, text="ขอบคุณค่ะ")
    run_due_jobs()
    (message,) = outgoing()
    assert message.send_mode is SendMode.PUSH and message.delivery_state is DeliveryState.SENT
    (push,) = pushes(stub)
    assert push.headers["X-Line-Retry-Key"] == message.retry_key
    assert push.json()["to"] == conversation.source_id


def test_an_expired_token_falls_back_to_push(client, make, stub, agent) -> None:
    conversation = conversation_with_message(client, make)
    stub.route("/v2/bot/message/reply", Reply(400, {"message": "Invalid reply token"}))
    stub.route("/v2/bot/message/push", Reply(200, SENT))
    send(client, agent, conversation, text="hello")
    run_due_jobs()
    assert outgoing()[0].send_mode is SendMode.PUSH


def test_reply_mode_without_a_token_is_refused_before_anything_is_stored(
    client, make, stub, agent
) -> None:
    conversation = quiet_conversation(client, make)
    response = send(client, agent, conversation, text="hello", mode="reply")
    assert response.status_code == 409
    assert "reply token" in response.json["message"]
    run_due_jobs()
    assert outgoing() == []
    assert not any("/v2/bot/message/" in seen.path for seen in stub.seen)


def test_an_unconfirmed_reply_is_uncertain_and_goes_again_only_when_the_agent_confirms(
    client, make, stub, agent
) -> None:
    conversation = conversation_with_message(client, make)
    stub.route("/v2/bot/message/reply", Reply(500, {"message": "Internal server error"}))
    stub.route("/v2/bot/message/push", Reply(200, SENT))
    send(client, agent, conversation, texts=["hello", "your order"])
    run_due_jobs()
    assert {m.delivery_state for m in outgoing()} == {DeliveryState.UNCERTAIN}
    assert "may have delivered" in outgoing()[0].error_message
    assert pushes(stub) == []  # falling back to push on its own could deliver it twice
    first = outgoing()[0]
    reply_key = first.retry_key

    unconfirmed = client.post(f"/api/messages/{first.id}/retry", json={}, headers=agent)
    assert unconfirmed.status_code == 409 and "confirm" in unconfirmed.json["message"]
    run_due_jobs()
    assert pushes(stub) == []

    confirmed = client.post(
        f"/api/messages/{first.id}/retry", json={"confirm": True}, headers=agent
    )
    assert confirmed.status_code == 202 and len(confirmed.json["messages"]) == 2
    run_due_jobs()
    (push,) = pushes(stub)
    assert len(push.json()["messages"]) == 2
    assert push.headers["X-Line-Retry-Key"] != reply_key  # a new request, a new key
    assert {m.delivery_state for m in outgoing()} == {DeliveryState.SENT}
    again = client.post(f"/api/messages/{first.id}/retry", json={"confirm": True}, headers=agent)
    assert again.status_code == 409


def test_a_quiet_channels_pushes_ride_out_an_outage_and_arrive_once(
    client, make, stub, agent
) -> None:
    conversation = quiet_conversation(client, make)
    # Longer than the old ten-attempt limit: LINE down, then rate limiting, then back.
    stub.route(
        "/v2/bot/message/push",
        *[Reply(500, {"message": "Internal server error"})] * 10,
        *[Reply(429, {"message": "Too many requests"}, {"Retry-After": "1"})] * 5,
        *[Reply(200, {"sentMessages": [{"id": f"quiet-{n}"}]}) for n in range(5)],
    )
    for n in range(5):
        send(client, agent, conversation, text=f"ข้อความ {n}")
    for _ in range(40):
        db.session.execute(sa.update(Job).values(run_after=utcnow()))  # time passes
        db.session.commit()
        run_due_jobs()
        if all(m.delivery_state is DeliveryState.SENT for m in outgoing()):
            break
    messages = outgoing()
    assert {m.delivery_state for m in messages} == {DeliveryState.SENT}
    accepted = [push for push in pushes(stub)][-5:]
    assert sorted(p.json()["messages"][0]["text"] for p in accepted) == [
        f"ข้อความ {n}" for n in range(5)
    ]
    keys_tried = {}
    for push in pushes(stub):
        keys_tried.setdefault(push.json()["messages"][0]["text"], set()).add(
            push.headers["X-Line-Retry-Key"]
        )
    assert all(len(keys) == 1 for keys in keys_tried.values())  # one key each, for life


def test_a_push_is_given_up_only_when_lines_retry_key_would_expire(
    client, make, stub, agent
) -> None:
    conversation = quiet_conversation(client, make)
    stub.route("/v2/bot/message/push", Reply(503, {"message": "Service unavailable"}))
    send(client, agent, conversation, text="hello")
    run_due_jobs()
    (message,) = outgoing()
    assert message.delivery_state is DeliveryState.PENDING
    message.retry_key_at = utcnow() - timedelta(hours=23, minutes=58)
    db.session.execute(sa.update(Job).values(run_after=utcnow()))
    db.session.commit()
    run_due_jobs()
    (message,) = outgoing()
    assert message.delivery_state is DeliveryState.FAILED and "whole day" in message.error_message


def test_line_refusal_is_recorded_with_its_words_and_request_id(client, make, stub, agent) -> None:
    conversation = quiet_conversation(client, make)
    stub.route(
        "/v2/bot/message/push",
        Reply(
            400,
            {
                "message": "The request body has 1 error(s)",
                "details": [
                    {"message": "Length must be between 0 and 5000", "property": "messages[0].text"}
                ],
            },
        ),
    )
    send(client, agent, conversation, text="x")
    run_due_jobs()
    (message,) = outgoing()
    assert message.delivery_state is DeliveryState.FAILED
    assert message.error_message == "The request body has 1 error(s)"
    assert message.error_details["details"][0]["property"] == "messages[0].text"
    assert message.line_request_id == request_id_of(stub, "/v2/bot/message/push")
    thread = client.get(f"/api/conversations/{conversation.id}/messages", headers=agent).json
    shown = thread["messages"][-1]
    assert shown["delivery_state"] == "failed"
    assert shown["line_request_id"] == message.line_request_id


def test_outage_keeps_it_pending_then_the_same_key_delivers_once(client, make, stub, agent) -> None:
    conversation = quiet_conversation(client, make)
    stub.route(
        "/v2/bot/message/push",
        Reply(503, {"message": "Service unavailable"}),
        Reply(
            409,
            {"message": "The retry key is already accepted", **SENT},
            {"X-Line-Accepted-Request-Id": "req-original"},
        ),
    )
    send(client, agent, conversation, text="hello")
    run_due_jobs()
    (message,) = outgoing()
    assert message.delivery_state is DeliveryState.PENDING and message.error_message.startswith(
        "retrying"
    )
    # A fresh token arrives meanwhile: the pushed message must not switch to reply.
    deliver(client, conversation.channel, [text_event("still there?", replyToken="new")])
    db.session.execute(sa.update(Job).values(run_after=utcnow()))
    db.session.commit()
    run_due_jobs()
    (message,) = outgoing()
    assert (
        message.delivery_state is DeliveryState.SENT and message.line_request_id == "req-original"
    )
    keys = {push.headers["X-Line-Retry-Key"] for push in pushes(stub)}
    assert keys == {message.retry_key} and not any(s.path.endswith("/reply") for s in stub.seen)


def test_a_push_waits_out_lines_backoff_as_a_later_job_not_a_sleeping_thread(
    client, make, stub, agent, app
) -> None:
    app.config["LINE_RETRY_ATTEMPTS"] = 4  # what a server runs with
    conversation = quiet_conversation(client, make)
    stub.route(
        "/v2/bot/message/push",
        Reply(429, {"message": "Too many requests"}, {"Retry-After": "30"}),
        Reply(200, SENT),
    )
    send(client, agent, conversation, text="hello")
    run_due_jobs()
    assert len(pushes(stub)) == 1  # one try, then the thread is free again
    job = db.session.scalar(sa.select(Job).where(Job.kind == "messages.send"))
    assert job.run_after >= utcnow() + timedelta(seconds=25)  # LINE's Retry-After honoured
    db.session.execute(sa.update(Job).values(run_after=utcnow()))
    db.session.commit()
    run_due_jobs()
    (message,) = outgoing()
    assert message.delivery_state is DeliveryState.SENT
    assert message.line_request_id == request_id_of(stub, "/push")
    assert len({push.headers["X-Line-Retry-Key"] for push in pushes(stub)}) == 1


def test_seven_messages_go_as_two_requests_each_with_its_own_key(client, make, stub, agent) -> None:
    conversation = quiet_conversation(client, make)
    stub.route(
        "/v2/bot/message/push",
        Reply(200, {"sentMessages": [{"id": f"a{n}"} for n in range(5)]}),
        Reply(200, {"sentMessages": [{"id": f"b{n}"} for n in range(2)]}),
    )
    send(client, agent, conversation, texts=[f"part {n}" for n in range(7)])
    run_due_jobs()
    first, second = pushes(stub)
    assert len(first.json()["messages"]) == 5 and len(second.json()["messages"]) == 2
    assert first.headers["X-Line-Retry-Key"] != second.headers["X-Line-Retry-Key"]
    assert {m.delivery_state for m in outgoing()} == {DeliveryState.SENT}


def test_retry_resends_the_failed_group_with_its_original_key(client, make, stub, agent) -> None:
    conversation = quiet_conversation(client, make)
    stub.route("/v2/bot/message/push", Reply(403, {"message": "Forbidden"}), Reply(200, SENT))
    send(client, agent, conversation, texts=["a", "b"])
    run_due_jobs()
    failed = outgoing()
    assert {m.delivery_state for m in failed} == {DeliveryState.FAILED}
    response = client.post(f"/api/messages/{failed[1].id}/retry", headers=agent)
    assert response.status_code == 202 and len(response.json["messages"]) == 2
    run_due_jobs()
    assert {m.delivery_state for m in outgoing()} == {DeliveryState.SENT}
    first, second = pushes(stub)
    assert first.headers["X-Line-Retry-Key"] == second.headers["X-Line-Retry-Key"]
    again = client.post(f"/api/messages/{failed[0].id}/retry", headers=agent)
    assert again.status_code == 409  # only failed messages can be retried


def test_blocked_contacts_cannot_be_messaged(client, make, stub, agent) -> None:
    conversation = conversation_with_message(client, make)
    deliver(client, conversation.channel, [event("unfollow")])
    response = send(client, agent, conversation, text="hello?")
    assert response.status_code == 409 and "blocked" in response.json["message"]
    assert outgoing() == []


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"text": ""}, "empty"),
        ({"text": "ก" * 5001}, "5000"),
        ({"text": "😀" * 2501}, "5000"),  # LINE counts UTF-16 code units: 5,002 of them
        ({"texts": "x"}, "list"),
        ({"text": "x", "mode": "fax"}, "mode"),
    ],
)
def test_bad_messages_get_a_clear_400(client, make, stub, agent, body, complaint) -> None:
    conversation = conversation_with_message(client, make)
    response = send(client, agent, conversation, **body)
    assert response.status_code == 400 and complaint in response.json["message"]


def test_exactly_5000_characters_is_allowed(client, make, stub, agent) -> None:
    conversation = conversation_with_message(client, make)
    assert send(client, agent, conversation, text="ก" * 5000).status_code == 202


def test_supervisors_read_but_do_not_send(client, make, stub) -> None:
    conversation = conversation_with_message(client, make)
    response = send(client, make.auth_header(Role.SUPERVISOR), conversation, text="hi")
    assert response.status_code == 403


def test_session_clients_need_a_csrf_token_bearer_clients_do_not(client, make, stub, app) -> None:
    conversation = conversation_with_message(client, make)
    from tests.test_api import sign_in  # the form flow, with its CSRF token

    token = sign_in(client, make.user(Role.AGENT))
    path = f"/api/conversations/{conversation.id}/messages"
    assert client.post(path, json={"text": "hi"}).status_code == 400  # CSRF token missing
    ok = client.post(path, json={"text": "hi"}, headers={"X-CSRFToken": token})
    assert ok.status_code == 202
    assert uuid.UUID(outgoing()[0].retry_key)
