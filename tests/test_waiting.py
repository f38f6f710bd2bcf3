"""How long customers have waited for an answer: kept on the conversation as messages come,
answers go (or fail) and conversations are resolved; shown amber and red by each channel's
thresholds, which admins set on the channel form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from inbox.conversations.waiting import WaitingLevel, WaitingTimes, refresh_waiting
from inbox.extensions import db
from inbox.jobs import run_due_jobs
from inbox.models import (
    Channel,
    Conversation,
    ConversationStatus,
    DeliveryState,
    Direction,
    Message,
    ReplyToken,
    Role,
    SourceType,
    utcnow,
)
from tests.line_events import deliver, event, text_event
from tests.line_stub import Reply
from tests.test_admin_channels import channel_form, the_channel

SENT = {"sentMessages": [{"id": "9001", "quoteToken": "q1"}]}


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def listed(client, headers) -> dict:
    (row,) = client.get("/api/conversations", headers=headers).json["conversations"]
    return row


def waiting_since() -> datetime | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Conversation.waiting_since))


def test_the_wait_runs_from_the_first_unanswered_message_to_the_answer(client, make, stub) -> None:
    channel = make.channel(waiting_amber_minutes=3, waiting_red_minutes=10)
    agent = make.auth_header(Role.AGENT)
    asked = utcnow().replace(microsecond=0) - timedelta(minutes=12)
    first, second = (
        text_event("สวัสดีค่ะ", timestamp=millis(asked)),
        text_event("มีใครอยู่ไหมคะ", timestamp=millis(asked + timedelta(minutes=4))),
    )
    deliver(client, channel, [first])
    deliver(client, channel, [second])  # a second message does not restart the wait
    assert waiting_since() == asked

    row = listed(client, agent)
    assert row["waiting_since"] == asked.isoformat().replace("+00:00", "Z")
    assert row["waiting"] == {
        "since": row["waiting_since"],
        "amber_at": (asked + timedelta(minutes=3)).isoformat().replace("+00:00", "Z"),
        "red_at": (asked + timedelta(minutes=10)).isoformat().replace("+00:00", "Z"),
    }

    # The agent answers: nobody waits. The answer fails: the customer is still waiting.
    db.session.execute(sa.delete(ReplyToken))
    db.session.commit()
    stub.route("/v2/bot/message/push", Reply(403, {"message": "Forbidden"}), Reply(200, SENT))
    conversation_id = row["id"]
    sent = client.post(
        f"/api/conversations/{conversation_id}/messages", json={"text": "ค่ะ"}, headers=agent
    )
    assert sent.status_code == 202
    assert waiting_since() is None and listed(client, agent)["waiting"] is None
    run_due_jobs()
    assert waiting_since() == asked

    # Sent again (and delivered this time): answered.
    failed_id = sent.json["messages"][0]["id"]
    assert client.post(f"/api/messages/{failed_id}/retry", headers=agent).status_code == 202
    assert waiting_since() is None
    run_due_jobs()
    assert waiting_since() is None

    # The customer writes again: a new wait, from that message.
    later = utcnow().replace(microsecond=0)
    deliver(client, channel, [text_event("ขอบคุณค่ะ", timestamp=millis(later))])
    assert waiting_since() == later

    # Resolving says nothing more is awaited.
    resolved = client.patch(
        f"/api/conversations/{conversation_id}", json={"status": "resolved"}, headers=agent
    )
    assert resolved.status_code == 200
    assert waiting_since() is None and resolved.json["waiting"] is None


def test_several_messages_in_one_delivery_wait_from_the_earliest(client, make) -> None:
    channel = make.channel()
    at = utcnow().replace(microsecond=0) - timedelta(minutes=2)
    deliver(
        client,
        channel,
        [
            text_event("หนึ่ง", timestamp=millis(at)),
            text_event("สอง", timestamp=millis(at + timedelta(seconds=20))),
        ],
    )
    assert waiting_since() == at


def test_a_block_after_a_message_in_one_delivery_leaves_nobody_waiting(client, make) -> None:
    channel = make.channel()
    at = utcnow().replace(microsecond=0) - timedelta(minutes=2)
    deliver(
        client,
        channel,
        [
            text_event("ขอบคุณ", timestamp=millis(at)),
            event("unfollow", timestamp=millis(at + timedelta(seconds=5))),
        ],
    )
    assert db.session.scalar(sa.select(Conversation.status)) is ConversationStatus.RESOLVED
    assert waiting_since() is None


def test_the_wait_is_worked_out_again_from_the_thread(client, make) -> None:
    """As the migration does for conversations from before: answers LINE refused do not count."""
    channel = make.channel()
    at = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    deliver(client, channel, [text_event("ก่อน", timestamp=millis(at))])
    conversation = db.session.scalar(sa.select(Conversation))
    conversation.waiting_since = None
    refresh_waiting(conversation)
    db.session.commit()
    assert waiting_since() == at


T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("waited", "level"),
    [
        (timedelta(0), WaitingLevel.CALM),
        (timedelta(minutes=4, seconds=59), WaitingLevel.CALM),
        (timedelta(minutes=5), WaitingLevel.AMBER),
        (timedelta(minutes=14, seconds=59), WaitingLevel.AMBER),
        (timedelta(minutes=15), WaitingLevel.RED),
        (timedelta(days=2), WaitingLevel.RED),
    ],
)
def test_amber_and_red_by_the_default_thresholds(waited, level) -> None:
    times = WaitingTimes(T0, T0 + timedelta(minutes=5), T0 + timedelta(minutes=15))
    assert times.level(T0 + waited) is level


def test_a_new_channel_starts_at_5_and_15_minutes(client, make) -> None:
    admin = make.auth_header(Role.ADMIN)
    page = client.get("/admin/channels/new", headers=admin).get_data(as_text=True)
    assert 'name="waiting_amber_minutes"' in page and 'value="5"' in page
    assert client.post("/admin/channels/new", data=channel_form(), headers=admin).status_code == 302
    channel = the_channel("2001234567")
    assert (channel.waiting_amber_minutes, channel.waiting_red_minutes) == (5, 15)


@pytest.mark.parametrize(
    ("amber", "red", "status", "saved"),
    [
        ("2", "30", 302, (2, 30)),
        ("", "", 302, (5, 15)),  # blank keeps what is stored
        ("10", "10", 400, (5, 15)),  # red must come after amber
        ("0", "10", 400, (5, 15)),
        ("five", "10", 400, (5, 15)),
    ],
)
def test_admins_set_the_thresholds_per_channel(client, make, amber, red, status, saved) -> None:
    admin = make.auth_header(Role.ADMIN)
    client.post("/admin/channels/new", data=channel_form(), headers=admin)
    channel = the_channel("2001234567")
    form = channel_form(access_token="", waiting_amber_minutes=amber, waiting_red_minutes=red)
    answer = client.post(f"/admin/channels/{channel.id}", data=form, headers=admin)
    assert answer.status_code == status
    channel = the_channel("2001234567")
    assert (channel.waiting_amber_minutes, channel.waiting_red_minutes) == saved
    if status == 302:
        page = client.get(f"/admin/channels/{channel.id}", headers=admin).get_data(as_text=True)
        assert 'id="waiting_red_minutes" name="waiting_red_minutes"' in page
        assert db.session.get(Channel, channel.id).waiting_red_minutes == saved[1]


def test_the_migration_works_out_waits_from_existing_threads(app, make) -> None:
    """Conversations from before 0016 get their wait from their threads: a refused answer is
    no answer, one still being sent is, and a resolved conversation awaits nothing."""
    channel = make.channel()
    start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

    def chat(name: str, *steps: tuple[int, Direction, DeliveryState | None], **fields) -> int:
        conversation = Conversation(
            channel_id=channel.id, source_type=SourceType.USER, source_id=name, **fields
        )
        db.session.add(conversation)
        db.session.flush()
        for minute, direction, state in steps:
            db.session.add(
                Message(
                    conversation_id=conversation.id,
                    channel_id=channel.id,
                    direction=direction,
                    type="text",
                    sent_at=start + timedelta(minutes=minute),
                    delivery_state=state,
                )
            )
        return conversation.id

    asked = (Direction.INCOMING, None)
    answered = (Direction.OUTGOING, DeliveryState.SENT)
    refused = (Direction.OUTGOING, DeliveryState.FAILED)
    sending = (Direction.OUTGOING, DeliveryState.PENDING)
    expected = {
        chat("asked again", (0, *asked), (1, *answered), (3, *asked), (4, *asked)): 3,
        chat("answer refused", (0, *asked), (2, *refused)): 0,
        chat("answer on its way", (0, *asked), (2, *sending)): None,
        chat("resolved", (0, *asked), status=ConversationStatus.RESOLVED): None,
        chat("only events", (0, Direction.EVENT, None)): None,
    }
    db.session.commit()
    db.session.remove()

    downgrade(revision="0015")
    upgrade()

    found = dict(db.session.execute(sa.select(Conversation.id, Conversation.waiting_since)).all())
    assert found == {
        conversation_id: None if minute is None else start + timedelta(minutes=minute)
        for conversation_id, minute in expected.items()
    }
