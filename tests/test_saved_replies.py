"""Saved replies: the team's (admins manage them) and each agent's own (nobody else's
business), found in any language, filled in by the server, changed through the API, the pages
and the CLI, every change audited."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import AuditEntry, Conversation, Role, SavedReply
from inbox.replies import service
from inbox.replies.variables import Context, expand
from tests.factories import DEFAULT_PASSWORD
from tests.line_events import deliver, group_source, text_event

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def bearer(make, role: Role = Role.AGENT, **fields):
    user = make.user(role, **fields)
    return user, {"Authorization": f"Bearer {make.token(user)}"}


def create(client, headers, **fields):
    body = {"title": "Thanks", "shortcut": "thx", "body": "Thank you!", **fields}
    return client.post("/api/saved-replies", json=body, headers=headers)


@pytest.fixture
def chat(client, make) -> Conversation:
    """A one-to-one chat with สมชาย on channel "Shop"."""
    channel = make.channel(name="Shop")
    deliver(client, channel, [text_event("สวัสดีครับ")])
    conversation = db.session.scalar(sa.select(Conversation))
    conversation.contact.display_name = "สมชาย"
    db.session.commit()
    return conversation


# Filling variables in -------------------------------------------------------------------------


def test_variables_are_filled_in_for_the_conversation(client, make, chat) -> None:
    _agent, headers = bearer(make, display_name="Nok")
    reply = create(
        client,
        headers,
        body="Hi {{customer.name}}, {{ agent.name }} from {{channel.name}} here. {{order.id}}",
    ).json
    answer = client.get(
        f"/api/saved-replies/{reply['id']}/expand?conversation={chat.id}", headers=headers
    )
    assert answer.status_code == 200
    assert answer.json["text"] == "Hi สมชาย, Nok from Shop here. {{order.id}}"
    assert answer.json["unknown"] == ["order.id"] and answer.json["empty"] == []


def test_values_go_in_as_plain_text_and_odd_bodies_never_crash(make, chat) -> None:
    agent = make.user(Role.AGENT, display_name="<b>Nok</b> {{customer.name}}")
    chat.contact.display_name = "<script>alert(1)</script> {{agent.name}}"
    context = Context(agent, chat)
    # A value is never expanded again, and stays exactly as written (no HTML escaping: it is
    # text for LINE; the pages escape when they show it).
    assert expand("{{customer.name}}|{{agent.name}}", context).text == (
        "<script>alert(1)</script> {{agent.name}}|<b>Nok</b> {{customer.name}}"
    )
    for body in ("{{", "}}", "{{}}", "{{ }}", "{{{customer.name}}}", "{{a}}{{a}}", "{{x.y", "💥"):
        result = expand(body, context)
        assert isinstance(result.text, str)
    assert expand("{{a}} {{a}} {{B}}", context).unknown == ["a", "B"]
    assert expand("{{CUSTOMER.NAME}}", context).text.startswith("<script>")


def test_a_group_has_no_customer_name_and_says_so(client, make) -> None:
    channel = make.channel(name="Shop")
    deliver(client, channel, [text_event("hello", source=group_source())])
    group = db.session.scalar(sa.select(Conversation))
    agent = make.user(Role.AGENT)
    result = expand("Hi {{customer.name}}", Context(agent, group))
    assert result.text == "Hi {{customer.name}}" and result.empty == ["customer.name"]
    # Without a conversation only the agent is known.
    alone = expand("{{agent.name}} {{channel.name}}", Context(agent))
    assert alone.text == f"{agent.email} {{{{channel.name}}}}" and alone.empty == ["channel.name"]


# Privacy and who manages what ---------------------------------------------------------------


def test_a_personal_reply_is_its_owners_alone(client, make, chat) -> None:
    _owner, mine = bearer(make)
    _other, theirs = bearer(make)
    _admin, admins = bearer(make, Role.ADMIN)
    reply = create(client, mine, title="Mine", shortcut="secret", body="only me").json
    assert reply["scope"] == "personal" and reply["can_edit"]
    url = f"/api/saved-replies/{reply['id']}"
    for headers in (theirs, admins):
        listed = client.get("/api/saved-replies", headers=headers).json["saved_replies"]
        assert reply["id"] not in [item["id"] for item in listed]
        assert client.get(url, headers=headers).status_code == 404
        assert (
            client.get(f"{url}/expand?conversation={chat.id}", headers=headers).status_code == 404
        )
        assert client.patch(url, json={"title": "x"}, headers=headers).status_code == 404
        assert client.delete(url, headers=headers).status_code == 404
    assert db.session.get(SavedReply, reply["id"]).title == "Mine"
    assert (
        client.patch(url, json={"title": "Still mine"}, headers=mine).json["title"] == "Still mine"
    )
    assert client.delete(url, headers=mine).status_code == 204
    assert db.session.get(SavedReply, reply["id"]) is None


def test_admins_manage_team_replies_and_agents_only_use_them(client, make) -> None:
    _agent, agents = bearer(make)
    _admin, admins = bearer(make, Role.ADMIN)
    _supervisor, supervisors = bearer(make, Role.SUPERVISOR)
    assert create(client, agents, scope="team").status_code == 403
    team = create(client, admins, scope="team", title="ขอบคุณ", shortcut="ty", body="ขอบคุณค่ะ")
    assert team.status_code == 201 and team.json["scope"] == "team"
    url = f"/api/saved-replies/{team.json['id']}"
    seen = client.get(url, headers=agents).json
    assert seen["title"] == "ขอบคุณ" and seen["can_edit"] is False
    assert client.patch(url, json={"body": "x"}, headers=agents).status_code == 403
    assert client.delete(url, headers=agents).status_code == 403
    assert client.get("/api/saved-replies", headers=supervisors).status_code == 403
    assert client.patch(url, json={"body": "ขอบคุณมากค่ะ"}, headers=admins).status_code == 200
    assert db.session.get(SavedReply, team.json["id"]).body == "ขอบคุณมากค่ะ"
    assert client.delete(url, headers=admins).status_code == 204


# Shortcuts ---------------------------------------------------------------------------------


def test_shortcuts_are_unique_per_scope_and_ones_own_wins(client, make) -> None:
    agent, mine = bearer(make)
    _other, theirs = bearer(make)
    _admin, admins = bearer(make, Role.ADMIN)
    team = create(client, admins, scope="team", body="Team thanks").json
    again = create(client, admins, scope="team", shortcut="/THX")
    assert again.status_code == 409 and "/thx" in again.json["message"]
    # The same shortcut is fine in another scope: each person's own.
    own = create(client, mine, body="My thanks").json
    assert create(client, theirs, body="Their thanks").status_code == 201
    assert create(client, mine, shortcut="ＴＨＸ").status_code == 409  # full-width is the same
    listed = client.get("/api/saved-replies", headers=mine).json["saved_replies"]
    assert [(item["id"], item["shadowed"]) for item in listed] == [
        (own["id"], False),
        (team["id"], True),
    ]
    assert service.reply_for_shortcut(agent, "/thx").id == own["id"]
    other_shortcut = create(client, mine, shortcut="hi", body="Hi").json
    renamed = client.patch(
        f"/api/saved-replies/{other_shortcut['id']}", json={"shortcut": "thx"}, headers=mine
    )
    assert renamed.status_code == 409
    assert db.session.get(SavedReply, other_shortcut["id"]).shortcut == "hi"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"shortcut": "two words"}, "shortcut"),
        ({"shortcut": "a/b"}, "shortcut"),
        ({"shortcut": "x" * 33}, "shortcut"),
        ({"shortcut": "zero\u200bwidth"}, "shortcut"),
        ({"body": " \n "}, "body"),
        ({"body": "😀" * 2501}, "body"),  # 5,002 UTF-16 units: over LINE's 5,000
        ({"title": 7}, "title"),
        ({"scope": "everyone"}, "scope"),
    ],
)
def test_unusable_fields_are_refused_by_name(client, make, fields, field) -> None:
    _agent, headers = bearer(make)
    answer = create(client, headers, **fields)
    assert answer.status_code == 400 and answer.json["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedReply)) == 0


def test_thai_and_japanese_replies_are_found_by_any_field_any_case(client, make) -> None:
    _agent, headers = bearer(make)
    for title, shortcut, body in [
        ("ขอบคุณลูกค้า", "ขอบคุณ", "ขอบคุณที่ติดต่อเรามาค่ะ"),
        ("お礼", "ありがとう", "お問い合わせありがとうございます。"),
        ("Delivery TIMES", "ship", "We ship within 2 days."),
    ]:
        assert create(client, headers, title=title, shortcut=shortcut, body=body).status_code == 201

    def found(query: str) -> list[str]:
        answer = client.get("/api/saved-replies", query_string={"q": query}, headers=headers)
        return [item["shortcut"] for item in answer.json["saved_replies"]]

    assert found("ติดต่อ") == ["ขอบคุณ"]
    assert found("ありが") == ["ありがとう"]
    assert found("お礼") == ["ありがとう"]
    assert found("ｱﾘｶﾞﾄｳ") == []  # half-width kana fold to katakana, not to hiragana
    assert found("delivery times") == ["ship"]
    assert found("SHIP") == ["ship"]
    assert len(found("")) == 3
    assert found("nothing like it") == []


# Pages -------------------------------------------------------------------------------------


def browser_for(client, make, role: Role):
    """A browser of its own (cookies, and a context per request like `client`), signed in."""
    browser = client.application.test_client()
    user = make.user(role)
    token = CSRF.search(browser.get("/login").get_data(as_text=True)).group(1)
    signed = browser.post(
        "/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302
    return browser, user


def csrf_on(browser, path: str) -> str:
    return CSRF.search(browser.get(path).get_data(as_text=True)).group(1)


HOSTILE = '<img src=x onerror="alert(1)">'


def test_an_agent_manages_their_own_replies_on_their_page(client, make) -> None:
    browser, agent = browser_for(client, make, Role.AGENT)
    csrf = csrf_on(browser, "/replies/new")
    saved = browser.post(
        "/replies/new",
        data={"title": HOSTILE, "shortcut": "/สวัสดี", "body": HOSTILE, "csrf_token": csrf},
    )
    assert saved.status_code == 302
    reply = db.session.scalar(sa.select(SavedReply))
    assert reply.owner_id == agent.id and reply.shortcut == "สวัสดี" and reply.title == HOSTILE
    reply_id = reply.id
    page = browser.get("/replies/?q=ONERROR").get_data(as_text=True)
    assert HOSTILE not in page and "&lt;img src=x onerror=" in page and "/สวัสดี" in page
    taken = browser.post(
        "/replies/new", data={"title": "t", "shortcut": "สวัสดี", "body": "b", "csrf_token": csrf}
    )
    assert taken.status_code == 409 and "/สวัสดี" in taken.get_data(as_text=True)
    edited = browser.post(
        f"/replies/{reply.id}",
        data={"title": "Hello", "shortcut": "hi", "body": "Hi", "csrf_token": csrf},
    )
    assert edited.status_code == 302 and db.session.get(SavedReply, reply.id).shortcut == "hi"
    # Another agent's page neither shows nor opens it.
    other, _ = browser_for(client, make, Role.AGENT)
    assert "Hello" not in other.get("/replies/").get_data(as_text=True)
    assert other.get(f"/replies/{reply.id}").status_code == 404
    assert (
        other.post(
            f"/replies/{reply.id}/delete", data={"csrf_token": csrf_on(other, "/replies/new")}
        ).status_code
        == 404
    )
    unstorable = browser.post(
        "/replies/new", data={"title": "t", "shortcut": "nul", "body": "a\x00b", "csrf_token": csrf}
    )
    assert unstorable.status_code == 400 and "cannot be stored" in unstorable.get_data(as_text=True)
    assert browser.post(f"/replies/{reply_id}/delete", data={"csrf_token": csrf}).status_code == 302
    assert db.session.get(SavedReply, reply_id) is None


def test_admins_manage_team_replies_on_the_admin_page(client, make) -> None:
    browser, _admin = browser_for(client, make, Role.ADMIN)
    assert 'href="/admin/replies"' in browser.get("/replies/").get_data(as_text=True)
    csrf = csrf_on(browser, "/admin/replies/new")
    saved = browser.post(
        "/admin/replies/new",
        data={
            "title": "お礼",
            "shortcut": "arigato",
            "body": "{{customer.name}}様、" + HOSTILE,
            "csrf_token": csrf,
        },
    )
    assert saved.status_code == 302
    reply = db.session.scalar(sa.select(SavedReply))
    assert reply.is_team
    reply_id = reply.id
    page = browser.get("/admin/replies?q=お礼").get_data(as_text=True)
    assert "/arigato" in page and HOSTILE not in page
    # The agents' own page shows the team's replies, read-only.
    agent_browser, _agent = browser_for(client, make, Role.AGENT)
    assert "/arigato" in agent_browser.get("/replies/").get_data(as_text=True)
    assert agent_browser.get("/admin/replies").status_code == 403
    assert (
        browser.post(f"/admin/replies/{reply_id}/delete", data={"csrf_token": csrf}).status_code
        == 302
    )
    assert db.session.scalar(sa.select(SavedReply)) is None


# CLI and audit -----------------------------------------------------------------------------


def test_the_cli_lists_adds_and_removes_team_replies(runner) -> None:
    added = runner.invoke(
        args=["replies", "add", "--shortcut", "/ขอบคุณ", "--title", "ขอบคุณ", "--body", "-"],
        input="ขอบคุณค่ะ {{customer.name}}\nยินดีให้บริการ\n",
    )
    assert added.exit_code == 0, added.output
    assert "Added /ขอบคุณ" in added.output
    again = runner.invoke(
        args=["replies", "add", "--shortcut", "ขอบคุณ", "--title", "x", "--body", "y"]
    )
    assert again.exit_code != 0 and "already has" in again.output
    bad = runner.invoke(args=["replies", "add", "--shortcut", "a b", "--title", "x", "--body", "y"])
    assert bad.exit_code != 0
    listed = runner.invoke(args=["replies", "list", "-q", "ยินดี"])
    assert "/ขอบคุณ\tขอบคุณ" in listed.output and "    ยินดีให้บริการ" in listed.output
    assert "1 team reply." in listed.output
    removed = runner.invoke(args=["replies", "remove", "/ขอบคุณ"])
    assert removed.exit_code == 0 and db.session.scalar(sa.select(SavedReply)) is None
    missing = runner.invoke(args=["replies", "remove", "ขอบคุณ"])
    assert missing.exit_code != 0 and "no saved reply" in missing.output
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["saved_reply.created", "saved_reply.deleted"]
    assert db.session.scalar(sa.select(AuditEntry)).details["via"] == "cli"


def test_every_change_is_audited_without_the_text(client, make) -> None:
    agent, headers = bearer(make)
    reply = create(client, headers, body="a private text").json
    url = f"/api/saved-replies/{reply['id']}"
    client.patch(url, json={"shortcut": "thanks"}, headers=headers)
    client.delete(url, headers=headers)
    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [entry.action for entry in entries] == [
        "saved_reply.created",
        "saved_reply.updated",
        "saved_reply.deleted",
    ]
    assert {entry.actor_user_id for entry in entries} == {agent.id}
    assert {entry.target_type for entry in entries} == {"saved_replies"}
    assert entries[1].details == {
        "scope": "personal",
        "shortcut": "thanks",
        "title": "Thanks",
        "previous_shortcut": "thx",
    }
    assert all("private" not in str(entry.details) for entry in entries)
    # A refused change leaves no entry behind.
    create(client, headers, shortcut="x")
    assert create(client, headers, shortcut="x").status_code == 409
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "saved_reply.created")
        )
        == 2
    )


def test_deleting_a_user_deletes_their_replies(client, make) -> None:
    agent, headers = bearer(make)
    create(client, headers)
    db.session.delete(agent)
    db.session.commit()
    assert db.session.scalar(sa.select(SavedReply)) is None
