"""Is a channel working? Counts from our own tables (no call to LINE), and a verdict.

Everything here reads the store only, so the agents' inbox can ask on every page load:
webhooks received and refused, events that failed to process, what LINE answered our calls
(the call log, with LINE's request ids), and how much of the per-minute limit is in use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from inbox.api.serializers import iso
from inbox.extensions import db
from inbox.ingest.pipeline import backlog
from inbox.line import line_platform
from inbox.line.errors import LineUnavailable, error_class_for
from inbox.models import (
    Channel,
    EventState,
    LineApiCall,
    WebhookEvent,
    WebhookRejection,
    utcnow,
)
from inbox.webhooks.rejections import SIGNATURE, hour_of

WINDOW = timedelta(hours=24)
RECENT = timedelta(hours=1)  # what counts as "still happening" for the verdict
LAST_ERRORS = 10
SERVER_ERRORS_IN_TROUBLE = 5  # 5xx or no answer in the last hour
BACKLOG_IN_TROUBLE = timedelta(minutes=2)  # a stored event waiting longer: the worker is stuck
QUOTA_NEARLY_USED = 0.9
NO_ANSWER = "no answer"
# Calls that only look at the channel rather than do the inbox's work: the status page's own
# (account details, webhook settings, push quota) and its buttons' (verify the token, set and
# test the webhook); the composer's quota line reads the quota too. Counted apart, so opening
# the status page does not raise the figure it shows; the rate limit and the verdict count them.
CHANNEL_CHECKS = frozenset(
    {
        "getBotInfo",
        "getWebhookEndpoint",
        "setWebhookEndpoint",
        "testWebhookEndpoint",
        "verifyChannelToken",
        "verifyChannelTokenByJWT",
        "getMessageQuota",
        "getMessageQuotaConsumption",
    }
)
# Names the channel admin area may give a failed automatic token renewal.


@dataclass(frozen=True)
class CallError:
    """One refused or unanswered call to LINE, as the call log has it."""

    at: datetime
    endpoint: str
    status: int | None
    message: str
    request_id: str | None
    explanation: str


@dataclass(frozen=True)
class Headroom:
    limit_per_minute: int
    used_last_minute: int  # requests sent to LINE in the last 60 s (every attempt counts)
    left: int
    queued_seconds: float  # how far ahead the shared pacing schedule is booked


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


@dataclass
class ChannelHealth:
    channel_id: int
    since: datetime
    webhooks_received: int
    redeliveries: int
    processing_failures: int
    signature_failures: int
    last_signature_failure_at: datetime | None
    calls_by_status: dict[str, int]  # the inbox's work: chats, media, profiles, tokens…
    checks_by_status: dict[str, int]  # CHANNEL_CHECKS
    last_errors: list[CallError]
    failed_events: list[dict[str, Any]]
    headroom: Headroom
    events_waiting: int = 0  # stored, not yet derived by the event worker (any age)
    oldest_waiting_at: datetime | None = None
    reasons: list[Reason] = field(default_factory=list)

    @property
    def trouble(self) -> bool:
        return bool(self.reasons)

    def as_dict(self) -> dict[str, Any]:
        """For JSON: times as ISO 8601 UTC strings."""
        return {**_jsonable(asdict(self)), "trouble": self.trouble}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return iso(value)
    return value


# -- the counts ---------------------------------------------------------------------------


def _webhook_counts(channel_id: int, since: datetime) -> tuple[int, int, int, datetime | None]:
    """Events stored since `since`: all, first delivered as redeliveries, still failed."""
    row = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(WebhookEvent.is_redelivery.is_(True)),
            sa.func.count().filter(WebhookEvent.state == EventState.FAILED),
            sa.func.max(WebhookEvent.received_at),
        ).where(WebhookEvent.channel_id == channel_id, WebhookEvent.received_at >= since)
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), row[3]


def _failed_events(channel_id: int, since: datetime) -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(WebhookEvent.received_at, WebhookEvent.event_type, WebhookEvent.error)
        .where(
            WebhookEvent.channel_id == channel_id,
            WebhookEvent.received_at >= since,
            WebhookEvent.state == EventState.FAILED,
        )
        .order_by(WebhookEvent.received_at.desc())
        .limit(LAST_ERRORS)
    ).all()
    return [{"at": at, "event_type": kind, "error": error or ""} for at, kind, error in rows]


def _rejections(channel_id: int, since: datetime) -> tuple[int, datetime | None]:
    """Refused signatures in the hours overlapping the window (counted by the hour)."""
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(WebhookRejection.count), 0),
            sa.func.max(WebhookRejection.last_at),
        ).where(
            WebhookRejection.channel_id == channel_id,
            WebhookRejection.reason == SIGNATURE,
            WebhookRejection.hour >= hour_of(since),
        )
    ).one()
    return int(row[0]), row[1]


def _status_label(status: int | None) -> str:
    return NO_ANSWER if status is None else str(status)


@dataclass(frozen=True)
class CallCounts:
    work: dict[str, int]  # by status over the window, channel checks left out
    checks: dict[str, int]  # the channel checks by status over the window
    recent: dict[str, int]  # every call by status over the recent part of the window


def _count_calls(channel_id: int, since: datetime, recent_since: datetime) -> CallCounts:
    """The call log by status over the window, and over its recent part (one indexed scan)."""
    recent = (LineApiCall.created_at >= recent_since).label("recent")
    is_check = LineApiCall.endpoint.in_(CHANNEL_CHECKS).label("is_check")
    rows = db.session.execute(
        sa.select(LineApiCall.status, recent, is_check, sa.func.count())
        .where(LineApiCall.channel_id == channel_id, LineApiCall.created_at >= since)
        .group_by(LineApiCall.status, recent, is_check)
    ).all()
    work: dict[str, int] = {}
    checks: dict[str, int] = {}
    latest: dict[str, int] = {}
    for status, in_recent, checking, count in rows:
        label = _status_label(status)
        window = checks if checking else work
        window[label] = window.get(label, 0) + count
        if in_recent:
            latest[label] = latest.get(label, 0) + count
    return CallCounts(dict(sorted(work.items())), dict(sorted(checks.items())), latest)


def _last_errors(channel_id: int, since: datetime) -> list[CallError]:
    rows = db.session.scalars(
        sa.select(LineApiCall)
        .where(
            LineApiCall.channel_id == channel_id,
            LineApiCall.created_at >= since,
            sa.or_(LineApiCall.status >= 400, LineApiCall.status.is_(None)),
        )
        .order_by(LineApiCall.created_at.desc(), LineApiCall.id.desc())
        .limit(LAST_ERRORS)
    ).all()
    return [
        CallError(
            at=call.created_at,
            endpoint=call.endpoint,
            status=call.status,
            message=call.error or "",
            request_id=call.request_id,
            explanation=str(
                error_class_for(call.status, call.error or "").explanation
                if call.status is not None
                else LineUnavailable.explanation
            ),
        )
        for call in rows
    ]


def _last_call_at(channel_id: int, since: datetime, *, succeeded: bool) -> datetime | None:
    condition = LineApiCall.status < 400 if succeeded else LineApiCall.status == 401
    return db.session.scalar(
        sa.select(sa.func.max(LineApiCall.created_at)).where(
            LineApiCall.channel_id == channel_id, LineApiCall.created_at >= since, condition
        )
    )


def headroom(channel: Channel, now: datetime) -> Headroom:
    used = db.session.scalar(
        sa.select(sa.func.count()).where(
            LineApiCall.channel_id == channel.id,
            LineApiCall.created_at >= now - timedelta(minutes=1),
        )
    )
    limit = channel.rate_limit_per_minute
    return Headroom(
        limit_per_minute=limit,
        used_last_minute=int(used or 0),
        left=max(0, limit - int(used or 0)),
        queued_seconds=round(line_platform().limiter.backlog(channel.line_channel_id), 3),
    )


# -- the verdict --------------------------------------------------------------------------


def _verdict(
    channel: Channel, health: ChannelHealth, recent: dict[str, int], last_event_at: datetime | None
) -> list[Reason]:
    """What is wrong now, in words an agent can read (no secrets)."""
    recent_since = health.since + WINDOW - RECENT
    stuck_since = health.since + WINDOW - BACKLOG_IN_TROUBLE
    last_401 = _last_call_at(channel.id, health.since, succeeded=False)
    last_ok = _last_call_at(channel.id, health.since, succeeded=True)
    server_errors = recent.get(NO_ANSWER, 0) + sum(
        count for label, count in recent.items() if label.isdigit() and int(label) >= 500
    )
    refused_since_last_event = bool(
        health.last_signature_failure_at
        and (last_event_at is None or last_event_at < health.last_signature_failure_at)
    )
    checks = [
        ("token_renewal", bool(channel.token_error),
         _("Renewing the channel access token failed.")),
        ("token_rejected", bool(last_401 and (last_ok is None or last_ok < last_401)),
         _("LINE rejected the channel access token.")),
        ("line_errors", server_errors >= SERVER_ERRORS_IN_TROUBLE,
         ngettext("%(num)d call to LINE failed or went unanswered in the last hour.",
                  "%(num)d calls to LINE failed or went unanswered in the last hour.",
                  server_errors)),
        ("signature", health.signature_failures > 0 and refused_since_last_event,
         _("Webhooks are refused: their signature does not match the channel secret, so new "
           "messages may not arrive.")),
        ("backlog", bool(health.oldest_waiting_at and health.oldest_waiting_at < stuck_since),
         ngettext("%(num)d received event is waiting to be processed.",
                  "%(num)d received events are waiting to be processed.",
                  health.events_waiting)),
        ("processing", health.processing_failures > 0,
         ngettext("%(num)d received event could not be processed.",
                  "%(num)d received events could not be processed.",
                  health.processing_failures)),
        ("quota", bool(recent.get("429")) and _quota_refused(channel.id, recent_since),
         _("This month's push-message quota is used up.")),
    ]  # fmt: skip
    return [Reason(code, message) for code, failing, message in checks if failing]


def _quota_refused(channel_id: int, since: datetime) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.func.count()).where(
                LineApiCall.channel_id == channel_id,
                LineApiCall.created_at >= since,
                LineApiCall.status == 429,
                LineApiCall.error.ilike("%monthly limit%"),
            )
        )
    )


def quota_reason(quota: dict[str, Any] | None) -> Reason | None:
    """From LINE's answer (inbox.outgoing.quota.push_quota): nearly used up?"""
    if not quota or not quota.get("limit"):
        return None
    if quota["used"] < quota["limit"] * QUOTA_NEARLY_USED:
        return None
    message = _(
        "%(used)d of this month's %(limit)d push messages are used.",
        used=quota["used"],
        limit=quota["limit"],
    )
    return Reason("quota_nearly_used", message)


