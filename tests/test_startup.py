"""`python app.py` on an empty database: migrates, serves, and ingests over real HTTP."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import requests

from inbox.webhooks.signature import sign
from tests.app_process import run_flask, start, stop, wait_up
from tests.line_events import body_of, text_event
from tests.sandbox_fixture import free_port
from tests.sandbox_flows import eventually


@pytest.fixture
def server(tmp_path: Path):
    port = free_port()
    env = {
        **os.environ,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "PORT": str(port),
        "HOST": "127.0.0.1",
    }
    env.pop("SECRET_KEY", None)
    process = start(env)
    base = f"http://127.0.0.1:{port}"
    wait_up(process, base)
    try:
        yield base, env
    finally:
        stop(process)


def test_fresh_start_migrates_keeps_a_secret_key_and_ingests(server, tmp_path: Path) -> None:
    base, env = server
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"

    login = requests.get(f"{base}/login", timeout=5)
    assert login.status_code == 200 and "Sign in" in login.text

    run_flask(
        env,
        "users",
        "create",
        "lead@example.com",
        "--role",
        "supervisor",
        "--password",
        "pw-123456",
    )
    token = run_flask(env, "users", "token", "lead@example.com").strip()
    added = run_flask(
        env,
        "channels",
        "add",
        "--channel-id",
        "1234567",
        "--name",
        "Demo",
        "--secret",
        "demo-secret",
        "--access-token",
        "demo-token",
    )
    assert "/webhooks/line/1234567" in added

    body = body_of([text_event("こんにちは、注文について")])
    response = requests.post(
        f"{base}/webhooks/line/1234567",
        data=body,
        timeout=5,
        headers={"X-Line-Signature": sign("demo-secret", body), "Content-Type": "application/json"},
    )
    assert response.status_code == 200 and response.json()["stored"] == 1

    def listed() -> list[dict]:
        answer = requests.get(
            f"{base}/api/conversations", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        assert answer.status_code == 200
        return answer.json()["conversations"]

    eventually(lambda: bool(listed()))  # the in-process event worker derives it
    (conversation,) = listed()
    assert conversation["last_message"]["text"] == "こんにちは、注文について"
    assert json.loads(requests.get(f"{base}/api/conversations", timeout=5).text)["status"] == 401
