"""Switching the sandbox on and off, the demo channel, and `python app.py` with the sandbox."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from inbox import create_app
from inbox import sandbox as sandbox_package
from inbox.config import from_environment
from inbox.extensions import db
from inbox.models import Channel, Role, User
from inbox.sandbox.models import PlatformChannel
from inbox.sandbox.provision import DEMO_ADMIN_EMAIL, ensure_demo_channel
from tests.app_process import start, stop, wait_up
from tests.sandbox_fixture import free_port

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, True),
        ({"LINE_API_BASE_URL": "https://api.line.me"}, False),
        ({"LINE_API_BASE_URL": "https://api.line.me", "LINE_SANDBOX": "on"}, True),
        ({"LINE_SANDBOX": "off"}, False),
    ],
)
def test_line_sandbox_setting(monkeypatch, tmp_path, env, expected) -> None:
    for name in ("LINE_SANDBOX", "LINE_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert from_environment(tmp_path, given={"SECRET_KEY"})["LINE_SANDBOX"] is expected


def test_a_wrong_switch_value_is_refused(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LINE_SANDBOX", "maybe")
    with pytest.raises(RuntimeError, match="LINE_SANDBOX"):
        from_environment(tmp_path, given={"SECRET_KEY"})


def _app(tmp_path: Path, **config: object):
    return create_app(
        {"TESTING": True, "SECRET_KEY": "k", "INSTANCE_PATH": str(tmp_path), **config}
    )


def test_off_mounts_nothing(tmp_path) -> None:
    app = _app(tmp_path, LINE_SANDBOX=False)
    assert not [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/sandbox")]
    assert "line_sandbox" not in app.extensions
    assert "/sandbox" not in app.config["LINE_API_BASE_URL"]


def test_on_points_the_client_at_the_sandbox(tmp_path) -> None:
    app = _app(tmp_path, LINE_SANDBOX=True, HOST="0.0.0.0", PORT=5055)
    assert app.config["LINE_API_BASE_URL"] == "http://127.0.0.1:5055/sandbox/line-api"
    assert app.config["LINE_DATA_API_BASE_URL"] == "http://127.0.0.1:5055/sandbox/line-data"
    assert app.config["SANDBOX_DATABASE_URL"] == f"sqlite:///{tmp_path / 'sandbox.sqlite3'}"
    assert not (tmp_path / "sandbox.sqlite3").exists()  # the factory does no I/O


def test_demo_channel_is_provisioned_once(app, capsys) -> None:
    if "line_sandbox" not in app.extensions:
        sandbox_package.init_app(app)
    sandbox = sandbox_package.get_sandbox(app)
    sandbox.create_tables()
    try:
        ensure_demo_channel(app)
        printed = capsys.readouterr().out
        password = printed.split("password:")[1].split()[0]
        ensure_demo_channel(app)
        assert capsys.readouterr().out == ""

        admin = db.session.scalars(sa.select(User).where(User.email == DEMO_ADMIN_EMAIL)).one()
        assert admin.roles == {Role.ADMIN} and admin.check_password(password)
        (channel,) = db.session.scalars(sa.select(Channel)).all()
        with sandbox.session() as session:
            (platform,) = session.scalars(sa.select(PlatformChannel)).all()
        assert channel.line_channel_id == platform.channel_id and channel.secret == platform.secret
        assert channel.bot_user_id == platform.bot_user_id
        assert (
            platform.webhook_endpoint
            == f"http://127.0.0.1:{app.config['PORT']}/webhooks/line/{platform.channel_id}"
        )
    finally:
        sandbox.engine.dispose()


def test_python_app_py_runs_the_sandbox_and_prints_the_admin_once(tmp_path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "PORT": str(port),
        "HOST": "127.0.0.1",
    }
    for name in (
        "SECRET_KEY",
        "DATABASE_URL",
        "LINE_API_BASE_URL",
        "LINE_DATA_API_BASE_URL",
        "LINE_SANDBOX",
    ):
        env.pop(name, None)
    base = f"http://127.0.0.1:{port}"

    first = start(env)
    wait_up(first, base)
    info = requests.get(f"{base}/sandbox/line-api/v2/bot/info", timeout=5)
    assert info.status_code == 401 and info.headers["X-Line-Request-Id"]
    first_output = stop(first)
    assert first_output.count(DEMO_ADMIN_EMAIL) == 1 and "password:" in first_output

    second = start(env)
    wait_up(second, base)
    second_output = stop(second)
    assert DEMO_ADMIN_EMAIL not in second_output
    assert (tmp_path / "instance" / "sandbox.sqlite3").exists()
