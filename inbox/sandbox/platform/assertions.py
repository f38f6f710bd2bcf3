"""JWT client assertions, checked the way LINE's token endpoints check them (RFC 7523):
RS256 signed by a registered assertion signing key (header `kid`), `iss` = `sub` = channel ID,
`aud` = https://api.line.me/, `exp` at most 30 minutes ahead, `token_exp` at most 30 days."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from inbox.line.assertion import (
    ASSERTION_LIFETIME,
    ASSERTION_TYPE,
    AUDIENCE,
    MAX_TOKEN_LIFETIME,
    b64url_decode,
    private_jwk,
    public_jwk,
)
from inbox.sandbox.models import AssertionKey, PlatformChannel
from inbox.sandbox.platform.common import LineError
from inbox.sandbox.state import Sandbox

MAX_KEYS_PER_CHANNEL = 2  # the console issues at most two key pairs per channel


def oauth_error(error: str, description: str) -> LineError:
    return LineError(400, body={"error": error, "error_description": description})


def issue_assertion_key(sandbox: Sandbox, channel_pk: int) -> dict[str, str]:
    """What the console's "Issue" button does: a new RSA-2048 key pair, the public half kept
    with a new kid, the private half (with its kid) handed out once and never stored."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = secrets.token_urlsafe(16)
    with sandbox.session() as session:
        count = session.scalar(
            sa.select(sa.func.count()).where(AssertionKey.channel_pk == channel_pk)
        )
        if count >= MAX_KEYS_PER_CHANNEL:
            raise ValueError("A channel has at most two assertion signing keys.")
        session.add(
            AssertionKey(
                kid=kid, channel_pk=channel_pk, public_jwk=public_jwk(key), created_at=sandbox.now()
            )
        )
    return private_jwk(key, kid) | {"alg": "RS256", "use": "sig"}


def _decode(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(segment))
    except ValueError as exc:
        raise oauth_error("invalid_request", "invalid client_assertion") from exc
    if not isinstance(value, dict):
        raise oauth_error("invalid_request", "invalid client_assertion")
    return value


def _public_key(jwk: dict[str, Any]) -> rsa.RSAPublicKey:
    number = lambda name: int.from_bytes(b64url_decode(jwk[name]), "big")  # noqa: E731
    return rsa.RSAPublicNumbers(number("e"), number("n")).public_key()


def check_assertion(
    sandbox: Sandbox, assertion_type: str, assertion: str, *, needs_token_exp: bool
) -> tuple[PlatformChannel, dict[str, Any]]:
    """The channel an assertion authenticates, and its payload; LINE's 400 otherwise."""
    if assertion_type != ASSERTION_TYPE:
        raise oauth_error("invalid_request", "invalid client_assertion_type")
    parts = assertion.split(".")
    if len(parts) != 3:
        raise oauth_error("invalid_request", "invalid client_assertion")
    header, payload = _decode(parts[0]), _decode(parts[1])
    if header.get("alg") != "RS256":
        raise oauth_error("invalid_request", "invalid client_assertion: alg must be RS256")
    with sandbox.session() as session:
        key = session.get(AssertionKey, str(header.get("kid", "")))
        channel = session.get(PlatformChannel, key.channel_pk) if key else None
    if key is None or channel is None:
        raise oauth_error("invalid_client", "invalid kid")
    try:
        _public_key(key.public_jwk).verify(
            b64url_decode(parts[2]),
            f"{parts[0]}.{parts[1]}".encode("ascii"),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError) as exc:
        raise oauth_error("invalid_client", "invalid signature") from exc
    _check_claims(sandbox.now(), channel, payload, needs_token_exp)
    return channel, payload


def _check_claims(
    now: datetime, channel: PlatformChannel, payload: dict[str, Any], needs_token_exp: bool
) -> None:
    if payload.get("iss") != channel.channel_id or payload.get("sub") != channel.channel_id:
        raise oauth_error("invalid_client", "iss and sub must be the channel ID")
    if payload.get("aud") != AUDIENCE:
        raise oauth_error("invalid_request", "invalid aud")
    expiry = payload.get("exp")
    if not isinstance(expiry, int):
        raise oauth_error("invalid_request", "exp is required")
    moment = now.timestamp()
    if expiry <= moment:
        raise oauth_error("invalid_request", "the client_assertion has expired")
    if expiry > moment + ASSERTION_LIFETIME + 60:
        raise oauth_error("invalid_request", "exp must be within 30 minutes")
    token_exp = payload.get("token_exp")
    if needs_token_exp and not (isinstance(token_exp, int) and token_exp > 0):
        raise oauth_error("invalid_request", "token_exp is required")
    if isinstance(token_exp, int) and token_exp > MAX_TOKEN_LIFETIME:
        raise oauth_error("invalid_request", "token_exp must be at most 30 days")


def token_lifetime(payload: dict[str, Any]) -> timedelta:
    return timedelta(seconds=int(payload["token_exp"]))