def channel_health(channel: Channel, now: datetime | None = None) -> ChannelHealth:
    """The last 24 hours of a channel, from the store only, with a `trouble` verdict."""
    now = now or utcnow()
    since = now - WINDOW
    received, redeliveries, failures, last_event_at = _webhook_counts(channel.id, since)
    signature_failures, last_refused = _rejections(channel.id, since)
    calls = _count_calls(channel.id, since, now - RECENT)
    health = ChannelHealth(
        channel_id=channel.id,
        since=since,
        webhooks_received=received,
        redeliveries=redeliveries,
        processing_failures=failures,
        signature_failures=signature_failures,
        last_signature_failure_at=last_refused,
        calls_by_status=calls.work,
        checks_by_status=calls.checks,
        last_errors=_last_errors(channel.id, since),
        failed_events=_failed_events(channel.id, since) if failures else [],
        headroom=headroom(channel, now),
    )
    waiting = backlog(channel.id)
    health.events_waiting, health.oldest_waiting_at = waiting.waiting, waiting.oldest_received_at
    if channel.enabled:  # a disabled channel is never flagged
        health.reasons = _verdict(channel, health, calls.recent, last_event_at)
    return health


def channels_in_trouble(now: datetime | None = None) -> list[tuple[Channel, ChannelHealth]]:
    """Every enabled channel with something wrong, and what (for the admin list and the inbox)."""
    now = now or utcnow()
    channels: Sequence[Channel] = db.session.scalars(
        sa.select(Channel).order_by(Channel.name, Channel.id)
    ).all()
    found = []
    for channel in channels:
        health = channel_health(channel, now)
        if health.trouble:
            found.append((channel, health))
    return found
