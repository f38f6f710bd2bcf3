"""Colleagues' presence over Socket.IO: who has a conversation open, who is typing in it, who is
online or away, and that none of it outlives the connection, reaches people who may not see the
conversation, or costs a database query per keystroke."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import Conversation, Role
from inbox.realtime import events
from inbox.realtime.presence import EXTENSION_KEY, MemoryPresence
from tests.line_events import deliver, group_source, text_event
from tests.test_realtime import connect, received, received_by_name  # noqa: F401 - fixture


@pytest.fixture
def conversation_id(client, make) -> int:
    deliver(client, make.channel(), [text_event("มีใครอยู่ไหมคะ")])
    return db.session.scalar(sa.select(Conversation.id))


@pytest.fixture
def person(connect, make):  # noqa: F811
    """A connection of a new person with this name and role."""

    def open_as(name: str, role: Role = Role.AGENT):
        return connect(token=make.token(make.user(role, display_name=name)))

    return open_as


def opens(socket, conversation_id: int) -> list[dict]:
    answer = socket.emit("open_conversation", {"conversation_id": conversation_id}, callback=True)
    assert answer["ok"] is True, answer
    return answer["viewers"]


def names(viewers: list[dict]) -> list[str]:
    return [viewer["name"] for viewer in viewers]


def last_viewers(socket, conversation_id: int) -> list[str] | None:
    """Who the socket was last told has the conversation open (None: not told)."""
    told = [e for e in received(socket, "viewers") if e["conversation_id"] == conversation_id]
    return names(told[-1]["viewers"]) if told else None


def test_each_sees_who_else_has_the_conversation_open(person, conversation_id) -> None:
    anna, somchai = person("Anna"), person("Somchai")
    assert names(opens(anna, conversation_id)) == ["Anna"]
    received_by_name(anna)
    assert names(opens(somchai, conversation_id)) == ["Anna", "Somchai"]
    assert last_viewers(anna, conversation_id) == ["Anna", "Somchai"]

    somchai.emit("close_conversation", {"conversation_id": conversation_id})
    assert last_viewers(anna, conversation_id) == ["Anna"]
    opens(somchai, conversation_id)
    received_by_name(anna)
    somchai.disconnect()
    assert last_viewers(anna, conversation_id) == ["Anna"]


def test_a_second_tab_of_the_same_person_counts_once(
    connect,  # noqa: F811
    make,
    conversation_id,
) -> None:
    anna = make.user(Role.AGENT, display_name="Anna")
    first, second = connect(token=make.token(anna)), connect(token=make.token(anna))
    opens(first, conversation_id)
    assert opens(second, conversation_id) == [{"id": anna.id, "name": "Anna", "status": "online"}]


def test_typing_reaches_the_others_there_and_expires_with_the_page(person, conversation_id) -> None:
    anna, somchai, supervisor = person("Anna"), person("Somchai"), person("Dao", Role.SUPERVISOR)
    for socket in (anna, somchai, supervisor):
        opens(socket, conversation_id)
        received_by_name(socket)
    anna.emit("typing", {"conversation_id": conversation_id})
    (heard,) = received(somchai, "typing")
    assert heard["conversation_id"] == conversation_id
    assert heard["user"]["name"] == heard["user"]["display_name"] == "Anna"
    assert len(received(supervisor, "typing")) == 1
    assert received(anna, "typing") == []

    # Supervisors read; they do not answer, so they never show as typing.
    supervisor.emit("typing", {"conversation_id": conversation_id})
    assert received(anna, "typing") == [] and received(somchai, "typing") == []


def test_typing_needs_the_conversation_open(person, conversation_id) -> None:
    """Nobody can make a name show as typing in a conversation they have not opened."""
    anna, somchai = person("Anna"), person("Somchai")
    opens(somchai, conversation_id)
    received_by_name(somchai)
    for data in (
        {"conversation_id": conversation_id},
        {"conversation_id": str(conversation_id)},
        {"conversation_id": None},
        "nonsense",
        None,
    ):
        anna.emit("typing", data)
    assert received(somchai, "typing") == []


def test_people_without_a_workspace_role_cannot_connect(connect, make) -> None:  # noqa: F811
    nobody = make.user(Role.AGENT, display_name="Former agent")
    nobody.roles = []
    db.session.commit()
    assert not connect(token=make.token(nobody)).is_connected()


def test_away_and_back_and_gone(person, conversation_id) -> None:
    anna, somchai = person("Anna"), person("Somchai")
    opens(anna, conversation_id)
    opens(somchai, conversation_id)
    received_by_name(anna)
    anna_id = somchai.emit("presence", {}, callback=True)["conversations"][0]["viewers"][0]["id"]

    assert somchai.emit("presence", {"status": "away"}, callback=True)["ok"] is True
    got = received_by_name(anna)
    assert got["viewers"][-1]["viewers"][1]["status"] == "away"
    assert {"user_id": got["presence"][-1]["user_id"], "status": "away"} == got["presence"][-1]

    somchai.emit("presence", {"status": "online"}, callback=True)
    assert received(anna, "presence")[-1]["status"] == "online"
    team = anna.emit("presence", {"team": True}, callback=True)["team"]
    assert sorted(person["status"] for person in team) == ["online", "online"]
    assert anna_id in {person["user_id"] for person in team}

    somchai.disconnect()
    assert received(anna, "presence")[-1]["status"] == "offline"
    assert anna.emit("presence", {"status": "sleeping"}, callback=True)["ok"] is True  # ignored
    assert [p["status"] for p in anna.emit("presence", {"team": True}, callback=True)["team"]] == [
        "online"
    ]


def test_presence_expires_without_heartbeats(app, person, conversation_id) -> None:
    """A process that dies stops sending heartbeats: its people fade out on their own."""
    app.extensions[EXTENSION_KEY] = MemoryPresence(ttl=0.3)
    anna, somchai = person("Anna"), person("Somchai")
    opens(anna, conversation_id)
    opens(somchai, conversation_id)
    time.sleep(0.4)  # Somchai's page went quiet; Anna's heartbeat keeps her
    (answer,) = anna.emit("presence", {}, callback=True)["conversations"]
    assert names(answer["viewers"]) == ["Anna"]
    somchai.emit("presence", {}, callback=True)
    (answer,) = anna.emit("presence", {}, callback=True)["conversations"]
    assert names(answer["viewers"]) == ["Anna", "Somchai"]


def test_a_connection_whose_access_ended_is_refused_at_the_next_check(
    make,
    connect,  # noqa: F811
    person,
    conversation_id,
    monkeypatch,
) -> None:
    leaver = make.user(Role.AGENT, display_name="Leaver")
    typist, anna = connect(token=make.token(leaver)), person("Anna")
    opens(typist, conversation_id)
    opens(anna, conversation_id)
    received_by_name(anna)
    leaver.active = False  # as if the process that disabled it missed closing this connection
    db.session.commit()
    typist.emit("typing", {"conversation_id": conversation_id})
    assert len(received(anna, "typing")) == 1  # within the recheck interval: not read again

    monkeypatch.setattr(events, "ACCESS_RECHECK_SECONDS", 0.0)
    typist.emit("typing", {"conversation_id": conversation_id})
    got = received_by_name(anna)
    assert "typing" not in got
    assert not typist.is_connected()
    assert names(got["viewers"][-1]["viewers"]) == ["Anna"]


def test_typing_and_heartbeats_read_no_database(client, make, person) -> None:
    deliver(client, make.channel(), [text_event("ทุกคน", source=group_source())])
    group_id = db.session.scalar(sa.select(Conversation.id))
    anna, somchai = person("Anna"), person("Somchai")
    opens(anna, group_id)
    opens(somchai, group_id)
    anna.emit("typing", {"conversation_id": group_id})  # may look up LINE's typing animation
    received_by_name(somchai)

    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    db.session.expunge_all()  # nothing answered from the session's memory either
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for _ in range(5):
            anna.emit("typing", {"conversation_id": group_id})
            anna.emit("presence", {"status": "online"}, callback=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert statements == []
    assert len(received(somchai, "typing")) == 5
