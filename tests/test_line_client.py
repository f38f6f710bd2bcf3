"""The LINE client's rules, against a scripted server on a real socket: error mapping,
retries, retry keys, timeouts, pacing, and the call log."""

from __future__ import annotations

import socket
import uuid

import pytest
import requests
import sqlalchemy as sa

from inbox.channels import flush_call_log, line_client
from inbox.extensions import db
from inbox.line import line_platform
from inbox.line.client import LineClient
from inbox.line.errors import (
    LineBadRequest,
    LineForbidden,
    LineInvalidReplyToken,
    LineNotFound,
    LineQuotaExceeded,
    LineRateLimited,
    LineServerError,
    LineUnauthorized,
    LineUnavailable,
    RateLimitWaitTooLong,
)
from inbox.line.ratelimit import LocalRateLimiter, WaitTooLong
from inbox.line.transport import CallRecord, RetryPolicy, Transport
from inbox.models import LineApiCall
from tests.line_stub import LineStub, Reply

SENT = {"sentMessages": [{"id": "100", "quoteToken": "qt"}]}
TEXT = [{"type": "text", "text": "สวัสดีค่ะ"}]


@pytest.fixture
def stub():
    server = LineStub()
    yield server
    server.close()


class Harness:
    def __init__(self, stub: LineStub, **transport_options) -> None:
        self.records: list[CallRecord] = []
        self.sleeps: list[float] = []
        self.session = requests.Session()
        self.transport = Transport(
            session=self.session,
            limiter=LocalRateLimiter(),
            rate_key="test",
            per_minute=1_000_000,
            recorder=self.records.append,
            sleep=self.sleeps.append,
            **transport_options,
        )
        self.client = LineClient(
            self.transport,
            access_token="tok",
            api_base_url=stub.base_url + "/api",
            data_base_url=stub.base_url + "/data",
        )


@pytest.fixture
def line(stub):
    harness = Harness(stub, timeout=(1.0, 0.5))
    yield harness
    harness.session.close()


ERROR_CASES = [
    (
        400,
        {
            "message": "The request body has 1 error(s)",
            "details": [{"message": "May not be empty", "property": "messages[0].text"}],
        },
        LineBadRequest,
    ),
    (400, {"message": "Invalid reply token"}, LineInvalidReplyToken),
    (
        401,
        {"message": "Authentication failed due to the following reason: invalid token."},
        LineUnauthorized,
    ),
    (403, {"message": "Access to this API is not available for your account"}, LineForbidden),
    (404, {"message": "Not found"}, LineNotFound),
    (429, {"message": "You have reached your monthly limit."}, LineQuotaExceeded),
]


@pytest.mark.parametrize(("status", "body", "error_class"), ERROR_CASES)
def test_errors_map_to_classes_with_request_id_and_details(
    stub, line, status, body, error_class
) -> None:
    stub.script(Reply(status, body))
    with pytest.raises(error_class) as raised:
        line.client.profile("U1")
    error = raised.value
    assert type(error) is error_class
    assert error.status == status and error.request_id == "req-1"
    assert error.message == body["message"]
    assert error.details == body.get("details", [])
    assert str(error.explanation)  # something a person can act on
    assert "req-1" in str(error)
    assert len(stub.seen) == 1  # none of these is retried


def test_server_errors_are_retried_with_backoff_then_succeed(stub, line) -> None:
    stub.script(
        Reply(500, {"message": "Internal error"}),
        Reply(502, b"<html>bad gateway"),
        Reply(200, {"displayName": "Somchai", "userId": "U1"}),
    )
    assert line.client.profile("U1")["displayName"] == "Somchai"
    assert [record.status for record in line.records] == [500, 502, 200]
    assert [record.attempt for record in line.records] == [1, 2, 3]
    assert len(line.sleeps) == 2 and 0 < line.sleeps[0] <= line.sleeps[1] * 2


def test_server_errors_exhaust_retries_and_say_so(stub, line) -> None:
    stub.script(*[Reply(503, {"message": "Service unavailable"})] * 4)
    with pytest.raises(LineServerError) as raised:
        line.client.bot_info()
    assert raised.value.request_id == "req-4" and len(stub.seen) == 4


