"""The inbox's LINE client against the sandbox platform over real HTTP, no stubs: every
operation once on its happy path, each error class from a real answer, retries, retry keys,
timeouts, and the call log. (The fault matrix itself is in test_line_client.py.)"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
import requests
import sqlalchemy as sa

from inbox.channels.client import line_client, record_in_database
from inbox.extensions import db, socketio
from inbox.line import line_platform
from inbox.line.client import LineClient
from inbox.line.errors import (
    LineBadRequest,
    LineInvalidReplyToken,
    LineNotFound,
    LineQuotaExceeded,
    LineRateLimited,
    LineServerError,
    LineUnauthorized,
    LineUnavailable,
)
from inbox.line.ratelimit import LocalRateLimiter
from inbox.line.transport import RetryPolicy, Transport
from inbox.models import Conversation, Role
from inbox.sandbox.models import ChatMessage
from inbox.sandbox.platform.common import BAD_TOKEN, RATE_LIMITED
from inbox.sandbox.platform.outbox import MONTHLY_LIMIT
from tests.sandbox_fixture import LineSandbox
from tests.sandbox_flows import (
    MP4,
    PNG,
    eventually,
    line_calls,
    platform_message,
    pooled_line_sessions,
)

STICKER = {"type": "sticker", "packageId": "446", "stickerId": "1988"}


def text(value: str) -> dict[str, str]:
    return {"type": "text", "text": value}


@pytest.fixture
def shop(line_sandbox):
    return line_sandbox.provision(name="Noodle shop", quota=50)


@pytest.fixture
def alice(line_sandbox, shop):
    return line_sandbox.user("อลิซ", channel=shop, status_message="สวัสดี", language="th")


@pytest.fixture
def line(line_sandbox, shop):
    """The shop's client exactly as the inbox gets it (pooled, paced, retrying, logged)."""
    with pooled_line_sessions():
        yield line_client(line_sandbox.inbox_channel(shop))


ClientMaker = Callable[..., LineClient]


@pytest.fixture
def unpaced(line_sandbox, shop) -> ClientMaker:
    """Build a client by hand that never paces itself (so the platform's limit is what
    answers), logging to the call log; its retry sleeps go to `sleep` (default: none)."""
    sessions: list[requests.Session] = []

    def build(
        channel=shop,
        *,
        attempts: int = 4,
        read_timeout: float = 15.0,
        sleep: Callable[[float], None] = lambda seconds: None,
    ) -> LineClient:
        session = requests.Session()
        sessions.append(session)
        transport = Transport(
            session=session,
            limiter=LocalRateLimiter(),
            rate_key=f"unpaced-{uuid.uuid4()}",
            per_minute=1_000_000,
            recorder=record_in_database,
            channel_id=line_sandbox.inbox_channel(channel).id,
            timeout=(3.05, read_timeout),
            retry=RetryPolicy(attempts=attempts),
            sleep=sleep,
        )
        return LineClient(
            transport,
            access_token=channel.access_token,
            api_base_url=line_sandbox.api_base_url,
            data_base_url=line_sandbox.data_base_url,
        )

    yield build
    for session in sessions:
        session.close()


def reply_token(sandbox: LineSandbox, channel, message: ChatMessage) -> str:
    """The reply token LINE sent with the webhook of a message the user wrote."""
    (event,) = [
        e for e in sandbox.events(channel, "message") if e["message"]["id"] == message.message_id
    ]
    return event["replyToken"]


def assert_logged(error, endpoint: str) -> None:
    """The error carries LINE's request id, and the call log has the same answer."""
    assert error.request_id and error.message
    logged = line_calls(endpoint)[-1]
    assert (logged.status, logged.request_id) == (error.status, error.request_id)


# -- sending -------------------------------------------------------------------------------


