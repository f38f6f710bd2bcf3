"""Media and profiles end to end: simulated LINE users send through the sandbox, its signed
webhooks reach the inbox, jobs fetch over the inbox's LINE client, and agents get the files
from /media over real HTTP. (Stub-server cases of the same code: test_media_and_profiles.py.)"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from inbox import create_app
from inbox.background import flush_background
from inbox.extensions import db
from inbox.jobs import run_due_jobs, start_worker
from inbox.line import line_platform
from inbox.models import (
    Attachment,
    AttachmentState,
    Contact,
    Conversation,
    FollowState,
    Job,
    JobState,
    Message,
    Role,
)
from inbox.profiles import want_profile
from inbox.sandbox import simulate
from inbox.sandbox.models import ChatMessage
from tests.sandbox_fixture import LineSandbox
from tests.sandbox_flows import (
    M4A,
    MP4,
    PDF,
    PNG,
    deliver_and_run,
    eventually,
    get,
    jobs,
    line_calls,
    make_queued_jobs_due,
    pooled_line_sessions,
)


@pytest.fixture(autouse=True)
def _close_line_sessions(line_sandbox):
    with pooled_line_sessions():
        yield


@pytest.fixture
def shop(line_sandbox):
    return line_sandbox.provision(name="Noodle shop")


@pytest.fixture
def alice(line_sandbox, shop):
    return line_sandbox.user("Alice", channel=shop)


@pytest.fixture
def agent(make) -> dict[str, str]:
    return make.auth_header(Role.AGENT)


def attachment_of(sent: ChatMessage) -> Attachment:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Attachment).join(Message).where(Message.line_message_id == sent.message_id)
    ).one()


def contact_of(user_id: str) -> Contact:
    db.session.expire_all()
    return db.session.scalars(sa.select(Contact).where(Contact.line_user_id == user_id)).one()


def conversation_of(source_id: str) -> Conversation:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Conversation).where(Conversation.source_id == source_id)
    ).one()


def stored_attachment_files(app) -> list[Path]:
    folder = Path(app.config["MEDIA_DIR"]) / "attachments"
    return [path for path in folder.rglob("*") if path.is_file()]


# -- media ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data", "file_name", "content_type", "has_preview"),
    [
        ("image", PNG, "cat.png", "image/png", True),
        ("video", MP4, "clip.mp4", "video/mp4", True),
        ("audio", M4A, "voice.m4a", "audio/mp4", False),
        ("file", PDF, "見積書 2026.pdf", "application/pdf", False),
    ],
)
def test_each_media_type_arrives_is_fetched_and_served(
    line_sandbox, shop, alice, agent, app, kind, data, file_name, content_type, has_preview
) -> None:
    timed = kind in ("video", "audio")
    sent = line_sandbox.send_media(
        shop, alice, kind, data, file_name, duration_ms=4000 if timed else None
    )
    deliver_and_run(line_sandbox)
    if timed:  # LINE is still preparing it: the job waits without fetching empty content
        assert attachment_of(sent).state is AttachmentState.PENDING
        assert line_calls("getMessageContent") == []
        (waiting,) = jobs("media.fetch")
        assert waiting.state is JobState.QUEUED and "preparing" in waiting.last_error
        line_sandbox.advance_clock(float(app.config["SANDBOX_TRANSCODING_SECONDS"]) + 1)
        make_queued_jobs_due()
        run_due_jobs()

    item = attachment_of(sent)
    assert item.state is AttachmentState.READY, item.error
    assert (item.file_size, item.content_type) == (len(data), content_type)
    (fetched,) = line_calls("getMessageContent")  # fetched once
    assert item.line_request_id == fetched.request_id and fetched.status == 200

    served = get(line_sandbox, f"/media/{item.id}", agent)
    assert served.status_code == 200 and served.content == data
    if kind == "file":  # never shown inline: downloads under the user's own file name
        assert served.headers["Content-Type"] == "application/octet-stream"
        assert served.headers["Content-Disposition"].startswith("attachment")
        assert "%E8%A6%8B%E7%A9%8D%E6%9B%B8" in served.headers["Content-Disposition"]
    else:
        assert served.headers["Content-Type"] == content_type
    ranged = get(line_sandbox, f"/media/{item.id}", {**agent, "Range": "bytes=10-19"})
    assert ranged.status_code == 206 and ranged.content == data[10:20]
    assert ranged.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    preview = get(line_sandbox, f"/media/{item.id}/preview", agent)
    assert preview.status_code == (200 if has_preview else 404)
    if has_preview:
        assert preview.content and preview.headers["Content-Type"].startswith("image/")


def test_content_gone_before_the_fetch_is_expired(line_sandbox, shop, alice, agent) -> None:
    sent = line_sandbox.send_media(shop, alice, "image", PNG, "cat.png")
    line_sandbox.wait_idle()
    line_sandbox.expire_content(sent.message_id)
    run_due_jobs()

    item = attachment_of(sent)
    assert item.state is AttachmentState.EXPIRED and "Not found" in item.error
    assert item.line_request_id == line_calls("getMessageContent")[-1].request_id
    assert get(line_sandbox, f"/media/{item.id}", agent).status_code == 404


def test_media_over_the_size_limit_fails_and_keeps_no_file(
    line_sandbox, shop, alice, agent, app
) -> None:
    app.config["MEDIA_MAX_BYTES"] = 1000
    sent = line_sandbox.send_media(shop, alice, "file", PDF, "big.pdf")
    deliver_and_run(line_sandbox)

    item = attachment_of(sent)
    assert item.state is AttachmentState.FAILED and "limit" in item.error
    assert stored_attachment_files(app) == []
    assert get(line_sandbox, f"/media/{item.id}", agent).status_code == 404


def test_external_content_is_linked_never_fetched(line_sandbox, shop, alice, agent) -> None:
    # The phone only sends LINE-hosted content; the simulation layer below it sends any shape.
    external = {
        "type": "image",
        "contentProvider": {
            "type": "external",
            "originalContentUrl": "https://cdn.example.com/a.jpg",
            "previewImageUrl": "https://cdn.example.com/p.jpg",
        },
    }
    sent = simulate.send(line_sandbox.sandbox, shop.pk, ("user", alice), alice, external)
    deliver_and_run(line_sandbox)

    assert attachment_of(sent).state is AttachmentState.EXTERNAL
    assert line_calls("getMessageContent") == []
    thread = get(
        line_sandbox, f"/api/conversations/{conversation_of(alice).id}/messages", agent
    ).json()
    (shown,) = [m for m in thread["messages"] if m["attachment"]]
    assert shown["attachment"]["url"] == "https://cdn.example.com/a.jpg"
    assert shown["attachment"]["state"] == "external"


# -- profiles and groups ---------------------------------------------------------------------


def test_follow_fetches_the_profile_and_caches_the_picture(line_sandbox, shop, agent) -> None:
    bob = line_sandbox.user(
        "ボブ", channel=shop, status_message="営業中", language="ja", picture=PNG
    )
    deliver_and_run(line_sandbox)

    contact = contact_of(bob)
    assert (contact.display_name, contact.status_message, contact.language) == (
        "ボブ",
        "営業中",
        "ja",
    )
    assert contact.profile_error is None
    detail = get(line_sandbox, f"/api/conversations/{conversation_of(bob).id}", agent).json()
    assert detail["contact"]["picture_url"] == f"/media/contacts/{contact.id}/picture"
    picture = get(line_sandbox, detail["contact"]["picture_url"], agent)
    assert picture.status_code == 200 and picture.content == PNG
    assert picture.headers["Content-Type"] == "image/png"


def test_a_blocked_user_profile_404_is_recorded_not_retried(line_sandbox, shop, alice) -> None:
    deliver_and_run(line_sandbox)
    line_sandbox.unfollow(shop, alice)
    line_sandbox.wait_idle()
    contact = contact_of(alice)
    assert contact.follow_state is FollowState.BLOCKED

    want_profile(contact, force=True)
    db.session.commit()
    run_due_jobs()

    contact = contact_of(alice)
    assert "Not found" in contact.profile_error and contact.display_name == "Alice"
    assert [call.status for call in line_calls("getProfile")] == [200, 404]
    refresh = jobs("profile.refresh")[-1]
    assert (refresh.state, refresh.attempts) == (JobState.DONE, 1)
    assert run_due_jobs() == 0


def test_a_group_brings_its_summary_members_and_their_profiles(line_sandbox, shop, agent) -> None:
    bob = line_sandbox.user("Bob", picture=PNG)
    carol, dave = line_sandbox.user("Carol"), line_sandbox.user("Dave")
    group = line_sandbox.group([bob, carol, dave], "ร้านกาแฟ 東京", channel=shop)
    deliver_and_run(line_sandbox)

    detail = get(line_sandbox, f"/api/conversations/{conversation_of(group).id}", agent).json()
    summary = detail["group"]
    assert (summary["name"], summary["member_count"]) == ("ร้านกาแฟ 東京", 3)
    assert summary["profile_error"] is None
    group_picture = get(line_sandbox, summary["picture_url"], agent)
    assert group_picture.status_code == 200 and group_picture.content.startswith(b"\x89PNG")
    members = {member["line_user_id"]: member for member in summary["members"]}
    assert {user: members[user]["display_name"] for user in members} == {
        bob: "Bob",
        carol: "Carol",
        dave: "Dave",
    }
    assert get(line_sandbox, members[bob]["picture_url"], agent).content == PNG
    assert len(line_calls("getGroupMemberProfile")) == 3


def test_jobs_pending_at_a_restart_are_done_once_by_the_new_process(
    line_sandbox, shop, alice, agent, app, tmp_path
) -> None:
    sent = line_sandbox.send_media(shop, alice, "image", PNG, "cat.png")
    line_sandbox.wait_idle()  # committed by the webhook; no worker ran them
    pending = fetch_and_profile_jobs()
    assert [(job.state, job.attempts) for job in pending] == [(JobState.QUEUED, 0)] * 2

    restarted = restart(app, line_sandbox, tmp_path / "second")
    worker = start_worker(restarted)
    try:
        eventually(lambda: all(job.state is JobState.DONE for job in fetch_and_profile_jobs()))
    finally:
        worker.stop()
        flush_background(restarted)  # its live updates use its engine: done before it closes
        with restarted.app_context():
            line_platform().close()
            db.engine.dispose()

    assert [(job.state, job.attempts) for job in fetch_and_profile_jobs()] == [
        (JobState.DONE, 1)
    ] * 2
    item = attachment_of(sent)
    assert item.state is AttachmentState.READY
    assert get(line_sandbox, f"/media/{item.id}", agent).content == PNG
    assert len(line_calls("getMessageContent")) == 1 and len(line_calls("getProfile")) == 1
    assert contact_of(alice).display_name == "Alice"
    assert run_due_jobs() == 0


def fetch_and_profile_jobs() -> list[Job]:
    return jobs("media.fetch") + jobs("profile.refresh")


def restart(app, sandbox: LineSandbox, instance: Path):
    """A new inbox process on the same database and media folder; LINE (the sandbox) stays up."""
    kept = (
        "TESTING",
        "SECRET_KEY",
        "ENCRYPTION_KEYS",
        "SQLALCHEMY_DATABASE_URI",
        "MEDIA_DIR",
        "REDIS_URL",
    )
    return create_app(
        {
            **{key: app.config[key] for key in kept},
            "INSTANCE_PATH": str(instance),
            "LINE_SANDBOX": False,  # this process talks to the platform over HTTP only
            "LINE_API_BASE_URL": sandbox.api_base_url,
            "LINE_DATA_API_BASE_URL": sandbox.data_base_url,
            "PICTURE_HOSTS": [urlsplit(sandbox.base_url).netloc],
        }
    )
