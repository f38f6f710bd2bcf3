"""The agent workspace page as the server renders it: who may open it, what it hands the
page's script (translations, CSRF token, first list page), and that names stay text."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import Contact, Conversation, ConversationStatus, Role
from tests.line_events import deliver, group_source, text_event, user_source
from tests.test_api import sign_in

HOSTILE = '</script><script>alert("x")</script><b>ร้าน 東京</b>'


def embedded(html: str, element_id: str) -> dict:
    found = re.search(
        rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S
    )
    assert found, f"no #{element_id} in the page"
    return json.loads(found.group(1))


@pytest.mark.parametrize("path", ["/", "/?view=mine&q=x", "/conversations/1"])
def test_workspace_needs_sign_in(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", list(Role))
def test_workspace_renders_for_every_role(client, make, role: Role) -> None:
    user = make.user(role, display_name="ソムチャイ")
    sign_in(client, user)
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert meta, "no CSRF meta tag for the page's script"
    strings = embedded(html, "workspace-strings")
    assert strings["messageUnsent"] == "Message unsent"
    assert strings["unreadCount"] == {
        "one": "{count} unread message",
        "other": "{count} unread messages",
    }
    boot = embedded(html, "workspace-boot")
    assert boot["me"] == {
        "id": user.id,
        "email": user.email,
        "display_name": "ソムチャイ",
        "roles": [role],
    }
    assert boot["can_act"] is (role is not Role.SUPERVISOR)
    assert boot["text_limit"] == 5000
    assert ('id="note-form"' in html) is boot["can_act"]  # supervisors read, they do not note
    # Nor do they answer, or get assigned: no composer, no "Mine" tab, in the page itself.
    assert ('id="composer"' in html) is boot["can_act"]
    assert ('data-view="mine"' in html) is boot["can_act"]
    assert ("mine" in boot["views"]) is boot["can_act"]
    assert 'src="/static/js/workspace/main.js"' in html
    # The page's script sends that token as X-CSRFToken; without it a POST is refused.
    if not boot["can_act"]:
        assert (
            embedded(client.get("/?view=mine").get_data(as_text=True), "workspace-boot")["view"]
            == "open"
        )
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", headers={"X-CSRFToken": meta.group(1)}).status_code == 302


def test_names_from_line_stay_text_in_every_place_the_page_puts_them(client, make) -> None:
    channel = make.channel(name=HOSTILE)
    deliver(client, channel, [text_event("hi", source=user_source())])
    deliver(client, channel, [text_event("hello", source=group_source())])
    for contact in db.session.scalars(sa.select(Contact)):
        contact.display_name = HOSTILE
    group = db.session.scalar(sa.select(Conversation).where(Conversation.source_type == "group"))
    group.title = HOSTILE
    db.session.commit()
    sign_in(client, make.user(Role.AGENT))

    for path in ("/", f"/conversations/{group.id}"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<b>ร้าน" not in html
        boot = embedded(html, "workspace-boot")
        names = [item["name"] for item in boot["list"]["conversations"]]
        assert names == [HOSTILE, HOSTILE]  # intact for the script, which sets textContent
        assert boot["channels"][0]["name"] == HOSTILE
    assert boot["conversation"]["group"]["name"] == HOSTILE
    assert "<title>&lt;/script&gt;&lt;script&gt;alert(" in html  # the opened one's name


def test_the_address_picks_the_tab_the_search_and_the_conversation(client, make) -> None:
    channel = make.channel()
    deliver(client, channel, [text_event("one", source=user_source("U" + "a" * 32))])
    deliver(client, channel, [text_event("two", source=user_source("U" + "b" * 32))])
    first, second = db.session.scalars(sa.select(Conversation).order_by(Conversation.id)).all()
    first.status = ConversationStatus.PENDING
    second.contact.display_name = "ทดสอบ 検索"
    db.session.commit()
    sign_in(client, make.user(Role.AGENT))

    def boot(path: str) -> dict:
        response = client.get(path)
        assert response.status_code == 200
        return embedded(response.get_data(as_text=True), "workspace-boot")

    assert [c["id"] for c in boot("/")["list"]["conversations"]] == [second.id]
    pending = boot("/?view=pending")
    assert (pending["view"], [c["id"] for c in pending["list"]["conversations"]]) == (
        "pending",
        [first.id],
    )
    assert boot("/?view=nonsense")["view"] == "open"
    assert [c["id"] for c in boot("/?q=検索")["list"]["conversations"]] == [second.id]
    assert boot("/?q=nobody")["list"]["conversations"] == []
    opened = boot(f"/conversations/{first.id}")["conversation"]
    assert (opened["id"], opened["contact"]["line_user_id"]) == (first.id, "U" + "a" * 32)
    assert client.get("/conversations/999999").status_code == 404
