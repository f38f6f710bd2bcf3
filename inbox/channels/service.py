"""Channels: add, edit, disable and enable them, and keep their access tokens.

The admin views and the CLI both come through here. Secrets never leave it in full:
pages and the API get `mask()`ed values, audit entries name what changed, never the value.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from inbox.audit import record
from inbox.channels.tokens import TokenRenewalFailed, renew_token, revoke_issued_token
from inbox.crypto import mask
from inbox.extensions import db
from inbox.line.assertion import InvalidSigningKey, parse_private_jwk
from inbox.models import (
    PLAN_RATE_LIMITS,
    WAITING_AMBER_MINUTES,
    WAITING_RED_MINUTES,
    Channel,
    Plan,
    RoutingMode,
    TokenMode,
)

MAX_RATE_LIMIT = 1_000_000
MAX_WAITING_MINUTES = 7 * 24 * 60


class ChannelInvalid(ValueError):
    """What an admin entered cannot make a working channel; the message says why."""


@dataclass
class ChannelInput:
    """A channel as an admin enters it. Secret fields: None or "" keeps what is stored."""

    line_channel_id: str
    name: str
    secret: str | None = None
    token_mode: TokenMode = TokenMode.LONG_LIVED
    access_token: str | None = None
    private_key: str | None = None
    assertion_kid: str | None = None
    plan: Plan = Plan.TRIAL
    rate_limit: int | None = None  # None: the plan's figure
    # A waiting customer turns amber, then red, after these minutes; None keeps what is stored.
    waiting_amber_minutes: int | None = None
    waiting_red_minutes: int | None = None
    # Quota units agents may push per UTC day; None: no daily budget (not "keep").
    push_budget_per_day: int | None = None
    # Automatic routing (inbox.conversations.routing); None keeps what is stored.
    routing_mode: RoutingMode | None = None
    routing_cap: int | None = None


SECRET_FIELDS = ("secret", "access_token", "private_key")
KEPT_WHEN_BLANK = (
    "assertion_kid",
    "waiting_amber_minutes",
    "waiting_red_minutes",
    "routing_mode",
    "routing_cap",
)
PLAIN_FIELDS = (
    "line_channel_id",
    "name",
    "token_mode",
    "assertion_kid",
    "plan",
    "waiting_amber_minutes",
    "waiting_red_minutes",
    "push_budget_per_day",
    "routing_mode",
    "routing_cap",
)
MAX_PUSH_BUDGET = 10_000_000
MAX_ROUTING_CAP = 1_000
# The credentials each token mode takes; the form shows only the chosen mode's, and what is
# entered for another mode is ignored (a browser without scripts shows and posts them all).
MODE_CREDENTIALS: dict[str, TokenMode] = {
    "access_token": TokenMode.LONG_LIVED,
    "private_key": TokenMode.V21_JWT,
    "assertion_kid": TokenMode.V21_JWT,
}


def _clean(data: ChannelInput) -> ChannelInput:
    data.line_channel_id = data.line_channel_id.strip()
    data.name = data.name.strip()
    for name in (*SECRET_FIELDS, "assertion_kid"):
        value = getattr(data, name)
        setattr(data, name, value.strip() if value and value.strip() else None)
    for name, mode in MODE_CREDENTIALS.items():
        if data.token_mode is not mode:
            setattr(data, name, None)  # None keeps what is stored
    if not data.line_channel_id.isdigit() or len(data.line_channel_id) > 32:
        raise ChannelInvalid(_("The channel ID is the number on the channel's Basic settings."))
    if not data.name or len(data.name) > 120:
        raise ChannelInvalid(_("Give the channel a name of at most 120 characters."))
    if data.rate_limit is not None and not 1 <= data.rate_limit <= MAX_RATE_LIMIT:
        raise ChannelInvalid(_("The rate limit is a number of requests per minute, at least 1."))
    if data.push_budget_per_day is not None and not (
        0 <= data.push_budget_per_day <= MAX_PUSH_BUDGET
    ):
        raise ChannelInvalid(_("The daily push budget is a whole number, 0 or more."))
    if data.routing_cap is not None and not 1 <= data.routing_cap <= MAX_ROUTING_CAP:
        raise ChannelInvalid(
            _(
                "The most open conversations per agent is a whole number from 1 to %(most)d.",
                most=MAX_ROUTING_CAP,
            )
        )
    if data.private_key:
        try:
            jwk = parse_private_jwk(data.private_key)
        except InvalidSigningKey as exc:
            raise ChannelInvalid(str(exc)) from exc
        data.private_key = json.dumps(jwk, separators=(",", ":"))
        # The console's download names its own kid; a kid typed beside it is for keys without.
        data.assertion_kid = jwk.get("kid") or data.assertion_kid
    return data


def _check_complete(channel: Channel) -> None:
    """Everything the chosen token mode needs is there (stored or just entered), and the
    waiting thresholds make sense together."""
    amber, red = channel.waiting_amber_minutes, channel.waiting_red_minutes
    if not 1 <= amber < red <= MAX_WAITING_MINUTES:
        raise ChannelInvalid(
            _(
                "A waiting customer turns amber after at least 1 minute, and red later than"
                " amber, within %(days)d days.",
                days=MAX_WAITING_MINUTES // (24 * 60),
            )
        )
    if not channel.secret:
        raise ChannelInvalid(_("The channel secret is required (it verifies webhooks)."))
    if channel.token_mode is TokenMode.LONG_LIVED and not channel.access_token:
        raise ChannelInvalid(_("Paste the long-lived channel access token, or choose automatic."))
    if channel.token_mode is TokenMode.V21_JWT and not (
        channel.private_key and channel.assertion_kid
    ):
        raise ChannelInvalid(
            _("Automatic v2.1 tokens need the assertion signing key's private key and its kid.")
        )


def _channel_id_taken(line_channel_id: str, except_id: int | None = None) -> bool:
    query = sa.select(Channel.id).where(Channel.line_channel_id == line_channel_id)
    if except_id is not None:
        query = query.where(Channel.id != except_id)
    return db.session.scalar(query) is not None


def _apply(channel: Channel, data: ChannelInput) -> list[str]:
    """Copy entered values onto the channel; the names of the fields that changed."""
    changed = []
    for name in PLAIN_FIELDS:
        value = getattr(data, name)
        if value is None and name in KEPT_WHEN_BLANK:
            continue
        if getattr(channel, name) != value:
            setattr(channel, name, value)
            changed.append(name)
    for name in SECRET_FIELDS:
        value = getattr(data, name)
        if value is not None and getattr(channel, name) != value:
            setattr(channel, name, value)
            changed.append(name)
    limit = data.rate_limit or PLAN_RATE_LIMITS[data.plan]
    if channel.rate_limit_per_minute != limit:
        channel.rate_limit_per_minute = limit
        changed.append("rate_limit_per_minute")
    return changed


def create_channel(data: ChannelInput) -> Channel:
    """Add a channel; with automatic tokens, its first token is issued before it is kept."""
    data = _clean(data)
    if _channel_id_taken(data.line_channel_id):
        raise ChannelInvalid(_("Channel %(id)s is already set up.", id=data.line_channel_id))
    channel = Channel(
        token_mode=data.token_mode,
        enabled=True,
        waiting_amber_minutes=WAITING_AMBER_MINUTES,
        waiting_red_minutes=WAITING_RED_MINUTES,
    )
    _apply(channel, data)
    _check_complete(channel)
    db.session.add(channel)
    db.session.flush()
    record("channel.created", channel_id=channel.id, target=channel, details=describe(channel))
    db.session.commit()
    if channel.automatic_token:
        with contextlib.suppress(TokenRenewalFailed):  # kept on the channel, shown, retried
            renew_token(channel, reason="created")
    return channel


def update_channel(channel: Channel, data: ChannelInput) -> list[str]:
    """Save an admin's edit; renew the token at once when its credentials changed."""
    data = _clean(data)
    if _channel_id_taken(data.line_channel_id, except_id=channel.id):
        raise ChannelInvalid(_("Channel %(id)s is already set up.", id=data.line_channel_id))
    was_automatic, old_token, old_mode = (
        channel.automatic_token,
        channel.access_token,
        channel.token_mode,
    )
    if data.token_mode is TokenMode.LONG_LIVED and was_automatic and not data.access_token:
        raise ChannelInvalid(_("Paste the long-lived channel access token to switch to it."))
    changed = _apply(channel, data)
    _check_complete(channel)
    if not changed:
        return []
    if was_automatic and not channel.automatic_token:
        channel.token_issued_at = channel.token_expires_at = channel.token_key_id = None
        channel.token_error = channel.token_error_at = None
    record(
        "channel.updated",
        channel_id=channel.id,
        target=channel,
        details={"changed": changed, **describe(channel)},
    )
    db.session.commit()
    if was_automatic and not channel.automatic_token and old_token:
        revoke_issued_token(channel, old_mode, old_token)
    credentials = {"token_mode", "secret", "private_key", "assertion_kid", "line_channel_id"}
    if channel.automatic_token and credentials & set(changed):
        with contextlib.suppress(TokenRenewalFailed):  # kept on the channel, shown, retried
            renew_token(channel, reason="credentials_changed")
    return changed


