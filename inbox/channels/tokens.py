"""Automatic channel access tokens: issue, renew before expiry, revoke the old one.

A channel in an automatic mode gets its token here (v2 short-lived from its ID and secret, or
v2.1 from a JWT signed with its assertion signing key). Each new token schedules a renewal
job at expiry minus a margin; start-up checks every channel, so renewals happen even with no
traffic. A failed renewal is kept on the channel (admins see it on every channel page) and
retried until it works.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from inbox.audit import record
from inbox.channels.client import JOB_KIND, token_client
from inbox.crypto import mask
from inbox.extensions import db
from inbox.jobs import RetryLater, enqueue, handles
from inbox.line.assertion import sign_assertion
from inbox.line.errors import LineError
from inbox.models import AUTOMATIC_TOKEN_MODES, Channel, TokenMode, utcnow

log = logging.getLogger(__name__)

LARGEST_MARGIN_SHARE = 5  # renew at the latest when a fifth of a token's life is left


class TokenRenewalFailed(Exception):
    """LINE did not issue a token; the message is LINE's reason (never a secret)."""


def renew_at(channel: Channel) -> datetime | None:
    """When the channel's token should be replaced (None: it has no automatic token yet)."""
    expires, issued = channel.token_expires_at, channel.token_issued_at
    if expires is None or issued is None:
        return None
    configured = timedelta(seconds=current_app.config["CHANNEL_TOKEN_RENEW_MARGIN_SECONDS"])
    return expires - min(configured, (expires - issued) / LARGEST_MARGIN_SHARE)


def renewal_due(channel: Channel) -> bool:
    moment = renew_at(channel)
    return channel.automatic_token and (moment is None or moment <= utcnow())


def _issue(channel: Channel) -> dict:
    client = token_client(channel)
    if channel.token_mode is TokenMode.V2_SHORT_LIVED:
        return client.issue_short_lived_token(channel.line_channel_id, channel.secret)
    assertion = sign_assertion(
        channel.line_channel_id,
        json.loads(channel.private_key or "{}"),
        channel.assertion_kid or "",
        token_lifetime=current_app.config["CHANNEL_TOKEN_LIFETIME_SECONDS"],
    )
    return client.issue_token_by_jwt(assertion)


def renew_token(channel: Channel, *, reason: str, in_job: bool = False) -> None:
    """Issue a new token, commit it, schedule its renewal, then revoke the one it replaces.

    The new token is committed before the old one is revoked, so a crash in between leaves a
    working token. A failure is recorded on the channel (committed) and raised; outside the
    renewal job, a job is queued to retry it.
    """
    old_token, old_mode = channel.access_token, channel.token_mode
    had_token = channel.token_expires_at is not None
    try:
        issued = _issue(channel)
    except (LineError, ValueError, KeyError) as exc:
        _record_failure(channel, exc, reason, queue_retry=not in_job)
        raise TokenRenewalFailed(channel.token_error) from exc
    now = utcnow()
    channel.access_token = str(issued["access_token"])
    channel.token_issued_at = now
    channel.token_expires_at = now + timedelta(seconds=int(issued["expires_in"]))
    channel.token_key_id = issued.get("key_id")
    channel.token_error = channel.token_error_at = None
    record(
        "channel.token_issued",
        channel_id=channel.id,
        target=channel,
        details={
            "reason": reason,
            "token_mode": channel.token_mode.value,
            "access_token": mask(channel.access_token),
            "expires_at": channel.token_expires_at.isoformat(),
        },
    )
    schedule_renewal(channel)
    db.session.commit()
    log.info("channel %s: new access token until %s", channel.id, channel.token_expires_at)
    if had_token and old_token and old_token != channel.access_token:
        revoke_issued_token(channel, old_mode, old_token)


def _record_failure(channel: Channel, exc: Exception, reason: str, *, queue_retry: bool) -> None:
    message = str(exc) if isinstance(exc, LineError) else _("The signing key could not be used.")
    channel.token_error = _("LINE did not issue a channel access token: %(reason)s", reason=message)
    channel.token_error_at = utcnow()
    record(
        "channel.token_renewal_failed",
        channel_id=channel.id,
        target=channel,
        details={"reason": reason, "error": message},
    )
    if queue_retry:
        enqueue(
            JOB_KIND,
            f"{JOB_KIND}:{channel.id}:retry",
            {"channel_id": channel.id},
            delay=timedelta(seconds=current_app.config["CHANNEL_TOKEN_RETRY_SECONDS"]),
        )
    db.session.commit()
    log.warning("channel %s: access token renewal failed: %s", channel.id, message)


def revoke_issued_token(channel: Channel, mode: TokenMode, token: str) -> None:
    """Revoke a token this app issued; a failure only leaves it to expire by itself."""
    if mode not in AUTOMATIC_TOKEN_MODES:
        return  # a pasted long-lived token may be in use elsewhere: never revoke it
    client = token_client(channel)
    try:
        if mode is TokenMode.V21_JWT:
            client.revoke_token_v21(channel.line_channel_id, channel.secret, token)
        else:
            client.revoke_token(token)
    except LineError as exc:
        log.warning("channel %s: revoking the replaced token failed: %s", channel.id, exc)
        return
    record(
        "channel.token_revoked",
        channel_id=channel.id,
        target=channel,
        details={"access_token": mask(token), "token_mode": mode.value},
    )
    db.session.commit()


def schedule_renewal(channel: Channel) -> None:
    """A job at the renewal time of the channel's current token (in the caller's transaction)."""
    moment = renew_at(channel)
    if moment is None:
        return
    enqueue(
        JOB_KIND,
        f"{JOB_KIND}:{channel.id}:{int(moment.timestamp())}",
        {"channel_id": channel.id},
        delay=max(timedelta(0), moment - utcnow()),
    )


@handles(JOB_KIND)
def renew_due_token(payload: dict) -> None:
    """Renew a channel's token if it is (still) due, or LINE rejected it; retry until LINE
    issues one."""
    channel = db.session.get(Channel, payload["channel_id"])
    rejected = bool(payload.get("rejected"))
    if channel is None or not channel.automatic_token:
        return
    if not rejected and not renewal_due(channel):
        return  # renewed since this job was scheduled
    try:
        renew_token(channel, reason="rejected" if rejected else "scheduled", in_job=True)
    except TokenRenewalFailed as exc:
        raise RetryLater(current_app.config["CHANNEL_TOKEN_RETRY_SECONDS"], str(exc)) from exc


def ensure_renewals() -> int:
    """At start-up: every automatic-token channel has its renewal job (due ones run now)."""
    channels = db.session.scalars(
        sa.select(Channel).where(Channel.token_mode.in_(AUTOMATIC_TOKEN_MODES))
    ).all()
    for channel in channels:
        if renewal_due(channel):
            enqueue(JOB_KIND, f"{JOB_KIND}:{channel.id}:now", {"channel_id": channel.id})
        else:
            schedule_renewal(channel)
    db.session.commit()
    return len(channels)
