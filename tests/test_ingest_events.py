"""Each webhook event type becomes the rows an agent and a supervisor expect."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from inbox.extensions import db
from inbox.ingest import claim_batch, drain, handlers, pipeline, release_leases, reprocess
from inbox.models import (
    ACTIVITY_TYPES,
    Attachment,
    AttachmentState,
    Contact,
    Conversation,
    ConversationMember,
    ConversationStatus,
    Direction,
    EventState,
    FollowState,
    Message,
    ReplyToken,
    SourceType,
    WebhookEvent,
    utcnow,
)
from tests.line_events import (
    deliver,
    event,
    fixture_events,
    group_source,
    message_event,
    now_millis,
    room_source,
    text_event,
    user_source,
)

SPEC = Path(__file__).parent.parent / "docs" / "line-openapi" / "webhook.yml"
GROUP_MEMBERS = {"members": [{"type": "user", "userId": "U" + "7" * 32}]}

# One example per event type: (event, the thread line or message it should produce or None).
EXAMPLES = {
    "message": (text_event("Hello"), ("incoming", "text")),
    "unsend": (event("unsend", unsend={"messageId": "999"}), None),
    "follow": (event("follow", follow={"isUnblocked": False}, replyToken="r"), ("event", "follow")),
    "unfollow": (event("unfollow"), ("event", "unfollow")),
    "join": (event("join", source=group_source(), replyToken="r"), ("event", "join")),
    "leave": (event("leave", source=group_source(user_id=None)), ("event", "leave")),
    "memberJoined": (
        event("memberJoined", source=group_source(), joined=GROUP_MEMBERS, replyToken="r"),
        ("event", "memberJoined"),
    ),
    "memberLeft": (
        event("memberLeft", source=group_source(), left=GROUP_MEMBERS),
        ("event", "memberLeft"),
    ),
    "postback": (
        event("postback", postback={"data": "action=buy&item=111"}, replyToken="r"),
        ("incoming", "postback"),
    ),
    "videoPlayComplete": (
        event("videoPlayComplete", videoPlayComplete={"trackingId": "t1"}, replyToken="r"),
        ("event", "videoPlayComplete"),
    ),
    "beacon": (
        event("beacon", beacon={"hwid": "d41d8cd98f", "type": "enter"}, replyToken="r"),
        ("event", "beacon"),
    ),
    "accountLink": (
        event("accountLink", link={"result": "ok", "nonce": "xxx"}, replyToken="r"),
        ("event", "accountLink"),
    ),
    "membership": (
        event("membership", membership={"type": "joined", "membershipId": 3}, replyToken="r"),
        ("event", "membership"),
    ),
    "module": (event("module", source=False, module={"type": "attached", "botId": "U1"}), None),
    "activated": (event("activated", source=False, chatControl={"expireAt": 1}), None),
    "deactivated": (event("deactivated", source=False), None),
    "botSuspended": (event("botSuspended", source=False), None),
    "botResumed": (event("botResumed", source=False), None),
    "delivery": (event("delivery", source=False, delivery={"data": "abc"}), None),
    "messageEdited": (
        event("messageEdited", message={"id": "777", "type": "text", "text": "edited"}),
        ("incoming", "text"),
    ),
}


def spec_event_types() -> set[str]:
    spec = yaml.safe_load(SPEC.read_text())
    return set(spec["components"]["schemas"]["Event"]["discriminator"]["mapping"])


def test_examples_cover_every_event_type_in_the_spec() -> None:
    # messageEdited is newer than this spec snapshot (LINE's SDK has it); it must stay covered.
    assert set(EXAMPLES) == spec_event_types() | {"messageEdited"}


def thread(conversation_id: int | None = None) -> list[Message]:
    statement = sa.select(Message).order_by(Message.sent_at, Message.id)
    if conversation_id is not None:
        statement = statement.where(Message.conversation_id == conversation_id)
    return list(db.session.scalars(statement))


@pytest.mark.parametrize("event_type", sorted(EXAMPLES))
def test_every_event_type_is_stored_and_processed(client, make, event_type: str) -> None:
    channel = make.channel()
    example, expected_line = EXAMPLES[event_type]
    deliver(client, channel, [example])
    assert event_states() == {"processed": 1}, db.session.scalar(sa.select(WebhookEvent.error))
    row = db.session.scalar(sa.select(WebhookEvent))
    assert row.payload == example  # raw, exactly as LINE sent it
    lines = [line for line in thread() if line.type not in ACTIVITY_TYPES]
    if expected_line is None:
        assert all(line.direction is not Direction.EVENT for line in lines)
    else:
        assert [(line.direction.value, line.type) for line in lines] == [expected_line]
    tokens = db.session.scalars(sa.select(ReplyToken.token)).all()
    assert tokens == (["r"] if example.get("replyToken") == "r" else tokens)


@pytest.mark.parametrize("fixture", ["webhook-v3.json", "webhook-v2.json"])
def test_line_sdk_fixture_bodies_process_without_failures(client, make, fixture: str) -> None:
    channel = make.channel()
    events = fixture_events(fixture)
    response = deliver(client, channel, events)
    assert response.json["stored"] == len(events)
    states = db.session.scalars(sa.select(WebhookEvent.state)).all()
    assert set(states) == {EventState.PROCESSED}
    kinds = {(line.direction.value, line.type) for line in thread()}
    for expected in [
        ("incoming", "text"),
        ("incoming", "image"),
        ("incoming", "video"),
        ("incoming", "audio"),
        ("incoming", "location"),
        ("incoming", "sticker"),
        ("incoming", "file"),
        ("incoming", "postback"),
        ("event", "follow"),
        ("event", "unfollow"),
        ("event", "join"),
        ("event", "leave"),
        ("event", "beacon"),
        ("event", "accountLink"),
        ("event", "memberJoined"),
        ("event", "memberLeft"),
        ("event", "videoPlayComplete"),
        ("event", "unsupported"),
    ]:
        assert expected in kinds, expected
    sources = set(db.session.scalars(sa.select(Conversation.source_type)))
    assert sources == {SourceType.USER, SourceType.GROUP, SourceType.ROOM}


def test_text_with_emojis_and_mentions_keeps_them(client, make) -> None:
    channel = make.channel()
    content = {
        "type": "text",
        "text": "@Sato $ ขอบคุณ",
        "quoteToken": "q",
        "emojis": [{"index": 7, "length": 1, "productId": "5ac1bfd5", "emojiId": "001"}],
        "mention": {
            "mentionees": [{"index": 0, "length": 5, "userId": "U" + "9" * 32, "type": "user"}]
        },
        "markAsReadToken": "mark-1",
        "quotedMessageId": "123",
    }
    deliver(client, channel, [message_event(content, source=group_source())])
    (message,) = thread()
    assert message.payload["emojis"][0]["emojiId"] == "001"
    assert message.payload["mention"]["mentionees"][0]["userId"] == "U" + "9" * 32
    assert (message.quote_token, message.quoted_message_id) == ("q", "123")
    assert message.mark_as_read_token == "mark-1"
    assert message.sender.line_user_id == group_source()["userId"]


@pytest.mark.parametrize(
    ("content", "state", "url"),
    [
        ({"type": "image", "contentProvider": {"type": "line"}}, AttachmentState.PENDING, None),
        (
            {"type": "video", "duration": 6000, "contentProvider": {"type": "line"}},
            AttachmentState.PENDING,
            None,
        ),
        (
            {"type": "audio", "duration": 2000, "contentProvider": {"type": "line"}},
            AttachmentState.PENDING,
            None,
        ),
        (
            {"type": "file", "fileName": "見積書.pdf", "fileSize": 2138},
            AttachmentState.PENDING,
            None,
        ),
        (
            {
                "type": "image",
                "contentProvider": {
                    "type": "external",
                    "originalContentUrl": "https://example.com/a.jpg",
                    "previewImageUrl": "https://example.com/p.jpg",
                },
            },
            AttachmentState.EXTERNAL,
            "https://example.com/a.jpg",
        ),
    ],
)
def test_media_messages_get_an_attachment_waiting_to_be_fetched(
    client, make, content, state, url
) -> None:
    channel = make.channel()
    deliver(client, channel, [message_event(content)])
    attachment = db.session.scalar(sa.select(Attachment))
    assert attachment.kind == content["type"]
    assert attachment.state is state
    assert attachment.original_url == url
    if content["type"] == "file":
        assert (attachment.file_name, attachment.file_size) == ("見積書.pdf", 2138)


def test_follow_unfollow_track_the_contacts_state(client, make) -> None:
    channel = make.channel()
    deliver(client, channel, [event("follow", follow={"isUnblocked": False}, replyToken="r1")])
    contact = db.session.scalar(sa.select(Contact))
    assert contact.follow_state is FollowState.FOLLOWING
    deliver(client, channel, [event("unfollow")])
    db.session.refresh(contact)
    assert contact.follow_state is FollowState.BLOCKED and contact.blocked_at is not None
    deliver(client, channel, [event("follow", follow={"isUnblocked": True}, replyToken="r2")])
    db.session.refresh(contact)
    assert contact.follow_state is FollowState.FOLLOWING
    assert [line.payload for line in thread() if line.type == "follow"][-1] == {"isUnblocked": True}


def test_group_join_members_and_leave(client, make) -> None:
    channel = make.channel()
    group = group_source(user_id=None)
    alice, bob = "U" + "a" * 32, "U" + "b" * 32
    members = {"members": [{"type": "user", "userId": alice}, {"type": "user", "userId": bob}]}
    deliver(
        client,
        channel,
        [
            event("join", source=group, replyToken="r"),
            event("memberJoined", source=group, joined=members, replyToken="r2"),
            text_event("こんにちは", source=group_source(group["groupId"], alice)),
            event("memberLeft", source=group, left={"members": [members["members"][1]]}),
            event("leave", source=group),
        ],
    )
    conversation = db.session.scalar(sa.select(Conversation))
    assert conversation.source_type is SourceType.GROUP and not conversation.bot_is_member
    state = {
        member.contact.line_user_id: member.left_at is None
        for member in db.session.scalars(sa.select(ConversationMember))
    }
    assert state == {alice: True, bob: False}
    assert [line.type for line in thread()] == [
        "join",
        "memberJoined",
        "text",
        "memberLeft",
        "leave",
        "status_changed",  # resolved automatically: nobody can answer there any more
    ]


def test_room_messages_land_in_the_room(client, make) -> None:
    channel = make.channel()
    deliver(client, channel, [text_event("hi room", source=room_source())])
    conversation = db.session.scalar(sa.select(Conversation))
    assert conversation.source_type is SourceType.ROOM
    assert conversation.source_id == room_source()["roomId"]


def test_incoming_messages_count_unread_and_reopen_resolved(client, make) -> None:
    channel = make.channel()
    deliver(client, channel, [text_event("one"), text_event("two")])
    conversation = db.session.scalar(sa.select(Conversation))
    assert conversation.unread_count == 2
    conversation.status = ConversationStatus.RESOLVED
    db.session.commit()
    deliver(client, channel, [text_event("three"), event("beacon", beacon={"hwid": "d4"})])
    db.session.refresh(conversation)
    assert conversation.unread_count == 3
    assert conversation.status is ConversationStatus.OPEN


def test_unsend_flags_the_message_but_keeps_it(client, make) -> None:
    channel = make.channel()
    original = text_event("secret coupon code 1234")
    deliver(client, channel, [original])
    deliver(client, channel, [event("unsend", unsend={"messageId": original["message"]["id"]})])
    (message,) = thread()
    assert message.unsent_at is not None
    assert message.text == "secret coupon code 1234"


def test_unsend_that_overtakes_its_message_still_applies(client, make) -> None:
    channel = make.channel()
    original = text_event("oops", timestamp=now_millis() - 5000)
    deliver(client, channel, [event("unsend", unsend={"messageId": original["message"]["id"]})])
    deliver(client, channel, [original])
    (message,) = thread()
    assert message.unsent_at is not None and message.text == "oops" and message.type == "text"


def test_edits_in_order_keep_every_earlier_text(client, make) -> None:
    channel = make.channel()
    start = now_millis() - 10_000
    original = text_event("ราคาเท่าไหร่", timestamp=start, source=group_source())
    message_id = original["message"]["id"]
    edit = lambda text, at: event(  # noqa: E731
        "messageEdited",
        source=group_source(),
        timestamp=at,
        message={"id": message_id, "type": "text", "text": text},
    )
    deliver(client, channel, [original, edit("ราคาเท่าไหร่คะ", start + 1000)])
    deliver(client, channel, [edit("ราคาเท่าไหร่คะ?", start + 2000)])
    (message,) = thread()
    assert message.text == "ราคาเท่าไหร่คะ?"
    assert [revision.text for revision in message.revisions] == ["ราคาเท่าไหร่", "ราคาเท่าไหร่คะ"]


def test_edits_out_of_order_show_the_latest(client, make) -> None:
    channel = make.channel()
    start = now_millis() - 10_000
    original = text_event("v1", timestamp=start)
    message_id = original["message"]["id"]
    edit = lambda text, at: event(  # noqa: E731
        "messageEdited", timestamp=at, message={"id": message_id, "type": "text", "text": text}
    )
    deliver(client, channel, [edit("v3", start + 2000)])  # before even the original
    deliver(client, channel, [edit("v2", start + 1000)])
    deliver(client, channel, [original])
    (message,) = thread()
    assert message.text == "v3" and message.type == "text"
    assert sorted(revision.text for revision in message.revisions) == ["v1", "v2"]
    assert [r.text for r in message.revisions] == ["v1", "v2"]  # ordered by when written


def test_standby_events_are_stored_but_their_reply_tokens_are_not_usable(client, make) -> None:
    channel = make.channel()
    deliver(
        client, channel, [text_event("from standby", mode="standby", replyToken="standby-token")]
    )
    assert thread()[0].text == "from standby"
    assert db.session.scalar(sa.select(sa.func.count(ReplyToken.id))) == 0


def test_reply_tokens_are_kept_with_their_receipt_time(client, make) -> None:
    channel = make.channel()
    deliver(client, channel, [text_event("hi", replyToken="tok-1")])
    token = db.session.scalar(sa.select(ReplyToken))
    event_row = db.session.scalar(sa.select(WebhookEvent))
    assert token.token == "tok-1" and token.used_at is None
    assert token.received_at == event_row.received_at
    assert token.conversation_id == db.session.scalar(sa.select(Conversation.id))


def test_unknown_event_type_is_kept_and_shown_as_unsupported(client, make) -> None:
    channel = make.channel()
    strange = event("hologram", hologram={"shape": "cube"}, replyToken="r")
    channel_level = event("somethingNew", source=False)
    deliver(client, channel, [strange, channel_level])
    assert event_states() == {"processed": 2}
    (line,) = thread()
    assert (line.direction, line.type, line.payload) == (Direction.EVENT, "unsupported", strange)
    types = db.session.scalars(sa.select(WebhookEvent.event_type).order_by(WebhookEvent.id)).all()
    assert types == ["hologram", "somethingNew"]


def test_a_processing_failure_is_recorded_and_reprocessing_fixes_it(
    client, make, runner, monkeypatch
) -> None:
    channel = make.channel()

    def broken(ctx) -> None:
        raise RuntimeError("simulated bug in the message handler")

    monkeypatch.setitem(handlers.HANDLERS, "message", broken)
    good, bad = event("follow", follow={"isUnblocked": False}), text_event("keep me")
    response = deliver(client, channel, [good, bad])
    assert response.status_code == 200  # acknowledged: the raw event is safe
    assert event_states() == {"processed": 1, "failed": 1}
    failed = db.session.scalar(
        sa.select(WebhookEvent).where(WebhookEvent.state == EventState.FAILED)
    )
    assert "simulated bug" in failed.error and failed.payload == bad
    assert [line.type for line in thread()] == ["follow"]

    monkeypatch.undo()
    result = runner.invoke(args=["events", "reprocess"])
    assert result.exit_code == 0, result.output
    assert "Processed 1 event(s); 0 failed." in result.output
    db.session.expire_all()
    assert failed.state is EventState.PROCESSED and failed.error is None and failed.attempts == 2
    assert [line.text for line in thread() if line.type == "text"] == ["keep me"]


def test_events_are_derived_off_the_request_by_the_event_worker(client, make) -> None:
    channel = make.channel()
    response = deliver(client, channel, [text_event("later")], derive=False)
    assert response.json == {"received": 1, "stored": 1, "duplicates": 0}
    assert event_states() == {"received": 1} and thread() == []  # nothing derived in the request
    assert drain().processed == 1
    assert thread()[0].text == "later"


def test_a_batch_a_crashed_worker_held_is_taken_again_when_its_lease_runs_out(client, make) -> None:
    channel = make.channel()
    deliver(client, channel, [text_event("stranded")], derive=False)
    assert claim_batch() != []  # a worker claimed it, then died before deriving it
    assert drain().processed == 0  # still leased: nobody else takes it yet
    db.session.execute(sa.update(WebhookEvent).values(lease_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert drain().processed == 1
    assert thread()[0].text == "stranded"


def test_a_restarted_single_process_takes_up_what_the_killed_one_held(client, make) -> None:
    channel = make.channel()
    deliver(client, channel, [text_event("mid-flight")], derive=False)
    assert claim_batch() != []  # then kill -9
    assert release_leases() == 1  # python app.py starting again, the only worker there is
    assert drain().processed == 1 and thread()[0].text == "mid-flight"


def test_reprocessing_tries_a_still_broken_event_once_and_stops(client, make, monkeypatch) -> None:
    channel = make.channel()
    monkeypatch.setitem(handlers.HANDLERS, "message", lambda ctx: 1 / 0)
    deliver(client, channel, [text_event("still broken")])
    done = reprocess()
    assert (done.processed, done.failed) == (0, 1)
    assert event_states() == {"failed": 1}


def test_a_failed_event_is_retried_after_its_delay(client, make, monkeypatch) -> None:
    channel = make.channel()
    monkeypatch.setitem(handlers.HANDLERS, "message", lambda ctx: 1 / 0)
    deliver(client, channel, [text_event("flaky")])
    monkeypatch.undo()
    failed = db.session.scalar(sa.select(WebhookEvent))
    assert failed.state is EventState.FAILED and failed.next_attempt_at > utcnow()
    assert drain().processed == 0  # not due yet
    failed.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert drain().processed == 1 and thread()[0].text == "flaky"


def test_a_chats_events_are_derived_in_lines_order_across_bodies(client, make) -> None:
    channel = make.channel()
    base = now_millis()
    blocked = event("unfollow", timestamp=base + 1000)
    followed = event("follow", timestamp=base, follow={"isUnblocked": False})
    deliver(client, channel, [blocked], derive=False)
    deliver(client, channel, [followed], derive=False)  # a redelivery can come late
    drain()
    contact = db.session.scalar(sa.select(Contact))
    assert contact.follow_state is FollowState.BLOCKED  # follow, then unfollow: LINE's order


def event_states() -> dict[str, int]:
    """How many stored events are in each state."""
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(WebhookEvent.state, sa.func.count()).group_by(WebhookEvent.state)
    )
    return {state.value: count for state, count in rows}


def test_a_batch_reads_what_it_needs_once_not_per_event(client, make, monkeypatch) -> None:
    monkeypatch.setattr(pipeline, "BATCH_SECONDS", 60.0)  # one batch, however slow the machine
    channel = make.channel()
    users = [user_source(f"U{n:032d}") for n in range(10)]
    deliver(client, channel, [text_event("hello", source=user) for user in users])
    busy = [text_event(f"more {n}", source=users[n % 10]) for n in range(100)]
    deliver(client, channel, busy, derive=False)
    reads: list[str] = []

    def count_reads(_conn, _cursor, statement: str, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count_reads)
    try:
        assert drain().processed == 100
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count_reads)
    # Claim, the batch's rows, one lookup per kind of row, the search index: not 100 of any.
    assert len(reads) < 20, reads
    unread = db.session.scalars(sa.select(Conversation.unread_count)).all()
    assert sorted(unread) == [11] * 10


def test_events_of_one_batch_see_what_the_earlier_ones_made(client, make) -> None:
    channel = make.channel()
    first, second = text_event("one"), text_event("two")
    unsent = event("unsend", unsend={"messageId": first["message"]["id"]})
    again = message_event(dict(first["message"]))  # the same LINE message, a new event id
    deliver(client, channel, [first, second, unsent, again, text_event("three")])
    assert event_states() == {"processed": 5}
    lines = [(line.text, line.unsent_at is not None) for line in thread()]
    assert lines == [("one", True), ("two", False), ("three", False)]
    assert db.session.scalar(sa.select(Conversation.unread_count)) == 3


@pytest.mark.parametrize(
    ("shapeless", "shown_as"),
    [
        (event("message", replyToken="r"), "unsupported"),  # no message body at all
        (event("message", message={"id": "1"}), "unsupported"),  # a body without its type
        (event("message", message={"type": "text", "text": "hi"}, source=False), None),  # no chat
        (event("messageEdited", message="not an object"), "unsupported"),
        (event("unsend", unsend={}), "unsupported"),
        (event("memberLeft", source=group_source()), "unsupported"),  # no `left`
        (
            event("memberJoined", source=group_source(), joined={"members": "nobody"}),
            "memberJoined",  # the join is shown; there is nobody to add
        ),
    ],
)
def test_a_known_event_missing_what_its_type_always_has_is_kept_not_failed(
    client, make, shapeless, shown_as
) -> None:
    channel = make.channel()
    deliver(client, channel, [shapeless])
    assert event_states() == {"processed": 1}  # never failed and retried for its shape
    assert db.session.scalar(sa.select(WebhookEvent.payload)) == shapeless
    assert [line.type for line in thread()] == ([shown_as] if shown_as else [])
