"""What the end-to-end sandbox tests share: the inbox's call log, its jobs, the platform's rows.

The tests run the inbox's own code (LINE client, ingest, jobs) against the sandbox over real
HTTP; these helpers read what each side recorded.
"""

from __future__ import annotations

import struct
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import requests
import sqlalchemy as sa

from inbox.channels import flush_call_log
from inbox.extensions import db
from inbox.jobs import run_due_jobs
from inbox.line import line_platform
from inbox.models import Job, JobState, LineApiCall, utcnow
from inbox.sandbox.models import ChatMessage
from tests.sandbox_fixture import LineSandbox


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real (decodable) PNG: a soft diagonal gradient of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\0"
        + b"".join(bytes(min(255, channel + (x + y) // 4) for channel in rgb) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


AVATAR = png(96, 96, (240, 150, 170))
CAKE = png(320, 200, (250, 200, 120))


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 12
M4A = b"\x00\x00\x00\x1cftypM4A " + b"\x07" * 1500
PDF = b"%PDF-1.7\n" + b"%\xe2\xe3\xcf\xd3\n" * 200


@contextmanager
def pooled_line_sessions() -> Iterator[None]:
    """Close the inbox's pooled LINE sessions afterwards (open sockets fail the run)."""
    try:
        yield
    finally:
        line_platform().close()


def line_calls(endpoint: str) -> list[LineApiCall]:
    """The inbox's call log for one operation (the spec's operationId), oldest first."""
    flush_call_log()
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(LineApiCall).where(LineApiCall.endpoint == endpoint).order_by(LineApiCall.id)
        )
    )


def deliver_and_run(sandbox: LineSandbox) -> None:
    """Let the platform deliver every webhook, then run the jobs the inbox queued for them."""
    sandbox.wait_idle()
    run_due_jobs()
    db.session.expire_all()


def make_queued_jobs_due() -> None:
    """A job asked to wait (RetryLater) is due now: the test moved the platform's clock instead."""
    db.session.execute(
        sa.update(Job).where(Job.state == JobState.QUEUED).values(run_after=utcnow())
    )
    db.session.commit()


def jobs(kind: str) -> list[Job]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Job).where(Job.kind == kind).order_by(Job.id)))


def platform_message(sandbox: LineSandbox, message_id: str) -> ChatMessage:
    """The platform's own row for a message (who sent it, under which request id, read or not)."""
    with sandbox.sandbox.session() as session:
        return session.scalars(
            sa.select(ChatMessage).where(ChatMessage.message_id == message_id)
        ).one()


def get(sandbox: LineSandbox, path: str, headers: dict[str, str], **kwargs) -> requests.Response:
    """GET a page of the live inbox over HTTP, as a browser or API client would."""
    return requests.get(sandbox.base_url + path, headers=headers, timeout=10, **kwargs)


def eventually(done: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait until `done()` holds (work another thread finishes); the caller asserts after."""
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)
