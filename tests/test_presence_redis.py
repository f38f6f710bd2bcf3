"""With Redis, presence is the deployment's, not a process's: two agents whose sockets two
gunicorn web processes hold see each other in the same conversation. When one web process
dies, its agent fades out within a few heartbeats, and another deployment on the same Redis
sees none of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import socketio as socketio_client
from cryptography.fernet import Fernet

from inbox import create_app
from inbox.extensions import db
from inbox.models import Conversation, Role, SourceType
from inbox.realtime.presence import PresenceRecord, RedisPresence
from tests.app_process import ROOT, run_flask, wait_up
from tests.conftest import TEST_SECRET_KEY
from tests.factories import Factory
from tests.sandbox_fixture import free_port
from tests.sandbox_flows import eventually
from tests.test_rate_limit_redis import redis_url  # noqa: F401 - the fixture

HEARTBEAT = 1.0  # seconds: records last three of them


def names(viewers: list[dict]) -> list[str]:
    return [viewer["name"] for viewer in viewers]


def test_two_stores_on_one_prefix_share_presence_and_others_do_not(redis_url) -> None:  # noqa: F811
    prefix = f"presence-{uuid.uuid4().hex[:8]}:"
    here, there = RedisPresence(redis_url, prefix, 0.5), RedisPresence(redis_url, prefix, 0.5)
    elsewhere = RedisPresence(redis_url, f"other-{uuid.uuid4().hex[:8]}:", 0.5)
    try:
        here.save(PresenceRecord("sid-1", 1, "Anna", conversations=frozenset({7})))
        there.save(PresenceRecord("sid-2", 2, "Somchai", status="away"))
        assert [r.name for r in there.viewers(7)] == ["Anna"]
        assert sorted(r.name for r in here.everyone()) == ["Anna", "Somchai"]
        assert elsewhere.everyone() == [] and elsewhere.viewers(7) == []

        there.save(PresenceRecord("sid-2", 2, "Somchai", conversations=frozenset({7})))
        here.save(PresenceRecord("sid-1", 1, "Anna"))  # Anna moved on
        assert [r.name for r in here.viewers(7)] == ["Somchai"]
        there.forget("sid-2")
        assert here.viewers(7) == []
        time.sleep(0.7)  # nobody sent a heartbeat
        assert there.everyone() == []
    finally:
        for store in (here, there, elsewhere):
            store.close()


def web_process(environment: dict[str, str], port: int) -> subprocess.Popen:
    """A gunicorn web process in a session of its own, so that the whole server (master and
    worker) can die at once."""
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--threads", "4"),
            *("--workers", "1", "--bind", f"127.0.0.1:{port}", "app:app"),
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def kill(process: subprocess.Popen) -> str:
    """No goodbye: the process is simply gone."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    return process.communicate(timeout=15)[0]


def test_agents_on_two_processes_see_each_other_until_one_process_dies(
    redis_url,  # noqa: F811
    tmp_path: Path,
    monkeypatch,
) -> None:
    monkeypatch.setenv("INBOX_ENCRYPTION_KEY", Fernet.generate_key().decode())
    shared = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'inbox.sqlite3'}",
        "REDIS_URL": redis_url,
        "DEPLOYMENT_PREFIX": f"presence-{uuid.uuid4().hex[:8]}",
        "SECRET_KEY": TEST_SECRET_KEY,
        "LINE_SANDBOX": "off",
        "LINE_API_BASE_URL": "http://127.0.0.1:9",  # never called
        "PRESENCE_HEARTBEAT_SECONDS": str(HEARTBEAT),
    }
    environment = {**os.environ, **shared, "INSTANCE_PATH": str(tmp_path / "web")}
    run_flask(environment, "db", "upgrade")
    setup = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": shared["DATABASE_URL"],
            "INSTANCE_PATH": str(tmp_path / "setup"),
            "LINE_SANDBOX": False,
        }
    )
    with setup.app_context():
        make = Factory()
        conversation = Conversation(
            channel=make.channel(), source_type=SourceType.GROUP, source_id="C" + "a" * 32
        )
        db.session.add(conversation)
        db.session.commit()
        conversation_id = conversation.id
        tokens = {
            name: make.token(make.user(Role.AGENT, display_name=name))
            for name in ("Anna", "Somchai")
        }
        db.engine.dispose()

    ports = {"Anna": free_port(), "Somchai": free_port()}
    servers = {name: web_process(environment, port) for name, port in ports.items()}
    sockets = {name: socketio_client.Client(reconnection=False) for name in ports}
    heard: dict[str, list[dict]] = {name: [] for name in ports}
    for name, socket in sockets.items():
        socket.on("viewers", heard[name].append)
    try:
        for name, port in ports.items():
            base = f"http://127.0.0.1:{port}"
            wait_up(servers[name], base)
            sockets[name].connect(base, auth={"token": tokens[name]}, transports=["polling"])

        def opens(name: str) -> list[str]:
            answer = sockets[name].call(
                "open_conversation", {"conversation_id": conversation_id}, timeout=10
            )
            return names(answer["viewers"])

        def heartbeat() -> dict:
            return sockets["Somchai"].call("presence", {"team": True}, timeout=10)

        assert opens("Anna") == ["Anna"]
        assert opens("Somchai") == ["Anna", "Somchai"]  # Anna is on the other process
        # … and Anna, over there, hears that Somchai came (through Redis's queue).
        eventually(lambda: any(len(e["viewers"]) == 2 for e in heard["Anna"]), 10)

        kill(servers["Anna"])
        assert names(heartbeat()["conversations"][0]["viewers"]) == ["Anna", "Somchai"]
        time.sleep(HEARTBEAT * 3 + 0.5)  # Anna's records outlive her process only this long
        beat = heartbeat()
        assert names(beat["conversations"][0]["viewers"]) == ["Somchai"]
        assert [person["status"] for person in beat["team"]] == ["online"]
    finally:
        for socket in sockets.values():
            if socket.connected:
                socket.disconnect()
        outputs = [kill(server) for server in servers.values()]
    assert not any("Traceback" in output for output in outputs), outputs
