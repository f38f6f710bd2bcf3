"""Channels on the emulated platform, with the matching inbox Channel, and the demo set-up."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import click
import sqlalchemy as sa
from flask import Flask

from inbox.extensions import db
from inbox.models import Channel, Plan, Role, User
from inbox.sandbox import ids
from inbox.sandbox.models import AccessToken, PlatformChannel
from inbox.sandbox.platform.oauth import issue
from inbox.sandbox.ratelimit import PLAN_LIMITS
from inbox.sandbox.settings import public_base_url
from inbox.sandbox.state import Sandbox, get_sandbox

DEMO_NAME = "Sandbox shop"
DEMO_ADMIN_EMAIL = "admin@line-sandbox.test"


@dataclass(frozen=True)
class ProvisionedChannel:
    """What LINE's console shows for a channel: IDs, secret, long-lived token."""

    pk: int  # the sandbox's own row id
    channel_id: str
    name: str
    secret: str
    access_token: str
    bot_user_id: str
    basic_id: str
    plan: str
    rate_limit: int


def create_platform_channel(
    sandbox: Sandbox,
    name: str,
    *,
    plan: str = "trial",
    rate_limit: int | None = None,
    quota: int | None = None,
    webhook_endpoint: str | None = None,
    is_demo: bool = False,
) -> ProvisionedChannel:
    """A channel on the platform side only, with a long-lived access token.

    `webhook_endpoint` may contain `{channel_id}`, filled in with the new channel's ID.
    """
    if plan not in PLAN_LIMITS:
        raise ValueError(f"plan must be one of {sorted(PLAN_LIMITS)}")
    channel_id = ids.channel_id()
    row = PlatformChannel(
        channel_id=channel_id,
        secret=ids.channel_secret(),
        bot_user_id=ids.user_id(),
        basic_id=ids.basic_id(),
        display_name=name,
        plan=plan,
        rate_limit=rate_limit or PLAN_LIMITS[plan],
        quota_type="limited",
        quota_value=int(sandbox.config["SANDBOX_MONTHLY_QUOTA"]) if quota is None else quota,
        webhook_endpoint=webhook_endpoint.format(channel_id=channel_id)
        if webhook_endpoint
        else None,
        is_demo=is_demo,
        created_at=sandbox.now(),
    )
    with sandbox.session() as session:
        session.add(row)
    token = issue(sandbox, row.id, "long_lived", None)
    return ProvisionedChannel(
        pk=row.id,
        channel_id=row.channel_id,
        name=name,
        secret=row.secret,
        access_token=token,
        bot_user_id=row.bot_user_id,
        basic_id=row.basic_id,
        plan=plan,
        rate_limit=row.rate_limit,
    )


def register_in_inbox(channel: ProvisionedChannel) -> Channel:
    """The inbox's Channel for a sandbox channel (needs an app context; secrets encrypted)."""
    row = Channel(
        line_channel_id=channel.channel_id,
        name=channel.name,
        secret=channel.secret,
        access_token=channel.access_token,
        plan=Plan(channel.plan),
        rate_limit_per_minute=channel.rate_limit,
        bot_user_id=channel.bot_user_id,
    )
    db.session.add(row)
    db.session.commit()
    return row


def webhook_url_template(app: Flask) -> str:
    return public_base_url(app) + "/webhooks/line/{channel_id}"


def _long_lived_token(sandbox: Sandbox, channel_pk: int) -> str:
    with sandbox.session() as session:
        token = session.scalar(
            sa.select(AccessToken.token).where(
                AccessToken.channel_pk == channel_pk,
                AccessToken.kind == "long_lived",
                AccessToken.revoked_at.is_(None),
            )
        )
    return token or issue(sandbox, channel_pk, "long_lived", None)


def ensure_demo_channel(app: Flask) -> None:
    """On a fresh database: the demo channel on both sides and an admin who can sign in.

    Idempotent: later starts find everything in place and print nothing.
    """
    sandbox = get_sandbox(app)
    with app.app_context():
        with sandbox.session() as session:
            demo = session.scalar(sa.select(PlatformChannel).where(PlatformChannel.is_demo))
        if demo is None:
            created = create_platform_channel(
                sandbox, DEMO_NAME, webhook_endpoint=webhook_url_template(app), is_demo=True
            )
            demo_pk, demo_id = created.pk, created.channel_id
        else:
            demo_pk, demo_id = demo.id, demo.channel_id
        if (
            db.session.scalar(sa.select(Channel.id).where(Channel.line_channel_id == demo_id))
            is None
        ):
            with sandbox.session() as session:
                platform = session.get(PlatformChannel, demo_pk)
            register_in_inbox(
                ProvisionedChannel(
                    pk=platform.id,
                    channel_id=platform.channel_id,
                    name=platform.display_name,
                    secret=platform.secret,
                    access_token=_long_lived_token(sandbox, platform.id),
                    bot_user_id=platform.bot_user_id,
                    basic_id=platform.basic_id,
                    plan=platform.plan,
                    rate_limit=platform.rate_limit,
                )
            )
        _ensure_admin()


def _ensure_admin() -> None:
    if db.session.scalar(sa.select(User.id).where(User.email == DEMO_ADMIN_EMAIL)) is not None:
        return
    password = secrets.token_urlsafe(12)
    user = User(email=DEMO_ADMIN_EMAIL, roles=[Role.ADMIN], display_name="Sandbox admin")
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(
        "LINE sandbox is on. Sign in as an admin (shown once):\n"
        f"  email:    {DEMO_ADMIN_EMAIL}\n  password: {password}"
    )
