"""Encryption at rest for channel secrets and access tokens (Fernet: AES-128-CBC + HMAC-SHA256)."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app

EXTENSION_KEY = "inbox.secret_box"


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with any configured key (SECRET_KEY changed?)."""


def derive_key(secret_key: str) -> bytes:
    """Derive a Fernet key from SECRET_KEY, so one secret configures the app."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"line-inbox/secrets-at-rest")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


class SecretBox:
    """Encrypts with the newest key; decrypts with any key listed (for key rotation)."""

    def __init__(self, secret_keys: list[str]) -> None:
        self._fernet = MultiFernet([Fernet(derive_key(key)) for key in secret_keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken as exc:
            raise SecretUnreadable(
                "A stored secret could not be decrypted: was SECRET_KEY changed?"
            ) from exc


def init_app(app: Flask) -> None:
    keys = [app.config["SECRET_KEY"], *app.config.get("OLD_SECRET_KEYS", [])]
    app.extensions[EXTENSION_KEY] = SecretBox(keys)


def secret_box() -> SecretBox:
    return current_app.extensions[EXTENSION_KEY]


def mask(secret: str | None) -> str:
    """What a page may show of a secret: enough to recognise it, never enough to use it."""
    if not secret:
        return ""
    if len(secret) <= 8:
        return "•" * 8
    return f"{secret[:4]}…{secret[-4:]}"
