"""The sandbox refuses message objects as LINE does, field by field, over real HTTP.

Every refusal is checked against messaging-api.yml's ErrorResponse; every body the sandbox
accepts is checked against the spec's request schema, so the rules stay true to LINE.
"""

from __future__ import annotations

import pytest

from tests.sandbox_helpers import call, reply, retry_key
from tests.sandbox_spec import spec

ERROR = "#/components/schemas/ErrorResponse"
MESSAGE_TYPES = (
    "Must be one of the following values: "
    "[text, image, video, audio, location, sticker, template, imagemap, flex, textV2, coupon]"
)
VALIDATE_SENDS = ("reply", "push", "multicast", "narrowcast", "broadcast")
HTTPS = "https://example.com/a.png"
REQUIRED, EMPTY, NOT_HTTPS = "must be specified", "May not be empty", "must be a valid HTTPS URL"


def text(value: str, **more) -> dict:
    return {"type": "text", "text": value, **more}


def image(original: str = HTTPS, preview: str | None = HTTPS) -> dict:
    message = {"type": "image", "originalContentUrl": original}
    return message if preview is None else {**message, "previewImageUrl": preview}


def quick_reply(count: int) -> dict:
    action = {"type": "message", "label": "Yes", "text": "Yes"}
    return {"items": [{"type": "action", "action": action} for _ in range(count)]}


def mention(user_id: str) -> dict:
    return {"type": "mention", "mentionee": {"type": "user", "userId": user_id}}


USER = "U" + "a" * 32
VALID = [
    [text("hello")],
    [text("ก" * 5000)],
    [
        text(
            "$ hi", emojis=[{"index": 0, "productId": "5ac1bfd5040ab15980c9b435", "emojiId": "001"}]
        )
    ],
    [
        {
            "type": "textV2",
            "text": "{who} {all} thanks {smile}",
            "substitution": {
                "who": mention(USER),
                "all": {"type": "mention", "mentionee": {"type": "all"}},
                "smile": {
                    "type": "emoji",
                    "productId": "5ac1bfd5040ab15980c9b435",
                    "emojiId": "001",
                },
            },
        }
    ],
    [{"type": "sticker", "packageId": "446", "stickerId": "1988"}],
    [image()],
    [{"type": "video", "originalContentUrl": HTTPS, "previewImageUrl": HTTPS, "trackingId": "t1"}],
    [{"type": "audio", "originalContentUrl": HTTPS, "duration": 60000}],
    [
        {
            "type": "location",
            "title": "Shop",
            "address": "Bangkok",
            "latitude": 13.7,
            "longitude": 100,
        }
    ],
    [text("pick", quickReply=quick_reply(13), sender={"name": "Mai", "iconUrl": HTTPS})],
    [text(str(n)) for n in range(5)],
]