def test_rate_limited_429_honours_retry_after(stub, line) -> None:
    stub.script(
        Reply(
            429,
            {"message": "The API rate limit has been exceeded. Try again later."},
            {"Retry-After": "7"},
        ),
        Reply(200, {"count": 3}),
    )
    assert line.client.member_count("group", "C1") == 3
    assert line.sleeps == [7.0]


def test_rate_limited_429_gives_up_after_the_attempts(stub, line) -> None:
    stub.script(*[Reply(429, {"message": "The API rate limit has been exceeded."})] * 4)
    with pytest.raises(LineRateLimited):
        line.client.profile("U1")
    assert len(stub.seen) == 4


def test_push_always_carries_one_retry_key_across_retries(stub, line) -> None:
    key = str(uuid.uuid4())
    stub.script(Reply(500, {"message": "oops"}), Reply(200, SENT))
    result = line.client.push("U1", TEXT, retry_key=key)
    keys = [seen.headers["X-Line-Retry-Key"] for seen in stub.seen]
    assert keys == [key, key]
    assert result.sent_messages == SENT["sentMessages"] and result.request_id == "req-2"
    assert stub.seen[0].json() == {"to": "U1", "messages": TEXT, "notificationDisabled": False}


def test_push_generates_a_retry_key_when_none_given(stub, line) -> None:
    stub.script(Reply(200, SENT))
    result = line.client.push("U1", TEXT)
    assert uuid.UUID(stub.seen[0].headers["X-Line-Retry-Key"]) and result.retry_key


def test_push_409_for_an_accepted_key_counts_as_sent(stub, line) -> None:
    stub.script(
        Reply(503, {"message": "upstream timeout"}),
        Reply(
            409,
            {"message": "The retry key is already accepted", **SENT},
            {"X-Line-Accepted-Request-Id": "req-original"},
        ),
    )
    result = line.client.push("U1", TEXT, retry_key=str(uuid.uuid4()))
    assert result.already_accepted and result.sent_messages == SENT["sentMessages"]
    assert line.records[-1].accepted_request_id == "req-original"


def test_push_read_timeout_is_retried_with_the_same_key(stub, line) -> None:
    stub.script(Reply(200, SENT, delay=1.0), Reply(200, SENT))
    line.client.push("U1", TEXT, retry_key="5a0c3b0e-8f3c-4c8b-9d0e-2c1f2b3a4d5e")
    assert len({seen.headers["X-Line-Retry-Key"] for seen in stub.seen}) == 1
    assert line.records[0].status is None and "timed out" in line.records[0].error.lower()


@pytest.mark.parametrize(
    "reply", [Reply(500, {"message": "oops"}), Reply(200, SENT, delay=1.0), Reply(drop=True)]
)
def test_reply_is_never_retried_once_line_may_have_used_the_token(stub, line, reply) -> None:
    stub.script(reply, Reply(200, SENT))
    with pytest.raises((LineServerError, LineUnavailable)):
        line.client.reply("token", TEXT)
    assert len(stub.seen) == 1
    assert "X-Line-Retry-Key" not in stub.seen[0].headers


def test_reply_is_retried_after_429_which_line_refuses_before_processing(stub, line) -> None:
    stub.script(Reply(429, {"message": "The API rate limit has been exceeded."}), Reply(200, SENT))
    assert line.client.reply("token", TEXT).sent_messages == SENT["sentMessages"]
    assert len(stub.seen) == 2


def test_reply_is_retried_when_the_connection_was_never_made(stub) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    harness = Harness(stub)
    harness.client = LineClient(
        harness.transport,
        access_token="t",
        api_base_url=f"http://127.0.0.1:{closed_port}",
        data_base_url="",
    )
    with pytest.raises(LineUnavailable) as raised:
        harness.client.reply("token", TEXT)
    assert "connect" in raised.value.message.lower()
    assert [record.status for record in harness.records] == [None] * 4
    harness.session.close()


