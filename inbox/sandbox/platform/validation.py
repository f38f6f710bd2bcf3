"""The Messaging API's request-body rules as data, answered the way LINE answers them.

Every request body and message type is a table of field rules (see `fields`), built from
messaging-api.yml and LINE's reference pages; `enforce(rule, body)` walks a body through its
table and answers LINE's 400: `{"message": "The property, 'x', in the request body is invalid
(line: -, column: -)"}` for a value that cannot be read, or `{"message": "The request body has
N error(s)", "details": [...]}` for values that break the rules.
"""

from __future__ import annotations

import re
from typing import Any

from inbox.sandbox.platform.common import LineError, invalid
from inbox.sandbox.platform.fields import (
    Array,
    Boolean,
    ChatId,
    Integer,
    KeyedObjects,
    Number,
    Object,
    OneOf,
    Rule,
    Text,
    Unreadable,
    Url,
    problems,
)

MAX_TEXT = 5_000

# --- Message objects (https://developers.line.biz/en/reference/messaging-api/#message-objects)

QUICK_REPLY = Object(
    fields={
        "items": Array(
            required=True,
            max_items=13,
            items=Object(
                fields={
                    "type": Text(required=True),
                    "imageUrl": Url(),
                    "action": Object(required=True, fields={"type": Text(required=True)}),
                }
            ),
        )
    }
)
SENDER = Object(fields={"name": Text(not_empty=True, max_length=20), "iconUrl": Url()})
_COMMON = Object(fields={"quickReply": QUICK_REPLY, "sender": SENDER})
_TEXT = Text(required=True, not_empty=True, max_length=MAX_TEXT)
_QUOTE_TOKEN = Text(not_empty=True)
EMOJI = Object(
    fields={
        "index": Integer(required=True, minimum=0),
        "productId": Text(required=True, not_empty=True),
        "emojiId": Text(required=True, not_empty=True),
    }
)
MENTIONEE = OneOf(
    required=True,
    kinds={
        "user": Object(fields={"userId": ChatId(required=True)}),
        "all": Object(),
    },
)
SUBSTITUTION = OneOf(
    required=True,
    kinds={
        "mention": Object(fields={"mentionee": MENTIONEE}),
        "emoji": Object(
            fields={
                "productId": Text(required=True, not_empty=True),
                "emojiId": Text(required=True, not_empty=True),
            }
        ),
    },
)
_ACTIONS = Array(required=True, min_items=1, items=Object(fields={"type": Text(required=True)}))

# In the order LINE lists them in its "Must be one of the following values" answer.
MESSAGE = OneOf(
    kinds={
        "text": _COMMON.extended(
            text=_TEXT,
            emojis=Array(max_items=20, items=EMOJI),
            quoteToken=_QUOTE_TOKEN,
        ),
        "image": _COMMON.extended(
            originalContentUrl=Url(required=True), previewImageUrl=Url(required=True)
        ),
        "video": _COMMON.extended(
            originalContentUrl=Url(required=True),
            previewImageUrl=Url(required=True),
            trackingId=Text(not_empty=True, max_length=100),
        ),
        "audio": _COMMON.extended(
            originalContentUrl=Url(required=True), duration=Integer(required=True, minimum=1)
        ),
        "location": _COMMON.extended(
            title=Text(required=True, not_empty=True, max_length=100),
            address=Text(required=True, not_empty=True, max_length=100),
            latitude=Number(required=True),
            longitude=Number(required=True),
        ),
        "sticker": _COMMON.extended(
            packageId=Text(required=True, not_empty=True),
            stickerId=Text(required=True, not_empty=True),
            quoteToken=_QUOTE_TOKEN,
        ),
        "template": _COMMON.extended(
            altText=Text(required=True, not_empty=True, max_length=400),
            template=Object(required=True, fields={"type": Text(required=True)}),
        ),
        "imagemap": _COMMON.extended(
            baseUrl=Url(required=True),
            altText=Text(required=True, not_empty=True, max_length=1_500),
            baseSize=Object(
                required=True,
                fields={"width": Integer(required=True), "height": Integer(required=True)},
            ),
            actions=_ACTIONS,
        ),
        "flex": _COMMON.extended(
            altText=Text(required=True, not_empty=True, max_length=1_500),
            contents=Object(required=True, fields={"type": Text(required=True)}),
        ),
        "textV2": _COMMON.extended(
            text=_TEXT,
            substitution=KeyedObjects(
                values=SUBSTITUTION, key_pattern=re.compile(r"^[A-Za-z0-9_]{1,20}$"), max_keys=100
            ),
            quoteToken=_QUOTE_TOKEN,
        ),
        "coupon": _COMMON.extended(couponId=Text(required=True, not_empty=True)),
    }
)
MESSAGES = Array(required=True, min_items=1, max_items=5, items=MESSAGE)

# --- Request bodies

REPLY = Object(
    fields={
        "replyToken": Text(required=True, not_empty=True),
        "messages": MESSAGES,
        "notificationDisabled": Boolean(),
    }
)
PUSH = Object(
    fields={
        "to": ChatId(required=True),
        "messages": MESSAGES,
        "notificationDisabled": Boolean(),
        "customAggregationUnits": Array(max_items=1, items=Text(not_empty=True, max_length=30)),
    }
)
VALIDATE = Object(fields={"messages": MESSAGES})
LOADING = Object(fields={"chatId": Text(required=True, not_empty=True)})
MARK_AS_READ = Object(fields={"markAsReadToken": Text(required=True, not_empty=True)})


def enforce(rule: Rule, body: dict[str, Any], *more: dict[str, str]) -> None:
    """Raise LINE's 400 unless `body` follows `rule` (`more`: details found by the caller)."""
    try:
        details = problems(rule, body) + list(more)
    except Unreadable as error:
        raise LineError(
            400,
            f"The property, '{error.where}', in the request body is invalid (line: -, column: -)",
        ) from None
    if details:
        raise invalid(details)