# (messages, [(detail message, property), ...]) — the details LINE answers, in order.
REFUSED = [
    ([text("")], [(EMPTY, "messages[0].text")]),
    ([{"type": "text"}], [(REQUIRED, "messages[0].text")]),
    ([text("x" * 5001)], [("Length must be between 0 and 5000", "messages[0].text")]),
    ([text("😀" * 2501)], [("Length must be between 0 and 5000", "messages[0].text")]),
    ([], [("Size must be between 1 and 5", "messages")]),
    ([text("a")] * 6, [("Size must be between 1 and 5", "messages")]),
    ([{"text": "no type"}], [(REQUIRED, "messages[0].type")]),
    ([text("ok"), {"type": "hologram"}], [(MESSAGE_TYPES, "messages[1].type")]),
    ([text(""), text("ok"), text("")], [(EMPTY, "messages[0].text"), (EMPTY, "messages[2].text")]),
    (
        [text("$", emojis=[{"index": 0, "productId": "p", "emojiId": "e"}] * 21)],
        [("Size must be between 0 and 20", "messages[0].emojis")],
    ),
    (
        [text("$", emojis=[{"index": -1, "productId": ""}])],
        [
            ("must be greater than or equal to 0", "messages[0].emojis[0].index"),
            (EMPTY, "messages[0].emojis[0].productId"),
            (REQUIRED, "messages[0].emojis[0].emojiId"),
        ],
    ),
    ([{"type": "textV2", "text": ""}], [(EMPTY, "messages[0].text")]),
    (
        [{"type": "textV2", "text": "{a}", "substitution": {"a": {"type": "wave"}}}],
        [
            (
                "Must be one of the following values: [mention, emoji]",
                "messages[0].substitution.a.type",
            )
        ],
    ),
    (
        [{"type": "textV2", "text": "{a}", "substitution": {"a": {"type": "mention"}}}],
        [(REQUIRED, "messages[0].substitution.a.mentionee")],
    ),
    (
        [
            {
                "type": "textV2",
                "text": "{a}",
                "substitution": {"a": {"type": "emoji", "productId": ""}},
            }
        ],
        [
            (EMPTY, "messages[0].substitution.a.productId"),
            (REQUIRED, "messages[0].substitution.a.emojiId"),
        ],
    ),
    (
        [{"type": "textV2", "text": "{a-b}", "substitution": {"a-b": mention(USER)}}],
        [("must match '^[A-Za-z0-9_]{1,20}$'", "messages[0].substitution.a-b")],
    ),
    (
        [{"type": "sticker", "packageId": ""}],
        [(EMPTY, "messages[0].packageId"), (REQUIRED, "messages[0].stickerId")],
    ),
    ([image("http://example.com/a.png")], [(NOT_HTTPS, "messages[0].originalContentUrl")]),
    (
        [image("ftp://x/y", None)],
        [(NOT_HTTPS, "messages[0].originalContentUrl"), (REQUIRED, "messages[0].previewImageUrl")],
    ),
    ([image(HTTPS, "not a url")], [(NOT_HTTPS, "messages[0].previewImageUrl")]),
    (
        [image("https://example.com/" + "a" * 1981)],
        [("Length must be between 0 and 2000", "messages[0].originalContentUrl")],
    ),
    (
        [
            {
                "type": "video",
                "originalContentUrl": HTTPS,
                "previewImageUrl": HTTPS,
                "trackingId": "t" * 101,
            }
        ],
        [("Length must be between 0 and 100", "messages[0].trackingId")],
    ),
    ([{"type": "audio", "originalContentUrl": HTTPS}], [(REQUIRED, "messages[0].duration")]),
    (
        [{"type": "audio", "originalContentUrl": HTTPS, "duration": 0}],
        [("must be greater than or equal to 1", "messages[0].duration")],
    ),
    (
        [{"type": "location", "title": "t" * 101, "address": "", "latitude": 1}],
        [
            ("Length must be between 0 and 100", "messages[0].title"),
            (EMPTY, "messages[0].address"),
            (REQUIRED, "messages[0].longitude"),
        ],
    ),
    (
        [text("q", quickReply=quick_reply(14))],
        [("Size must be between 0 and 13", "messages[0].quickReply.items")],
    ),
    (
        [text("q", quickReply={"items": [{"type": "action"}]})],
        [(REQUIRED, "messages[0].quickReply.items[0].action")],
    ),
    (
        [text("s", sender={"name": "n" * 21, "iconUrl": "http://example.com/i.png"})],
        [
            ("Length must be between 0 and 20", "messages[0].sender.name"),
            (NOT_HTTPS, "messages[0].sender.iconUrl"),
        ],
    ),
    ([{"type": "flex"}], [(REQUIRED, "messages[0].altText"), (REQUIRED, "messages[0].contents")]),
    (
        [{"type": "template", "altText": "a" * 401, "template": {"type": "buttons"}}],
        [("Length must be between 0 and 400", "messages[0].altText")],
    ),
    ([{"type": "coupon", "couponId": ""}], [(EMPTY, "messages[0].couponId")]),
]

PUSH, VALIDATE_PUSH = "/v2/bot/message/push", "/v2/bot/message/validate/push"
# (body, property, paths): validate takes only `messages`, so it ignores what push would read.
UNREADABLE = [
    ({"messages": [text({"en": "hi"})]}, "messages[0].text", (PUSH, VALIDATE_PUSH)),
    ({"messages": [text(["hi"])]}, "messages[0].text", (PUSH, VALIDATE_PUSH)),
    ({"messages": "hello"}, "messages", (PUSH, VALIDATE_PUSH)),
    (
        {"messages": [{"type": "audio", "originalContentUrl": HTTPS, "duration": "1s"}]},
        "messages[0].duration",
        (PUSH, VALIDATE_PUSH),
    ),
    ({"messages": [text("hi")], "notificationDisabled": "yes"}, "notificationDisabled", (PUSH,)),
]


@pytest.fixture
def shop(line_sandbox):
    return line_sandbox.provision()


@pytest.fixture
def alice(line_sandbox, shop):
    return line_sandbox.user("Alice", channel=shop)


def refused_as_line_does(answer, problems) -> None:
    assert answer.status_code == 400 and answer.headers["X-Line-Request-Id"]
    body = answer.json()
    spec("messaging-api.yml").check(body, ERROR)
    assert body["message"] == f"The request body has {len(problems)} error(s)"
    assert [(d["message"], d["property"]) for d in body["details"]] == problems


