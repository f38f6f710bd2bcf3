"""No 500 is reachable by input alone: whatever a client sends to the API or the history and
audit pages, the answer is a 400 naming the field, never a database error (PostgreSQL
included, which refuses NUL and lone UTF-16 halves in text)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from inbox.extensions import db
from inbox.models import Conversation, Message, Role, WebhookEvent
from tests.line_events import body_of, deliver, text_event
from tests.test_admin_users import sign_in

LONE_HALF = r"a lone half \ud83d here"  # as JSON escapes it: valid UTF-8 cannot carry one
NUL = r"nul \u0000 here"


@pytest.fixture
def conversation(client, make) -> Conversation:
    deliver(client, make.channel(), [text_event("สวัสดีค่ะ")])
    return db.session.scalar(sa.select(Conversation))


@pytest.fixture
def agent(make) -> dict[str, str]:
    return make.auth_header(Role.AGENT)


@pytest.fixture
def supervisor(make) -> dict[str, str]:
    return make.auth_header(Role.SUPERVISOR)


def refused(answer, field: str) -> None:
    """A 400 in the API's error format whose message names the field."""
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.json["status"] == 400 and field in answer.json["message"]


def post_raw(client, path: str, body: str, headers: dict[str, str]):
    return client.post(path, data=body, content_type="application/json", headers=headers)


@pytest.mark.parametrize("text", [LONE_HALF, NUL])
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("notes", '{"text": "%s"}', "text"),
        ("messages", '{"text": "%s"}', "text"),
        ("messages", '{"texts": ["fine", "%s"]}', "texts"),
    ],
)
def test_unstorable_text_in_a_body_is_400(
    client, agent, conversation, text, path, body, field
) -> None:
    answer = post_raw(client, f"/api/conversations/{conversation.id}/{path}", body % text, agent)
    refused(answer, field)
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 1  # only the customer's


@pytest.mark.parametrize(
    "path", ["/api/history/search", "/api/history/export", "/api/conversations"]
)
def test_nul_in_a_search_is_400(client, supervisor, path) -> None:
    refused(client.get(path, query_string={"q": "ab\x00cd"}, headers=supervisor), "q")


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/audit", {"since": "0001-01-01T00:00:00+14:00"}, "since"),
        ("/api/audit", {"until": "9999-12-31T23:59:59-14:00"}, "until"),
        ("/api/audit", {"since": "2026-13-45T00:00:00Z"}, "since"),
        ("/api/audit", {"target_id": "x\x00"}, "target_id"),
        ("/api/history/search", {"q": "x", "since": "0001-01-01T00:00:00+14:00"}, "since"),
        ("/api/history/export", {"q": "x", "until": "9999-12-31T23:59:59-14:00"}, "until"),
        ("/api/history/search", {"q": "x", "type": "te\x00xt"}, "type"),
    ],
)
def test_out_of_range_dates_and_bad_filters_are_400(
    client, supervisor, path, params, field
) -> None:
    refused(client.get(path, query_string=params, headers=supervisor), field)


@pytest.mark.parametrize(
    ("params", "status", "explained"),
    [
        ({"from": "0001-01-01"}, 400, "from must be"),  # midnight in Tokyo is year 0 in UTC
        ({"from": "garbage"}, 400, "from must be"),
        ({"to": "x\x00"}, 400, "to contains"),
        ({"from": "9999-12-31", "to": "9999-12-31"}, 200, ""),  # to the end of time: no bound
    ],
)
def test_the_audit_page_explains_dates_it_cannot_use(
    client, make, params, status, explained
) -> None:
    supervisor = make.user(Role.SUPERVISOR, timezone="Asia/Tokyo")
    assert sign_in(client, supervisor.email).status_code == 302
    answer = client.get("/audit", query_string=params)
    assert answer.status_code == status and explained in answer.get_data(as_text=True)


def test_an_export_the_database_refuses_is_an_error_not_a_cut_file(client, supervisor) -> None:
    def refuse(conn, cursor, statement, *args) -> None:
        if "FROM messages" in statement:
            raise OperationalError(statement, {}, Exception("canceling statement"))

    sa.event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        answer = client.get(
            "/api/history/export", query_string={"q": "x", "format": "csv"}, headers=supervisor
        )
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", refuse)
    assert answer.status_code == 503 and answer.json["status"] == 503


