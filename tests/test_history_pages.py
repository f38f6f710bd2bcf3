"""The History area: hits marked where the query matched (Thai and Japanese included), each
with its neighbours; filters by conversation, agent and status; transcripts opened at a hit;
and the pages themselves, for supervisors only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from inbox.extensions import db
from inbox.history.highlight import hit_spans, utf16_spans
from inbox.models import Conversation, Message, Role
from tests.line_events import deliver, group_source, now_millis, text_event


@pytest.fixture
def supervisor(make) -> dict[str, str]:
    return make.auth_header(Role.SUPERVISOR)


def search(client, headers, **params) -> dict:
    answer = client.get("/api/history/search", query_string=params, headers=headers)
    assert answer.status_code == 200, answer.json
    return answer.json


def marked(text: str, spans: list[list[int]] | list[tuple[int, int]]) -> list[str]:
    return [text[start:end] for start, end in spans]


@pytest.mark.parametrize(
    ("text", "query", "hits"),
    [
        ("สวัสดีค่ะ ขนมชิ้นนี้ราคาเท่าไหร่คะ", "ราคา", ["ราคา"]),
        ("東京都のケーキ屋さん、東京駅の近く", "東京", ["東京", "東京"]),
        ("ケーキを予約したい", "ｹｰｷ", ["ケーキ"]),  # half-width query, full-width text
        ("ＬＩＮＥ and Line", "line", ["ＬＩＮＥ", "Line"]),
        ("Matcha roll, matchamatcha", "mat roll", ["Mat", "roll", "mat"]),  # the typed letters
        ("overmatch", "match", []),  # a word typed so far matches word beginnings only
    ],
)
def test_hits_are_the_matched_letters_of_the_original_text(text, query, hits) -> None:
    assert marked(text, hit_spans(text, query)) == hits


def test_spans_count_utf16_units_for_the_browser() -> None:
    text = "🍰 ケーキ"  # the cake is two UTF-16 units
    assert utf16_spans(text, hit_spans(text, "ケーキ")) == [(3, 6)]


def test_a_hit_comes_with_where_it_matched_and_its_neighbours(client, make, supervisor) -> None:
    channel = make.channel()
    start = now_millis() - 60_000
    texts = ["สวัสดีค่ะ", "ขนมชิ้นนี้ราคาเท่าไหร่คะ", "今日届きますか"]
    deliver(
        client,
        channel,
        [text_event(text, timestamp=start + n * 1000) for n, text in enumerate(texts)],
    )
    (result,) = search(client, supervisor, q="ราคา")["results"]
    assert marked(result["message"]["text"], result["highlights"]) == ["ราคา"]
    assert result["context"]["before"]["text"] == "สวัสดีค่ะ"
    assert result["context"]["after"]["text"] == "今日届きますか"


def test_filters_by_conversation_agent_and_status(client, make, supervisor) -> None:
    channel = make.channel()
    deliver(client, channel, [text_event("ขอใบเสร็จค่ะ")])
    deliver(client, channel, [text_event("ขอใบเสร็จด้วย", source=group_source())])
    one, group = db.session.scalars(sa.select(Conversation).order_by(Conversation.id)).all()
    agent = make.user(Role.AGENT)
    headers = {"Authorization": f"Bearer {make.token(agent)}"}
    note = client.post(
        f"/api/conversations/{group.id}/notes", json={"text": "ส่งใบเสร็จแล้ว"}, headers=headers
    )
    assert note.status_code == 201
    client.patch(f"/api/conversations/{one.id}", json={"status": "resolved"}, headers=headers)

    texts = lambda **filters: sorted(  # noqa: E731
        item["message"]["text"] for item in search(client, supervisor, **filters)["results"]
    )
    assert texts(q="ใบเสร็จ", conversation=group.id) == ["ขอใบเสร็จด้วย", "ส่งใบเสร็จแล้ว"]
    assert texts(q="ใบเสร็จ", agent=agent.id) == ["ส่งใบเสร็จแล้ว"]
    assert texts(q="ใบเสร็จ", status="resolved") == ["ขอใบเสร็จค่ะ"]
    # Without words, the filters alone choose: everything this agent wrote.
    assert texts(agent=agent.id) == ["ส่งใบเสร็จแล้ว"]
    for bad in ({"agent": "me"}, {"status": "closed"}, {"q": "  "}, {}):
        answer = client.get("/api/history/search", query_string=bad, headers=supervisor)
        assert answer.status_code == 400 and answer.json["message"], bad


def test_a_transcript_opens_around_a_message(client, make, supervisor) -> None:
    channel = make.channel()
    start = now_millis() - 600_000
    deliver(
        client,
        channel,
        [text_event(f"ข้อความ {n}", timestamp=start + n * 1000) for n in range(30)],
    )
    conversation = db.session.scalar(sa.select(Conversation))
    target = db.session.scalar(sa.select(Message).where(Message.text == "ข้อความ 15"))
    url = f"/api/conversations/{conversation.id}/messages"
    page = client.get(url, query_string={"around": target.id, "limit": 9}, headers=supervisor).json
    texts = [message["text"] for message in page["messages"]]
    assert texts == [f"ข้อความ {n}" for n in range(12, 21)]  # a third before, the rest after
    assert page["older_cursor"] and page["has_newer"]
    later = client.get(url, query_string={"after": page["newer_cursor"]}, headers=supervisor).json
    assert [m["text"] for m in later["messages"]] == [f"ข้อความ {n}" for n in range(21, 30)]
    other = make.channel()
    deliver(client, other, [text_event("อื่น", source=group_source())])
    stranger = db.session.scalar(sa.select(Message).where(Message.text == "อื่น"))
    assert (
        client.get(url, query_string={"around": stranger.id}, headers=supervisor).status_code == 404
    )
    both = client.get(url, query_string={"around": target.id, "after": "x"}, headers=supervisor)
    assert both.status_code == 400


def test_pages_are_for_supervisors_and_escape_what_users_wrote(client, make, supervisor) -> None:
    channel = make.channel(name="<b>ร้านขนม</b>")
    deliver(client, channel, [text_event("<script>alert(1)</script>")])
    conversation = db.session.scalar(sa.select(Conversation))
    search_page = client.get("/history?q=script", headers=supervisor)
    assert search_page.status_code == 200
    assert b"<b>" not in search_page.data and "&lt;b&gt;ร้านขนม".encode() in search_page.data
    transcript = client.get(f"/history/conversations/{conversation.id}", headers=supervisor)
    assert transcript.status_code == 200
    assert b"<script>alert" not in transcript.data
    assert f"conversation={conversation.id}&amp;format=csv".encode() in transcript.data
    assert client.get("/history/conversations/999999", headers=supervisor).status_code == 404
    agent = make.auth_header(Role.AGENT)
    assert client.get("/history", headers=agent).status_code == 403
    assert client.get(f"/history/conversations/{conversation.id}", headers=agent).status_code == 403
