"""What LINE says about a channel: bot info, webhook settings, quota, token check, webhook test.

Each call may fail on its own; a failure is kept beside the section it belongs to (LINE's
message, request id and what to do), so one refused call never hides the rest of the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from inbox.channels import line_client
from inbox.channels.health import ChannelHealth, channel_health, quota_reason
from inbox.line.errors import LineError, LineUnauthorized, LineUnavailable
from inbox.models import Channel, utcnow
from inbox.outgoing.media import public_base
from inbox.outgoing.quota import read_quota
from inbox.profiles.pictures import picture_url_allowed

# After these, every other call with the same token or to the same host would fail the same way.
FAILS_EVERYTHING = (LineUnauthorized, LineUnavailable)


def token_hint(secret: str | None) -> str:
    """The last four characters, the only part of a secret ever shown."""
    return f"…{secret[-4:]}" if secret and len(secret) > 8 else "…"


def webhook_url(channel: Channel) -> str | None:
    """The address to give LINE (PUBLIC_BASE_URL + the channel's path); None if unset."""
    base = public_base()
    return f"{base}{channel.webhook_path}" if base else None


@dataclass
class ChannelStatus:
    """Everything the status page shows."""

    channel: Channel
    health: ChannelHealth
    webhook_url: str | None
    token_hint: str
    bot: dict[str, Any] | None = None
    picture_url: str | None = None  # only when it is on LINE's (or the sandbox's) picture host
    endpoint: dict[str, Any] | None = None
    quota: dict[str, Any] | None = None
    errors: dict[str, dict[str, Any]] = field(default_factory=dict)  # section -> LINE's error

    @property
    def endpoint_matches(self) -> bool:
        return bool(self.endpoint and self.endpoint.get("endpoint") == self.webhook_url)


def _ask(status: ChannelStatus, section: str, call: Any) -> Any:
    """Run one call to LINE; on failure keep the error under `section` and return None."""
    blocking = next(
        (error for error in status.errors.values() if error.get("fails_everything")), None
    )
    if blocking is not None:
        status.errors[section] = blocking
        return None
    try:
        return call()
    except LineError as error:
        status.errors[section] = {
            **error.as_dict(),
            "fails_everything": isinstance(error, FAILS_EVERYTHING),
        }
        return None


def channel_status(channel: Channel, now: datetime | None = None) -> ChannelStatus:
    """Ask LINE about the channel and add the health counts from the store."""
    client = line_client(channel)
    status = ChannelStatus(
        channel=channel,
        health=channel_health(channel, now),
        webhook_url=webhook_url(channel),
        token_hint=token_hint(channel.access_token),
    )
    status.bot = _ask(status, "bot", client.bot_info)
    picture = (status.bot or {}).get("pictureUrl")
    status.picture_url = picture if picture and picture_url_allowed(picture) else None
    status.endpoint = _ask(status, "webhook", client.webhook_endpoint)
    status.quota = _ask(status, "quota", lambda: read_quota(client))
    nearly_used = quota_reason(status.quota)
    if nearly_used is not None:
        status.health.reasons.append(nearly_used)
    return status


# -- the buttons ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenCheck:
    scope: str
    expires_in: int  # seconds
    expires_at: datetime
    channel_matches: bool
    client_id: str

    @property
    def never_expires(self) -> bool:
        return self.expires_in > 10 * 365 * 24 * 3600  # long-lived tokens report decades


# LINE's verify endpoint names a channel access token's scopes by code: `"scope": "P CM"`.
SCOPE_WORDS = {"P": _l("user profiles"), "CM": _l("messaging")}


def scope_in_words(scope: str) -> str:
    """LINE's codes in words ("P CM": "user profiles and messaging"); a code we do not know
    stays as LINE wrote it (the page escapes it like any other text)."""
    words = [str(SCOPE_WORDS.get(code, code)) for code in scope.split()]
    return format_list(words, locale=get_locale() or "en") if words else ""


def verify_token(channel: Channel) -> TokenCheck:
    """LINE's verify endpoint for the channel's token; raises LineError if LINE refuses it."""
    answer = line_client(channel).verify_access_token(channel.access_token)
    expires_in = int(answer.get("expires_in") or 0)
    return TokenCheck(
        scope=str(answer.get("scope") or ""),
        expires_in=expires_in,
        expires_at=utcnow() + timedelta(seconds=expires_in),
        channel_matches=str(answer.get("client_id")) == channel.line_channel_id,
        client_id=str(answer.get("client_id") or ""),
    )


class NoPublicAddress(Exception):
    explanation = _l(
        "PUBLIC_BASE_URL is not set, so there is no address to give LINE. Set it to this "
        "server's public https address and restart."
    )


def set_webhook(channel: Channel) -> str:
    """Point LINE's webhook at this server; return the address. Raises LineError."""
    url = webhook_url(channel)
    if url is None:
        raise NoPublicAddress()
    line_client(channel).set_webhook_endpoint(url)
    return url


def test_webhook(channel: Channel) -> dict[str, Any]:
    """LINE posts a test event to the configured address: `{success, statusCode, reason,
    detail, timestamp}`. Raises LineError if LINE refused to run the test."""
    return line_client(channel).test_webhook_endpoint()
