"""The phone page and its JSON API, signed in and not, over real HTTP."""

from __future__ import annotations

import re

import pytest
import requests
import sqlalchemy as sa

from inbox.extensions import db, socketio
from inbox.models import Direction, Message, Role
from tests.factories import DEFAULT_PASSWORD
from tests.sandbox_helpers import push

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class Browser:
    """A signed-in browser: session cookie plus the page's CSRF token for JSON calls."""

    def __init__(self, base_url: str, email: str) -> None:
        self.base = base_url
        self.http = requests.Session()
        login = self.http.get(f"{base_url}/login", timeout=5)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login.text).group(1)
        answer = self.http.post(
            f"{base_url}/login",
            data={"email": email, "password": DEFAULT_PASSWORD, "csrf_token": token},
            timeout=5,
            allow_redirects=False,
        )
        assert answer.status_code == 302
        self.page = self.http.get(f"{base_url}/sandbox", timeout=5)
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', self.page.text).group(1)

    def api(self, method: str, path: str, **kwargs):
        headers = {"X-CSRFToken": self.csrf, "Accept": "application/json"}
        return self.http.request(
            method, f"{self.base}/sandbox/phone/api{path}", headers=headers, timeout=5, **kwargs
        )

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def shop(line_sandbox):
    return line_sandbox.provision(name="Phone shop")


@pytest.fixture
def browser(line_sandbox, make):
    user = make.user(Role.AGENT)
    opened = Browser(line_sandbox.base_url, user.email)
    yield opened
    opened.close()


def test_signed_out_people_are_sent_to_sign_in(line_sandbox) -> None:
    page = requests.get(f"{line_sandbox.base_url}/sandbox", timeout=5, allow_redirects=False)
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    api = requests.get(f"{line_sandbox.base_url}/sandbox/phone/api/state", timeout=5)
    assert api.status_code == 401 and api.json()["status"] == 401
    post = requests.post(
        f"{line_sandbox.base_url}/sandbox/phone/api/users", json={"display_name": "x"}, timeout=5
    )
    assert post.status_code in (400, 401)  # no session: no CSRF token, no user


@pytest.mark.parametrize("sandbox_on", [True, False])
def test_the_top_bar_links_the_phone_only_when_the_sandbox_is_on(app_with, make, sandbox_on):
    client = app_with(LINE_SANDBOX=sandbox_on).test_client()
    for role in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN):
        page = client.get("/", headers=make.auth_header(role)).get_data(as_text=True)
        areas = re.search(r'<nav class="areas".*?</nav>', page, re.S)
        links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', areas.group(0)) if areas else []
        assert (("/sandbox", "Phone") in links) is sandbox_on, (role, links)
    signed_out = client.get("/login").get_data(as_text=True)
    assert 'href="/sandbox"' not in signed_out


def test_the_page_renders_for_any_role(line_sandbox, shop, browser) -> None:
    page = browser.page
    assert page.status_code == 200
    assert 'src="/static/sandbox/phone.js"' in page.text and 'type="module"' in page.text
    assert '<label for="text"' in page.text and "Phone shop" in page.text


def test_display_names_are_escaped(line_sandbox, shop, make) -> None:
    line_sandbox.user("<script>alert(1)</script>", channel=shop)
    opened = Browser(line_sandbox.base_url, make.user(Role.SUPERVISOR).email)
    try:
        assert "<script>alert(1)</script>" not in opened.page.text
        assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in opened.page.text
    finally:
        opened.close()


