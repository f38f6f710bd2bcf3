"""`flask --app app channels ...` and `flask --app app secrets ...`: the CLI side of channel
management, through the same service as the admin pages."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask.cli import AppGroup

from inbox.audit import record
from inbox.channels.service import (
    ChannelInput,
    ChannelInvalid,
    create_channel,
    set_enabled,
    update_channel,
)
from inbox.channels.tokens import TokenRenewalFailed, renew_token
from inbox.crypto import secret_box
from inbox.extensions import db
from inbox.models import Channel, Plan, TokenMode
from inbox.models.types import EncryptedString

channels = AppGroup("channels", help="Manage LINE channels.")
secrets = AppGroup("secrets", help="Encryption keys for secrets at rest.")

MODES = click.Choice([mode.value for mode in TokenMode])
PLANS = click.Choice([plan.value for plan in Plan])


def _channel(channel_id: str) -> Channel:
    found = db.session.scalar(sa.select(Channel).where(Channel.line_channel_id == channel_id))
    if found is None:
        raise click.ClickException(f"No channel {channel_id} is set up.")
    return found


def _key_text(key_file: Path | None) -> str | None:
    return key_file.read_text() if key_file else None


def _report(channel: Channel) -> None:
    if channel.token_error:
        raise click.ClickException(channel.token_error + " (it will be retried)")
    if channel.automatic_token and channel.token_expires_at:
        click.echo(f"Access token issued; it expires {channel.token_expires_at.isoformat()}.")


def credential_options(command):  # type: ignore[no-untyped-def]
    """The options `add` and `edit` share (edit: left out means unchanged)."""
    for option in reversed(
        [
            click.option("--name"),
            click.option("--secret", help="The channel secret."),
            click.option(
                "--token-mode",
                type=MODES,
                help="long_lived (default for add), "
                "v2_short_lived or v21_jwt: tokens issued and renewed here.",
            ),
            click.option("--access-token", help="A long-lived channel access token."),
            click.option(
                "--key-file",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help="v21_jwt: the assertion signing key's private key (JWK JSON).",
            ),
            click.option("--kid", help="v21_jwt: the key's kid, if the JWK has none."),
            click.option("--plan", type=PLANS),
            click.option(
                "--rate-limit",
                type=click.IntRange(min=1),
                help="Requests per minute to LINE (default: the plan's).",
            ),
        ]
    ):
        command = option(command)
    return command


@channels.command("add")
@click.option("--channel-id", required=True, help="The LINE channel ID (Basic settings).")
@credential_options
def add_channel(channel_id: str, **options: object) -> None:
    """Register a LINE channel and print its webhook path."""
    if not options["name"] or not options["secret"]:
        raise click.UsageError("--name and --secret are required.")
    data = ChannelInput(
        line_channel_id=channel_id,
        name=str(options["name"]),
        secret=str(options["secret"]),
        token_mode=TokenMode(options["token_mode"] or TokenMode.LONG_LIVED),
        access_token=options["access_token"],  # type: ignore[arg-type]
        private_key=_key_text(options["key_file"]),  # type: ignore[arg-type]
        assertion_kid=options["kid"],  # type: ignore[arg-type]
        plan=Plan(options["plan"] or Plan.TRIAL),
        rate_limit=options["rate_limit"],  # type: ignore[arg-type]
    )
    try:
        channel = create_channel(data)
    except ChannelInvalid as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Channel {channel_id} added. Webhook URL path: {channel.webhook_path}")
    _report(channel)


@channels.command("edit")
@click.argument("channel_id")
@click.option("--channel-id", "new_channel_id", help="A new LINE channel ID.")
@credential_options
def edit_channel(channel_id: str, new_channel_id: str | None, **options: object) -> None:
    """Change a channel's name, credentials, token mode, plan or rate limit."""
    channel = _channel(channel_id)
    plan = Plan(options["plan"] or channel.plan)
    limit = options["rate_limit"]
    if limit is None and channel.custom_rate_limit and not options["plan"]:
        limit = channel.rate_limit_per_minute
    data = ChannelInput(
        line_channel_id=new_channel_id or channel.line_channel_id,
        name=str(options["name"] or channel.name),
        secret=options["secret"],  # type: ignore[arg-type]
        token_mode=TokenMode(options["token_mode"] or channel.token_mode),
        access_token=options["access_token"],  # type: ignore[arg-type]
        private_key=_key_text(options["key_file"]),  # type: ignore[arg-type]
        assertion_kid=options["kid"],  # type: ignore[arg-type]
        plan=plan,
        rate_limit=limit,  # type: ignore[arg-type]
        push_budget_per_day=channel.push_budget_per_day,  # set in the admin pages
    )
    try:
        changed = update_channel(channel, data)
    except ChannelInvalid as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Changed: {', '.join(changed)}." if changed else "Nothing changed.")
    _report(channel)


@channels.command("disable")
@click.argument("channel_id")
def disable_channel(channel_id: str) -> None:
    """Stop sending from a channel (its conversations stay readable)."""
    changed = set_enabled(_channel(channel_id), False)
    click.echo(f"Channel {channel_id} {'disabled' if changed else 'was already disabled'}.")


@channels.command("enable")
@click.argument("channel_id")
def enable_channel(channel_id: str) -> None:
    """Serve a disabled channel again."""
    changed = set_enabled(_channel(channel_id), True)
    click.echo(f"Channel {channel_id} {'enabled' if changed else 'was already enabled'}.")


@channels.command("renew-token")
@click.argument("channel_id")
def renew_channel_token(channel_id: str) -> None:
    """Issue a new automatic access token now and revoke the old one."""
    channel = _channel(channel_id)
    if not channel.automatic_token:
        raise click.ClickException("This channel uses a long-lived token; paste a new one.")
    try:
        renew_token(channel, reason="cli")
    except TokenRenewalFailed as exc:
        raise click.ClickException(f"{exc} (it will be retried)") from exc
    _report(channel)


@secrets.command("new-key")
def new_key() -> None:
    """Print a new encryption key for INBOX_ENCRYPTION_KEY."""
    click.echo(Fernet.generate_key().decode("ascii"))


def _encrypted_columns() -> list[sa.Column]:
    return [
        column
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedString)
    ]


@secrets.command("rotate")
def rotate() -> None:
    """Re-encrypt every stored secret with the first key of INBOX_ENCRYPTION_KEY."""
    box, count = secret_box(), 0
    for column in _encrypted_columns():
        table = column.table
        raw = sa.table(table.name, sa.column("id"), sa.column(column.name, sa.Text))
        rows = db.session.execute(
            sa.select(raw.c.id, raw.c[column.name]).where(raw.c[column.name].is_not(None))
        ).all()
        for row_id, value in rows:
            db.session.execute(
                sa.update(raw).where(raw.c.id == row_id).values({column.name: box.rotate(value)})
            )
            count += 1
    record("secrets.rotated", details={"values": count})
    db.session.commit()
    click.echo(f"Re-encrypted {count} value(s) with the current key.")