def set_enabled(channel: Channel, enabled: bool) -> bool:
    """Disable or enable a channel; False when it already was."""
    if channel.enabled == enabled:
        return False
    channel.enabled = enabled
    action = "channel.enabled" if enabled else "channel.disabled"
    record(action, channel_id=channel.id, target=channel, details={"name": channel.name})
    db.session.commit()
    return True


def describe(channel: Channel) -> dict[str, Any]:
    """A channel for audit details: names and settings, secrets masked."""
    return {
        "line_channel_id": channel.line_channel_id,
        "name": channel.name,
        "token_mode": channel.token_mode.value,
        "plan": channel.plan.value,
        "rate_limit_per_minute": channel.rate_limit_per_minute,
        "waiting_amber_minutes": channel.waiting_amber_minutes,
        "waiting_red_minutes": channel.waiting_red_minutes,
        "push_budget_per_day": channel.push_budget_per_day,
        "routing_mode": channel.routing_mode.value,
        "routing_cap": channel.routing_cap,
        "secret": mask(channel.secret),
        "access_token": mask(channel.access_token),
    }


def channel_json(channel: Channel) -> dict[str, Any]:
    """A channel for the admin API: every secret masked to its last four characters."""
    expires = channel.token_expires_at
    return {
        "id": channel.id,
        "line_channel_id": channel.line_channel_id,
        "name": channel.name,
        "enabled": channel.enabled,
        "webhook_path": channel.webhook_path,
        "plan": channel.plan.value,
        "rate_limit_per_minute": channel.rate_limit_per_minute,
        "custom_rate_limit": channel.custom_rate_limit,
        "push_budget_per_day": channel.push_budget_per_day,
        "token_mode": channel.token_mode.value,
        "secret": mask(channel.secret),
        "access_token": mask(channel.access_token),
        "private_key": mask(channel.private_key) if channel.private_key else None,
        "assertion_kid": channel.assertion_kid,
        "token_expires_at": expires.isoformat() if expires else None,
        "token_error": channel.token_error,
        "token_error_at": channel.token_error_at.isoformat() if channel.token_error_at else None,
    }


def all_channels() -> list[Channel]:
    return list(db.session.scalars(sa.select(Channel).order_by(Channel.name, Channel.id)))
