"""Full-text search over every message, on SQLite FTS5 and PostgreSQL tsvector alike,
including Thai and Japanese, which are written without spaces between words."""

from __future__ import annotations

import pytest

from inbox.history.terms import index_terms
from inbox.models import Role
from tests.line_events import deliver, event, group_source, message_event, now_millis, text_event

THAI = "สวัสดีค่ะ ขอสอบถามเรื่องสินค้าที่สั่งไปเมื่อวาน"
JAPANESE = "東京都のケーキ屋さんで誕生日ケーキを予約したいです"
ENGLISH = "Hello, is the Matcha Roll still available?"


@pytest.fixture
def headers(make) -> dict[str, str]:
    return make.auth_header(Role.SUPERVISOR)


@pytest.fixture
def history(client, make):
    channel = make.channel()
    deliver(client, channel, [text_event(THAI), text_event(JAPANESE), text_event(ENGLISH)])
    return channel


def found(client, headers, query: str, **params) -> list[str]:
    answer = client.get("/api/history/search", query_string={"q": query, **params}, headers=headers)
    assert answer.status_code == 200, answer.json
    return [item["message"]["text"] for item in answer.json["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("สินค้า", [THAI]),  # a word inside a Thai sentence
        ("สอบถาม", [THAI]),
        ("เมื่อวาน", [THAI]),
        ("ケーキ", [JAPANESE]),  # katakana inside a Japanese sentence
        ("東京", [JAPANESE]),  # two kanji
        ("誕生日", [JAPANESE]),
        ("ｹｰｷ", [JAPANESE]),  # half-width katakana, normalised
        ("matcha", [ENGLISH]),
        ("MAT", [ENGLISH]),  # a word's beginning, any case
        ("ＨＥＬＬＯ", [ENGLISH]),  # full-width Latin
        ("roll matcha", [ENGLISH]),  # every word, any order
        ("ケーキ 東京", [JAPANESE]),
    ],
)
def test_finds_words_inside_text_without_spaces(client, headers, history, query, expected) -> None:
    assert found(client, headers, query) == expected


@pytest.mark.parametrize("query", ["สวดี", "京ケ", "ケーキ 大阪", "matchaz", "สินค้า ケーキ"])
def test_letters_that_are_not_side_by_side_do_not_match(client, headers, history, query) -> None:
    assert found(client, headers, query) == []


def test_edited_text_is_found_by_its_new_and_old_words(client, headers, make) -> None:
    channel = make.channel()
    start = now_millis() - 10_000
    original = text_event("ราคาเท่าไหร่", timestamp=start, source=group_source())
    message_id = original["message"]["id"]
    edit = event(
        "messageEdited",
        source=group_source(),
        timestamp=start + 1000,
        message={"id": message_id, "type": "text", "text": "ส่งฟรีไหมคะ"},
    )
    deliver(client, channel, [original, edit])
    assert found(client, headers, "ส่งฟรี") == ["ส่งฟรีไหมคะ"]
    assert found(client, headers, "ราคา") == ["ส่งฟรีไหมคะ"]  # its earlier text


def test_unsent_messages_stay_findable_for_supervisors(client, headers, make) -> None:
    channel = make.channel()
    original = text_event("電話番号は090です")
    deliver(client, channel, [original])
    deliver(client, channel, [event("unsend", unsend={"messageId": original["message"]["id"]})])
    answer = client.get("/api/history/search", query_string={"q": "電話番号"}, headers=headers)
    (result,) = answer.json["results"]
    assert result["message"]["unsent"] is True and result["message"]["text"] == "電話番号は090です"


def test_file_names_places_and_notes_are_searchable(client, headers, make) -> None:
    channel = make.channel()
    deliver(
        client,
        channel,
        [
            message_event({"type": "file", "fileName": "見積書_2026.pdf", "fileSize": 10}),
            message_event(
                {
                    "type": "location",
                    "title": "ร้านกาแฟสยาม",
                    "address": "Bangkok",
                    "latitude": 13.7,
                    "longitude": 100.5,
                }
            ),
        ],
    )
    assert len(found(client, headers, "見積書")) == 1
    assert len(found(client, headers, "กาแฟ")) == 1
    agent = make.auth_header(Role.AGENT)
    conversation_id = client.get("/api/conversations", headers=agent).json["conversations"][0]["id"]
    client.post(
        f"/api/conversations/{conversation_id}/notes", json={"text": "ลูกค้าVIP"}, headers=agent
    )
    assert found(client, headers, "VIP") == ["ลูกค้าVIP"]


def test_filters_and_paging(client, headers, make) -> None:
    channel, other = make.channel(), make.channel()
    deliver(client, channel, [text_event(f"สั่งเค้ก {n}") for n in range(5)])
    deliver(client, other, [text_event("สั่งเค้กด่วน")])
    assert len(found(client, headers, "เค้ก", channel=other.id)) == 1
    assert found(client, headers, "เค้ก", direction="outgoing") == []
    seen, cursor = [], None
    while True:
        params = {"q": "เค้ก", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/history/search", query_string=params, headers=headers).json
        seen += [item["message"]["text"] for item in page["results"]]
        if not (cursor := page["next_cursor"]):
            break
    assert len(seen) == 6 and len(set(seen)) == 6


def test_agents_do_not_see_history_and_bad_queries_are_explained(
    client, make, headers, history
) -> None:
    assert (
        client.get("/api/history/search?q=test", headers=make.auth_header(Role.AGENT)).status_code
        == 403
    )
    blank = client.get("/api/history/search?q=%20!!", headers=headers)
    assert blank.status_code == 400 and "search" in blank.json["message"]
    assert client.get("/api/history/search?q=x&since=yesterday", headers=headers).status_code == 400


def test_terms_keep_thai_marks_with_their_letters() -> None:
    assert index_terms("ดี") == ["ดี"]
    assert index_terms("Ｈｅｌｌｏ 東京") == ["hello", "東京"]