def test_reply_lands_on_the_phone(line_sandbox, shop, alice, line) -> None:
    said = line_sandbox.say(shop, alice, "มีข้าวผัดไหม")
    line_sandbox.wait_idle()

    result = line.reply(reply_token(line_sandbox, shop, said), [text("มีค่ะ")])

    (shown,) = line_sandbox.received(shop, alice)
    assert (shown["text"], shown["via"]) == ("มีค่ะ", "reply")
    assert [sent["id"] for sent in result.sent_messages] == [shown["id"]]
    assert platform_message(line_sandbox, shown["id"]).request_id == result.request_id


def test_push_lands_once_and_counts_against_the_quota(line_sandbox, shop, alice, line) -> None:
    assert line.message_quota() == {"type": "limited", "value": 50}
    assert line.message_quota_consumption() == 0

    result = line.push(alice, [text("โปรวันนี้"), STICKER])

    shown = line_sandbox.received(shop, alice)
    assert [(m["type"], m["via"]) for m in shown] == [("text", "push"), ("sticker", "push")]
    assert [sent["id"] for sent in result.sent_messages] == [m["id"] for m in shown]
    assert result.retry_key and not result.already_accepted
    assert line.message_quota_consumption() == 1  # one push to one person
    (logged,) = line_calls("pushMessage")
    assert logged.status == 200 and logged.request_id == result.request_id
    assert platform_message(line_sandbox, shown[0]["id"]).request_id == result.request_id


def test_loading_animation_shows_on_the_phone(line_sandbox, shop, alice, line, app, make) -> None:
    phone = socketio.test_client(app, namespace="/sandbox", headers=make.auth_header(Role.AGENT))
    try:
        assert phone.is_connected("/sandbox")
        line.show_loading_animation(alice, 10)
        shown = [e["args"][0] for e in phone.get_received("/sandbox") if e["name"] == "loading"]
    finally:
        phone.disconnect(namespace="/sandbox")
    assert shown == [{"channel": shop.channel_id, "chat": alice, "seconds": 10}]
    assert line_calls("showLoadingAnimation")[-1].status == 202


def test_mark_as_read_with_the_token_from_a_webhook(line_sandbox, shop, alice, line) -> None:
    first = line_sandbox.say(shop, alice, "one")
    second = line_sandbox.say(shop, alice, "two")
    later = line_sandbox.say(shop, alice, "three")
    line_sandbox.wait_idle()
    (event,) = [
        e for e in line_sandbox.events(shop, "message") if e["message"]["id"] == second.message_id
    ]

    line.mark_as_read(event["message"]["markAsReadToken"])

    read = [platform_message(line_sandbox, m.message_id).read_at for m in (first, second, later)]
    assert read[0] and read[1] and read[2] is None  # read up to the token's message


# -- profiles, groups, rooms ---------------------------------------------------------------


def test_profile_of_a_friend(alice, line) -> None:
    profile = line.profile(alice)
    assert (profile["userId"], profile["displayName"]) == (alice, "อลิซ")
    assert (profile["statusMessage"], profile["language"]) == ("สวัสดี", "th")
    picture = requests.get(profile["pictureUrl"], timeout=10)
    assert picture.status_code == 200 and picture.headers["Content-Type"] == "image/png"


def test_group_summary_count_member_profiles_and_paged_member_ids(line_sandbox, shop, line) -> None:
    members = [line_sandbox.user(f"Member {n}") for n in range(105)]  # LINE pages 100 ids
    group = line_sandbox.group(members, "ทีมงาน 東京", channel=shop)

    summary = line.group_summary(group)
    assert (summary["groupId"], summary["groupName"]) == (group, "ทีมงาน 東京")
    assert requests.get(summary["pictureUrl"], timeout=10).status_code == 200
    assert line.member_count("group", group) == 105
    assert list(line.member_ids("group", group)) == members
    assert [call.status for call in line_calls("getGroupMembersIds")] == [200, 200]  # two pages
    member = line.group_member_profile(group, members[7])
    assert member["displayName"] == "Member 7" and "statusMessage" not in member