@pytest.mark.parametrize(("messages", "problems"), REFUSED)
@pytest.mark.parametrize("path", [PUSH, VALIDATE_PUSH])
def test_a_broken_message_is_refused_field_by_field(
    line_sandbox, shop, alice, path, messages, problems
) -> None:
    answer = call(line_sandbox, "POST", path, shop, json={"to": alice, "messages": messages})
    refused_as_line_does(answer, problems)
    assert line_sandbox.received(shop, alice) == []


@pytest.mark.parametrize("messages", VALID)
def test_valid_messages_pass_validation_and_are_delivered(
    line_sandbox, shop, alice, messages
) -> None:
    body = {"to": alice, "messages": messages}
    spec("messaging-api.yml").check(body, "#/components/schemas/PushMessageRequest")
    for send in VALIDATE_SENDS:
        checked = call(line_sandbox, "POST", f"/v2/bot/message/validate/{send}", shop, json=body)
        assert checked.status_code == 200 and checked.json() == {}, (send, checked.text)
        assert checked.headers["X-Line-Request-Id"]
    assert line_sandbox.received(shop, alice) == []  # validating sends nothing

    sent = call(line_sandbox, "POST", "/v2/bot/message/push", shop, json=body)
    assert sent.status_code == 200, sent.text
    assert len(line_sandbox.received(shop, alice)) == len(messages)


@pytest.mark.parametrize("send", VALIDATE_SENDS)
def test_every_validate_endpoint_refuses_like_the_send_it_stands_for(
    line_sandbox, shop, send
) -> None:
    path = f"/v2/bot/message/validate/{send}"
    empty = call(line_sandbox, "POST", path, shop, json={"messages": [text("")]})
    refused_as_line_does(empty, [(EMPTY, "messages[0].text")])
    missing = call(line_sandbox, "POST", path, shop, json={})
    refused_as_line_does(missing, [(REQUIRED, "messages")])
    with_key = call(
        line_sandbox,
        "POST",
        path,
        shop,
        json={"messages": [text("hi")]},
        headers={"X-Line-Retry-Key": retry_key()},
    )
    assert with_key.status_code == 400
    assert with_key.json() == {"message": "The retry key is not supported by this API"}
    anonymous = call(line_sandbox, "POST", path, json={"messages": [text("hi")]})
    assert anonymous.status_code == 401


def test_reply_checks_its_body_before_its_token(line_sandbox, shop, alice) -> None:
    line_sandbox.say(shop, alice, "hello")
    token = line_sandbox.events(shop, "message")[0]["replyToken"]
    refused = reply(line_sandbox, shop, token, text(""))
    refused_as_line_does(refused, [(EMPTY, "messages[0].text")])
    refused_as_line_does(reply(line_sandbox, shop, "", text("hi")), [(EMPTY, "replyToken")])
    # The refused reply did not use the token up.
    answered = reply(line_sandbox, shop, token, text("hi"))
    assert answered.status_code == 200
    assert [m["text"] for m in line_sandbox.received(shop, alice)] == ["hi"]


@pytest.mark.parametrize(("body", "where", "paths"), UNREADABLE)
def test_a_value_of_the_wrong_json_type_makes_the_body_unreadable(
    line_sandbox, shop, alice, body, where, paths
) -> None:
    for path in paths:
        answer = call(line_sandbox, "POST", path, shop, json={"to": alice, **body})
        assert answer.status_code == 400
        unreadable = f"The property, '{where}', in the request body is invalid"
        assert answer.json() == {"message": f"{unreadable} (line: -, column: -)"}
        spec("messaging-api.yml").check(answer.json(), ERROR)
    assert line_sandbox.received(shop, alice) == []


@pytest.mark.parametrize(
    ("message", "more"),
    [
        ({"type": "sticker", "packageId": 446, "stickerId": 1988}, {}),
        ({"type": "audio", "originalContentUrl": HTTPS, "duration": "60000"}, {}),
        (text("hi"), {"notificationDisabled": "true"}),
    ],
)
def test_scalars_are_read_as_the_fields_type(line_sandbox, shop, alice, message, more) -> None:
    """LINE's JSON reader coerces scalars (446 reads as "446"), so these are not refused."""
    body = {"to": alice, "messages": [message], **more}
    assert call(line_sandbox, "POST", VALIDATE_PUSH, shop, json=body).status_code == 200
    assert call(line_sandbox, "POST", PUSH, shop, json=body).status_code == 200
    assert len(line_sandbox.received(shop, alice)) == 1
