"""The media store's contract, held by both backends: the local folder and an S3 bucket on a
real S3 API server (moto's, over HTTP on 127.0.0.1). Then one LINE user's photo end to end
with MEDIA_STORE=s3://...: fetched through the sandbox into the bucket, served to an agent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import sqlalchemy as sa
from moto.server import ThreadedMotoServer

from inbox.extensions import db
from inbox.jobs import run_due_jobs
from inbox.media import storage
from inbox.media.storage import LocalStore, TooLarge, media_store
from inbox.media.storage.s3 import PART_BYTES, S3Store
from inbox.models import Attachment, AttachmentState, Contact, Role
from tests.sandbox_fixture import free_port
from tests.sandbox_flows import PNG, deliver_and_run, get, pooled_line_sessions
from tests.test_sending_media import conversation, png, pushed_message, upload  # noqa: F401

REGION = "us-east-1"
PREFIX = "inbox/media"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3 API server for the run; any credentials sign requests it accepts."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "test-access-key")
        env.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-key")
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()


@pytest.fixture
def bucket(s3_endpoint: str):
    """A fresh bucket for the test, as a boto3 Bucket to look inside it."""
    resource = boto3.resource("s3", endpoint_url=s3_endpoint, region_name=REGION)
    yield resource.create_bucket(Bucket=f"media-{uuid.uuid4().hex[:12]}")
    resource.meta.client.close()  # pooled sockets left to the garbage collector fail a test


@pytest.fixture
def s3_media(app, s3_endpoint: str, bucket):
    """The app switched to MEDIA_STORE=s3://bucket/prefix, as that setting does at start-up."""
    app.config.update(
        MEDIA_STORE=f"s3://{bucket.name}/{PREFIX}",
        MEDIA_S3_ENDPOINT_URL=s3_endpoint,
        MEDIA_S3_REGION=REGION,
    )
    storage.init_app(app)
    yield bucket
    media_store().close()


@pytest.fixture(params=["local", "s3"])
def store_kind(request: pytest.FixtureRequest, app) -> str:
    if request.param == "s3":
        request.getfixturevalue("s3_media")
    return request.param


def leftovers(app, store_kind: str, bucket_name: str | None = None) -> list[str]:
    """Everything the store holds, unfinished uploads included."""
    if store_kind == "local":
        return [str(p) for p in Path(app.config["MEDIA_DIR"]).rglob("*") if p.is_file()]
    store = media_store()
    assert isinstance(store, S3Store)
    listed = store.client.list_objects_v2(Bucket=store.bucket).get("Contents", [])
    uploads = store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    return [item["Key"] for item in listed] + [item["Key"] for item in uploads]


def chunks_of(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    return (data[start : start + size] for start in range(0, len(data), size))


# -- choosing the store ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (None, "local"),
        ("s3://bucket", "s3://bucket/"),
        ("s3://bucket/team/media/", "s3://bucket/team/media/"),
    ],
)
def test_media_store_setting_picks_the_backend(app, setting, expected) -> None:
    app.config.update(MEDIA_STORE=setting, MEDIA_S3_REGION=REGION)
    chosen = storage.build_store(app)
    if expected == "local":
        assert isinstance(chosen, LocalStore)
        assert chosen.root == Path(app.config["MEDIA_DIR"]).resolve()
    else:
        assert isinstance(chosen, S3Store) and repr(chosen) == f"S3Store({expected!r})"


def test_a_folder_in_media_store_is_used_and_other_schemes_are_refused(app, tmp_path) -> None:
    app.config["MEDIA_STORE"] = str(tmp_path / "shared")
    assert storage.build_store(app).root == (tmp_path / "shared").resolve()
    app.config["MEDIA_STORE"] = "gs://bucket"
    with pytest.raises(RuntimeError, match="MEDIA_STORE"):
        storage.build_store(app)


# -- the contract, on both backends -----------------------------------------------------