def test_create_a_user_and_chat_with_the_channel(line_sandbox, shop, browser) -> None:
    created = browser.api(
        "POST",
        "/users",
        data={
            "display_name": "さくら",
            "status_message": "よろしく",
            "language": "ja",
            "follow": shop.channel_id,
        },
        files={"picture": ("me.png", PNG, "image/png")},
    )
    assert created.status_code == 201
    user = created.json()["user"]
    assert user["friendships"] == {shop.channel_id: "following"}
    chat = {
        "channel": shop.channel_id,
        "chat_type": "user",
        "chat_id": user["userId"],
        "sender": user["userId"],
    }

    sent = browser.api("POST", "/messages", json={**chat, "type": "text", "text": "注文したいです"})
    assert sent.status_code == 201 and sent.json()["message"]["body"]["text"] == "注文したいです"
    too_long = browser.api("POST", "/messages", json={**chat, "type": "text", "text": "あ" * 5001})
    assert too_long.status_code == 400 and too_long.json()["message"]
    sticker = browser.api(
        "POST",
        "/messages",
        json={**chat, "type": "sticker", "package_id": "446", "sticker_id": "1989"},
    )
    assert sticker.status_code == 201
    location = browser.api(
        "POST",
        "/messages",
        json={
            **chat,
            "type": "location",
            "title": "駅",
            "address": "東京",
            "latitude": "35.68",
            "longitude": "139.76",
        },
    )
    assert location.status_code == 201
    photo = browser.api(
        "POST",
        "/messages",
        data={**chat, "type": "image"},
        files={"file": ("p.png", PNG, "image/png")},
    )
    assert photo.status_code == 201
    assert (
        browser.http.get(
            line_sandbox.base_url + photo.json()["message"]["contentUrl"], timeout=5
        ).content
        == PNG
    )
    line_sandbox.wait_idle()

    db.session.expire_all()
    incoming = db.session.scalars(
        sa.select(Message).where(Message.direction == Direction.INCOMING).order_by(Message.id)
    ).all()
    assert [m.type for m in incoming] == ["text", "sticker", "location", "image"]
    assert incoming[0].text == "注文したいです"

    push(line_sandbox, shop, user["userId"], {"type": "text", "text": "ありがとうございます"})
    listed = browser.api(
        "GET", "/messages", params={k: chat[k] for k in ("channel", "chat_type", "chat_id")}
    )
    bodies = [(m["direction"], m["body"].get("text")) for m in listed.json()["messages"]]
    assert bodies[0] == ("incoming", "注文したいです") and bodies[-1] == (
        "outgoing",
        "ありがとうございます",
    )

    blocked = browser.api(
        "POST",
        f"/users/{user['userId']}/friendship",
        json={"channel": shop.channel_id, "follow": False},
    )
    assert blocked.json() == {"state": "blocked"}
    refused = browser.api("POST", "/messages", json={**chat, "type": "text", "text": "hello?"})
    assert refused.status_code == 400


def test_the_phone_makes_the_states_real_accounts_are_in(line_sandbox, shop, browser) -> None:
    """A friend from before the inbox (no follow webhook), a profile LINE will not give, and
    media LINE already deleted: a newcomer can see each of them without a real account."""
    created = browser.api(
        "POST",
        "/users",
        data={"display_name": "Kenji", "follow": shop.channel_id, "before_inbox": "1"},
    )
    assert created.status_code == 201
    user_id = created.json()["user"]["userId"]
    assert created.json()["user"]["friendships"] == {shop.channel_id: "following"}
    line_sandbox.wait_idle()
    assert line_sandbox.events(shop) == []  # already a friend: LINE sends no follow event
    profile_url = f"{line_sandbox.api_base_url}/v2/bot/profile/{user_id}"
    assert requests.get(profile_url, headers=line_sandbox.headers(shop), timeout=5).ok

    hidden = browser.api(
        "POST", f"/users/{user_id}/profile", json={"channel": shop.channel_id, "hidden": True}
    )
    assert hidden.json() == {"profile_hidden": True}
    refused = requests.get(profile_url, headers=line_sandbox.headers(shop), timeout=5)
    assert refused.status_code == 404 and refused.json()["message"]
    (state,) = [u for u in browser.api("GET", "/state").json()["users"] if u["userId"] == user_id]
    assert state["profileHiddenFrom"] == [shop.channel_id]

    chat = {"channel": shop.channel_id, "chat_type": "user", "chat_id": user_id, "sender": user_id}
    photo = browser.api(
        "POST", "/messages", data={**chat, "type": "image"}, files={"file": ("p.png", PNG)}
    ).json()["message"]
    content_url = f"{line_sandbox.data_base_url}/v2/bot/message/{photo['id']}/content"
    assert requests.get(content_url, headers=line_sandbox.headers(shop), timeout=5).ok
    assert browser.api("POST", f"/messages/{photo['id']}/expire", json={}).status_code == 200
    gone = requests.get(content_url, headers=line_sandbox.headers(shop), timeout=5)
    assert gone.status_code == 404
    text = browser.api("POST", "/messages", json={**chat, "type": "text", "text": "hi"}).json()
    not_media = browser.api("POST", f"/messages/{text['message']['id']}/expire", json={})
    assert not_media.status_code == 400 and not_media.json()["message"]


