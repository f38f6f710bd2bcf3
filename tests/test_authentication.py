"""One way in per request: an Authorization header decides alone (a live token, or 401 and
nothing done); without one, the session or remember-me cookie decides, with a CSRF token."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import Conversation, Message, Role
from tests.line_events import deliver, text_event
from tests.test_api import sign_in

BAD_AUTHORIZATION = ["Bearer lit_bogus", "Bearer", "Basic dXNlcjpwYXNz", "lit_no_scheme", ""]


@pytest.fixture
def conversation(client, make) -> Conversation:
    deliver(client, make.channel(), [text_event("hello")])
    return db.session.scalar(sa.select(Conversation))


def notes_path(conversation: Conversation) -> str:
    return f"/api/conversations/{conversation.id}/notes"


def note_texts() -> list[str]:
    return list(db.session.scalars(sa.select(Message.text).where(Message.type == "note")))


def keep_only_remember_me(client) -> None:
    """The browser was closed: the session cookie is gone, the remember-me cookie stays."""
    client.delete_cookie("session")
    assert client.get_cookie("remember_token") is not None


def fresh_csrf_token(client) -> str:
    page = client.get("/")
    assert page.status_code == 200
    return re.search(rb'name="csrf-token" content="([^"]+)"', page.data).group(1).decode()


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION)
@pytest.mark.parametrize("closed_browser", [False, True], ids=["session", "remember-me"])
def test_a_bad_authorization_header_is_refused_whatever_cookies_come_with_it(
    client, make, conversation, authorization: str, closed_browser: bool
) -> None:
    sign_in(client, make.user(Role.AGENT), remember=True)
    if closed_browser:
        keep_only_remember_me(client)
    headers = {"Authorization": authorization}
    written = client.post(notes_path(conversation), json={"text": "forged"}, headers=headers)
    assert written.status_code == 401 and written.json["message"]
    assert "Set-Cookie" not in written.headers
    assert note_texts() == []
    page = client.get("/", headers=headers)  # a page, not only the API: no agent behind it
    assert page.status_code == 401 and "Set-Cookie" not in page.headers


def test_a_supervisors_token_with_an_agents_cookie_acts_as_the_supervisor(
    client, make, conversation
) -> None:
    sign_in(client, make.user(Role.AGENT), remember=True)
    keep_only_remember_me(client)
    supervisor = {"Authorization": f"Bearer {make.token(make.user(Role.SUPERVISOR))}"}
    written = client.post(notes_path(conversation), json={"text": "as whom?"}, headers=supervisor)
    assert written.status_code == 403  # notes are for agents: the supervisor may not write one
    assert note_texts() == []
    history = client.get("/history", headers=supervisor)  # a supervisor's page, an agent's 403
    assert history.status_code == 200 and "Set-Cookie" not in history.headers


def test_a_valid_token_alone_needs_no_csrf_token_and_gets_no_cookie(
    client, make, conversation
) -> None:
    agent = {"Authorization": f"Bearer {make.token(make.user(Role.AGENT))}"}
    written = client.post(notes_path(conversation), json={"text": "by token"}, headers=agent)
    assert written.status_code == 201 and "Set-Cookie" not in written.headers
    assert note_texts() == ["by token"]


@pytest.mark.parametrize("closed_browser", [False, True], ids=["session", "remember-me"])
def test_cookies_alone_still_work_with_their_csrf_token(
    client, make, conversation, closed_browser: bool
) -> None:
    csrf_token = sign_in(client, make.user(Role.AGENT), remember=True)
    if closed_browser:
        keep_only_remember_me(client)
        csrf_token = fresh_csrf_token(client)
    path = notes_path(conversation)
    assert client.post(path, json={"text": "no csrf"}).status_code == 400
    written = client.post(path, json={"text": "by cookie"}, headers={"X-CSRFToken": csrf_token})
    assert written.status_code == 201
    assert note_texts() == ["by cookie"]
