"""The sandbox's settings: environment variables with defaults (documented in the README)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask


def _number(name: str, default: float, kind: type[int] | type[float] = int) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a number, got {raw!r}") from exc


def defaults(instance_path: Path) -> dict[str, object]:
    return {
        "SANDBOX_DATABASE_URL": os.environ.get("SANDBOX_DATABASE_URL")
        or f"sqlite:///{instance_path / 'sandbox.sqlite3'}",
        "SANDBOX_MEDIA_DIR": os.environ.get("SANDBOX_MEDIA_DIR")
        or str(instance_path / "sandbox-media"),
        "SANDBOX_REPLY_TOKEN_TTL": _number("SANDBOX_REPLY_TOKEN_TTL", 60),
        "SANDBOX_CONTENT_RETENTION": _number("SANDBOX_CONTENT_RETENTION", 14 * 24 * 3600),
        "SANDBOX_TRANSCODING_SECONDS": _number("SANDBOX_TRANSCODING_SECONDS", 5, float),
        "SANDBOX_MONTHLY_QUOTA": _number("SANDBOX_MONTHLY_QUOTA", 200),
        "SANDBOX_WEBHOOK_TIMEOUT": _number("SANDBOX_WEBHOOK_TIMEOUT", 2.0, float),
        "SANDBOX_WEBHOOK_MAX_ATTEMPTS": _number("SANDBOX_WEBHOOK_MAX_ATTEMPTS", 6),
        # 0: LINE's 30 days. A few seconds lets a test watch a token expire and be renewed.
        "SANDBOX_SHORT_LIVED_TOKEN_SECONDS": _number("SANDBOX_SHORT_LIVED_TOKEN_SECONDS", 0),
        "SANDBOX_REDELIVERY_BACKOFF": _number("SANDBOX_REDELIVERY_BACKOFF", 1.0, float),
    }


def apply_defaults(app: Flask) -> None:
    """Fill in sandbox settings the app was not given (tests pass theirs to `create_app`)."""
    for key, value in defaults(Path(app.instance_path)).items():
        app.config.setdefault(key, value)


def public_base_url(app: Flask) -> str:
    """Where this app is reached over HTTP: `http://{HOST}:{PORT}` (a wildcard host means here)."""
    host = str(app.config["HOST"])
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{app.config['PORT']}"