def test_room_member_profile_count_and_ids(line_sandbox, shop, line) -> None:
    bob, carol = line_sandbox.user("Bob"), line_sandbox.user("Carol", picture=PNG)
    room = line_sandbox.room([bob, carol], channel=shop)

    carol_profile = line.room_member_profile(room, carol)
    assert carol_profile["displayName"] == "Carol"
    assert requests.get(carol_profile["pictureUrl"], timeout=10).content == PNG
    assert line.member_count("room", room) == 2
    assert list(line.member_ids("room", room)) == [bob, carol]


def test_leaving_a_group_and_a_room(line_sandbox, shop, line) -> None:
    bob = line_sandbox.user("Bob")
    group = line_sandbox.group([bob], channel=shop)
    room = line_sandbox.room([bob], channel=shop)
    line_sandbox.wait_idle()

    line.leave("group", group)
    line.leave("room", room)

    assert [e["source"] for e in line_sandbox.events(shop, "leave")] == [
        {"type": "group", "groupId": group},
        {"type": "room", "roomId": room},
    ]
    with pytest.raises(LineNotFound):
        line.group_summary(group)
    line_sandbox.wait_idle()  # LINE's leave events reach the inbox
    db.session.expire_all()
    left = db.session.scalars(
        sa.select(Conversation.bot_is_member).where(Conversation.source_id.in_([group, room]))
    ).all()
    assert left == [False, False]


# -- content -------------------------------------------------------------------------------


def test_content_preview_and_transcoding(line_sandbox, shop, alice, line, app) -> None:
    app.config["SANDBOX_TRANSCODING_SECONDS"] = 30
    image = line_sandbox.send_media(shop, alice, "image", PNG, "cat.png")
    video = line_sandbox.send_media(shop, alice, "video", MP4, "clip.mp4")

    with line.open_content(image.message_id) as content:
        assert content.content == PNG and content.headers["Content-Type"] == "image/png"
    with line.open_content(image.message_id, preview=True) as preview:
        assert preview.headers["Content-Type"].startswith("image/") and preview.content
    assert line.content_transcoding(video.message_id) == "processing"
    line_sandbox.advance_clock(31)
    assert line.content_transcoding(video.message_id) == "succeeded"
    with line.open_content(video.message_id) as content:
        assert content.content == MP4 and content.headers["Content-Type"] == "video/mp4"


# -- channel and tokens ----------------------------------------------------------------------


def test_bot_info(shop, line) -> None:
    info = line.bot_info()
    assert (info["userId"], info["basicId"]) == (shop.bot_user_id, shop.basic_id)
    assert info["displayName"] == "Noodle shop"


def test_webhook_endpoint_get_set_and_test(line_sandbox, shop, line) -> None:
    inbox_url = f"{line_sandbox.base_url}/webhooks/line/{shop.channel_id}"
    assert line.webhook_endpoint() == {"endpoint": inbox_url, "active": True}
    tested = line.test_webhook_endpoint()
    assert tested["success"] is True and tested["statusCode"] == 200  # the live inbox answered

    elsewhere = f"{line_sandbox.base_url}/webhooks/line/1"  # no such channel in the inbox
    line.set_webhook_endpoint(elsewhere)

    assert line.webhook_endpoint()["endpoint"] == elsewhere
    refused = line.test_webhook_endpoint()
    assert refused["success"] is False and refused["statusCode"] == 404
    assert line.test_webhook_endpoint(inbox_url)["success"] is True


def test_channel_access_tokens(line_sandbox, shop, line) -> None:
    verified = line.verify_access_token(shop.access_token)
    assert verified["client_id"] == shop.channel_id and verified["expires_in"] > 0

    stateless = line.issue_stateless_token(shop.channel_id, shop.secret)
    short_lived = line.issue_short_lived_token(shop.channel_id, shop.secret)

    assert 0 < line.verify_access_token(stateless["access_token"])["expires_in"] <= 15 * 60
    assert short_lived["expires_in"] == 30 * 24 * 3600
    for token in (stateless["access_token"], short_lived["access_token"]):
        bot = line_platform().client(
            rate_key=f"token-{uuid.uuid4()}",
            per_minute=1000,
            access_token=token,
            recorder=record_in_database,
        )
        assert bot.bot_info()["userId"] == shop.bot_user_id  # the new tokens work
    with pytest.raises(LineBadRequest) as dead:
        line.verify_access_token("not-a-token")
    assert dead.value.message == "invalid access token" and dead.value.request_id


