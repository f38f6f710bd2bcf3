"""Configuration read from the environment, with defaults that run with nothing set."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from inbox.crypto import load_encryption_keys

N = TypeVar("N", int, float)


def _number_env(name: str, default: N) -> N:
    """A number from the environment, of the default's type; a clear error if it is not one."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = type(default)(raw)
    except ValueError as exc:
        kind = "a whole number" if isinstance(default, int) else "a number"
        raise RuntimeError(f"{name} must be {kind}, got {raw!r}") from exc
    if value < 0:
        raise RuntimeError(f"{name} must not be negative, got {raw!r}")
    return value


def _list_env(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def load_secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, or one generated once and kept in the instance folder.

    It signs sessions (and derived the at-rest encryption key in older versions, so it is still
    a fallback decryption key): written once with owner-only permissions, reused on every start.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _sandbox_switch() -> bool:
    """LINE_SANDBOX=on|off; unset, on exactly when no real LINE API URL is configured."""
    raw = os.environ.get("LINE_SANDBOX", "").strip().lower()
    if raw in ("on", "1", "true", "yes"):
        return True
    if raw in ("off", "0", "false", "no"):
        return False
    if raw:
        raise RuntimeError(f"LINE_SANDBOX must be on or off, got {raw!r}")
    return not os.environ.get("LINE_API_BASE_URL")


def from_environment(instance_path: Path, given: Iterable[str] = ()) -> dict[str, object]:
    """Build the app's settings from environment variables (documented in the README).

    Settings in `given` are supplied by the caller, so nothing is generated for them.
    """
    default_db = f"sqlite:///{instance_path / 'inbox.sqlite3'}"
    settings: dict[str, object] = {
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or default_db,
        "LINE_API_BASE_URL": os.environ.get("LINE_API_BASE_URL", "https://api.line.me"),
        "LINE_DATA_API_BASE_URL": os.environ.get(
            "LINE_DATA_API_BASE_URL", "https://api-data.line.me"
        ),
        "MEDIA_DIR": os.environ.get("MEDIA_DIR") or str(instance_path / "media"),
        # s3://bucket/prefix for an S3-compatible bucket (shared by every host); else a folder.
        "MEDIA_STORE": os.environ.get("MEDIA_STORE") or None,
        "MEDIA_S3_ENDPOINT_URL": os.environ.get("MEDIA_S3_ENDPOINT_URL")
        or os.environ.get("AWS_ENDPOINT_URL")
        or None,
        "MEDIA_S3_REGION": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # Each thread holds at most one connection: the pool is the server's threads plus the
        # background ones (job threads, event worker, live updates, call log), with room to spare.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "pool_size": int(_number_env("DATABASE_POOL_SIZE", 20)),
            "max_overflow": int(_number_env("DATABASE_POOL_OVERFLOW", 20)),
        },
        "WEBHOOK_MAX_BYTES": _number_env("WEBHOOK_MAX_BYTES", 1024 * 1024),
        # How long a webhook request trusts its cached channel secret (changes made in this
        # process apply at once; other processes see them within this many seconds).
        "WEBHOOK_CHANNEL_CACHE_SECONDS": _number_env("WEBHOOK_CHANNEL_CACHE_SECONDS", 30.0),
        "HOST": os.environ.get("HOST", "127.0.0.1"),
        "PORT": _number_env("PORT", 5000),
        # Reverse proxies in front of the app: their X-Forwarded-For/-Proto/-Host are believed
        # (client addresses for sign-in throttling and the audit log; https links).
        "TRUSTED_PROXIES": _number_env("TRUSTED_PROXIES", 0),
        # "Keep me signed in": how long the remember-me cookie lasts (a stolen one, too).
        "REMEMBER_COOKIE_DURATION": timedelta(days=_number_env("REMEMBER_ME_DAYS", 14)),
        "LINE_SANDBOX": _sandbox_switch(),
        # The LINE client (inbox/line/).
        "LINE_CONNECT_TIMEOUT": _number_env("LINE_CONNECT_TIMEOUT", 3.05),
        "LINE_READ_TIMEOUT": _number_env("LINE_READ_TIMEOUT", 15.0),
        "LINE_RETRY_ATTEMPTS": max(1, _number_env("LINE_RETRY_ATTEMPTS", 4)),
        "LINE_RATE_LIMIT_MAX_WAIT": _number_env("LINE_RATE_LIMIT_MAX_WAIT", 30.0),
        # Pace a little under the limit: network jitter bunches requests on arrival.
        "LINE_RATE_LIMIT_HEADROOM": _number_env("LINE_RATE_LIMIT_HEADROOM", 0.98),
        # Background jobs, media and profiles.
        "JOB_THREADS": max(1, _number_env("JOB_THREADS", 2)),
        "JOBS_QUEUE": os.environ.get("JOBS_QUEUE", "line-inbox"),
        "DEPLOYMENT_PREFIX": os.environ.get("DEPLOYMENT_PREFIX") or None,
        "MEDIA_MAX_BYTES": _number_env("MEDIA_MAX_BYTES", 200 * 1024 * 1024),
        "MEDIA_FETCH_ATTEMPTS": max(1, _number_env("MEDIA_FETCH_ATTEMPTS", 6)),
        "MEDIA_TRANSCODING_DEADLINE_SECONDS": _number_env(
            "MEDIA_TRANSCODING_DEADLINE_SECONDS", 900
        ),
        "PROFILE_MAX_AGE_HOURS": _number_env("PROFILE_MAX_AGE_HOURS", 24.0),
        "PICTURE_HOSTS": _list_env("PICTURE_HOSTS"),
        # Where LINE fetches the images and videos agents send (https in production).
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL") or None,
        "PUBLIC_MEDIA_DAYS": _number_env("PUBLIC_MEDIA_DAYS", 30),
        # Automatic channel access tokens: the lifetime asked of LINE for v2.1 tokens (at most
        # 30 days), and how long before expiry a token is renewed (at most a fifth of its life).
        "CHANNEL_TOKEN_LIFETIME_SECONDS": _number_env("CHANNEL_TOKEN_LIFETIME_SECONDS", 2592000),
        "CHANNEL_TOKEN_RENEW_MARGIN_SECONDS": _number_env(
            "CHANNEL_TOKEN_RENEW_MARGIN_SECONDS", 86400
        ),
        "CHANNEL_TOKEN_RETRY_SECONDS": _number_env("CHANNEL_TOKEN_RETRY_SECONDS", 60.0),
        # Colleagues' presence: "away" after this long without a touch of the page; the page
        # says it is still there this often, and is forgotten a few missed heartbeats later.
        "PRESENCE_AWAY_MINUTES": _number_env("PRESENCE_AWAY_MINUTES", 5.0),
        "PRESENCE_HEARTBEAT_SECONDS": max(1.0, _number_env("PRESENCE_HEARTBEAT_SECONDS", 30.0)),
        # Automatic routing and snoozes: how often the job worker looks for conversations to
        # assign and snoozes that ended, and how long an offline agent keeps a waiting customer.
        "ROUTING_SWEEP_SECONDS": max(5.0, _number_env("ROUTING_SWEEP_SECONDS", 30.0)),
        "ROUTING_OFFLINE_GRACE_SECONDS": _number_env("ROUTING_OFFLINE_GRACE_SECONDS", 120.0),
    }
    if "SECRET_KEY" not in given:
        settings["SECRET_KEY"] = load_secret_key(instance_path)
    if "ENCRYPTION_KEYS" not in given:
        settings["ENCRYPTION_KEYS"] = load_encryption_keys(instance_path)
    return settings


DEFAULTS: dict[str, object] = {
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    "LANGUAGES": ["en", "id", "ja", "th"],
    "API_PAGE_SIZE": 50,
    "API_MAX_PAGE_SIZE": 200,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "JSON_SORT_KEYS": False,
}


def redis_prefix(config: Mapping[str, Any]) -> str:
    """What every Redis key and channel of this deployment starts with: DEPLOYMENT_PREFIX, or
    one derived from the database's identity (its URL without the password), so two
    deployments sharing a Redis (pub/sub ignores the db number) never hear each other."""
    chosen = config.get("DEPLOYMENT_PREFIX")
    if chosen:
        return f"{chosen}:"
    url = sa.engine.make_url(str(config["SQLALCHEMY_DATABASE_URI"]))
    identity = url.render_as_string(hide_password=True)  # a new password: the same database
    return f"line-inbox:{hashlib.sha256(identity.encode()).hexdigest()[:12]}:"
