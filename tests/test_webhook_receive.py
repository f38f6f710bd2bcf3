"""POST /webhooks/line/<channel_id>: verification, shape checks, exactly-once storage."""

from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from inbox.extensions import db
from inbox.ingest import drain
from inbox.models import EventState, Message, WebhookEvent
from inbox.webhooks.receivers import receivers
from inbox.webhooks.signature import sign, signature_is_valid
from tests.line_events import body_of, deliver, event, text_event


def stored_events() -> list[WebhookEvent]:
    return list(db.session.scalars(sa.select(WebhookEvent).order_by(WebhookEvent.id)))


def test_signature_matches_line_sdk_vector() -> None:
    assert (
        sign("channel_secret", b"bodybodybodybody")
        == "/gg9a+LvFevTH1sd7XCQycD7tsWclCsInj7MhBHxN7k="
    )


@pytest.mark.parametrize(
    "header", [None, "", "not base64 at all", "/gg9a+LvFevTH1sd7XCQycD7tsWclCsInj7MhBHxN7k=", "é"]
)
def test_signature_rejects_wrong_or_missing_headers(header: str | None) -> None:
    assert not signature_is_valid("another_secret", b"bodybodybodybody", header)


def test_signed_text_message_is_stored_and_threaded(client, make) -> None:
    channel = make.channel()
    response = deliver(client, channel, [text_event("สวัสดีครับ ขอสอบถามเรื่องสินค้า")])
    assert response.status_code == 200
    assert response.json == {"received": 1, "stored": 1, "duplicates": 0}
    (row,) = stored_events()
    assert row.state is EventState.PROCESSED and row.payload["type"] == "message"
    message = db.session.scalar(sa.select(Message))
    assert message.text == "สวัสดีครับ ขอสอบถามเรื่องสินค้า"


@pytest.mark.parametrize(
    ("signature_kind", "expected"),
    [("missing", 401), ("garbage", 401), ("other-channel", 401), ("tampered-body", 401)],
)
def test_bad_signatures_are_refused_and_nothing_is_stored(
    client, make, signature_kind: str, expected: int
) -> None:
    channel, other = make.channel(), make.channel()
    body = body_of([text_event("hello")])
    signature = {
        "missing": "",
        "garbage": "c2lnbmF0dXJl",
        "other-channel": sign(other.secret, body),
        "tampered-body": sign(channel.secret, body + b" "),
    }[signature_kind]
    response = deliver(client, channel, raw=body, signature=signature)
    assert response.status_code == expected
    assert response.json["error"] == "Unauthorized"
    assert "X-Line-Signature" in response.json["message"]
    assert stored_events() == []


def test_unknown_channel_is_404_with_json(client, make) -> None:
    channel = make.channel()
    response = client.post(
        "/webhooks/line/999", data=b"{}", headers={"X-Line-Signature": sign(channel.secret, b"{}")}
    )
    assert response.status_code == 404
    assert "999" in response.json["message"]


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[]", "JSON object"),
        (b'{"destination": "U1"}', "'events'"),
        (b'{"events": []}', "'destination'"),
        (b'{"destination": "U1", "events": {}}', "'events'"),
        (b'{"destination": "U1", "events": ["x"]}', "events[0] must be an object"),
        (
            json.dumps(
                {"destination": "U1", "events": [{**event("follow"), "webhookEventId": None}]}
            ),
            "events[0].webhookEventId is missing",
        ),
        (
            json.dumps({"destination": "U1", "events": [{**event("follow"), "timestamp": "soon"}]}),
            "events[0].timestamp must be an integer",
        ),
        (
            json.dumps(
                {"destination": "U1", "events": [{**event("follow"), "deliveryContext": {}}]}
            ),
            "isRedelivery",
        ),
        (
            json.dumps({"destination": "U1", "events": [event("follow"), {"type": "x"}]}),
            "events[1].timestamp is missing",
        ),
    ],
)
def test_bodies_not_shaped_like_line_are_400_and_store_nothing(
    client, make, raw: bytes | str, complaint: str
) -> None:
    channel = make.channel()
    body = raw.encode() if isinstance(raw, str) else raw
    response = deliver(client, channel, raw=body)
    assert response.status_code == 400
    assert complaint in response.json["message"]
    assert stored_events() == []


def test_oversized_body_is_413_and_stores_nothing(client, make, app) -> None:
    channel = make.channel()
    big = body_of([text_event("x" * (app.config["WEBHOOK_MAX_BYTES"] + 10))])
    response = deliver(client, channel, raw=big)
    assert response.status_code == 413
    assert response.is_json
    assert stored_events() == []


def test_verify_button_empty_events_is_200(client, make) -> None:
    channel = make.channel()
    response = deliver(client, channel, [])
    assert response.status_code == 200
    assert response.json["received"] == 0
    assert stored_events() == []
    assert channel.bot_user_id is not None  # learnt from `destination`


def test_same_post_twice_and_redelivery_change_nothing(client, make) -> None:
    channel = make.channel()
    original = text_event("ただいま在庫はありますか？")
    assert deliver(client, channel, [original]).json["stored"] == 1
    again = deliver(client, channel, [original])
    redelivered = {**original, "deliveryContext": {"isRedelivery": True}}
    third = deliver(client, channel, [redelivered])
    assert again.status_code == third.status_code == 200
    assert again.json["duplicates"] == third.json["duplicates"] == 1
    assert len(stored_events()) == 1
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 1