# -- LINE's errors, each from a real answer ---------------------------------------------------


def test_wrong_access_token_is_unauthorized(line_sandbox, shop, line) -> None:
    wrong = line_platform().client(
        rate_key=shop.channel_id,
        per_minute=1000,
        access_token="not-the-token",
        recorder=record_in_database,
        channel_id=line_sandbox.inbox_channel(shop).id,
    )
    with pytest.raises(LineUnauthorized) as refused:
        wrong.bot_info()
    assert refused.value.message == BAD_TOKEN and refused.value.status == 401
    assert len(line_calls("getBotInfo")) == 1  # never retried
    assert_logged(refused.value, "getBotInfo")


@pytest.mark.parametrize(
    ("messages", "detail"),
    [
        (
            [text("a")] * 6,
            {"message": "Size must be between 1 and 5", "property": "messages"},
        ),
        (
            [text("ก" * 5_001)],
            {"message": "Length must be between 0 and 5000", "property": "messages[0].text"},
        ),
        ([text("")], {"message": "May not be empty", "property": "messages[0].text"}),
    ],
    ids=["six-messages", "5001-characters", "empty-text"],
)
def test_bad_request_carries_lines_details(
    line_sandbox, shop, alice, line, messages, detail
) -> None:
    with pytest.raises(LineBadRequest) as refused:
        line.push(alice, messages)
    assert refused.value.details == [detail]
    assert refused.value.message == "The request body has 1 error(s)"
    assert detail["property"] in str(refused.value)
    assert_logged(refused.value, "pushMessage")
    assert line_sandbox.received(shop, alice) == []


def test_reply_token_used_twice_or_expired_is_invalid(line_sandbox, shop, alice, line) -> None:
    token = reply_token(line_sandbox, shop, line_sandbox.say(shop, alice, "hi"))
    line.reply(token, [text("first")])
    with pytest.raises(LineInvalidReplyToken) as used:
        line.reply(token, [text("second")])
    assert used.value.message == "Invalid reply token"
    assert_logged(used.value, "replyMessage")

    stale = reply_token(line_sandbox, shop, line_sandbox.say(shop, alice, "still there?"))
    line_sandbox.advance_clock(61)  # a reply token lives about a minute
    with pytest.raises(LineInvalidReplyToken) as expired:
        line.reply(stale, [text("too late")])
    assert_logged(expired.value, "replyMessage")
    assert [m["text"] for m in line_sandbox.received(shop, alice)] == ["first"]


def test_profile_of_an_unknown_user_is_not_found(line_sandbox, line) -> None:
    stranger = line_sandbox.user("Stranger")  # never added the account
    with pytest.raises(LineNotFound) as missing:
        line.profile(stranger)
    assert missing.value.message == "Not found"
    assert_logged(missing.value, "getProfile")


def test_rate_limit_429_is_retried_after_the_window(line_sandbox, shop, unpaced) -> None:
    tight = line_sandbox.provision(name="Tight", rate_limit=2)
    slept: list[float] = []

    def wait_out_the_window(seconds: float) -> None:
        slept.append(seconds)
        line_sandbox.advance_clock(60)  # what sleeping through LINE's window would do

    client = unpaced(tight, sleep=wait_out_the_window)
    for _ in range(3):
        assert client.bot_info()["displayName"] == "Tight"

    statuses = [(c.status, c.attempt) for c in line_calls("getBotInfo")]
    assert statuses == [(200, 1), (200, 1), (429, 1), (200, 2)]
    assert len(slept) == 1 and slept[0] > 0
    assert RATE_LIMITED in line_calls("getBotInfo")[2].error

    line_sandbox.advance_clock(60)  # a fresh window
    exhausted = unpaced(tight, attempts=1)
    exhausted.bot_info()
    exhausted.bot_info()
    with pytest.raises(LineRateLimited) as limited:
        exhausted.bot_info()
    assert limited.value.message == RATE_LIMITED and limited.value.status == 429
    assert not isinstance(limited.value, LineQuotaExceeded)
    assert_logged(limited.value, "getBotInfo")


