"""Webhook delivery from the sandbox into the inbox, over real HTTP, redelivered like LINE."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import Direction, Message, WebhookEvent
from inbox.sandbox import ids


@pytest.fixture
def shop(line_sandbox):
    return line_sandbox.provision()


def _stored_events(channel_id: int) -> list[WebhookEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(WebhookEvent)
            .where(WebhookEvent.channel_id == channel_id)
            .order_by(WebhookEvent.id)
        )
    )


def test_a_user_message_lands_in_the_inbox_exactly_once(line_sandbox, shop) -> None:
    alice = line_sandbox.user("Alice", channel=shop)
    sent = line_sandbox.say(shop, alice, "ราคาเท่าไหร่คะ")
    line_sandbox.wait_idle()

    inbox_channel = line_sandbox.inbox_channel(shop)
    events = _stored_events(inbox_channel.id)
    assert [e.event_type for e in events] == ["follow", "message"]
    assert all(e.destination == shop.bot_user_id and not e.is_redelivery for e in events)
    message = db.session.scalars(
        sa.select(Message).where(Message.direction == Direction.INCOMING)
    ).one()
    assert message.text == "ราคาเท่าไหร่คะ" and message.line_message_id == sent.message_id
    attempts = line_sandbox.attempts(events[1].webhook_event_id)
    assert [(a.status_code, a.is_redelivery) for a in attempts] == [(200, False)]


def test_event_fields_are_like_lines(line_sandbox, shop) -> None:
    alice = line_sandbox.user("Alice", channel=shop)
    line_sandbox.say(shop, alice, "hi")
    event = line_sandbox.events(shop, "message")[0]
    assert event["mode"] == "active" and event["deliveryContext"] == {"isRedelivery": False}
    assert event["source"] == {"type": "user", "userId": alice}
    assert len(event["webhookEventId"]) == 26 and event["webhookEventId"].isalnum()
    assert abs(event["timestamp"] - time.time() * 1000) < 60_000
    assert len(event["replyToken"]) == 32
    message = event["message"]
    assert message["type"] == "text" and message["text"] == "hi" and message["id"].isdigit()
    assert message["quoteToken"] and message["markAsReadToken"]


def test_ulids_sort_by_time() -> None:
    first, second = ids.ulid(1_700_000_000_000), ids.ulid(1_700_000_000_001)
    assert first < second and len(first) == 26 and first[:10] == ids.ulid(1_700_000_000_000)[:10]


def test_redelivery_after_a_failed_attempt_is_marked_and_stored_once(
    line_sandbox, shop, app
) -> None:
    app.config["SANDBOX_REDELIVERY_BACKOFF"] = 0.5
    right = f"{line_sandbox.base_url}/webhooks/line/{shop.channel_id}"
    line_sandbox.set_webhook(shop, f"{line_sandbox.base_url}/webhooks/line/0")  # 404 there
    alice = line_sandbox.user("Alice", channel=shop)
    follow_id = line_sandbox.events(shop, "follow")[0]["webhookEventId"]
    deadline = time.monotonic() + 10
    while not line_sandbox.attempts(follow_id) and time.monotonic() < deadline:
        time.sleep(0.02)
    line_sandbox.set_webhook(shop, right)
    line_sandbox.wait_idle()

    attempts = line_sandbox.attempts(follow_id)
    assert [(a.status_code, a.is_redelivery) for a in attempts] == [(404, False), (200, True)]
    (stored,) = _stored_events(line_sandbox.inbox_channel(shop).id)
    assert stored.webhook_event_id == follow_id and stored.is_redelivery is True
    assert stored.payload["deliveryContext"] == {"isRedelivery": True}
    assert alice


def test_delivery_gives_up_after_the_last_attempt(line_sandbox, shop, app) -> None:
    app.config["SANDBOX_WEBHOOK_MAX_ATTEMPTS"] = 3
    line_sandbox.set_webhook(shop, "http://127.0.0.1:9/closed")
    line_sandbox.user("Alice", channel=shop)
    line_sandbox.wait_idle()
    (event,) = line_sandbox.events(shop)
    attempts = line_sandbox.attempts(event["webhookEventId"])
    assert [(a.status_code, a.is_redelivery) for a in attempts] == [
        (0, False),
        (0, True),
        (0, True),
    ]
    assert all(a.error for a in attempts)


def test_an_endpoint_slower_than_the_timeout_counts_as_failed(line_sandbox, shop, app) -> None:
    app.config.update(SANDBOX_WEBHOOK_TIMEOUT=0.2, SANDBOX_WEBHOOK_MAX_ATTEMPTS=1)
    line_sandbox.set_webhook(shop, f"{line_sandbox.api_base_url}/slow-webhook")
    line_sandbox.inject_fault("not_found", status=None, delay=2)
    line_sandbox.user("Alice", channel=shop)
    line_sandbox.wait_idle()
    (event,) = line_sandbox.events(shop)
    (attempt,) = line_sandbox.attempts(event["webhookEventId"])
    assert attempt.status_code == 0 and "timed out" in attempt.error.lower()


def test_no_delivery_while_the_webhook_is_off(line_sandbox, shop) -> None:
    line_sandbox.set_webhook(
        shop, f"{line_sandbox.base_url}/webhooks/line/{shop.channel_id}", active=False
    )
    line_sandbox.user("Alice", channel=shop)
    line_sandbox.wait_idle()
    assert _stored_events(line_sandbox.inbox_channel(shop).id) == []


def test_group_life_cycle_events(line_sandbox, shop) -> None:
    alice, bob, carol = (line_sandbox.user(n) for n in ("Alice", "Bob", "Carol"))
    group = line_sandbox.group([alice, bob], "Team", channel=shop)
    line_sandbox.say(shop, bob, "hello bot", chat=("group", group))
    line_sandbox.add_member(group, carol)
    line_sandbox.remove_member(group, alice)
    line_sandbox.wait_idle()

    events = line_sandbox.events(shop)
    assert [e["type"] for e in events] == ["join", "message", "memberJoined", "memberLeft"]
    join, message, joined, left = events
    assert join["source"] == {"type": "group", "groupId": group} and join["replyToken"]
    assert message["source"] == {"type": "group", "groupId": group, "userId": bob}
    assert (
        joined["joined"] == {"members": [{"type": "user", "userId": carol}]}
        and joined["replyToken"]
    )
    assert (
        left["left"] == {"members": [{"type": "user", "userId": alice}]}
        and "replyToken" not in left
    )
    stored = _stored_events(line_sandbox.inbox_channel(shop).id)
    assert [e.event_type for e in stored] == ["join", "message", "memberJoined", "memberLeft"]


def test_unfollow_refollow_unsend_and_postback(line_sandbox, shop) -> None:
    alice = line_sandbox.user("Alice", channel=shop)
    sent = line_sandbox.say(shop, alice, "oops")
    line_sandbox.unsend(sent)
    line_sandbox.postback(shop, alice, "action=buy&item=1")
    line_sandbox.unfollow(shop, alice)
    line_sandbox.follow(shop, alice)
    line_sandbox.wait_idle()

    events = line_sandbox.events(shop)
    assert [e["type"] for e in events] == [
        "follow",
        "message",
        "unsend",
        "postback",
        "unfollow",
        "follow",
    ]
    assert events[0]["follow"] == {"isUnblocked": False}
    assert events[2]["unsend"] == {"messageId": sent.message_id}
    assert events[3]["postback"] == {"data": "action=buy&item=1"} and events[3]["replyToken"]
    assert "replyToken" not in events[4]
    assert events[5]["follow"] == {"isUnblocked": True}
    assert len(_stored_events(line_sandbox.inbox_channel(shop).id)) == 6


def test_a_blocked_user_cannot_write(line_sandbox, shop) -> None:
    from inbox.sandbox.simulate import SimulationError

    alice = line_sandbox.user("Alice", channel=shop)
    line_sandbox.unfollow(shop, alice)
    with pytest.raises(SimulationError):
        line_sandbox.say(shop, alice, "hello?")