def test_duplicate_ids_inside_one_body_store_once(client, make) -> None:
    channel = make.channel()
    item = text_event("hello")
    response = deliver(client, channel, [item, item])
    assert response.json == {"received": 2, "stored": 1, "duplicates": 1}


def test_same_event_id_on_two_channels_is_two_events(client, make) -> None:
    first, second = make.channel(), make.channel()
    item = text_event("hello")
    deliver(client, first, [item])
    deliver(client, second, [{**item, "message": {**item["message"]}}])
    assert len(stored_events()) == 2


def test_concurrent_identical_posts_store_exactly_once(app, make) -> None:
    channel = make.channel()
    items = [text_event(f"concurrent {n}") for n in range(5)]
    body = body_of(items)
    signature = sign(channel.secret, body)
    path = channel.webhook_path  # read here: the threads have no application context
    statuses: list[int] = []

    def post() -> None:
        response = app.test_client().post(path, data=body, headers={"X-Line-Signature": signature})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 4
    drain()
    assert len(stored_events()) == 5
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 5


def test_database_down_before_commit_is_503_so_line_redelivers(client, make) -> None:
    channel = make.channel()

    def refuse(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO WEBHOOK_EVENTS"):
            raise OperationalError(statement, {}, Exception("connection reset"))

    sa.event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        response = deliver(client, channel, [text_event("lost?")])
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", refuse)
    assert response.status_code == 503
    assert "redeliver" in response.json["message"]
    assert stored_events() == []
    # LINE's redelivery of the same event then lands normally.
    assert deliver(client, channel, [text_event("retry")]).status_code == 200


def test_the_request_only_stores_the_events_raw(client, make) -> None:
    channel = make.channel()
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement.split()[0].upper())

    for _ in range(2):  # LINE's Verify: the bot's id is learnt, then the channel is cached
        deliver(client, channel, [])
    body = body_of([text_event(f"เร็ว {n}") for n in range(100)])
    headers = {"X-Line-Signature": sign(channel.secret, body)}
    path = channel.webhook_path
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.post(path, data=body, headers=headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200 and response.json["stored"] == 100
    assert statements == ["INSERT"]  # one multi-row insert; no lookup, no derivation
    assert {row.state for row in stored_events()} == {EventState.RECEIVED}  # raw, safe
    assert drain().processed == 100
    texts = db.session.scalars(sa.select(Message.text).order_by(Message.id)).all()
    assert texts == [f"เร็ว {n}" for n in range(100)]


def test_database_down_at_the_channel_lookup_is_503(client, make) -> None:
    channel = make.channel()

    def refuse(conn, cursor, statement, *args) -> None:
        raise OperationalError(statement, {}, Exception("could not connect to server"))

    body = body_of([text_event("outage")])
    headers = {"X-Line-Signature": sign(channel.secret, body)}
    path = channel.webhook_path
    receivers.clear()
    sa.event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        response = client.post(path, data=body, headers=headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", refuse)
    assert response.status_code == 503 and "redeliver" in response.json["message"]


def test_a_changed_secret_applies_to_the_next_webhook(client, make) -> None:
    channel = make.channel()
    assert deliver(client, channel, [text_event("before")]).status_code == 200
    old_secret, channel.secret = channel.secret, "a" * 32
    db.session.commit()
    assert deliver(client, channel, [text_event("new")]).status_code == 200
    assert deliver(client, channel, [text_event("old")], secret=old_secret).status_code == 401


def test_text_a_database_cannot_store_is_kept_and_never_blocks_its_neighbours(client, make) -> None:
    channel = make.channel()
    # Built in order: the worker derives by LINE's timestamp, which may tick between them.
    events = [
        text_event(text) for text in ("before", "nul\u0000 and a lone half \ud83d here", "after")
    ]
    body = body_of(events)
    response = deliver(client, channel, raw=body)
    assert response.status_code == 200 and response.json["stored"] == 3
    texts = db.session.scalars(sa.select(Message.text).order_by(Message.id)).all()
    assert texts == ["before", "nul\ufffd and a lone half \ufffd here", "after"]
    kept = db.session.scalar(sa.select(WebhookEvent).where(WebhookEvent.original_json.is_not(None)))
    assert (
        json.loads(kept.original_json)["message"]["text"] == "nul\u0000 and a lone half \ud83d here"
    )


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b'{"destination": "U1", "events": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested"),
        (b'{"destination": "U1", "events": [], "n": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b'{"destination": "U1", "events": [], "n": NaN}', "not valid JSON"),
    ],
)
def test_hostile_json_is_400(client, make, body: bytes, complaint: str) -> None:
    response = deliver(client, make.channel(), raw=body)
    assert response.status_code == 400 and complaint in response.json["message"]


@pytest.mark.parametrize("timestamp", [-1, 10**18])
def test_a_timestamp_out_of_range_is_400(client, make, timestamp: int) -> None:
    response = deliver(client, make.channel(), [event("follow", timestamp=timestamp)])
    assert response.status_code == 400 and "timestamp" in response.json["message"]
