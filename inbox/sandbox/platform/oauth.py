"""Channel access tokens: issue, verify and revoke (form-encoded, OAuth-style errors)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import request
from flask.typing import ResponseReturnValue

from inbox.sandbox import ids
from inbox.sandbox.models import AccessToken, PlatformChannel
from inbox.sandbox.platform.blueprints import api
from inbox.sandbox.platform.common import LineError, line_json, no_bearer
from inbox.sandbox.state import Sandbox, get_sandbox

SHORT_LIVED = timedelta(days=30)
STATELESS = timedelta(minutes=15)
LONG_LIVED_SECONDS = 100 * 365 * 24 * 3600  # "does not expire", as a number of seconds
SCOPE = "P CM"


def oauth_error(error: str, description: str) -> LineError:
    return LineError(400, body={"error": error, "error_description": description})


def _form(*names: str) -> list[str]:
    if not request.mimetype == "application/x-www-form-urlencoded":
        raise oauth_error("invalid_request", "some parameters missed or invalid")
    values = [request.form.get(name, "") for name in names]
    if not all(values):
        raise oauth_error("invalid_request", "some parameters missed or invalid")
    return values


def _client(sandbox: Sandbox) -> PlatformChannel:
    grant_type, client_id, client_secret = _form("grant_type", "client_id", "client_secret")
    if grant_type != "client_credentials":
        raise oauth_error("unsupported_grant_type", "unsupported grant type")
    with sandbox.session() as session:
        found = session.scalar(
            sa.select(PlatformChannel).where(PlatformChannel.channel_id == client_id)
        )
    if found is None or found.secret != client_secret:
        raise oauth_error("invalid_client", "invalid client_id or client_secret")
    return found


def issue(sandbox: Sandbox, channel_pk: int, kind: str, lifetime: timedelta | None) -> str:
    """A new access token for the channel, stored so API calls can be checked against it."""
    token, now = ids.access_token(), sandbox.now()
    with sandbox.session() as session:
        session.add(
            AccessToken(
                token=token,
                channel_pk=channel_pk,
                kind=kind,
                issued_at=now,
                expires_at=now + lifetime if lifetime else None,
            )
        )
    return token


def _expires_in(row: AccessToken, now: datetime) -> int:
    if row.expires_at is None:
        return LONG_LIVED_SECONDS - int((now - row.issued_at).total_seconds())
    return int((row.expires_at - now).total_seconds())


def _verify(token: str) -> ResponseReturnValue:
    sandbox = get_sandbox()
    now = sandbox.now()
    with sandbox.session() as session:
        row = session.get(AccessToken, token)
        if row is None or row.revoked_at is not None:
            raise oauth_error("invalid_request", "invalid access token")
        if row.expires_at is not None and row.expires_at <= now:
            raise oauth_error("invalid_request", "access token expired")
        channel = session.get(PlatformChannel, row.channel_pk)
        return line_json(
            {"client_id": channel.channel_id, "expires_in": _expires_in(row, now), "scope": SCOPE}
        )


@api.post("/v2/oauth/accessToken")
@no_bearer
def issue_short_lived() -> ResponseReturnValue:
    """A short-lived token (30 days) for a channel ID and secret."""
    sandbox = get_sandbox()
    token = issue(sandbox, _client(sandbox).id, "short_lived", SHORT_LIVED)
    return line_json(
        {
            "access_token": token,
            "expires_in": int(SHORT_LIVED.total_seconds()),
            "token_type": "Bearer",
        }
    )


@api.post("/oauth2/v3/token")
@no_bearer
def issue_stateless() -> ResponseReturnValue:
    """A stateless token (15 minutes); the sandbox takes the client-secret form only."""
    if request.form.get("client_assertion"):
        raise oauth_error("invalid_request", "JWT assertions are not supported by the sandbox")
    sandbox = get_sandbox()
    token = issue(sandbox, _client(sandbox).id, "stateless", STATELESS)
    return line_json(
        {
            "token_type": "Bearer",
            "access_token": token,
            "expires_in": int(STATELESS.total_seconds()),
        }
    )


@api.post("/v2/oauth/verify")
@no_bearer
def verify_token() -> ResponseReturnValue:
    """Who a token belongs to and how long it has left."""
    (token,) = _form("access_token")
    return _verify(token)


@api.get("/oauth2/v2.1/verify")
@no_bearer
def verify_token_v21() -> ResponseReturnValue:
    """The same check, by query parameter."""
    token = request.args.get("access_token", "")
    if not token:
        raise oauth_error("invalid_request", "some parameters missed or invalid")
    return _verify(token)


@api.post("/v2/oauth/revoke")
@no_bearer
def revoke_token() -> ResponseReturnValue:
    """Revoke a token; revoking an unknown one is not an error."""
    (token,) = _form("access_token")
    sandbox = get_sandbox()
    with sandbox.session() as session:
        row = session.get(AccessToken, token)
        if row is not None and row.revoked_at is None:
            row.revoked_at = sandbox.now()
    return line_json({})
