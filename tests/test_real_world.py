"""Conversations in the states real accounts are in (tests/real_world.py), read the way the
workspace reads them: the conversation's detail and its messages over the JSON API, on both
databases, after the sandbox delivered the webhooks and the inbox's jobs ran."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from inbox.extensions import db
from inbox.jobs import run_due_jobs
from inbox.models import Contact, FollowState, Role, WebhookEvent
from inbox.profiles import want_profile
from tests.real_world import RealCase, build_real_world
from tests.sandbox_flows import pooled_line_sessions


@pytest.fixture
def world(line_sandbox) -> dict[str, RealCase]:
    with pooled_line_sessions():
        yield build_real_world(line_sandbox)


@pytest.fixture
def read(client, make):
    """GET an API path as an agent; the answer's JSON (every one of them must be a 200)."""
    headers = {"Authorization": f"Bearer {make.token(make.user(Role.AGENT))}"}

    def get(path: str) -> dict:
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200, (path, answer.get_json())
        return answer.get_json()

    return get


def messages_of(read, case: RealCase) -> list[dict]:
    return read(f"/api/conversations/{case.conversation.id}/messages?limit=50")["messages"]


def test_every_conversation_reads_with_its_profile(world, read) -> None:
    for case in world.values():
        detail = read(f"/api/conversations/{case.conversation.id}")
        assert messages_of(read, case), case.key
        if case.follow_state is not None:
            assert detail["contact"]["follow_state"] == case.follow_state, case.key
        else:
            assert detail["group"] is not None, case.key


def test_a_friend_from_before_the_inbox_is_known_from_get_profile(world, read) -> None:
    contact = read(f"/api/conversations/{world['friend_before_inbox'].conversation.id}")["contact"]
    assert contact["follow_state"] == "following"
    assert contact["followed_at"] is None  # no follow event was ever seen
    assert (contact["display_name"], contact["status_message"]) == (
        "Kenji 健二",
        "いつもありがとう",
    )
    assert contact["picture_url"].startswith("/media/")

    bare = read(f"/api/conversations/{world['bare_profile'].conversation.id}")["contact"]
    assert bare["display_name"] == "Budi" and bare["follow_state"] == "following"
    assert bare["status_message"] is None and bare["language"] is None


def test_a_profile_that_answers_404_means_not_a_friend(world, read) -> None:
    contact = read(f"/api/conversations/{world['profile_404'].conversation.id}")["contact"]
    assert contact["follow_state"] == "not_friend"
    assert contact["display_name"] is None and contact["profile_error"]
    (message,) = messages_of(read, world["profile_404"])
    assert message["text"] == "สวัสดีค่ะ ขอสอบถามเรื่องการจัดส่งหน่อยค่ะ"


def test_group_members_without_profiles_still_speak(world, read) -> None:
    case = world["group_of_strangers"]
    group = read(f"/api/conversations/{case.conversation.id}")["group"]
    assert group["name"] == "ทีมงาน Team"
    assert [member["display_name"] for member in group["members"]] == [None, None]
    assert all(member["profile_error"] for member in group["members"])
    texts = [message["text"] for message in messages_of(read, case) if message["text"]]
    assert texts == ["ขอใบเสนอราคาด้วยครับ", "見積もりをお願いします"]


def test_an_unknown_event_is_kept_and_the_text_after_it_arrives(world, read) -> None:
    case = world["unknown_event"]
    kinds = [(message["type"], message["text"]) for message in messages_of(read, case)]
    assert kinds == [("unsupported", None), ("text", "ข้อความหลังเหตุการณ์ใหม่")]
    raw = db.session.scalars(
        sa.select(WebhookEvent).where(WebhookEvent.event_type == "futureFeature")
    )
    assert raw.one().payload["futureFeature"] == {"level": 3}


def test_media_line_deleted_is_shown_as_expired(world, read) -> None:
    photo, text = messages_of(read, world["expired_media"])
    assert photo["type"] == "image" and photo["attachment"]["state"] == "expired"
    assert photo["attachment"]["url"] is None and text["text"] == "写真は見えますか"


def test_an_unsent_message_stays_as_a_trace(world, read) -> None:
    follow, unsent, after = messages_of(read, world["unsent"])
    assert follow["type"] == "follow"
    assert unsent["unsent"] and unsent["text"] is None  # agents see that it was, not what
    assert after["text"] == "ขอโทษค่ะ ส่งผิด"


def test_blocked_then_unblocked_is_a_friend_again_with_both_dates(world, read) -> None:
    case = world["blocked_then_unblocked"]
    contact = read(f"/api/conversations/{case.conversation.id}")["contact"]
    assert contact["follow_state"] == "following"
    assert contact["blocked_at"] <= contact["followed_at"]
    events = [m["type"] for m in messages_of(read, case) if m["direction"] == "event"]
    # Blocking resolved the conversation by itself; following again reopened it.
    assert events == ["follow", "unfollow", "status_changed", "follow", "status_changed"]


def test_a_block_seen_as_an_event_outlasts_get_profiles_404(line_sandbox) -> None:
    shop = line_sandbox.provision()
    with pooled_line_sessions():
        dewi = line_sandbox.user("Dewi", channel=shop)
        line_sandbox.unfollow(shop, dewi)
        line_sandbox.wait_idle()
        run_due_jobs()
        contact = db.session.scalars(sa.select(Contact).filter_by(line_user_id=dewi)).one()
        want_profile(contact, force=True)
        db.session.commit()
        run_due_jobs()
    db.session.refresh(contact)
    assert contact.follow_state is FollowState.BLOCKED and contact.profile_error
