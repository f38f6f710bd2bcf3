"""Hypothesis sends the webhook LINE-shaped bodies, correctly signed: known and unknown event
types, every kind of source, messages with hostile text (NUL, lone UTF-16 halves, right-to-left
marks, long runs), odd and deeply nested JSON, huge numbers. Whatever it sends: never a 500,
and no partial write: a 200 stored every event of the body exactly once, any refusal stored
nothing. Bounded and derandomized; the counts are printed (`pytest -s`)."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inbox.extensions import db
from inbox.models import WebhookEvent
from tests.line_events import deliver, event_id, now_millis

BODIES = 150

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "\ud83d",  # a lone UTF-16 half: JSON carries it as an escape
            "x\udc00y",
            "\u202egnp.exe",
            "ก" * 5_000,
            "'; DROP TABLE webhook_events; --",
            "%s%n{0}",
            "🙂" * 100,
        ]
    ),
)
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**31, 2**63, 10**40]),
    st.floats(allow_nan=False, allow_infinity=False),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, HOSTILE)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE, inner, max_size=4),
    max_leaves=12,
)


DEEP_MARK = re.compile(r'"@@deep (\d+)@@"')
# Deep values are spliced into the JSON text: json.dumps (and Hypothesis's reports) would
# recurse past Python's limit on them, as the app must not.
DEEP = st.one_of(st.integers(1, 60), st.integers(61, 3_000)).map(lambda n: f"@@deep {n}@@")
ODD = JSON


def _nested(found: re.Match[str]) -> str:
    depth = int(found[1])
    return '{"deeper": [' * depth + '"bottom"' + "]}" * depth


def as_json(batch: list[dict[str, Any]]) -> bytes:
    text = json.dumps({"destination": "U" + "b0" * 16, "events": batch})
    return DEEP_MARK.sub(_nested, text).encode()


LINE_ID = st.one_of(
    st.sampled_from(["U" + "1" * 32, "C" + "2" * 32, "R" + "4" * 32]),
    HOSTILE,
)
SOURCES = st.one_of(
    st.builds(lambda user: {"type": "user", "userId": user}, LINE_ID),
    st.builds(
        lambda group, user: {"type": "group", "groupId": group, "userId": user}, LINE_ID, LINE_ID
    ),
    st.builds(lambda room: {"type": "room", "roomId": room}, LINE_ID),
    st.dictionaries(HOSTILE, JSON, max_size=3),
)
KNOWN_TYPES = st.sampled_from(
    [
        "message",
        "follow",
        "unfollow",
        "join",
        "leave",
        "memberJoined",
        "memberLeft",
        "postback",
        "unsend",
        "messageEdited",
        "videoPlayComplete",
        "beacon",
        "accountLink",
        "membership",
    ]
)
EVENT_TYPES = st.one_of(
    KNOWN_TYPES,
    KNOWN_TYPES,
    st.text(min_size=1, max_size=64).filter(str.strip),  # types LINE may add one day
    st.sampled_from(["message\x00", "\ud83d", "ข้อความ", "__proto__"]),
)
MESSAGES = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["text", "image", "video", "audio", "file", "location", "sticker"])
        | HOSTILE,
        "id": st.one_of(st.integers(1, 10**18).map(str), HOSTILE, NUMBERS),
    },
    optional={
        "text": HOSTILE,
        "quoteToken": HOSTILE,
        "emojis": ODD,
        "mention": ODD,
        "contentProvider": st.just({"type": "external", "originalContentUrl": "javascript:x"})
        | ODD,
        "packageId": HOSTILE,
        "stickerId": HOSTILE,
        "latitude": NUMBERS,
        "longitude": NUMBERS,
        "fileName": HOSTILE,
        "fileSize": NUMBERS,
    },
)


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": draw(EVENT_TYPES),
        "mode": draw(st.sampled_from(["active", "standby"]) | HOSTILE),
        "timestamp": draw(st.just(now_millis()) | st.integers(0, 253_402_300_799_999)),
        "webhookEventId": event_id(),
        "deliveryContext": {"isRedelivery": draw(st.booleans())},
    }
    if draw(st.booleans()):
        event["source"] = draw(SOURCES)
    if event["type"] == "message" or draw(st.booleans()):
        event["message"] = draw(MESSAGES)
    for name in draw(
        st.lists(
            st.sampled_from(
                ["replyToken", "postback", "joined", "left", "unsend", "beacon", "link", "things"]
            ),
            max_size=3,
        )
    ):
        event[name] = draw(ODD)
    return event


@st.composite
def bodies(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A body's events; now and then one nested deep, or one LINE would never send, which
    refuses the body. Mostly what LINE sends, so most bodies are stored and derived."""
    batch = draw(st.lists(events(), min_size=0, max_size=6))
    if batch and draw(st.integers(0, 7)) == 0:
        batch[0]["message"] = {"type": "text", "id": "1", "text": "x", "mention": draw(DEEP)}
    if batch and draw(st.integers(0, 9)) == 0:
        index = draw(st.integers(0, len(batch) - 1))
        field = draw(st.sampled_from(["timestamp", "webhookEventId", "type", "deliveryContext"]))
        batch[index][field] = draw(st.one_of(ODD, st.just(10**40), st.just(-1)))
    return batch


def stored_ids(channel_id: int) -> Counter[str]:
    rows = db.session.scalars(
        sa.select(WebhookEvent.webhook_event_id).where(WebhookEvent.channel_id == channel_id)
    )
    return Counter(rows)


def test_fuzzed_webhook_bodies_are_stored_whole_or_not_at_all(client, make) -> None:
    channel = make.channel()
    statuses: Counter[int] = Counter()

    @settings(
        max_examples=BODIES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(batch=bodies())
    def deliver_one(batch: list[dict[str, Any]]) -> None:
        before = stored_ids(channel.id)
        answer = deliver(client, channel, raw=as_json(batch))
        statuses[answer.status_code] += 1
        after = stored_ids(channel.id)
        assert answer.status_code in (200, 400, 413), answer.get_data(as_text=True)[:500]
        if answer.status_code == 200:
            assert answer.json["stored"] == len(batch)
            assert after - before == Counter(event["webhookEventId"] for event in batch)
        else:
            assert after == before

    deliver_one()
    print(f"\nwebhook fuzz: {statuses.total()} bodies, statuses {dict(sorted(statuses.items()))}")
    assert statuses[500] == 0 and statuses[200] > 0 and statuses[400] > 0