def test_the_history_page_takes_any_address(client, make) -> None:
    assert sign_in(client, make.user(Role.SUPERVISOR).email).status_code == 302
    params = {"q": "x" * 10_000, "since": "0001-01-01T00:00:00+14:00", "channel": "x"}
    assert client.get("/history", query_string=params).status_code == 200
    assert client.get("/history", query_string={"q": "a\x00"}).status_code == 400


@pytest.mark.parametrize("word", ["x" + "a" * 9_999, "กขค" + "a" * 10_000], ids=["latin", "mixed"])
def test_a_ten_thousand_letter_word_is_searched_not_a_database_error(
    client, supervisor, make, word
) -> None:
    deliver(client, make.channel(), [text_event(f"see {word} there"), text_event("other")])
    found = client.get("/api/history/search", query_string={"q": word}, headers=supervisor)
    assert found.status_code == 200
    assert [hit["message"]["text"] for hit in found.json["results"]] == [f"see {word} there"]
    export = client.get(
        "/api/history/export", query_string={"q": word, "format": "csv"}, headers=supervisor
    )
    assert export.status_code == 200 and export.get_data(as_text=True).count("see ") == 1


def test_a_ten_thousand_letter_thai_run_is_no_database_error(client, supervisor, make) -> None:
    # Only the answers are checked: PostgreSQL keeps 256 positions per lexeme, so a phrase
    # repeating one pair of letters thousands of times cannot be matched there.
    run = "กข" * 5_000
    deliver(client, make.channel(), [text_event(f"see {run} there")])
    for path in ("/api/history/search", "/api/history/export"):
        assert client.get(path, query_string={"q": run}, headers=supervisor).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"assignee_id": True}, "assignee_id"),
        ({"assignee_id": "3"}, "assignee_id"),
        ({"assignee_id": 1.5}, "assignee_id"),
        ({"assignee_id": 10**30}, "assignee_id"),
        ({"status": ["open"]}, "status"),
        ({"status": {"a": 1}}, "status"),
    ],
)
def test_json_types_are_checked_on_update(client, agent, conversation, body, field) -> None:
    answer = client.patch(f"/api/conversations/{conversation.id}", json=body, headers=agent)
    refused(answer, field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": True}, "text"),
        ({"texts": "one"}, "texts"),
        ({"texts": [1]}, "texts"),
        ({"text": "hi", "mode": ["push"]}, "mode"),
        ({"text": "hi", "mode": True}, "mode"),
    ],
)
def test_json_types_are_checked_on_send(client, agent, conversation, body, field) -> None:
    answer = client.post(f"/api/conversations/{conversation.id}/messages", json=body, headers=agent)
    refused(answer, field)


@pytest.mark.parametrize("body", [{"text": 5}, {"text": None}, {"text": ["a"]}])
def test_json_types_are_checked_on_notes(client, agent, conversation, body) -> None:
    refused(
        client.post(f"/api/conversations/{conversation.id}/notes", json=body, headers=agent),
        "text",
    )


def test_a_webhook_event_id_with_a_lone_half_is_stored(client, make) -> None:
    event = text_event("hello")
    event["webhookEventId"] = "01H\ud83dLONE"
    answer = deliver(client, make.channel(), [event])
    assert answer.status_code == 200 and answer.json["stored"] == 1
    stored = db.session.scalar(sa.select(WebhookEvent))
    assert stored.webhook_event_id == "01H\ufffdLONE"
    assert deliver(client, make.channel(), [event]).status_code == 200


# Found by tests/test_api_fuzz.py: each of these was a 500.


