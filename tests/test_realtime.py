"""Live updates over Socket.IO: who may connect, which rooms hear what, and when."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from inbox.extensions import db, socketio
from inbox.models import Conversation, Job, Role
from inbox.realtime import flush_live_updates
from tests.line_events import deliver, event, group_source, message_event, text_event, user_source


@pytest.fixture
def connect(app, make):
    """Connect a socket as a new user of `role` (by API token); closes them all afterwards."""
    opened = []

    def open_socket(role: Role = Role.AGENT, token: str | None = None):
        token = token or make.token(make.user(role))
        socket = socketio.test_client(app, auth={"token": token})
        opened.append(socket)
        return socket

    yield open_socket
    for socket in opened:
        if socket.is_connected():
            socket.disconnect()


def received_by_name(socket) -> dict[str, list]:
    """Everything the socket got since last asked (asking empties it), grouped by event."""
    flush_live_updates()  # the emitter thread has sent what was committed so far
    grouped: dict[str, list] = {}
    for item in socket.get_received():
        # "message" is Socket.IO's send() event: the test client hands its data over unwrapped.
        data = item["args"] if item["name"] == "message" else item["args"][0]
        grouped.setdefault(item["name"], []).append(data)
    return grouped


def received(socket, name: str) -> list:
    return received_by_name(socket).get(name, [])


@pytest.mark.parametrize("auth", [None, {}, {"token": "lit_nope"}, {"token": 42}])
def test_unauthenticated_sockets_are_refused(app, auth) -> None:
    socket = socketio.test_client(app, auth=auth)
    assert not socket.is_connected()


def test_a_signed_in_browser_connects_with_its_session_cookie(app, client, make) -> None:
    from tests.test_api import sign_in

    sign_in(client, make.user(Role.AGENT))
    socket = socketio.test_client(app, flask_test_client=client)
    try:
        assert socket.is_connected()
    finally:
        socket.disconnect()


def test_a_token_decides_alone_even_beside_a_signed_in_cookie(app, client, make) -> None:
    from tests.test_api import sign_in

    channel = make.channel()
    sign_in(client, make.user(Role.AGENT))
    bogus = socketio.test_client(app, flask_test_client=client, auth={"token": "lit_nope"})
    assert not bogus.is_connected()
    token = make.token(make.user(Role.SUPERVISOR))
    socket = socketio.test_client(app, flask_test_client=client, auth={"token": token})
    try:
        original = text_event("my card number is 4111")
        deliver(client, channel, [original])
        deliver(client, channel, [event("unsend", unsend={"messageId": original["message"]["id"]})])
        *_, unsent = received(socket, "message")
        assert unsent["text"] == "my card number is 4111"  # what supervisors see, agents do not
    finally:
        socket.disconnect()


def test_new_messages_and_conversations_arrive_live(client, make, connect) -> None:
    channel = make.channel()
    agent = connect(Role.AGENT)
    received_by_name(agent)
    deliver(client, channel, [text_event("สวัสดีค่ะ ด่วนค่ะ")])
    got = received_by_name(agent)
    (message,) = got["message"]
    assert message["text"] == "สวัสดีค่ะ ด่วนค่ะ" and message["direction"] == "incoming"
    (conversation,) = got["conversation"]
    assert conversation["unread_count"] == 1
    assert conversation["last_message"]["text"] == "สวัสดีค่ะ ด่วนค่ะ"


def test_nothing_is_emitted_for_a_rolled_back_transaction(
    client, make, connect, monkeypatch
) -> None:
    channel = make.channel()
    agent = connect(Role.AGENT)
    received_by_name(agent)
    from inbox.ingest import handlers

    def broken(ctx) -> None:
        handlers.message_received(ctx)
        raise RuntimeError("bug after the message was made")

    monkeypatch.setitem(handlers.HANDLERS, "message", broken)
    deliver(client, channel, [text_event("never shown")])
    assert received(agent, "message") == []


def test_agents_do_not_get_unsent_text_supervisors_do(client, make, connect) -> None:
    channel = make.channel()
    agent, supervisor = connect(Role.AGENT), connect(Role.SUPERVISOR)
    original = text_event("my card number is 4111")
    deliver(client, channel, [original])
    received_by_name(agent), received_by_name(supervisor)
    deliver(client, channel, [event("unsend", unsend={"messageId": original["message"]["id"]})])
    (for_agent,) = received(agent, "message")
    (for_supervisor,) = received(supervisor, "message")
    assert for_agent["unsent"] and for_agent["text"] is None
    assert for_supervisor["unsent"] and for_supervisor["text"] == "my card number is 4111"


def test_typing_reaches_only_the_other_agents_in_that_conversation(client, make, connect) -> None:
    channel = make.channel()
    deliver(client, channel, [text_event("one", source=user_source("U" + "a" * 32))])
    deliver(client, channel, [text_event("two", source=user_source("U" + "b" * 32))])
    first, second = db.session.scalars(sa.select(Conversation.id).order_by(Conversation.id)).all()
    typist, colleague, elsewhere = connect(), connect(), connect()
    for socket, conversation_id in ((typist, first), (colleague, first), (elsewhere, second)):
        opened = socket.emit(
            "open_conversation", {"conversation_id": conversation_id}, callback=True
        )
        assert opened["ok"] is True
        received_by_name(socket)
    typist.emit("typing", {"conversation_id": first})
    assert [t["conversation_id"] for t in received(colleague, "typing")] == [first]
    assert received(typist, "typing") == [] and received(elsewhere, "typing") == []


def test_typing_in_a_one_to_one_chat_shows_lines_loading_animation(client, make, connect) -> None:
    channel = make.channel()
    deliver(client, channel, [text_event("hi")])
    deliver(client, channel, [text_event("hi group", source=group_source())])
    one_to_one, group = db.session.scalars(sa.select(Conversation).order_by(Conversation.id)).all()
    agent = connect()
    for conversation in (one_to_one, group):
        agent.emit("open_conversation", {"conversation_id": conversation.id}, callback=True)
        agent.emit("typing", {"conversation_id": conversation.id})
        agent.emit("typing", {"conversation_id": conversation.id})  # throttled
    loading = db.session.scalars(sa.select(Job.payload).where(Job.kind == "chat.loading")).all()
    assert loading == [{"conversation_id": one_to_one.id}]


def test_opening_marks_read_here_and_in_line(client, make, connect) -> None:
    channel = make.channel()
    deliver(
        client,
        channel,
        [
            message_event({"type": "text", "text": "a", "markAsReadToken": "mark-1"}),
            message_event({"type": "text", "text": "b", "markAsReadToken": "mark-2"}),
        ],
    )
    conversation = db.session.scalar(sa.select(Conversation))
    assert conversation.unread_count == 2
    supervisor = connect(Role.SUPERVISOR)
    supervisor.emit("open_conversation", {"conversation_id": conversation.id}, callback=True)
    db.session.expire_all()
    assert conversation.unread_count == 2  # a supervisor reading does not clear it for agents
    agent = connect(Role.AGENT)
    received_by_name(agent)
    agent.emit("open_conversation", {"conversation_id": conversation.id}, callback=True)
    db.session.expire_all()
    assert conversation.unread_count == 0
    marks = db.session.scalars(sa.select(Job.payload).where(Job.kind == "chat.mark_read")).all()
    assert marks == [{"conversation_id": conversation.id, "token": "mark-2"}]
    assert received(agent, "conversation")[-1]["unread_count"] == 0


def test_open_conversation_rejects_bad_input(make, connect) -> None:
    agent = connect()
    assert agent.emit("open_conversation", {"conversation_id": "1"}, callback=True) == {"ok": False}
    assert agent.emit("open_conversation", {"conversation_id": 999}, callback=True) == {"ok": False}
