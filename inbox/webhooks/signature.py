"""LINE's webhook signature: base64(HMAC-SHA256(channel secret, raw body))."""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(channel_secret: str, body: bytes) -> str:
    """The X-Line-Signature LINE would send for this body."""
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_is_valid(channel_secret: str, body: bytes, signature: str | None) -> bool:
    """Compare in constant time; a missing or non-ASCII header is simply invalid."""
    if not signature:
        return False
    try:
        given = signature.strip().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(sign(channel_secret, body).encode("ascii"), given)
