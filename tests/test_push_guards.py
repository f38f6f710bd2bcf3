"""Guards on every paid push: a reply needs an unused token, a push must fit LINE's monthly quota
(kept a minute per channel) and the channel's daily push budget, and a refusal is a clear 409
before anything reaches LINE (here a scripted server and the sandbox, over real HTTP)."""

from __future__ import annotations

import pytest
import requests
import sqlalchemy as sa

from inbox.extensions import db
from inbox.jobs import run_due_jobs
from inbox.models import Conversation, DeliveryState, ReplyToken, Role, SendMode
from tests.line_events import deliver, group_source, text_event
from tests.line_stub import Reply
from tests.sandbox_flows import eventually
from tests.test_admin_channels import channel_form, the_channel
from tests.test_sending import (
    SENT,
    conversation_with_message,
    outgoing,
    pushes,
    quiet_conversation,
    send,
)

QUOTA = "/v2/bot/message/quota"
CONSUMPTION = "/v2/bot/message/quota/consumption"


@pytest.fixture
def agent(make):
    return make.auth_header(Role.AGENT)


def line_quota(stub, limit: int, used: int) -> None:
    stub.route(QUOTA, Reply(200, {"type": "limited", "value": limit}))
    stub.route(CONSUMPTION, Reply(200, {"totalUsage": used}))


def quota_calls(stub) -> int:
    return sum(1 for seen in stub.seen if seen.path.split("?")[0].endswith(QUOTA))


def composer(client, headers, conversation) -> dict:
    answer = client.get(f"/api/conversations/{conversation.id}/composer", headers=headers)
    assert answer.status_code == 200
    return answer.json


def test_the_composer_knows_per_conversation_whether_a_free_reply_is_possible(
    client, make, stub, agent
) -> None:
    line_quota(stub, 500, 0)
    fresh = conversation_with_message(client, make, replyToken="fresh")
    channel = fresh.channel
    deliver(
        client,
        channel,
        [text_event("มีใครอยู่ไหม", source={"type": "user", "userId": "U" + "9" * 32})],
    )
    quiet = db.session.scalars(sa.select(Conversation).where(Conversation.id != fresh.id)).one()
    db.session.execute(sa.delete(ReplyToken).where(ReplyToken.conversation_id == quiet.id))
    db.session.commit()

    assert composer(client, agent, fresh)["reply_available"] is True
    hint = composer(client, agent, quiet)
    assert hint["reply_available"] is False and hint["reply_seconds_left"] is None
    assert hint["push"]["refused"] is None


