"""The sandbox's JSON answers and webhook bodies match LINE's OpenAPI specs."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests

from inbox.line.assertion import ASSERTION_TYPE, sign_assertion
from tests.sandbox_helpers import TIMEOUT, retry_key
from tests.sandbox_spec import check_event, spec

MESSAGING, TOKENS = "messaging-api.yml", "channel-access-token.yml"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass
class Call:
    document: str
    path: str  # the spec's path template
    method: str
    response: requests.Response


class Recorder:
    """Calls the sandbox by the spec's path templates and keeps every answer for checking."""

    def __init__(self, line_sandbox) -> None:
        self.sandbox = line_sandbox
        self.calls: list[Call] = []

    def __call__(
        self, method, template, channel=None, *, document=MESSAGING, values=None, **kwargs
    ):
        blob = "/content" in template
        base = self.sandbox.data_base_url if blob else self.sandbox.api_base_url
        headers = {
            **(self.sandbox.headers(channel) if channel else {}),
            **kwargs.pop("headers", {}),
        }
        url = base + template.format(**(values or {}))
        response = requests.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
        self.calls.append(Call(document, template, method, response))
        return response


def check(call: Call) -> None:
    document = spec(call.document)
    operation = document.operation(call.path, call.method)
    status = call.response.status_code
    assert call.response.headers.get("X-Line-Request-Id"), call.path
    ref = document.response_ref(call.path, call.method, status)
    if status >= 400:
        # Documented or not (LINE documents few), every error has the document's error shape.
        ref = ref or "#/components/schemas/ErrorResponse"
    elif status not in (200, 202) or str(status) not in operation["responses"]:
        pytest.fail(f"{call.method} {call.path} answered {status}, not documented")
    if ref is None:
        content = operation["responses"][str(status)].get("content", {})
        if "*/*" in content:
            assert call.response.content is not None
        return
    assert call.response.headers["Content-Type"].startswith("application/json")
    document.check(call.response.json(), ref)


def test_every_covered_operation_answers_as_the_spec_says(line_sandbox, app) -> None:
    app.config["SANDBOX_TRANSCODING_SECONDS"] = 0
    shop = line_sandbox.provision(quota=1)
    alice = line_sandbox.user("Alice", channel=shop, status_message="hi", language="ja")
    bob = line_sandbox.user("Bob")
    group = line_sandbox.group([alice, bob], "Team", channel=shop)
    room = line_sandbox.room([alice, bob], channel=shop)
    text = line_sandbox.say(shop, alice, "hello")
    image = line_sandbox.send_media(shop, alice, "image", PNG, "a.png")
    video = line_sandbox.send_media(shop, alice, "video", b"\x00" * 64, "v.mp4")
    token = line_sandbox.events(shop, "message")[0]["replyToken"]
    call = Recorder(line_sandbox)
    ids = {"userId": alice, "groupId": group, "roomId": room}
    one = {"type": "text", "text": "hi"}

    call("POST", "/v2/bot/message/reply", shop, json={"replyToken": token, "messages": [one]})
    call("POST", "/v2/bot/message/reply", shop, json={"replyToken": token, "messages": [one]})
    call("POST", "/v2/bot/message/reply", shop, json={"messages": []})
    key = retry_key()
    call(
        "POST",
        "/v2/bot/message/push",
        shop,
        json={"to": alice, "messages": [one]},
        headers={"X-Line-Retry-Key": key},
    )
    call(
        "POST",
        "/v2/bot/message/push",
        shop,
        json={"to": alice, "messages": [one]},
        headers={"X-Line-Retry-Key": key},
    )
    call("POST", "/v2/bot/message/push", shop, json={"to": alice, "messages": [one]})  # over quota
    call("POST", "/v2/bot/message/push", shop, json={"to": alice, "messages": [{"type": "x"}]})
    call("POST", "/v2/bot/message/push", json={"to": alice, "messages": [one]})  # no token
    empty = {"type": "text", "text": ""}
    call("POST", "/v2/bot/message/push", shop, json={"to": alice, "messages": [empty]})
    call("POST", "/v2/bot/message/push", shop, json={"to": "nobody", "messages": [one]})
    for send in ("reply", "push", "multicast", "narrowcast", "broadcast"):
        path = f"/v2/bot/message/validate/{send}"
        assert call("POST", path, shop, json={"messages": [one]}).json() == {}
        call("POST", path, shop, json={"messages": [empty, {"type": "hologram"}]})
        call("POST", path, shop, json={"messages": [{"type": "text", "text": ["hi"]}]})
    call("GET", "/v2/bot/message/quota", shop)
    call("GET", "/v2/bot/message/quota/consumption", shop)
    call("GET", "/v2/bot/profile/{userId}", shop, values=ids)
    call("GET", "/v2/bot/profile/{userId}", shop, values={"userId": bob})
    call("GET", "/v2/bot/info", shop)
    call("GET", "/v2/bot/group/{groupId}/summary", shop, values=ids)
    call("GET", "/v2/bot/group/{groupId}/members/count", shop, values=ids)
    call("GET", "/v2/bot/room/{roomId}/members/count", shop, values=ids)
    call("GET", "/v2/bot/group/{groupId}/members/ids", shop, values=ids)
    call("GET", "/v2/bot/room/{roomId}/members/ids", shop, values=ids)
    call("GET", "/v2/bot/group/{groupId}/member/{userId}", shop, values=ids)
    call("GET", "/v2/bot/room/{roomId}/member/{userId}", shop, values=ids)
    call("POST", "/v2/bot/chat/loading/start", shop, json={"chatId": alice, "loadingSeconds": 5})
    call("POST", "/v2/bot/chat/loading/start", shop, json={"chatId": alice, "loadingSeconds": 3})
    call("POST", "/v2/bot/chat/markAsRead", shop, json={"markAsReadToken": text.mark_as_read_token})
    call("POST", "/v2/bot/chat/markAsRead", shop, json={"markAsReadToken": "nope"})
    call("POST", "/v2/bot/message/markAsRead", shop, json={"chat": {"userId": alice}})
    call("GET", "/v2/bot/channel/webhook/endpoint", shop)
    call(
        "PUT",
        "/v2/bot/channel/webhook/endpoint",
        shop,
        json={"endpoint": f"{line_sandbox.base_url}/webhooks/line/{shop.channel_id}"},
    )
    call("POST", "/v2/bot/channel/webhook/test", shop, json={})
    for message in (image, video):
        values = {"messageId": message.message_id}
        call("GET", "/v2/bot/message/{messageId}/content", shop, values=values)
        call("GET", "/v2/bot/message/{messageId}/content/preview", shop, values=values)
        call("GET", "/v2/bot/message/{messageId}/content/transcoding", shop, values=values)
    call("GET", "/v2/bot/message/{messageId}/content/transcoding", shop, values={"messageId": "1"})
    call("POST", "/v2/bot/group/{groupId}/leave", shop, values=ids)
    call("POST", "/v2/bot/group/{groupId}/leave", shop, values=ids)
    call("POST", "/v2/bot/room/{roomId}/leave", shop, values=ids)
    form = {
        "grant_type": "client_credentials",
        "client_id": shop.channel_id,
        "client_secret": shop.secret,
    }
    issued = call("POST", "/v2/oauth/accessToken", document=TOKENS, data=form)
    call("POST", "/v2/oauth/accessToken", document=TOKENS, data={**form, "client_secret": "x"})
    call(
        "POST",
        "/v2/oauth/verify",
        document=TOKENS,
        data={"access_token": issued.json()["access_token"]},
    )
    call("POST", "/oauth2/v3/token", document=TOKENS, data=form)
    call("GET", "/oauth2/v2.1/verify", document=TOKENS, params={"access_token": shop.access_token})
    call(
        "POST",
        "/v2/oauth/revoke",
        document=TOKENS,
        data={"access_token": issued.json()["access_token"]},
    )
    jwk = line_sandbox.assertion_key(shop)
    asserted = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": sign_assertion(shop.channel_id, jwk, jwk["kid"], token_lifetime=3600),
    }
    v21 = call("POST", "/oauth2/v2.1/token", document=TOKENS, data=asserted)
    call("POST", "/oauth2/v3/token", document=TOKENS, data={**asserted})
    kid_query = {key: asserted[key] for key in ("client_assertion_type", "client_assertion")}
    kids = call("GET", "/oauth2/v2.1/tokens/kid", document=TOKENS, params=kid_query)
    assert kids.json()["kids"] == [v21.json()["key_id"]]
    call(
        "POST",
        "/oauth2/v2.1/revoke",
        document=TOKENS,
        data={**form, "access_token": v21.json()["access_token"]},
    )

    statuses = {(c.path, c.method, c.response.status_code) for c in call.calls}
    refusals = [c.response.json() for c in call.calls if "/validate/" in c.path]
    assert {len(r.get("details", [])) for r in refusals if "message" in r} == {0, 2}
    assert {
        ("/v2/bot/message/push", "POST", code) for code in (200, 400, 401, 409, 429)
    } <= statuses
    for recorded in call.calls:
        check(recorded)
    covered = {(c.document, c.path, c.method) for c in call.calls}
    assert len(covered) == 37  # every operation the sandbox covers