def test_bearer_token_paths_and_bodies_follow_the_spec(stub, line) -> None:
    stub.script(
        Reply(200, {"memberIds": ["U1", "U2"], "next": "page2"}),
        Reply(200, {"memberIds": ["U3"]}),
        Reply(202, {}),
        Reply(200, {}),
        Reply(200, {"status": "processing"}),
    )
    assert list(line.client.member_ids("room", "R1")) == ["U1", "U2", "U3"]
    line.client.show_loading_animation("U1", 20)
    line.client.mark_as_read("mark-token")
    assert line.client.content_transcoding("42") == "processing"
    assert [(seen.method, seen.path) for seen in stub.seen] == [
        ("GET", "/api/v2/bot/room/R1/members/ids"),
        ("GET", "/api/v2/bot/room/R1/members/ids?start=page2"),
        ("POST", "/api/v2/bot/chat/loading/start"),
        ("POST", "/api/v2/bot/chat/markAsRead"),
        ("GET", "/data/v2/bot/message/42/content/transcoding"),
    ]
    assert all(seen.headers["Authorization"] == "Bearer tok" for seen in stub.seen)
    assert stub.seen[2].json() == {"chatId": "U1", "loadingSeconds": 20}


def test_token_endpoints_are_form_encoded_without_bearer(stub, line) -> None:
    stub.script(
        Reply(400, {"error": "invalid_request", "error_description": "access token expired"})
    )
    with pytest.raises(LineBadRequest) as raised:
        line.client.verify_access_token("old-token")
    assert raised.value.message == "access token expired"
    assert stub.seen[0].body == b"access_token=old-token"
    assert "Authorization" not in stub.seen[0].headers


def test_ids_are_escaped_into_the_path(stub, line) -> None:
    line.client.profile("U1/../../admin")
    assert stub.seen[0].path == "/api/v2/bot/profile/U1%2F..%2F..%2Fadmin"


def test_local_limiter_spaces_slots_evenly_and_bounds_the_wait() -> None:
    now = [100.0]
    limiter = LocalRateLimiter(clock=lambda: now[0])
    waits = [limiter.reserve("ch", 1000, max_wait=0.2) for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.06, 0.12, 0.18])
    with pytest.raises(WaitTooLong):
        limiter.reserve("ch", 1000, max_wait=0.2)
    assert limiter.reserve("other-channel", 1000, max_wait=0.2) == 0.0
    now[0] += 10
    assert limiter.reserve("ch", 1000, max_wait=0.2) == 0.0


def test_caller_is_told_when_the_wait_for_a_slot_is_too_long(stub) -> None:
    harness = Harness(stub, max_wait=0.5)
    harness.transport.per_minute = 1  # one request a minute
    harness.client.bot_info()
    with pytest.raises(RateLimitWaitTooLong) as raised:
        harness.client.bot_info()
    assert "rate limit" in raised.value.message and len(stub.seen) == 1
    harness.session.close()


def test_line_client_for_a_channel_logs_every_call(app, make, stub) -> None:
    app.config.update(LINE_API_BASE_URL=stub.base_url, LINE_DATA_API_BASE_URL=stub.base_url)
    channel = make.channel(access_token="channel-token")
    stub.script(Reply(500, {"message": "busy"}), Reply(200, {"userId": "U1", "displayName": "A"}))
    try:
        line_client(channel).profile("U1")
    finally:
        line_platform().close()
    flush_call_log()
    calls = db.session.scalars(sa.select(LineApiCall).order_by(LineApiCall.id)).all()
    assert [(call.endpoint, call.status, call.attempt) for call in calls] == [
        ("getProfile", 500, 1),
        ("getProfile", 200, 2),
    ]
    assert calls[0].request_id == "req-1" and "busy" in calls[0].error
    assert all(call.channel_id == channel.id and call.duration_ms >= 0 for call in calls)
    assert stub.seen[0].headers["Authorization"] == "Bearer channel-token"


def test_retry_policy_delays_grow_and_respect_retry_after() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=4.0)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 4.0)]:
        delay = policy.delay(attempt, None)
        assert ceiling / 2 <= delay <= ceiling
    assert policy.delay(1, 30.0) == 30.0
