"""JWT assertions for channel access tokens v2.1 (RFC 7523), signed RS256 with the channel's
assertion signing key: a private JWK as the LINE Developers console issues it.

https://developers.line.biz/en/docs/messaging-api/generate-json-web-token/
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask_babel import lazy_gettext as _l

AUDIENCE = "https://api.line.me/"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 30 * 60  # LINE's longest: 30 minutes
MAX_TOKEN_LIFETIME = 30 * 24 * 3600  # LINE's longest v2.1 token: 30 days
_PRIVATE_MEMBERS = ("n", "e", "d", "p", "q", "dp", "dq", "qi")


class InvalidSigningKey(ValueError):
    """The text is not an RSA private JWK that can sign assertions."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _number(jwk: dict[str, Any], member: str) -> int:
    return int.from_bytes(b64url_decode(str(jwk[member])), "big")


def parse_private_jwk(text: str) -> dict[str, Any]:
    """The JWK as a dict, checked to be an RSA private key (the console's download)."""
    try:
        jwk = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidSigningKey(str(_l("The private key is not JSON (a JWK)."))) from exc
    if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
        raise InvalidSigningKey(str(_l('The private key must be a JWK with "kty": "RSA".')))
    missing = [member for member in _PRIVATE_MEMBERS if not jwk.get(member)]
    if missing:
        raise InvalidSigningKey(
            str(
                _l(
                    "The JWK lacks private members (%(names)s): is it the public key?",
                    names=", ".join(missing),
                )
            )
        )
    private_key(jwk)  # the numbers must make a key
    return jwk


def private_key(jwk: dict[str, Any]) -> rsa.RSAPrivateKey:
    try:
        public = rsa.RSAPublicNumbers(_number(jwk, "e"), _number(jwk, "n"))
        numbers = rsa.RSAPrivateNumbers(
            p=_number(jwk, "p"),
            q=_number(jwk, "q"),
            d=_number(jwk, "d"),
            dmp1=_number(jwk, "dp"),
            dmq1=_number(jwk, "dq"),
            iqmp=_number(jwk, "qi"),
            public_numbers=public,
        )
        return numbers.private_key()
    except (KeyError, ValueError) as exc:
        message = _l("The JWK's numbers do not make an RSA private key.")
        raise InvalidSigningKey(str(message)) from exc


def public_jwk(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> dict[str, str]:
    """The public half as LINE's console takes it (no kid: the console assigns one)."""
    numbers = (
        key.public_key().public_numbers()
        if isinstance(key, rsa.RSAPrivateKey)
        else (key.public_numbers())
    )
    return {
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "e": b64url(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
        "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
    }


def private_jwk(key: rsa.RSAPrivateKey, kid: str | None = None) -> dict[str, str]:
    """A private key as a JWK (what the console hands out once, with its kid)."""
    numbers = key.private_numbers()

    def encode(value: int) -> str:
        return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))

    jwk = public_jwk(key) | {
        "d": encode(numbers.d),
        "p": encode(numbers.p),
        "q": encode(numbers.q),
        "dp": encode(numbers.dmp1),
        "dq": encode(numbers.dmq1),
        "qi": encode(numbers.iqmp),
    }
    return jwk | ({"kid": kid} if kid else {})


def _segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def sign_assertion(
    channel_id: str,
    jwk: dict[str, Any],
    kid: str,
    *,
    token_lifetime: int | None = None,
    now: float | None = None,
) -> str:
    """A compact JWT: iss = sub = channel ID, aud LINE, `token_exp` for a v2.1 token."""
    issued = int(now if now is not None else time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": kid}
    payload: dict[str, Any] = {
        "iss": channel_id,
        "sub": channel_id,
        "aud": AUDIENCE,
        "exp": issued + ASSERTION_LIFETIME,
    }
    if token_lifetime is not None:
        payload["token_exp"] = min(int(token_lifetime), MAX_TOKEN_LIFETIME)
    signing_input = f"{_segment(header)}.{_segment(payload)}".encode("ascii")
    signature = private_key(jwk).sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input.decode('ascii')}.{b64url(signature)}"