def test_webhook_bodies_match_webhook_yml(line_sandbox) -> None:
    shop = line_sandbox.provision()
    alice = line_sandbox.user("Alice", channel=shop)
    bob = line_sandbox.user("Bob", channel=shop)
    group = line_sandbox.group([alice], channel=shop)
    room = line_sandbox.room([alice, bob], channel=shop)
    line_sandbox.say(shop, alice, "hello")
    line_sandbox.say(shop, alice, "in the group", chat=("group", group))
    line_sandbox.say(shop, bob, "in the room", chat=("room", room))
    line_sandbox.send_sticker(shop, alice)
    line_sandbox.send_location(shop, alice)
    line_sandbox.say(shop, alice, "😀 thanks (love)(star)")
    for kind, name in (
        ("image", "a.png"),
        ("video", "a.mp4"),
        ("audio", "a.m4a"),
        ("file", "a.txt"),
    ):
        line_sandbox.send_media(shop, alice, kind, b"data", name)
    sent = line_sandbox.say(shop, alice, "oops")
    line_sandbox.unsend(sent)
    line_sandbox.postback(shop, alice, "a=1")
    line_sandbox.add_member(group, bob)
    line_sandbox.remove_member(group, bob)
    line_sandbox.unfollow(shop, alice)
    events = line_sandbox.events(shop)
    kinds = {e["type"] for e in events} | {
        e["message"]["type"] for e in events if e["type"] == "message"
    }
    assert kinds >= {
        "follow",
        "join",
        "message",
        "unsend",
        "postback",
        "memberJoined",
        "memberLeft",
        "unfollow",
        "text",
        "sticker",
        "location",
        "image",
        "video",
        "audio",
        "file",
    }
    (with_emoji,) = [e["message"] for e in events if e.get("message", {}).get("emojis")]
    # LINE emoji sit in the text as "(name)", placed in UTF-16 code units (😀 is two).
    assert [(e["index"], e["length"], e["emojiId"]) for e in with_emoji["emojis"]] == [
        (10, 6, "001"),
        (16, 6, "007"),
    ]
    for event in events:
        check_event(event)
    spec("webhook.yml").check(
        {"destination": shop.bot_user_id, "events": events}, "#/components/schemas/CallbackRequest"
    )