def test_reply_only_without_a_token_is_refused_for_photos_too(client, make, stub, agent) -> None:
    conversation = quiet_conversation(client, make)
    refused = client.post(
        f"/api/conversations/{conversation.id}/attachments",
        data={"mode": "reply", "file": (open_png(), "menu.png", "image/png")},
        headers=agent,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 409 and "reply token" in refused.json["message"]
    run_due_jobs()
    assert outgoing() == []
    assert not any("/v2/bot/message/" in seen.path for seen in stub.seen)


def open_png():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def test_quota_numbers_are_asked_once_a_minute_and_follow_our_own_pushes(
    client, make, stub, agent
) -> None:
    line_quota(stub, 500, 120)
    stub.route("/v2/bot/message/push", Reply(200, SENT))
    conversation = quiet_conversation(client, make)
    for _ in range(3):  # the composer polls every few seconds
        hint = composer(client, agent, conversation)
    assert hint["push"]["quota"] == {"type": "limited", "limit": 500, "used": 120, "remaining": 380}
    assert hint["push"]["chat"] == "user" and hint["push"]["recipients"] == 1
    assert quota_calls(stub) == 1

    assert send(client, agent, conversation, text="ส่งของแล้วค่ะ", mode="push").status_code == 202
    run_due_jobs()
    assert outgoing()[0].send_mode is SendMode.PUSH
    assert composer(client, agent, conversation)["push"]["quota"]["remaining"] == 379
    assert quota_calls(stub) == 1


def test_a_push_over_the_monthly_quota_is_refused_before_it_reaches_line(
    client, make, stub, agent
) -> None:
    line_quota(stub, 500, 500)
    conversation = quiet_conversation(client, make)
    for mode in ("push", "auto"):  # automatic would push: no reply token is left
        refused = send(client, agent, conversation, text="สวัสดีค่ะ", mode=mode)
        assert refused.status_code == 409
        assert "quota" in refused.json["message"]
    assert "quota" in composer(client, agent, conversation)["push"]["refused"]
    run_due_jobs()
    assert outgoing() == [] and pushes(stub) == []


def test_the_daily_push_budget_refuses_pushes_beyond_it_but_not_free_replies(
    client, make, stub, agent
) -> None:
    line_quota(stub, 500, 0)
    stub.route("/v2/bot/message/push", Reply(200, SENT))
    stub.route("/v2/bot/message/reply", Reply(200, {"sentMessages": [{"id": "9002"}]}))
    conversation = quiet_conversation(client, make)
    conversation.channel.push_budget_per_day = 1
    db.session.commit()
    assert composer(client, agent, conversation)["push"]["budget"] == {
        "limit": 1,
        "used": 0,
        "remaining": 1,
    }

    assert send(client, agent, conversation, text="first", mode="push").status_code == 202
    run_due_jobs()
    refused = send(client, agent, conversation, text="second", mode="push")
    assert refused.status_code == 409 and "budget" in refused.json["message"]
    hint = composer(client, agent, conversation)
    assert hint["push"]["budget"] == {"limit": 1, "used": 1, "remaining": 0}
    assert "budget" in hint["push"]["refused"]
    assert len(pushes(stub)) == 1

    # The customer writes again: a free reply costs nothing, so the budget does not stop it.
    deliver(client, conversation.channel, [text_event("ยังอยู่ไหมคะ", replyToken="new-token")])
    assert send(client, agent, conversation, text="อยู่ค่ะ").status_code == 202
    run_due_jobs()
    assert [(m.text, m.send_mode) for m in outgoing()] == [
        ("first", SendMode.PUSH),
        ("อยู่ค่ะ", SendMode.REPLY),
    ]


def test_a_push_to_a_group_counts_once_for_each_member(client, make, stub, agent) -> None:
    line_quota(stub, 500, 480)
    channel = make.channel()
    deliver(client, channel, [text_event("ใครสั่งเค้ก", source=group_source())])
    group = db.session.scalar(sa.select(Conversation))
    group.member_count = 37
    db.session.execute(sa.delete(ReplyToken))
    db.session.commit()
    hint = composer(client, agent, group)
    assert (hint["push"]["chat"], hint["push"]["recipients"]) == ("group", 37)
    assert "37" in hint["push"]["refused"] and "20" in hint["push"]["refused"]
    assert send(client, agent, group, text="แจ้งทุกคน", mode="push").status_code == 409
    assert pushes(stub) == []


def test_a_retry_is_a_push_and_respects_the_budget(client, make, stub, agent) -> None:
    line_quota(stub, 500, 0)
    stub.route("/v2/bot/message/push", Reply(400, {"message": "The request body is invalid"}))
    conversation = quiet_conversation(client, make)
    send(client, agent, conversation, text="one", mode="push")
    run_due_jobs()
    (failed,) = outgoing()
    assert failed.delivery_state is DeliveryState.FAILED
    conversation.channel.push_budget_per_day = 0
    db.session.commit()
    refused = client.post(f"/api/messages/{failed.id}/retry", headers=agent)
    assert refused.status_code == 409 and "budget" in refused.json["message"]
    assert len(pushes(stub)) == 1


def test_admins_set_and_clear_a_channels_daily_push_budget(client, make) -> None:
    admin = make.auth_header(Role.ADMIN)
    assert client.post("/admin/channels/new", data=channel_form(), headers=admin).status_code == 302
    channel = the_channel("2001234567")
    page = client.get(f"/admin/channels/{channel.id}", headers=admin).get_data(as_text=True)
    assert 'name="push_budget_per_day"' in page
    saved = client.post(
        f"/admin/channels/{channel.id}",
        data=channel_form(secret="", access_token="", push_budget_per_day="50"),
        headers=admin,
    )
    assert saved.status_code == 302 and the_channel("2001234567").push_budget_per_day == 50
    bad = channel_form(secret="", access_token="", push_budget_per_day="-3")
    assert client.post(f"/admin/channels/{channel.id}", data=bad, headers=admin).status_code == 400
    cleared = channel_form(secret="", access_token="", push_budget_per_day="")
    client.post(f"/admin/channels/{channel.id}", data=cleared, headers=admin)
    assert the_channel("2001234567").push_budget_per_day is None


def test_the_sandbox_quota_stops_the_second_push_before_line_sees_it(
    line_sandbox, make, worker
) -> None:
    shop = line_sandbox.provision(quota=1)
    alice = line_sandbox.user("อลิซ", channel=shop)
    line_sandbox.say(shop, alice, "สวัสดีค่ะ")
    line_sandbox.wait_idle()
    base, headers = line_sandbox.base_url, make.auth_header(Role.AGENT)

    def listed() -> list:
        answer = requests.get(f"{base}/api/conversations", headers=headers, timeout=5)
        return answer.json()["conversations"]

    eventually(lambda: bool(listed()))
    conversation_id = listed()[0]["id"]
    db.session.execute(sa.delete(ReplyToken))  # a minute later: only push is left
    db.session.commit()
    url = f"{base}/api/conversations/{conversation_id}"

    def hint() -> dict:
        return requests.get(f"{url}/composer", headers=headers, timeout=5).json()

    assert hint()["push"]["quota"]["remaining"] == 1
    first = requests.post(f"{url}/messages", json={"text": "ส่งแล้วค่ะ"}, headers=headers, timeout=10)
    assert first.status_code == 202, first.text
    eventually(lambda: hint()["push"]["refused"] is not None)
    assert "quota" in hint()["push"]["refused"]
    second = requests.post(
        f"{url}/messages", json={"text": "อีกข้อความ"}, headers=headers, timeout=10
    )
    assert second.status_code == 409 and "quota" in second.json()["message"]
    assert [m["text"] for m in line_sandbox.received(shop, alice)] == ["ส่งแล้วค่ะ"]
