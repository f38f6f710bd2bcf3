"""Encryption at rest for channel secrets, access tokens and private keys (Fernet:
AES-128-CBC + HMAC-SHA256).

Keys come from INBOX_ENCRYPTION_KEY (comma-separated Fernet keys: the first encrypts, every one
decrypts, which is how keys are rotated) or, when it is unset, from one key generated into
`instance/encryption_key` on first start. Values written by older versions, encrypted with a
key derived from SECRET_KEY, still decrypt: those derived keys are kept as fallbacks until
`flask secrets rotate` has re-encrypted everything with the current key.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app

EXTENSION_KEY = "inbox.secret_box"
KEY_FILE = "encryption_key"


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with any configured key."""


def derive_key(secret_key: str) -> bytes:
    """The Fernet key older versions derived from SECRET_KEY (kept to read what they wrote)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"line-inbox/secrets-at-rest")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def load_encryption_keys(instance_path: Path) -> list[str]:
    """INBOX_ENCRYPTION_KEY's keys, or the instance folder's key (generated once, owner-only)."""
    listed = [key.strip() for key in os.environ.get("INBOX_ENCRYPTION_KEY", "").split(",")]
    if any(listed):
        return [key for key in listed if key]
    key_file = instance_path / KEY_FILE
    if key_file.exists():
        return [key_file.read_text().strip()]
    instance_path.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode("ascii")
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return [key]


class SecretBox:
    """Encrypts with the first key; decrypts with any (for key rotation)."""

    def __init__(self, keys: Sequence[str], fallback_keys: Sequence[bytes] = ()) -> None:
        fernets = []
        for key in keys:
            try:
                fernets.append(Fernet(key.encode("ascii")))
            except (ValueError, UnicodeEncodeError) as exc:
                raise RuntimeError(
                    "INBOX_ENCRYPTION_KEY must list Fernet keys (32 url-safe base64 bytes; "
                    "make one with `flask --app app secrets new-key`)"
                ) from exc
        self._fernet = MultiFernet([*fernets, *(Fernet(key) for key in fallback_keys)])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken as exc:
            raise SecretUnreadable(
                "A stored secret could not be decrypted with any key in INBOX_ENCRYPTION_KEY "
                "(or instance/encryption_key): was the key changed without keeping the old one?"
            ) from exc

    def rotate(self, token: str) -> str:
        """The same value encrypted with the first key."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise SecretUnreadable("A stored secret could not be decrypted for rotation.") from exc


def init_app(app: Flask) -> None:
    legacy = [app.config["SECRET_KEY"], *app.config.get("OLD_SECRET_KEYS", [])]
    app.extensions[EXTENSION_KEY] = SecretBox(
        app.config["ENCRYPTION_KEYS"], [derive_key(key) for key in legacy]
    )


def secret_box() -> SecretBox:
    return current_app.extensions[EXTENSION_KEY]


def mask(secret: str | None) -> str:
    """What a page, the API or a log may show of a secret: its last four characters."""
    if not secret:
        return ""
    return "••••" + secret[-4:] if len(secret) > 8 else "••••"