def test_json_calls_need_the_csrf_token(line_sandbox, shop, browser) -> None:
    answer = browser.http.post(
        f"{line_sandbox.base_url}/sandbox/phone/api/users", json={"display_name": "x"}, timeout=5
    )
    assert answer.status_code == 400


def test_groups_from_the_phone(line_sandbox, shop, browser) -> None:
    alice = browser.api("POST", "/users", json={"display_name": "Alice"}).json()["user"]["userId"]
    bob = browser.api("POST", "/users", json={"display_name": "Bob"}).json()["user"]["userId"]
    carol = browser.api("POST", "/users", json={"display_name": "Carol"}).json()["user"]["userId"]
    group = browser.api(
        "POST", "/chats", json={"kind": "group", "name": "ทีม", "members": [alice, bob]}
    ).json()
    assert (
        browser.api(
            "POST", f"/chats/{group['chatId']}/bots", json={"channel": shop.channel_id}
        ).status_code
        == 201
    )
    chat = {"channel": shop.channel_id, "chat_type": "group", "chat_id": group["chatId"]}
    assert (
        browser.api(
            "POST", "/messages", json={**chat, "sender": bob, "type": "text", "text": "hi"}
        ).status_code
        == 201
    )
    outsider = browser.api(
        "POST", "/messages", json={**chat, "sender": carol, "type": "text", "text": "hi"}
    )
    assert outsider.status_code == 400
    assert (
        browser.api("POST", f"/chats/{group['chatId']}/members", json={"user": carol}).status_code
        == 201
    )
    assert browser.api("DELETE", f"/chats/{group['chatId']}/members/{alice}").status_code == 200
    assert (
        browser.api("DELETE", f"/chats/{group['chatId']}/bots/{shop.channel_id}").status_code == 200
    )
    assert [e["type"] for e in line_sandbox.events(shop)] == [
        "join",
        "message",
        "memberJoined",
        "memberLeft",
        "leave",
    ]
    state = browser.api("GET", "/state").json()
    (listed,) = state["chats"]
    assert listed["name"] == "ทีม" and listed["members"] == [bob, carol] and listed["bots"] == []


def test_socket_refuses_signed_out_and_streams_bot_messages(line_sandbox, shop, app, make) -> None:
    alice = line_sandbox.user("Alice", channel=shop)
    anonymous = socketio.test_client(app, namespace="/sandbox")
    assert not anonymous.is_connected("/sandbox")

    web = app.test_client()
    user = make.user(Role.AGENT)
    login = web.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    signed = web.post(
        "/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302
    phone = socketio.test_client(app, namespace="/sandbox", flask_test_client=web)
    try:
        assert phone.is_connected("/sandbox")
        push(line_sandbox, shop, alice, {"type": "text", "text": "live!"})
        received = phone.get_received("/sandbox")
        texts = [e["args"][0]["body"]["text"] for e in received if e["name"] == "chat_message"]
        assert texts == ["live!"]
    finally:
        phone.disconnect(namespace="/sandbox")
