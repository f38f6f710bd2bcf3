"""Channel access tokens: issue, verify and revoke (form-encoded, OAuth-style errors).

Short-lived (v2: channel ID and secret), v2.1 (a JWT assertion signed with an assertion
signing key; the token's lifetime is the assertion's `token_exp`), stateless (v3: either).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from inbox.sandbox import ids
from inbox.sandbox.models import AccessToken, PlatformChannel, TokenKeyId
from inbox.sandbox.platform.assertions import check_assertion, oauth_error, token_lifetime
from inbox.sandbox.platform.blueprints import api
from inbox.sandbox.platform.common import line_json, no_bearer
from inbox.sandbox.state import Sandbox, get_sandbox

SHORT_LIVED = timedelta(days=30)
STATELESS = timedelta(minutes=15)
LONG_LIVED_SECONDS = 100 * 365 * 24 * 3600  # "does not expire", as a number of seconds
SCOPE = "P CM"
MAX_SHORT_LIVED = 30  # live per channel; issuing more revokes the oldest


def short_lived_lifetime(sandbox: Sandbox) -> timedelta:
    """30 days, as LINE; SANDBOX_SHORT_LIVED_TOKEN_SECONDS shortens it to watch renewals."""
    seconds = sandbox.config.get("SANDBOX_SHORT_LIVED_TOKEN_SECONDS")
    return timedelta(seconds=int(seconds)) if seconds else SHORT_LIVED


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
    return _credentials(sandbox, client_id, client_secret)


def _credentials(sandbox: Sandbox, client_id: str, client_secret: str) -> PlatformChannel:
    with sandbox.session() as session:
        found = session.scalar(
            sa.select(PlatformChannel).where(PlatformChannel.channel_id == client_id)
        )
    if found is None or found.secret != client_secret:
        raise oauth_error("invalid_client", "invalid client_id or client_secret")
    return found


def _asserted(sandbox: Sandbox, *, needs_token_exp: bool) -> tuple[PlatformChannel, dict]:
    grant_type, assertion_type, assertion = _form(
        "grant_type", "client_assertion_type", "client_assertion"
    )
    if grant_type != "client_credentials":
        raise oauth_error("unsupported_grant_type", "unsupported grant type")
    return check_assertion(sandbox, assertion_type, assertion, needs_token_exp=needs_token_exp)


def issue(
    sandbox: Sandbox,
    channel_pk: int,
    kind: str,
    lifetime: timedelta | None,
    key_id: str | None = None,
) -> str:
    """A new access token for the channel, stored so API calls can be checked against it."""
    token, now = ids.access_token(), sandbox.now()
    with sandbox.session() as session:
        if kind == "short_lived":
            _make_room_for_short_lived(session, channel_pk, now)
        if key_id:
            session.add(TokenKeyId(token=token, key_id=key_id))
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


def _make_room_for_short_lived(session: Session, channel_pk: int, now: datetime) -> None:
    live = session.scalars(
        sa.select(AccessToken)
        .where(
            AccessToken.channel_pk == channel_pk,
            AccessToken.kind == "short_lived",
            AccessToken.revoked_at.is_(None),
            AccessToken.expires_at > now,
        )
        .order_by(AccessToken.issued_at)
    ).all()
    for row in live[: max(0, len(live) - MAX_SHORT_LIVED + 1)]:
        row.revoked_at = now


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
    lifetime = short_lived_lifetime(sandbox)
    token = issue(sandbox, _client(sandbox).id, "short_lived", lifetime)
    return line_json(
        {
            "access_token": token,
            "expires_in": int(lifetime.total_seconds()),
            "token_type": "Bearer",
        }
    )


@api.post("/oauth2/v2.1/token")
@no_bearer
def issue_v21() -> ResponseReturnValue:
    """A v2.1 token for a JWT assertion; it lives as long as the assertion's `token_exp`."""
    sandbox = get_sandbox()
    channel, payload = _asserted(sandbox, needs_token_exp=True)
    lifetime, key_id = token_lifetime(payload), ids.token_key_id()
    token = issue(sandbox, channel.id, "v2.1", lifetime, key_id=key_id)
    return line_json(
        {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(lifetime.total_seconds()),
            "key_id": key_id,
        }
    )


@api.get("/oauth2/v2.1/tokens/kid")
@no_bearer
def list_token_key_ids() -> ResponseReturnValue:
    """The key IDs of the channel's live v2.1 tokens (the assertion comes as query parameters)."""
    sandbox = get_sandbox()
    assertion_type = request.args.get("client_assertion_type", "")
    assertion = request.args.get("client_assertion", "")
    if not assertion_type or not assertion:
        raise oauth_error("invalid_request", "some parameters missed or invalid")
    channel, _payload = check_assertion(sandbox, assertion_type, assertion, needs_token_exp=False)
    now = sandbox.now()
    with sandbox.session() as session:
        kids = session.scalars(
            sa.select(TokenKeyId.key_id)
            .join(AccessToken, AccessToken.token == TokenKeyId.token)
            .where(
                AccessToken.channel_pk == channel.id,
                AccessToken.revoked_at.is_(None),
                AccessToken.expires_at > now,
            )
            .order_by(AccessToken.issued_at)
        ).all()
    return line_json({"kids": list(kids)})


@api.post("/oauth2/v3/token")
@no_bearer
def issue_stateless() -> ResponseReturnValue:
    """A stateless token (15 minutes), for a channel ID and secret or a JWT assertion."""
    sandbox = get_sandbox()
    if request.form.get("client_assertion"):
        channel = _asserted(sandbox, needs_token_exp=False)[0]
    else:
        channel = _client(sandbox)
    token = issue(sandbox, channel.id, "stateless", STATELESS)
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


def _revoke(sandbox: Sandbox, token: str, kinds: tuple[str, ...], channel_pk: int | None) -> None:
    """Revoke a token of these kinds (of this channel); an unknown one is not an error."""
    with sandbox.session() as session:
        row = session.get(AccessToken, token)
        mine = row is not None and (channel_pk is None or row.channel_pk == channel_pk)
        if mine and row.kind in kinds and row.revoked_at is None:
            row.revoked_at = sandbox.now()


@api.post("/v2/oauth/revoke")
@no_bearer
def revoke_token() -> ResponseReturnValue:
    """Revoke a short- or long-lived token."""
    (token,) = _form("access_token")
    _revoke(get_sandbox(), token, ("short_lived", "long_lived"), None)
    return line_json({})


@api.post("/oauth2/v2.1/revoke")
@no_bearer
def revoke_token_v21() -> ResponseReturnValue:
    """Revoke a v2.1 token; the channel ID and secret prove whose it is."""
    client_id, client_secret, token = _form("client_id", "client_secret", "access_token")
    sandbox = get_sandbox()
    channel = _credentials(sandbox, client_id, client_secret)
    _revoke(sandbox, token, ("v2.1",), channel.id)
    return line_json({})
