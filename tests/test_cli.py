"""`flask --app app users|channels ...`: the commands the README tells people to run."""

from __future__ import annotations

import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import Channel, Plan, Role, User


def test_users_create_with_and_without_password(runner) -> None:
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Somchai@Example.com",
            "--role",
            "supervisor",
            "--password",
            "s3cret-pass",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User))
    assert user.email == "somchai@example.com" and user.roles == {Role.SUPERVISOR}
    assert user.check_password("s3cret-pass") and "s3cret-pass" not in user.password_hash

    result = runner.invoke(args=["users", "create", "agent@example.com"])
    assert result.exit_code == 0
    printed = result.output.split("Password (shown once): ")[1].strip()
    agent = db.session.scalar(sa.select(User).where(User.email == "agent@example.com"))
    assert agent.roles == {Role.AGENT} and agent.check_password(printed)

    again = runner.invoke(args=["users", "create", "agent@example.com"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_users_token_prints_a_working_token(runner, client, make) -> None:
    user = make.user(Role.AGENT)
    result = runner.invoke(args=["users", "token", user.email])
    assert result.exit_code == 0
    token = result.output.strip()
    assert (
        client.get("/api/conversations", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    missing = runner.invoke(args=["users", "token", "nobody@example.com"])
    assert missing.exit_code != 0 and "No user" in missing.output


def test_channels_add_prints_webhook_path_and_encrypts_secrets(runner) -> None:
    result = runner.invoke(
        args=[
            "channels",
            "add",
            "--channel-id",
            "2001234567",
            "--name",
            "ร้านค้า Bangkok",
            "--secret",
            "0123456789abcdef0123456789abcdef",
            "--access-token",
            "long-lived-token-xyz",
            "--plan",
            "standard",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "/webhooks/line/2001234567" in result.output
    channel = db.session.scalar(sa.select(Channel))
    assert channel.plan is Plan.STANDARD and channel.rate_limit_per_minute == 10_000
    assert channel.secret == "0123456789abcdef0123456789abcdef"
    stored = db.session.execute(sa.text("SELECT secret, access_token FROM channels")).one()
    assert "0123456789abcdef" not in stored.secret
    assert "long-lived-token" not in stored.access_token
    duplicate = runner.invoke(
        args=[
            "channels",
            "add",
            "--channel-id",
            "2001234567",
            "--name",
            "x",
            "--secret",
            "s",
            "--access-token",
            "t",
        ]
    )
    assert duplicate.exit_code != 0 and "already set up" in duplicate.output