def test_save_read_and_delete(app, store_kind) -> None:
    store = media_store()
    key = "attachments/1/2026/05/7"
    assert not store.exists(key)
    assert store.save_stream([b"hello ", b"", b"world"], key, max_bytes=11) == 11
    assert store.exists(key)
    with store.open_read(key) as stored:
        assert stored.read() == b"hello world"
    assert store.save_stream([b"replaced"], key, max_bytes=100) == 8
    with store.open_read(key) as stored:
        assert stored.read() == b"replaced"
    store.delete(key)
    store.delete(key)  # already gone: not an error
    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.open_read(key)


def test_a_file_of_several_parts_is_streamed_whole(app, store_kind) -> None:
    data = uuid.uuid4().bytes * ((PART_BYTES * 2 + 12345) // 16)
    store = media_store()
    assert store.save_stream(chunks_of(data), "outgoing/1/big.mp4", len(data)) == len(data)
    with store.open_read("outgoing/1/big.mp4") as stored:
        assert stored.read() == data


@pytest.mark.parametrize("size", [1000, PART_BYTES + 1000], ids=["small", "multipart"])
def test_too_large_leaves_nothing_behind_and_keeps_the_old_file(app, store_kind, size) -> None:
    store = media_store()
    store.save_stream([b"the old picture"], "pictures/contacts/1.png", 100)
    with pytest.raises(TooLarge):
        store.save_stream(chunks_of(b"x" * size), "pictures/contacts/1.png", size - 1)
    with pytest.raises(TooLarge):
        store.save_stream(chunks_of(b"x" * size), "attachments/1/2026/05/8", size - 1)
    assert not store.exists("attachments/1/2026/05/8")
    with store.open_read("pictures/contacts/1.png") as stored:
        assert stored.read() == b"the old picture"
    assert [Path(item).name for item in leftovers(app, store_kind)] == ["1.png"]


@pytest.mark.parametrize(
    "key", ["../outside", "/etc/passwd", "attachments/../../x", "", "a//b", "a/./b", "a\\..\\b"]
)
def test_keys_outside_the_store_are_refused(app, store_kind, key) -> None:
    store = media_store()
    with pytest.raises(ValueError, match="outside"):
        store.save_stream([b"x"], key, 10)
    with pytest.raises(ValueError, match="outside"):
        store.open_read(key)
    with pytest.raises(ValueError, match="outside"):
        store.exists(key)
    with pytest.raises(ValueError, match="outside"):
        store.delete(key)


def stored_picture(make, data: bytes) -> str:
    """A contact whose cached picture is `data`; the picture's /media address."""
    media_store().save_stream([data], "pictures/contacts/9.png", len(data))
    contact = Contact(
        channel_id=make.channel().id, line_user_id="U9", picture_path="pictures/contacts/9.png"
    )
    db.session.add(contact)
    db.session.commit()
    return f"/media/contacts/{contact.id}/picture"


def test_served_with_range_and_etag(app, client, make, store_kind) -> None:
    """What a browser's image and video player asks of /media, the same from both stores."""
    data = bytes(range(256)) * 40
    url, agent = stored_picture(make, data), make.auth_header(Role.AGENT)

    whole = client.get(url, headers=agent)
    assert whole.status_code == 200 and whole.data == data
    assert whole.mimetype == "image/png" and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Content-Length"] == str(len(data))
    assert whole.headers["Cache-Control"] == "private, max-age=3600"
    etag = whole.headers["ETag"]

    part = client.get(url, headers={**agent, "Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == data[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert part.headers["Content-Length"] == "10"
    tail = client.get(url, headers={**agent, "Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.data == data[-5:]
    assert tail.headers["Content-Range"] == f"bytes {len(data) - 5}-{len(data) - 1}/{len(data)}"
    beyond = client.get(url, headers={**agent, "Range": f"bytes={len(data) + 10}-"})
    assert beyond.status_code == 416

    unchanged = client.get(url, headers={**agent, "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    same = client.get(url, headers={**agent, "Range": "bytes=0-3", "If-Range": etag})
    assert same.status_code == 206 and same.data == data[:4]
    stale = client.get(url, headers={**agent, "Range": "bytes=0-3", "If-Range": '"older"'})
    assert stale.status_code == 200 and stale.data == data

    assert client.get(url).status_code in (302, 401)  # signed-in agents only
    media_store().delete("pictures/contacts/9.png")
    assert client.get(url, headers=agent).status_code == 404


def test_s3_is_asked_for_only_the_bytes_served(app, client, make, s3_media) -> None:
    """A seek in a long video fetches that range from the bucket, not the whole object; a
    cached copy that is still fresh fetches nothing."""
    data = bytes(range(256)) * 400
    url, agent = stored_picture(make, data), make.auth_header(Role.AGENT)
    asked: list[str | None] = []

    def record(request, **_) -> None:
        asked.append(request.headers.get("Range", b"").decode() or None)

    media_store().client.meta.events.register("before-send.s3.GetObject", record)
    etag = client.get(url, headers=agent).headers["ETag"]
    assert client.get(url, headers={**agent, "Range": "bytes=5000-5099"}).status_code == 206
    assert client.get(url, headers={**agent, "Range": "bytes=-10"}).status_code == 206
    assert client.get(url, headers={**agent, "If-None-Match": etag}).status_code == 304
    assert client.head(url, headers=agent).status_code == 200
    assert asked == [
        f"bytes=0-{len(data) - 1}",
        "bytes=5000-5099",
        f"bytes={len(data) - 10}-{len(data) - 1}",
    ]


# -- end to end on S3 ---------------------------------------------------------------------


def test_a_photo_from_line_lands_in_the_bucket_and_reaches_the_agent(
    app, make, line_sandbox, s3_media, bucket
) -> None:
    shop = line_sandbox.provision(name="Noodle shop")
    alice = line_sandbox.user("Alice", channel=shop)
    agent = make.auth_header(Role.AGENT)
    with pooled_line_sessions():
        sent = line_sandbox.send_media(shop, alice, "image", PNG, "cat.png")
        deliver_and_run(line_sandbox)
        run_due_jobs()
    db.session.expire_all()
    item = db.session.scalars(sa.select(Attachment)).one()
    assert item.state is AttachmentState.READY, item.error
    assert sent.message_id

    contact = db.session.scalars(sa.select(Contact)).one()
    keys = {entry.key for entry in bucket.objects.all()}
    stored = (item.storage_path, item.preview_path, contact.picture_path)
    assert keys == {f"{PREFIX}/{key}" for key in stored}
    assert bucket.Object(f"{PREFIX}/{item.storage_path}").get()["Body"].read() == PNG
    assert not (Path(app.config["MEDIA_DIR"]) / "attachments").exists()

    served = get(line_sandbox, f"/media/{item.id}", agent)
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["Content-Type"] == "image/png"
    ranged = get(line_sandbox, f"/media/{item.id}", {**agent, "Range": "bytes=10-19"})
    assert ranged.status_code == 206 and ranged.content == PNG[10:20]
    assert ranged.headers["Content-Range"] == f"bytes 10-19/{len(PNG)}"
    assert get(line_sandbox, f"/media/{item.id}/preview", agent).status_code == 200
    picture = get(line_sandbox, f"/media/contacts/{contact.id}/picture", agent)
    assert picture.status_code == 200 and picture.headers["Content-Type"].startswith("image/")


def test_an_agents_image_is_kept_in_the_bucket_and_offered_to_line(
    app, client, make, stub, s3_media, bucket, request
) -> None:
    chat, agent, image = request.getfixturevalue("conversation"), make.auth_header(), png()
    refused = upload(client, agent, chat, b"not really a png", "fake.png", "image/png")
    assert refused.status_code == 400
    assert list(bucket.objects.all()) == []  # the refused upload was removed again

    assert upload(client, agent, chat, image, "cat.png", "image/png").status_code == 202
    run_due_jobs()
    assert len(list(bucket.objects.all())) == 2  # the image and the preview made from it
    sent = pushed_message(stub)
    original = client.get(sent["originalContentUrl"].removeprefix("https://inbox.example.com"))
    assert original.status_code == 200 and original.data == image
    preview = client.get(sent["previewImageUrl"].removeprefix("https://inbox.example.com"))
    assert preview.status_code == 200 and preview.mimetype == "image/jpeg"
