"""With Redis as the Socket.IO message queue, access ended in one process closes the live
connections another process holds: here a gunicorn web process holds an API client's socket,
and this test's own app (another instance on the same database and Redis) revokes the token."""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

import socketio as socketio_client
from cryptography.fernet import Fernet

from inbox import create_app
from inbox.admin import users_service as service
from inbox.background import flush_background
from inbox.extensions import db, socketio
from inbox.models import Role
from inbox.realtime.connections import EXTENSION_KEY
from inbox.realtime.rooms import channel_room
from tests.app_process import run_flask, start, stop, wait_up
from tests.conftest import TEST_SECRET_KEY
from tests.factories import Factory
from tests.sandbox_fixture import free_port
from tests.sandbox_flows import eventually
from tests.test_rate_limit_redis import redis_url  # noqa: F401 - the fixture


def test_revoking_a_token_in_one_process_closes_its_socket_in_another(
    redis_url,  # noqa: F811
    tmp_path: Path,
    monkeypatch,
) -> None:
    monkeypatch.setenv("INBOX_ENCRYPTION_KEY", Fernet.generate_key().decode())
    shared = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'inbox.sqlite3'}",
        "REDIS_URL": redis_url,
        "DEPLOYMENT_PREFIX": f"access-{uuid.uuid4().hex[:8]}",
        "SECRET_KEY": TEST_SECRET_KEY,
        "LINE_SANDBOX": "off",
        "LINE_API_BASE_URL": "http://127.0.0.1:9",  # never called
    }
    environment = {**os.environ, **shared, "INSTANCE_PATH": str(tmp_path / "web")}
    run_flask(environment, "db", "upgrade")
    here = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": shared["DATABASE_URL"],
            "INSTANCE_PATH": str(tmp_path / "here"),
            "REDIS_URL": redis_url,
            "DEPLOYMENT_PREFIX": shared["DEPLOYMENT_PREFIX"],
            "LINE_SANDBOX": False,
        }
    )
    with here.app_context():
        make = Factory()
        channel_id = make.channel().id
        token_row, token = service.issue_token(make.user(Role.AGENT), "CRM sync")

    port = free_port()
    web = start(
        environment,
        *(sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--threads", "4"),
        *("--workers", "1", "--bind", f"127.0.0.1:{port}", "app:app"),
    )
    socket = socketio_client.Client(reconnection=False)
    heard: list[dict] = []
    closed_at: list[float] = []
    socket.on("message", heard.append)
    socket.on("disconnect", lambda *_reason: closed_at.append(time.monotonic()))
    try:
        base = f"http://127.0.0.1:{port}"
        wait_up(web, base)
        socket.connect(base, auth={"token": token}, transports=["polling"])

        def customer_writes(text: str) -> None:
            # What the notify seam does after a customer's message commits, from this process.
            with here.app_context():
                socketio.emit("message", {"text": text}, to=channel_room(channel_id, "agents"))

        customer_writes("ก่อน: before")
        eventually(lambda: bool(heard), 10)
        assert [message["text"] for message in heard] == ["ก่อน: before"]

        with here.app_context():
            revoked_at = time.monotonic()
            service.revoke_token(db.session.merge(token_row))
        eventually(lambda: bool(closed_at), 5)
        assert closed_at and closed_at[0] - revoked_at < 1.0, closed_at
        assert not socket.connected

        customer_writes("หลัง: after")
        time.sleep(1)  # it would have arrived by now
        assert [message["text"] for message in heard] == ["ก่อน: before"]
    finally:
        if socket.connected:
            socket.disconnect()
        output = stop(web)
        flush_background(here)
        with here.app_context():
            here.extensions[EXTENSION_KEY].close()
            db.engine.dispose()
    assert "Traceback" not in output, output
