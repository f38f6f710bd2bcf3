"""The emulated Messaging API: sending, its LINE errors, limits and quota, over real HTTP."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from inbox.sandbox.models import ChatMessage
from tests.sandbox_helpers import call, push, reply, retry_key, text

MESSAGE_TYPES = (
    "Must be one of the following values: "
    "[text, image, video, audio, location, sticker, template, imagemap, flex, textV2, coupon]"
)
AUTH_FAILED = (
    "Authentication failed. Confirm that the access token in the authorization header is valid."
)


@pytest.fixture
def shop(line_sandbox):
    return line_sandbox.provision()


@pytest.fixture
def alice(line_sandbox, shop):
    return line_sandbox.user("Alice", channel=shop)


def test_push_reaches_the_phone_and_counts_against_the_quota(line_sandbox, shop, alice) -> None:
    answer = push(
        line_sandbox,
        shop,
        alice,
        text("สวัสดีค่ะ"),
        {"type": "sticker", "packageId": "446", "stickerId": "1988"},
    )

    assert answer.status_code == 200
    sent = answer.json()["sentMessages"]
    assert len(sent) == 2 and all(item["id"].isdigit() and item["quoteToken"] for item in sent)
    assert answer.headers["X-Line-Request-Id"]
    received = line_sandbox.received(shop, alice)
    assert [m["type"] for m in received] == ["text", "sticker"]
    assert received[0]["text"] == "สวัสดีค่ะ" and received[0]["via"] == "push"
    usage = call(line_sandbox, "GET", "/v2/bot/message/quota/consumption", shop)
    assert usage.json() == {"totalUsage": 1}  # one request, one person: one message


def test_every_answer_carries_a_request_id(line_sandbox, shop, alice) -> None:
    answers = [
        push(line_sandbox, shop, alice),
        call(line_sandbox, "GET", "/v2/bot/info"),
        call(line_sandbox, "GET", "/v2/bot/nowhere", shop),
        call(line_sandbox, "GET", "/v2/bot/message/1/content", shop, data_host=True),
        call(line_sandbox, "POST", "/v2/oauth/verify", data={"access_token": "nope"}),
    ]
    assert [a.status_code for a in answers] == [200, 401, 404, 404, 400]
    ids = {a.headers["X-Line-Request-Id"] for a in answers}
    assert len(ids) == len(answers)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Authorization header required"),
        ({"Authorization": "Basic abc"}, "Authorization header required"),
        ({"Authorization": "Bearer not-a-token"}, AUTH_FAILED),
    ],
)
def test_wrong_or_missing_token_gets_401(line_sandbox, shop, alice, headers, message) -> None:
    answer = call(line_sandbox, "POST", "/v2/bot/message/push", headers=headers, json={"to": alice})
    assert answer.status_code == 401
    assert answer.json()["message"].startswith(message)
    assert line_sandbox.received(shop, alice) == []


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        ({"messages": [text("a")]}, [("must be specified", "to")]),
        ({"to": "{alice}", "messages": []}, [("Size must be between 1 and 5", "messages")]),
        (
            {"to": "{alice}", "messages": [text("a")] * 6},
            [("Size must be between 1 and 5", "messages")],
        ),
        (
            {"to": "{alice}", "messages": [text("x" * 5001)]},
            [("Length must be between 0 and 5000", "messages[0].text")],
        ),
        (
            {"to": "{alice}", "messages": [text("a"), {"type": "hologram"}]},
            [(MESSAGE_TYPES, "messages[1].type")],
        ),
        (
            {"to": "{alice}", "messages": [{"type": "image", "originalContentUrl": "ftp://x/y"}]},
            [
                ("must be a valid HTTPS URL", "messages[0].originalContentUrl"),
                ("must be specified", "messages[0].previewImageUrl"),
            ],
        ),
        ({}, [("must be specified", "to"), ("must be specified", "messages")]),
    ],
)
def test_invalid_push_gets_400_with_details(line_sandbox, shop, alice, body, problems) -> None:
    body = {
        key: (value.format(alice=alice) if isinstance(value, str) else value)
        for key, value in body.items()
    }
    answer = call(line_sandbox, "POST", "/v2/bot/message/push", shop, json=body)

    assert answer.status_code == 400
    error = answer.json()
    assert error["message"] == f"The request body has {len(problems)} error(s)"
    assert [(d["message"], d["property"]) for d in error["details"]] == problems
    assert line_sandbox.received(shop, alice) == []


def test_5000_characters_counted_like_line_are_accepted(line_sandbox, shop, alice) -> None:
    assert push(line_sandbox, shop, alice, text("ก" * 5000)).status_code == 200
    # An emoji outside the BMP counts as two: 2,501 of them are 5,002 characters.
    assert push(line_sandbox, shop, alice, text("😀" * 2501)).status_code == 400


def test_body_that_is_not_json_gets_400(line_sandbox, shop) -> None:
    answer = call(
        line_sandbox,
        "POST",
        "/v2/bot/message/push",
        shop,
        data=b"{nope",
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400 and "could not be parsed as JSON" in answer.json()["message"]


def test_retry_key_makes_a_push_happen_once(line_sandbox, shop, alice) -> None:
    key = retry_key()
    first = push(line_sandbox, shop, alice, text("once"), key=key)
    again = push(line_sandbox, shop, alice, text("once"), key=key)

    assert first.status_code == 200
    assert again.status_code == 409
    assert again.json() == {
        "message": "The retry key is already accepted",
        "sentMessages": first.json()["sentMessages"],
    }
    assert again.headers["X-Line-Accepted-Request-Id"] == first.headers["X-Line-Request-Id"]
    assert again.headers["X-Line-Request-Id"] != first.headers["X-Line-Request-Id"]
    assert [m["text"] for m in line_sandbox.received(shop, alice)] == ["once"]


def test_retry_keys_are_kept_24_hours(line_sandbox, shop, alice) -> None:
    key = retry_key()
    assert push(line_sandbox, shop, alice, key=key).status_code == 200
    line_sandbox.advance_clock(23 * 3600)
    assert push(line_sandbox, shop, alice, key=key).status_code == 409
    line_sandbox.advance_clock(3600 + 1)
    assert push(line_sandbox, shop, alice, key=key).status_code == 200


def test_retry_key_must_be_a_uuid_and_is_refused_on_reply(line_sandbox, shop, alice) -> None:
    answer = push(line_sandbox, shop, alice, key="not-a-uuid")
    assert answer.status_code == 400
    assert answer.json()["details"] == [
        {"message": "must be a UUID", "property": "X-Line-Retry-Key"}
    ]
    token = line_sandbox.events(shop, "follow")[0]["replyToken"]
    refused = call(
        line_sandbox,
        "POST",
        "/v2/bot/message/reply",
        shop,
        json={"replyToken": token, "messages": [text("x")]},
        headers={"X-Line-Retry-Key": retry_key()},
    )
    assert refused.status_code == 400


def test_a_failed_push_does_not_use_up_its_retry_key(line_sandbox, shop, alice) -> None:
    key = retry_key()
    line_sandbox.inject_fault("push", status=500)
    assert push(line_sandbox, shop, alice, key=key).status_code == 500
    assert push(line_sandbox, shop, alice, key=key).status_code == 200
    assert len(line_sandbox.received(shop, alice)) == 1


def test_accepted_but_lost_answer_then_retry_gets_409(line_sandbox, shop, alice) -> None:
    key = retry_key()
    line_sandbox.inject_fault("push", status=503, after=True)
    lost = push(line_sandbox, shop, alice, text("hello"), key=key)
    retried = push(line_sandbox, shop, alice, text("hello"), key=key)

    assert lost.status_code == 503 and lost.json() == {"message": "Service unavailable"}
    assert retried.status_code == 409
    assert [m["text"] for m in line_sandbox.received(shop, alice)] == ["hello"]


def test_injected_hang_outlasts_a_client_timeout(line_sandbox, shop, alice) -> None:
    import requests

    line_sandbox.inject_fault("push", status=None, delay=5)
    with pytest.raises(requests.Timeout):
        requests.post(
            f"{line_sandbox.api_base_url}/v2/bot/message/push",
            headers=line_sandbox.headers(shop),
            json={"to": alice, "messages": [text("slow")]},
            timeout=0.3,
        )
    line_sandbox.sandbox.faults.clear()  # wakes the hanging request; it then completes


def test_reply_token_works_once(line_sandbox, shop, alice) -> None:
    line_sandbox.say(shop, alice, "hi")
    token = line_sandbox.events(shop, "message")[-1]["replyToken"]

    first = reply(line_sandbox, shop, token, text("Hello!"))
    second = reply(line_sandbox, shop, token, text("Hello again"))

    assert first.status_code == 200 and len(first.json()["sentMessages"]) == 1
    assert second.status_code == 400 and second.json() == {"message": "Invalid reply token"}
    assert [(m["text"], m["via"]) for m in line_sandbox.received(shop, alice)] == [
        ("Hello!", "reply")
    ]
    consumption = call(line_sandbox, "GET", "/v2/bot/message/quota/consumption", shop)
    assert consumption.json() == {"totalUsage": 0}  # replies are free


def test_reply_token_expires_a_minute_after_its_event(line_sandbox, shop, alice) -> None:
    line_sandbox.say(shop, alice, "one")
    line_sandbox.say(shop, alice, "two")
    early, late = (e["replyToken"] for e in line_sandbox.events(shop, "message"))
    line_sandbox.advance_clock(59)
    assert reply(line_sandbox, shop, early).status_code == 200
    line_sandbox.advance_clock(2)
    expired = reply(line_sandbox, shop, late)
    assert expired.status_code == 400 and expired.json()["message"] == "Invalid reply token"


def test_reply_token_of_another_channel_is_invalid(line_sandbox, shop, alice) -> None:
    other = line_sandbox.provision(name="Other")
    line_sandbox.say(shop, alice, "hi")
    token = line_sandbox.events(shop, "message")[-1]["replyToken"]
    assert reply(line_sandbox, other, token).status_code == 400
    assert reply(line_sandbox, shop, token).status_code == 200


def test_rate_limit_per_endpoint_in_any_60_seconds(line_sandbox, alice) -> None:
    small = line_sandbox.provision(rate_limit=3)
    for _ in range(3):
        assert call(line_sandbox, "GET", "/v2/bot/info", small).status_code == 200
    limited = call(line_sandbox, "GET", "/v2/bot/info", small)
    assert limited.status_code == 429
    assert limited.json() == {"message": "The API rate limit has been exceeded. Try again later."}
    assert limited.headers["X-Line-Request-Id"]
    # Another endpoint has its own window, and the window slides.
    assert call(line_sandbox, "GET", "/v2/bot/message/quota", small).status_code == 200
    line_sandbox.advance_clock(60)
    assert call(line_sandbox, "GET", "/v2/bot/info", small).status_code == 200


@pytest.mark.parametrize(("plan", "limit"), [("trial", 1_000), ("standard", 10_000)])
def test_plans_set_the_rate_limit(line_sandbox, plan, limit) -> None:
    assert line_sandbox.provision(plan=plan).rate_limit == limit


def test_monthly_quota_is_enforced_on_push_only(line_sandbox, alice) -> None:
    tiny = line_sandbox.provision(quota=2)
    line_sandbox.follow(tiny, alice)
    assert call(line_sandbox, "GET", "/v2/bot/message/quota", tiny).json() == {
        "type": "limited",
        "value": 2,
    }
    assert push(line_sandbox, tiny, alice).status_code == 200
    assert push(line_sandbox, tiny, alice).status_code == 200
    over = push(line_sandbox, tiny, alice)
    assert over.status_code == 429 and over.json() == {
        "message": "You have reached your monthly limit."
    }
    line_sandbox.say(tiny, alice, "still there?")
    token = line_sandbox.events(tiny, "message")[-1]["replyToken"]
    assert reply(line_sandbox, tiny, token).status_code == 200
    assert call(line_sandbox, "GET", "/v2/bot/message/quota/consumption", tiny).json() == {
        "totalUsage": 2
    }


def test_push_to_a_group_counts_each_member(line_sandbox, shop, alice) -> None:
    bob = line_sandbox.user("Bob")
    group = line_sandbox.group([alice, bob], channel=shop)
    assert push(line_sandbox, shop, group, text("hello all")).status_code == 200
    assert [m["text"] for m in line_sandbox.received(shop, group)] == ["hello all"]
    assert call(line_sandbox, "GET", "/v2/bot/message/quota/consumption", shop).json() == {
        "totalUsage": 2
    }


def test_push_to_a_user_who_blocked_is_200_but_reaches_no_one(line_sandbox, shop, alice) -> None:
    line_sandbox.unfollow(shop, alice)
    answer = push(line_sandbox, shop, alice, text("are you there?"))
    assert answer.status_code == 200 and answer.json()["sentMessages"]
    assert line_sandbox.received(shop, alice) == []
    assert call(line_sandbox, "GET", "/v2/bot/message/quota/consumption", shop).json() == {
        "totalUsage": 0
    }


@pytest.mark.parametrize("to", ["U" + "0" * 32, "C" + "0" * 32, "R" + "0" * 32])
def test_push_to_an_unknown_id_fails_to_send(line_sandbox, shop, to) -> None:
    answer = push(line_sandbox, shop, to)
    assert answer.status_code == 400 and answer.json() == {"message": "Failed to send messages"}


@pytest.mark.parametrize("to", ["nobody", "U123", 42])
def test_push_to_something_not_shaped_like_an_id_is_unreadable(line_sandbox, shop, to) -> None:
    answer = push(line_sandbox, shop, to)
    assert answer.status_code == 400
    assert answer.json() == {
        "message": "The property, 'to', in the request body is invalid (line: -, column: -)"
    }


def test_loading_animation(line_sandbox, shop, alice) -> None:
    ok = call(
        line_sandbox,
        "POST",
        "/v2/bot/chat/loading/start",
        shop,
        json={"chatId": alice, "loadingSeconds": 10},
    )
    assert ok.status_code == 202 and ok.json() == {}
    for seconds in (0, 7, 65, "10"):
        bad = call(
            line_sandbox,
            "POST",
            "/v2/bot/chat/loading/start",
            shop,
            json={"chatId": alice, "loadingSeconds": seconds},
        )
        assert bad.status_code == 400 and bad.json()["details"][0]["property"] == "loadingSeconds"
    stranger = call(
        line_sandbox, "POST", "/v2/bot/chat/loading/start", shop, json={"chatId": "U" + "9" * 32}
    )
    assert stranger.status_code == 400


def test_mark_as_read_by_token_and_by_user(line_sandbox, shop, alice) -> None:
    first = line_sandbox.say(shop, alice, "one")
    line_sandbox.say(shop, alice, "two")
    answer = call(
        line_sandbox,
        "POST",
        "/v2/bot/chat/markAsRead",
        shop,
        json={"markAsReadToken": first.mark_as_read_token},
    )
    assert answer.status_code == 200 and answer.json() == {}
    with line_sandbox.sandbox.session() as session:
        read = dict(
            session.execute(
                sa.select(ChatMessage.body["text"].as_string(), ChatMessage.read_at.is_not(None))
            ).all()
        )
    assert read == {"one": True, "two": False}
    bad = call(
        line_sandbox, "POST", "/v2/bot/chat/markAsRead", shop, json={"markAsReadToken": "forged"}
    )
    assert bad.status_code == 400
    older = call(
        line_sandbox, "POST", "/v2/bot/message/markAsRead", shop, json={"chat": {"userId": alice}}
    )
    assert older.status_code == 200
    missing = call(line_sandbox, "POST", "/v2/bot/message/markAsRead", shop, json={"chat": {}})
    assert missing.status_code == 400 and missing.json()["details"][0]["property"] == "chat.userId"
