"""A live connection lasts only as long as the access it was opened with: disabling the account,
revoking its token, resetting the password or signing out closes it at once, and a connection
whose access ended is refused on its next event."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from inbox.admin import users_service as service
from inbox.extensions import db, socketio
from inbox.models import ApiToken, Conversation, Role, User
from inbox.realtime import flush_live_updates
from tests.factories import DEFAULT_PASSWORD
from tests.line_events import deliver, text_event
from tests.test_admin_users import admin_client, csrf_of, sign_in


def heard(socket) -> list[str]:
    """The names of the events the socket got since last asked, connected or not (the test
    client refuses `get_received` once the server has closed it)."""
    flush_live_updates()
    names = [item["name"] for item in socket.queue]
    socket.queue.clear()
    return names


def open_socket(app, **kwargs):
    """Connect in an app context of its own, as a server would: otherwise Flask-Login's user,
    cached on `g` by the first connection, would stand in for the next one's."""
    with app.app_context():
        return socketio.test_client(app, **kwargs)


@pytest.fixture
def agent(make) -> User:
    return make.user(Role.AGENT, email="nok@example.com")


@pytest.fixture
def channel(make):
    """Made before the sockets connect: a connection joins the channels there are then."""
    return make.channel()


@pytest.fixture
def sockets(app, client, agent, channel):
    """The agent's live connections: one from a signed-in browser, one by API token."""
    browser = app.test_client()
    assert sign_in(browser, agent.email).status_code == 302
    token_row, token = ApiToken.issue(agent, name="CRM sync")
    db.session.add(token_row)
    db.session.commit()
    opened = {
        "browser": open_socket(app, flask_test_client=browser),
        "token": open_socket(app, auth={"token": token}),
    }
    assert all(socket.is_connected() for socket in opened.values())
    opened["browser_client"], opened["token_row"] = browser, token_row
    yield opened
    for socket in (opened["browser"], opened["token"]):
        if socket.is_connected():
            socket.disconnect()


def assert_closed_and_deaf(client, channel, closed, still_open=()) -> None:
    """A customer writes: the closed sockets hear nothing, the others hear it."""
    for socket in (*closed, *still_open):
        heard(socket)
    deliver(client, channel, [text_event("ยังอยู่ไหมคะ")])
    for socket in closed:
        assert not socket.is_connected()
        assert heard(socket) == []
    for socket in still_open:
        assert socket.is_connected()
        assert "message" in heard(socket)


def test_disabling_a_user_closes_every_live_connection(app, client, make, agent, channel, sockets):
    browser, _admin, csrf = admin_client(app, make)
    answer = browser.post(f"/admin/users/{agent.id}/disable", data={"csrf_token": csrf})
    assert answer.status_code == 302
    assert_closed_and_deaf(client, channel, closed=[sockets["browser"], sockets["token"]])


def test_revoking_a_token_closes_its_connections_only(app, client, make, agent, channel, sockets):
    browser, _admin, csrf = admin_client(app, make)
    revoke = f"/admin/users/{agent.id}/tokens/{sockets['token_row'].id}/revoke"
    assert browser.post(revoke, data={"csrf_token": csrf}).status_code == 302
    assert_closed_and_deaf(
        client, channel, closed=[sockets["token"]], still_open=[sockets["browser"]]
    )


def test_a_password_reset_closes_the_browsers_connections(
    app, client, make, agent, channel, sockets
):
    browser, _admin, csrf = admin_client(app, make)
    reset = browser.post(
        f"/admin/users/{agent.id}/password",
        data={"csrf_token": csrf, "password": "a brand new password"},
    )
    assert reset.status_code == 302
    # The API token still answers after a password reset, so its connection stays.
    assert_closed_and_deaf(
        client, channel, closed=[sockets["browser"]], still_open=[sockets["token"]]
    )


def test_signing_out_closes_that_browsers_connections(app, client, make, agent, channel, sockets):
    other_browser = app.test_client()
    assert sign_in(other_browser, agent.email).status_code == 302
    other_socket = open_socket(app, flask_test_client=other_browser)
    try:
        signing_out = sockets["browser_client"]
        csrf = csrf_of(signing_out, "/account")
        assert signing_out.post("/logout", data={"csrf_token": csrf}).status_code == 302
        assert_closed_and_deaf(
            client,
            channel,
            closed=[sockets["browser"]],
            still_open=[other_socket, sockets["token"]],
        )
    finally:
        if other_socket.is_connected():
            other_socket.disconnect()


def test_a_connection_whose_access_ended_is_refused_on_its_next_event(
    app, client, make, agent, channel, sockets
):
    deliver(client, channel, [text_event("สวัสดีค่ะ")])
    conversation_id = db.session.scalar(sa.select(Conversation.id))
    # The version moves on without the closing step (as if that process missed it).
    agent.session_version += 1
    db.session.commit()
    answer = sockets["browser"].emit(
        "open_conversation", {"conversation_id": conversation_id}, callback=True
    )
    assert answer == {"ok": False}
    assert not sockets["browser"].is_connected()
    heard(sockets["browser"])  # whatever arrived before the refused event
    deliver(client, channel, [text_event("ยังอยู่ไหมคะ")])
    assert heard(sockets["browser"]) == []


def test_the_services_close_connections_only_after_their_change_commits(
    app, make, agent, channel, sockets
):
    """A connection closed before the commit could come straight back with the old cookie."""
    with pytest.raises(service.UserChangeRefused):
        service.reset_password(agent, "short")
    assert sockets["browser"].is_connected()
    service.reset_password(agent, DEFAULT_PASSWORD + "!")
    assert not sockets["browser"].is_connected()


def test_changing_roles_closes_the_connections_let_in_by_the_old_ones(
    app, client, make, agent, channel, sockets
) -> None:
    browser, _admin, csrf = admin_client(app, make)
    saved = browser.post(
        f"/admin/users/{agent.id}", data={"roles": ["supervisor"], "csrf_token": csrf}
    )
    assert saved.status_code == 302
    assert_closed_and_deaf(client, channel, closed=[sockets["browser"], sockets["token"]])
