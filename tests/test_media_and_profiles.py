"""Media fetched by jobs from the content API, stored, and served; profiles and groups
refreshed. LINE is a scripted server on a real socket (the sandbox tests cover the whole loop)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from inbox import create_app
from inbox.background import flush_background
from inbox.extensions import db
from inbox.jobs import run_due_jobs
from inbox.jobs.worker import start_worker
from inbox.line import line_platform
from inbox.models import (
    Attachment,
    AttachmentState,
    Contact,
    Conversation,
    ConversationMember,
    Job,
    JobState,
    Role,
    utcnow,
)
from tests.line_events import deliver, event, group_source, message_event
from tests.line_stub import LineStub, Reply

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"v" * 5000


def content(body: bytes, content_type: str) -> Reply:
    return Reply(200, body, content_type=content_type)


def attachment() -> Attachment:
    db.session.expire_all()
    return db.session.scalar(sa.select(Attachment))


def send_media(client, channel, payload: dict, **fields) -> str:
    item = message_event(payload, **fields)
    deliver(client, channel, [item])
    return item["message"]["id"]


@pytest.mark.parametrize(
    ("payload", "body", "content_type", "has_preview"),
    [
        ({"type": "image", "contentProvider": {"type": "line"}}, PNG, "image/png", True),
        (
            {"type": "video", "duration": 3000, "contentProvider": {"type": "line"}},
            MP4,
            "video/mp4",
            True,
        ),
        (
            {"type": "audio", "duration": 2000, "contentProvider": {"type": "line"}},
            b"ID3" + b"a" * 999,
            "audio/mp4",
            False,
        ),
        (
            {"type": "file", "fileName": "見積書 2026.pdf", "fileSize": 1004},
            b"%PDF-" + b"p" * 999,
            "application/pdf",
            False,
        ),
    ],
)
def test_each_media_type_is_fetched_stored_and_served(
    client, make, stub, payload, body, content_type, has_preview
) -> None:
    channel = make.channel()
    stub.route("/content/transcoding", Reply(200, {"status": "succeeded"}))
    stub.route("/content/preview", content(PNG[:300], "image/jpeg"))
    stub.route("/content", content(body, content_type))
    message_id = send_media(client, channel, payload)
    assert attachment().state is AttachmentState.PENDING  # never inside the webhook request
    version_before = attachment().message.version
    run_due_jobs()
    item = attachment()
    assert item.state is AttachmentState.READY and item.file_size == len(body)
    assert item.message.version > version_before  # live clients replace the pending copy
    assert item.content_type == content_type and item.line_request_id
    assert bool(item.preview_path) is has_preview
    assert f"/data/v2/bot/message/{message_id}/content" in stub.paths()
    if payload["type"] in ("video", "audio"):
        assert stub.paths().index(
            f"/data/v2/bot/message/{message_id}/content/transcoding"
        ) < stub.paths().index(f"/data/v2/bot/message/{message_id}/content")

    headers = make.auth_header(Role.AGENT)
    served = client.get(f"/media/{item.id}", headers=headers)
    assert served.status_code == 200 and served.data == body
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    if payload["type"] == "file":
        assert served.headers["Content-Disposition"].startswith("attachment")
        assert "%E8%A6%8B%E7%A9%8D%E6%9B%B8" in served.headers["Content-Disposition"]
    else:
        assert served.mimetype == content_type
        # Shown in the page, under its own stricter policy than the pages' one.
        assert served.headers["Content-Disposition"].startswith("inline")
        assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    ranged = client.get(f"/media/{item.id}", headers={**headers, "Range": "bytes=10-19"})
    assert ranged.status_code == 206 and ranged.data == body[10:20]
    assert ranged.headers["Content-Range"] == f"bytes 10-19/{len(body)}"
    if has_preview:
        assert client.get(f"/media/{item.id}/preview", headers=headers).data == PNG[:300]


def test_video_waits_for_transcoding_before_fetching(client, make, stub) -> None:
    channel = make.channel()
    stub.route(
        "/content/transcoding",
        Reply(200, {"status": "processing"}),
        Reply(200, {"status": "succeeded"}),
    )
    stub.route("/content", content(MP4, "video/mp4"))
    send_media(
        client, channel, {"type": "video", "duration": 1, "contentProvider": {"type": "line"}}
    )
    run_due_jobs()
    assert attachment().state is AttachmentState.PENDING
    assert not any(path.endswith("/content") for path in stub.paths())
    job = db.session.scalar(sa.select(Job).where(Job.kind == "media.fetch"))
    assert job.state is JobState.QUEUED and job.attempts == 0 and "preparing" in job.last_error
    job.run_after = utcnow()
    db.session.commit()
    run_due_jobs()
    assert attachment().state is AttachmentState.READY


def test_failed_transcoding_fails_the_attachment(client, make, stub) -> None:
    channel = make.channel()
    stub.route("/content/transcoding", Reply(200, {"status": "failed"}))
    send_media(
        client, channel, {"type": "audio", "duration": 1, "contentProvider": {"type": "line"}}
    )
    run_due_jobs()
    assert (
        attachment().state is AttachmentState.FAILED and "could not prepare" in attachment().error
    )


def test_content_line_no_longer_has_is_expired_with_request_id(client, make, stub) -> None:
    channel = make.channel()
    stub.route("/content", Reply(404, {"message": "Not found"}))
    send_media(client, channel, {"type": "image", "contentProvider": {"type": "line"}})
    run_due_jobs()
    item = attachment()
    assert (
        item.state is AttachmentState.EXPIRED and item.line_request_id and "Not found" in item.error
    )
    assert client.get(f"/media/{item.id}", headers=make.auth_header()).status_code == 404


def test_media_over_the_size_limit_fails_and_leaves_no_file(client, make, stub, app) -> None:
    app.config["MEDIA_MAX_BYTES"] = 1000
    channel = make.channel()
    stub.route("/content", content(PNG, "image/png"))
    send_media(client, channel, {"type": "file", "fileName": "big.bin", "fileSize": len(PNG)})
    run_due_jobs()
    assert attachment().state is AttachmentState.FAILED and "limit" in attachment().error
    from pathlib import Path

    assert [p for p in Path(app.config["MEDIA_DIR"]).rglob("*") if p.is_file()] == []


def test_transient_errors_retry_then_succeed(client, make, stub) -> None:
    channel = make.channel()
    stub.route("/content", Reply(500, {"message": "Internal error"}), content(PNG, "image/png"))
    stub.route("/content/preview", content(PNG, "image/jpeg"))
    send_media(client, channel, {"type": "image", "contentProvider": {"type": "line"}})
    run_due_jobs()
    assert attachment().state is AttachmentState.PENDING and attachment().error.startswith(
        "retrying"
    )
    db.session.execute(sa.update(Job).values(run_after=utcnow()))
    db.session.commit()
    run_due_jobs()
    assert attachment().state is AttachmentState.READY and attachment().error is None


def test_external_media_is_linked_never_fetched(client, make, stub) -> None:
    channel = make.channel()
    send_media(
        client,
        channel,
        {
            "type": "image",
            "contentProvider": {
                "type": "external",
                "originalContentUrl": "https://cdn.example.com/a.jpg",
                "previewImageUrl": "https://cdn.example.com/p.jpg",
            },
        },
    )
    run_due_jobs()
    assert not any("/content" in path for path in stub.paths())
    conversation_id = db.session.scalar(sa.select(Conversation.id))
    thread = client.get(
        f"/api/conversations/{conversation_id}/messages", headers=make.auth_header()
    ).json
    (message,) = thread["messages"]
    assert message["attachment"]["state"] == "external"
    assert message["attachment"]["url"] == "https://cdn.example.com/a.jpg"


def test_media_needs_sign_in_and_unsent_media_is_hidden_from_agents(client, make, stub) -> None:
    channel = make.channel()
    stub.route("/content", content(PNG, "image/png"))
    message_id = send_media(client, channel, {"type": "image", "contentProvider": {"type": "line"}})
    run_due_jobs()
    item = attachment()
    assert client.get(f"/media/{item.id}").status_code == 302  # to the sign-in page
    refused = client.get(f"/media/{item.id}", headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401 and refused.is_json  # API clients get JSON, not a redirect
    deliver(client, channel, [event("unsend", unsend={"messageId": message_id})])
    assert client.get(f"/media/{item.id}", headers=make.auth_header(Role.AGENT)).status_code == 404
    assert (
        client.get(f"/media/{item.id}", headers=make.auth_header(Role.SUPERVISOR)).status_code
        == 200
    )


def test_pending_jobs_survive_a_restart(
    client, make, stub, app, backend, migrated_database, tmp_path
) -> None:
    channel = make.channel()
    stub.route("/content", content(PNG, "image/png"))
    send_media(client, channel, {"type": "image", "contentProvider": {"type": "line"}})
    # The server stops before any worker ran; a new process starts on the same database.
    restarted = create_app(
        {
            **{
                k: app.config[k]
                for k in (
                    "TESTING",
                    "SECRET_KEY",
                    "ENCRYPTION_KEYS",  # a second process must read the same secrets
                    "SQLALCHEMY_DATABASE_URI",
                    "MEDIA_DIR",
                    "LINE_API_BASE_URL",
                    "LINE_DATA_API_BASE_URL",
                    "LINE_RETRY_ATTEMPTS",
                    "PICTURE_HOSTS",
                )
            },
            "INSTANCE_PATH": str(tmp_path / "second"),
        }
    )
    worker = start_worker(restarted)
    try:
        import time

        deadline = time.monotonic() + 10
        while attachment().state is AttachmentState.PENDING and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
        flush_background(restarted)  # its live updates use its engine: done before it closes
        with restarted.app_context():
            line_platform().close()
            db.engine.dispose()
    assert attachment().state is AttachmentState.READY
    assert sum(path.endswith("/content") for path in stub.paths()) == 1  # fetched once


def profile_reply(stub: LineStub, name: str = "สมชาย", picture: bool = True) -> Reply:
    body = {"userId": "U1", "displayName": name, "statusMessage": "営業中", "language": "th"}
    if picture:
        body["pictureUrl"] = f"{stub.base_url}/pictures/somchai"
    return Reply(200, body)


def test_follow_fetches_the_profile_and_caches_the_picture(client, make, stub) -> None:
    channel = make.channel()
    stub.route("/v2/bot/profile/" + "U" + "1" * 32, profile_reply(stub))
    stub.route("/pictures/somchai", content(PNG, "image/png"))
    deliver(client, channel, [event("follow", follow={"isUnblocked": False}, replyToken="r")])
    run_due_jobs()
    contact = db.session.scalar(sa.select(Contact))
    assert (contact.display_name, contact.status_message, contact.language) == (
        "สมชาย",
        "営業中",
        "th",
    )
    assert contact.picture_path and contact.profile_fetched_at and contact.profile_error is None
    conversation_id = db.session.scalar(sa.select(Conversation.id))
    headers = make.auth_header()
    detail = client.get(f"/api/conversations/{conversation_id}", headers=headers).json
    assert detail["contact"]["picture_url"] == f"/media/contacts/{contact.id}/picture"
    picture = client.get(detail["contact"]["picture_url"], headers=headers)
    assert picture.status_code == 200 and picture.data == PNG and picture.mimetype == "image/png"


def test_pictures_from_other_hosts_are_never_fetched(client, make, stub, app) -> None:
    app.config["PICTURE_HOSTS"] = []
    channel = make.channel()
    stub.route("/v2/bot/profile/" + "U" + "1" * 32, profile_reply(stub))
    deliver(client, channel, [event("follow", follow={"isUnblocked": False}, replyToken="r")])
    run_due_jobs()
    assert db.session.scalar(sa.select(Contact)).picture_path is None
    assert "/pictures/somchai" not in stub.paths()


def test_a_blocked_user_profile_404_is_recorded_not_retried(client, make, stub) -> None:
    channel = make.channel()
    stub.route("/v2/bot/profile/" + "U" + "1" * 32, Reply(404, {"message": "Not found"}))
    deliver(client, channel, [event("follow", follow={"isUnblocked": False}, replyToken="r")])
    run_due_jobs()
    contact = db.session.scalar(sa.select(Contact))
    assert "Not found" in contact.profile_error and contact.profile_fetched_at
    assert (
        db.session.scalar(sa.select(Job.state).where(Job.kind == "profile.refresh"))
        is JobState.DONE
    )
    deliver(client, channel, [message_event({"type": "text", "text": "hi"})])
    run_due_jobs()  # a fresh 404 is not asked again until the profile is stale
    assert sum("/v2/bot/profile/" in path for path in stub.paths()) == 1


def test_a_stale_profile_is_refreshed_on_the_next_message(client, make, stub, app) -> None:
    channel = make.channel()
    stub.route(
        "/v2/bot/profile/" + "U" + "1" * 32,
        profile_reply(stub, "Old", picture=False),
        profile_reply(stub, "New", picture=False),
    )
    deliver(client, channel, [message_event({"type": "text", "text": "one"})])
    run_due_jobs()
    app.config["PROFILE_MAX_AGE_HOURS"] = 0
    deliver(client, channel, [message_event({"type": "text", "text": "two"})])
    run_due_jobs()
    assert db.session.scalar(sa.select(Contact.display_name)) == "New"


def test_joining_a_group_fetches_its_summary_members_and_their_profiles(client, make, stub) -> None:
    channel = make.channel()
    group = group_source(user_id=None)
    group_id = group["groupId"]
    stub.route(
        f"/group/{group_id}/summary",
        Reply(
            200,
            {
                "groupId": group_id,
                "groupName": "ร้านกาแฟ 東京",
                "pictureUrl": f"{stub.base_url}/pictures/group",
            },
        ),
    )
    stub.route("/pictures/group", content(PNG, "image/png"))
    stub.route(f"/group/{group_id}/members/count", Reply(200, {"count": 3}))
    stub.route(
        f"/group/{group_id}/members/ids",
        Reply(200, {"memberIds": ["Ua", "Ub"], "next": "t2"}),
        Reply(200, {"memberIds": ["Uc"]}),
    )
    for user in ("Ua", "Ub", "Uc"):
        stub.route(
            f"/group/{group_id}/member/{user}",
            Reply(200, {"userId": user, "displayName": f"name-{user}"}),
        )
    deliver(client, channel, [event("join", source=group, replyToken="r")])
    run_due_jobs()
    conversation = db.session.scalar(sa.select(Conversation))
    assert (conversation.title, conversation.member_count) == ("ร้านกาแฟ 東京", 3)
    assert conversation.picture_path and conversation.profile_error is None
    names = db.session.scalars(
        sa.select(Contact.display_name)
        .join(ConversationMember, ConversationMember.contact_id == Contact.id)
        .order_by(Contact.line_user_id)
    ).all()
    assert names == ["name-Ua", "name-Ub", "name-Uc"]


def test_member_ids_refused_by_the_plan_is_recorded(client, make, stub) -> None:
    channel = make.channel()
    group = group_source(user_id=None)
    stub.route("/summary", Reply(200, {"groupId": group["groupId"], "groupName": "G"}))
    stub.route("/members/count", Reply(200, {"count": 5}))
    stub.route(
        "/members/ids",
        Reply(403, {"message": "Access to this API is not available for your account"}),
    )
    deliver(client, channel, [event("join", source=group, replyToken="r")])
    run_due_jobs()
    conversation = db.session.scalar(sa.select(Conversation))
    assert conversation.title == "G" and conversation.member_count == 5
    assert "not available" in conversation.profile_error
