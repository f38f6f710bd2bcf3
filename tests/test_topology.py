"""The team deployment, as processes: PostgreSQL and Redis, two gunicorn web processes (each
with an instance folder of its own, as separate hosts would have) and one `flask jobs worker`.
LINE is the sandbox served by this test. A customer's message posted to web process A is
derived by the worker and reaches an agent's Socket.IO connection on web process B; the
agent's answer sent through B reaches LINE exactly once.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
import socketio as socketio_client
from cryptography.fernet import Fernet

from tests.app_process import run_flask, start, stop, wait_up
from tests.conftest import fresh_postgres_database
from tests.sandbox_fixture import free_port
from tests.sandbox_flows import eventually, pooled_line_sessions
from tests.test_rate_limit_redis import redis_url  # noqa: F401 - the fixture

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["sqlite"])]


def gunicorn(env: dict[str, str], port: int):
    return start(
        env,
        sys.executable,
        "-m",
        "gunicorn",
        "--worker-class",
        "gthread",
        "--threads",
        "8",
        "--workers",
        "1",
        "--bind",
        f"127.0.0.1:{port}",
        "app:app",
    )


def test_a_webhook_on_one_host_reaches_an_agent_on_another(
    line_sandbox,
    redis_url,  # noqa: F811
    tmp_path: Path,
) -> None:
    shop = line_sandbox.provision(name="Team shop", register=False)
    with fresh_postgres_database("topology") as database_url:
        shared = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DEPLOYMENT_PREFIX": f"topology-{uuid.uuid4().hex[:8]}",
            "SECRET_KEY": "topology-secret-key",
            "INBOX_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "LINE_SANDBOX": "off",
            "LINE_API_BASE_URL": line_sandbox.api_base_url,
            "LINE_DATA_API_BASE_URL": line_sandbox.data_base_url,
            "LINE_RETRY_ATTEMPTS": "1",
        }

        def host(name: str) -> dict[str, str]:
            return {**shared, "INSTANCE_PATH": str(tmp_path / name)}

        run_flask(host("setup"), "db", "upgrade")
        run_flask(
            host("setup"),
            *("channels", "add", "--channel-id", shop.channel_id, "--name", "Team shop"),
            *("--secret", shop.secret, "--access-token", shop.access_token),
        )
        run_flask(host("setup"), "users", "create", "agent@team.test", "--role", "agent")
        token = run_flask(host("setup"), "users", "token", "agent@team.test").strip()

        port_a, port_b = free_port(), free_port()
        processes = [
            gunicorn(host("web-a"), port_a),
            gunicorn(host("web-b"), port_b),
            start(host("worker"), sys.executable, "-m", "flask", "--app", "app", "jobs", "worker"),
        ]
        agent_socket = socketio_client.Client(reconnection=False)
        try:
            web_a, web_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
            wait_up(processes[0], web_a)
            wait_up(processes[1], web_b)
            line_sandbox.set_webhook(shop, f"{web_a}/webhooks/line/{shop.channel_id}")

            heard: list[dict] = []
            agent_socket.on("message", heard.append)
            agent_socket.connect(web_b, auth={"token": token}, transports=["polling"])
            with pooled_line_sessions():
                customer = line_sandbox.user("ลูกค้า 顧客", channel=shop)
                line_sandbox.sandbox.worker.wait_idle(10)
                started = time.monotonic()
                line_sandbox.say(shop, customer, "สวัสดีค่ะ 注文です")
            eventually(lambda: any(m.get("text") == "สวัสดีค่ะ 注文です" for m in heard), 30)
            assert any(m.get("text") == "สวัสดีค่ะ 注文です" for m in heard), heard
            print(f"webhook on A -> socket on B: {(time.monotonic() - started) * 1000:.0f} ms")

            headers = {"Authorization": f"Bearer {token}"}
            (conversation,) = requests.get(
                f"{web_b}/api/conversations", headers=headers, timeout=10
            ).json()["conversations"]
            sent = requests.post(
                f"{web_b}/api/conversations/{conversation['id']}/messages",
                json={"text": "ขอบคุณค่ะ ありがとう"},
                headers=headers,
                timeout=10,
            )
            assert sent.status_code == 202, sent.text
            eventually(lambda: bool(line_sandbox.received(shop, customer)), 30)
            time.sleep(1)  # a second delivery, if there were one, would have landed by now
            assert [m["text"] for m in line_sandbox.received(shop, customer)] == [
                "ขอบคุณค่ะ ありがとう"
            ]
        finally:
            if agent_socket.connected:
                agent_socket.disconnect()
            outputs = [stop(process) for process in processes]
        for output in outputs:
            assert "Traceback" not in output, output