@pytest.mark.parametrize(
    "path",
    [
        "/api/conversations/{huge}",
        "/api/conversations/{huge}/messages",
        "/api/conversations/{huge}/composer",
        "/api/admin/channels/{huge}/health",
    ],
)
@pytest.mark.parametrize("huge", [2**31, 2**63])  # past PostgreSQL's INTEGER; past SQLite's
def test_an_id_no_row_can_have_in_a_path_is_404(client, make, path, huge) -> None:
    answer = client.get(path.format(huge=huge), headers=make.auth_header(Role.ADMIN))
    assert answer.status_code == 404 and answer.json["status"] == 404


def test_an_id_no_row_can_have_is_404_for_every_method(client, make) -> None:
    agent = make.auth_header(Role.AGENT)
    answer = client.patch(f"/api/conversations/{2**70}", json={"status": "open"}, headers=agent)
    assert answer.status_code == 404
    assert client.post(f"/api/messages/{2**31}/retry", headers=agent).status_code == 404


def test_an_assignee_id_no_row_can_have_is_400(client, agent, conversation) -> None:
    path = f"/api/conversations/{conversation.id}"
    answer = client.patch(path, json={"assignee_id": 2**40}, headers=agent)
    refused(answer, "assignee_id")


def test_exporting_a_channel_that_does_not_exist_is_an_empty_export(client, supervisor) -> None:
    params = {"q": "x", "channel": "1941721084", "format": "csv"}
    answer = client.get("/api/history/export", query_string=params, headers=supervisor)
    assert answer.status_code == 200
    assert answer.get_data(as_text=True).count("\n") == 1  # the header row alone


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/conversations", {"limit": "²"}, "limit"),  # a digit to str.isdigit, not int()
        ("/api/conversations", {"channel": "²"}, "channel"),
        ("/api/conversations", {"channel": str(2**64)}, "channel"),
        ("/api/conversations", {"channel": str(2**31)}, "channel"),
        ("/api/conversations", {"assignee": str(2**40)}, "assignee"),
        ("/api/history/search", {"q": "x", "channel": str(10**30)}, "channel"),
        ("/api/history/search", {"q": "x", "agent": "๒"}, "agent"),
        ("/api/history/export", {"conversation": str(2**32)}, "conversation"),
        ("/api/audit", {"channel": str(2**31)}, "channel"),
        ("/api/audit", {"actor": "²"}, "actor"),
    ],
)
def test_numbers_no_row_can_have_are_400(client, supervisor, path, params, field) -> None:
    refused(client.get(path, query_string=params, headers=supervisor), field)


def test_a_thread_around_a_number_no_message_can_have_is_404(client, agent, conversation) -> None:
    path = f"/api/conversations/{conversation.id}/messages"
    for around in ("²", str(2**31), str(2**64)):
        answer = client.get(path, query_string={"around": around}, headers=agent)
        assert answer.status_code == 404


@pytest.mark.parametrize("text", ["plain", r"\ud83d"])  # a lone half is made storable recursively
def test_a_webhook_body_nested_hundreds_deep_is_400_and_stores_nothing(client, make, text) -> None:
    event = text_event("hello")
    event["message"]["mention"] = "DEEP"
    deep = '{"deeper": [' * 300 + f'"{text}"' + "]}" * 300  # json.loads takes it; 600 levels
    raw = body_of([event]).replace(b'"DEEP"', deep.encode())
    answer = deliver(client, make.channel(), raw=raw)
    assert answer.status_code == 400 and "deep" in answer.json["message"]
    assert db.session.scalar(sa.select(sa.func.count(WebhookEvent.id))) == 0


def test_a_webhook_event_with_a_long_unknown_mode_is_stored_whole(client, make) -> None:
    event = text_event("hello", mode="'; DROP TABLE webhook_events; --")  # the column holds 16
    assert deliver(client, make.channel(), [event]).status_code == 200
    stored = db.session.scalar(sa.select(WebhookEvent))
    assert stored.payload["mode"] == event["mode"] and stored.mode == event["mode"][:16]


def test_a_webhook_body_with_a_destination_no_bot_has_is_400(client, make) -> None:
    answer = deliver(client, make.channel(), raw=body_of([text_event("hi")], "U" * 65))
    assert answer.status_code == 400 and "destination" in answer.json["message"]
    assert db.session.scalar(sa.select(sa.func.count(WebhookEvent.id))) == 0
