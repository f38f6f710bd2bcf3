"""Identifiers shaped like LINE's: user/group/room IDs, message IDs, ULIDs, tokens."""

from __future__ import annotations

import itertools
import secrets
import threading
import time
import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_lock = threading.Lock()
_last_ulid = (0, 0)
_sequence = itertools.count()


def ulid(now_ms: int | None = None) -> str:
    """A ULID (48-bit millisecond time + 80 random bits), monotonic within one millisecond."""
    global _last_ulid
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    with _lock:
        last_ms, last_random = _last_ulid
        randomness = last_random + 1 if millis == last_ms else secrets.randbits(80)
        _last_ulid = (millis, randomness)
    number = (millis << 80) | (randomness & ((1 << 80) - 1))
    return "".join(_CROCKFORD[(number >> shift) & 31] for shift in range(125, -1, -5))


def user_id() -> str:
    return "U" + secrets.token_hex(16)


def group_id() -> str:
    return "C" + secrets.token_hex(16)


def room_id() -> str:
    return "R" + secrets.token_hex(16)


def channel_id() -> str:
    return str(2_000_000_000 + secrets.randbelow(99_999_999))


def basic_id() -> str:
    letters = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(5))
    return f"@{secrets.randbelow(900) + 100}{letters}"


def message_id() -> str:
    """A numeric string like LINE's message IDs (about 18 digits, rising with time)."""
    return str(int(time.time() * 1000) * 100_000 + next(_sequence) % 100_000)


def reply_token() -> str:
    return secrets.token_hex(16)


def quote_token() -> str:
    return secrets.token_urlsafe(64)


def mark_as_read_token() -> str:
    return secrets.token_urlsafe(32)


def access_token() -> str:
    return secrets.token_urlsafe(128)


def token_key_id() -> str:
    """The `key_id` of a v2.1 token, like `sDTOzw5wIfWxxxxzcmeQA`."""
    return secrets.token_urlsafe(16)


def channel_secret() -> str:
    return secrets.token_hex(16)


def request_id() -> str:
    return str(uuid.uuid4())