def test_monthly_quota_is_exceeded_and_never_retried(line_sandbox, unpaced) -> None:
    small = line_sandbox.provision(name="Small", quota=1)
    alice = line_sandbox.user("Alice", channel=small)
    slept: list[float] = []
    client = unpaced(small, sleep=slept.append)
    client.push(alice, [text("one")])

    with pytest.raises(LineQuotaExceeded) as over:
        client.push(alice, [text("two")])

    assert over.value.message == MONTHLY_LIMIT and over.value.status == 429
    assert [(c.status, c.attempt) for c in line_calls("pushMessage")] == [(200, 1), (429, 1)]
    assert slept == []
    assert_logged(over.value, "pushMessage")
    assert [m["text"] for m in line_sandbox.received(small, alice)] == ["one"]


def test_server_error_is_retried_then_succeeds(line_sandbox, shop, line) -> None:
    line_sandbox.inject_fault("bot_info", status=503)
    assert line.bot_info()["userId"] == shop.bot_user_id
    calls = line_calls("getBotInfo")
    assert [(c.status, c.attempt) for c in calls] == [(503, 1), (200, 2)]
    assert calls[0].request_id and calls[0].request_id != calls[1].request_id


def test_server_error_on_a_reply_is_raised_not_retried(line_sandbox, shop, alice, line) -> None:
    token = reply_token(line_sandbox, shop, line_sandbox.say(shop, alice, "hi"))
    line_sandbox.inject_fault("reply", status=500)
    with pytest.raises(LineServerError) as failed:
        line.reply(token, [text("hello")])
    assert failed.value.status == 500 and failed.value.message == "Internal server error"
    assert len(line_calls("replyMessage")) == 1
    assert_logged(failed.value, "replyMessage")


def test_a_push_whose_answer_was_lost_is_sent_exactly_once(line_sandbox, shop, alice, line) -> None:
    line_sandbox.inject_fault("push", status=503, after=True)  # accepted, then the answer lost

    result = line.push(alice, [text("ยืนยันการสั่งซื้อ")])

    shown = line_sandbox.received(shop, alice)
    assert [m["text"] for m in shown] == ["ยืนยันการสั่งซื้อ"]  # once, not twice
    assert result.already_accepted
    assert [sent["id"] for sent in result.sent_messages] == [shown[0]["id"]]
    lost, conflict = line_calls("pushMessage")
    assert (lost.status, conflict.status) == (503, 409)
    assert conflict.accepted_request_id == lost.request_id == result.request_id
    assert platform_message(line_sandbox, shown[0]["id"]).request_id == result.request_id
    assert line.message_quota_consumption() == 1


def test_read_timeout_is_retried_for_reads_and_never_for_replies(
    line_sandbox, shop, alice, unpaced
) -> None:
    client = unpaced(read_timeout=0.3)
    line_sandbox.inject_fault("bot_info", status=None, delay=1.0)
    assert client.bot_info()["userId"] == shop.bot_user_id
    # On a loaded machine a retry may time out too; the first did, and the last was answered.
    timed_out, *_, answered = line_calls("getBotInfo")
    assert (timed_out.status, timed_out.request_id, answered.status) == (None, None, 200)

    token = reply_token(line_sandbox, shop, line_sandbox.say(shop, alice, "hi"))
    line_sandbox.inject_fault("reply", status=None, delay=1.0)
    with pytest.raises(LineUnavailable) as unanswered:
        client.reply(token, [text("hello")])
    assert unanswered.value.message == "LINE did not answer in time"
    assert len(line_calls("replyMessage")) == 1  # the token may be spent: never sent again
    eventually(lambda: bool(line_sandbox.received(shop, alice)))  # the platform finishes it
    assert [m["text"] for m in line_sandbox.received(shop, alice)] == ["hello"]
