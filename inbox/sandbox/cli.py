"""`flask --app app sandbox ...`: what LINE's Developers console does, for the emulation."""

from __future__ import annotations

import json

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from inbox.sandbox.models import PlatformChannel
from inbox.sandbox.platform.assertions import issue_assertion_key
from inbox.sandbox.state import get_sandbox

sandbox_cli = AppGroup("sandbox", help="The LINE sandbox's console.")


@sandbox_cli.command("assertion-key")
@click.argument("channel_id")
def assertion_key(channel_id: str) -> None:
    """Issue an assertion signing key for a sandbox channel; print its private JWK once."""
    sandbox = get_sandbox()
    sandbox.create_tables()
    with sandbox.session() as session:
        channel = session.scalar(
            sa.select(PlatformChannel).where(PlatformChannel.channel_id == channel_id)
        )
    if channel is None:
        raise click.ClickException(f"The sandbox has no channel {channel_id}.")
    try:
        jwk = issue_assertion_key(sandbox, channel.id)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(jwk, indent=2))
