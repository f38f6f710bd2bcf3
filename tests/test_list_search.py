"""The list's search for agents: names, LINE ids and message text (Thai, Japanese, order
numbers) across every status, only what the viewer may read, with the matching message."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import Contact, Conversation, ConversationStatus, Role
from tests.line_events import deliver, event, now_millis, text_event, user_source
from tests.test_admin_users import sign_in

SOMCHAI = "U" + "a" * 32
KENJI = "U" + "b" * 32
THAI = "สวัสดีค่ะ สมชายสั่งของไปเมื่อวาน"
JAPANESE = "注文番号 A-20394 の配送はいつですか"


@pytest.fixture
def chats(client, make):
    """Two customers: a Thai one whose chat is resolved, a Japanese one still open."""
    channel = make.channel()
    deliver(
        client,
        channel,
        [
            text_event(THAI, source=user_source(SOMCHAI)),
            text_event(JAPANESE, source=user_source(KENJI)),
        ],
    )
    thai = db.session.scalar(sa.select(Conversation).where(Conversation.source_id == SOMCHAI))
    thai.status = ConversationStatus.RESOLVED
    db.session.commit()
    return channel


def search(client, headers, query: str, **params) -> list[dict]:
    answer = client.get("/api/conversations", query_string={"q": query, **params}, headers=headers)
    assert answer.status_code == 200, answer.json
    return answer.json["conversations"]


def sources(rows: list[dict]) -> list[str]:
    return [row["source"]["id"] for row in rows]


def marked(row: dict) -> list[str]:
    """The matched message's text at its spans (UTF-16 ranges; these texts are all BMP)."""
    text = row["match"]["message"]["text"]
    return [text[start:end] for start, end in row["match"]["spans"]]


@pytest.mark.parametrize(
    ("query", "found", "highlighted"),
    [
        ("สม", [SOMCHAI], ["สม"]),  # two Thai letters inside a word, in a resolved chat
        ("สมชาย", [SOMCHAI], ["สมชาย"]),
        ("配送", [KENJI], ["配送"]),
        ("20394", [KENJI], ["20394"]),  # an order number
        ("A-20394", [KENJI], ["A", "20394"]),
        ("ｺﾞｺﾞ", [], []),
    ],
)
def test_agents_find_words_of_messages_in_every_status(
    client, make, chats, query, found, highlighted
) -> None:
    rows = search(client, make.auth_header(Role.AGENT), query)
    assert sources(rows) == found
    if found:
        assert marked(rows[0]) == highlighted
        statuses = {SOMCHAI: "resolved", KENJI: "open"}
        assert rows[0]["status"] == statuses[found[0]]


def test_names_and_line_ids_match_without_a_message(client, make, chats) -> None:
    contact = db.session.scalar(sa.select(Contact).where(Contact.line_user_id == KENJI))
    contact.display_name = "田中健二"
    db.session.commit()
    headers = make.auth_header(Role.AGENT)
    rows = search(client, headers, "健二")
    assert sources(rows) == [KENJI] and rows[0]["match"] is None
    assert sources(search(client, headers, SOMCHAI[:12])) == [SOMCHAI]


def test_the_status_filter_still_narrows_for_api_clients(client, make, chats) -> None:
    headers = make.auth_header(Role.AGENT)
    assert search(client, headers, "สม", status="open") == []
    assert sources(search(client, headers, "สม", status="resolved")) == [SOMCHAI]


def test_without_a_query_rows_carry_no_match(client, make, chats) -> None:
    rows = client.get("/api/conversations", headers=make.auth_header()).json["conversations"]
    assert rows and all("match" not in row for row in rows)


def test_an_unsent_original_is_found_by_supervisors_only(client, make) -> None:
    channel = make.channel()
    original = text_event("電話番号は09012345678です", source=user_source(KENJI))
    deliver(client, channel, [original])
    deliver(
        client,
        channel,
        [
            event(
                "unsend", source=user_source(KENJI), unsend={"messageId": original["message"]["id"]}
            )
        ],
    )
    assert search(client, make.auth_header(Role.AGENT), "電話番号") == []
    rows = search(client, make.auth_header(Role.SUPERVISOR), "電話番号")
    assert sources(rows) == [KENJI]


def test_an_edited_message_is_found_by_its_earlier_text_for_supervisors_only(client, make) -> None:
    channel = make.channel()
    start = now_millis() - 10_000
    original = text_event("ราคาเท่าไหร่", timestamp=start, source=user_source(SOMCHAI))
    edit = event(
        "messageEdited",
        source=user_source(SOMCHAI),
        timestamp=start + 1000,
        message={"id": original["message"]["id"], "type": "text", "text": "ส่งฟรีไหมคะ"},
    )
    deliver(client, channel, [original, edit])
    agent, supervisor = make.auth_header(Role.AGENT), make.auth_header(Role.SUPERVISOR)
    assert search(client, agent, "ราคา") == []
    assert sources(search(client, supervisor, "ราคา")) == [SOMCHAI]
    rows = search(client, agent, "ส่งฟรี")
    assert sources(rows) == [SOMCHAI] and marked(rows[0]) == ["ส่งฟรี"]


def test_results_page_with_the_newest_hit_of_each(client, make) -> None:
    channel = make.channel()
    start = now_millis() - 100_000
    events = [
        text_event(
            f"配送 {number}", timestamp=start + number * 1000, source=user_source(f"U{number:032d}")
        )
        for number in range(5)
    ]
    events.append(
        text_event("配送 again", timestamp=start + 9000, source=user_source(f"U{0:032d}"))
    )
    deliver(client, channel, events)
    headers = make.auth_header(Role.AGENT)
    first = client.get(
        "/api/conversations", query_string={"q": "配送", "limit": 3}, headers=headers
    ).json
    assert len(first["conversations"]) == 3 and first["next_cursor"]
    assert first["conversations"][0]["match"]["message"]["text"] == "配送 again"
    rest = client.get(
        "/api/conversations",
        query_string={"q": "配送", "limit": 3, "cursor": first["next_cursor"]},
        headers=headers,
    ).json
    everyone = sources(first["conversations"]) + sources(rest["conversations"])
    assert sorted(everyone) == sorted(f"U{number:032d}" for number in range(5))
    assert rest["next_cursor"] is None


def test_the_workspace_opens_a_search_across_every_status(client, make, chats) -> None:
    agent = make.user(Role.AGENT)
    assert sign_in(client, agent.email).status_code == 302
    page = client.get("/?q=สม")
    assert page.status_code == 200
    assert SOMCHAI.encode() in page.data
