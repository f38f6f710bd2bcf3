"""The media store: a local folder (the embedded default) or an S3-compatible bucket, chosen
once per app by MEDIA_STORE. Everything that keeps or serves media goes through it."""

from __future__ import annotations

from flask import Flask, current_app

from inbox.media.storage.base import CHUNK_BYTES, MediaStore, TooLarge, checked_key
from inbox.media.storage.local import LocalStore

EXTENSION_KEY = "media_store"

__all__ = ["CHUNK_BYTES", "LocalStore", "MediaStore", "TooLarge", "checked_key", "media_store"]


def build_store(app: Flask) -> MediaStore:
    """MEDIA_STORE=s3://bucket/prefix for a bucket; a folder path, or unset for MEDIA_DIR."""
    chosen = str(app.config.get("MEDIA_STORE") or "")
    if chosen.startswith("s3://"):
        from inbox.media.storage.s3 import s3_store  # boto3 is loaded only when it is used

        return s3_store(chosen, app.config)
    if "://" in chosen:
        raise RuntimeError(f"MEDIA_STORE must be s3://bucket/prefix or a folder, got {chosen!r}")
    return LocalStore(chosen or app.config["MEDIA_DIR"])


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = build_store(app)


def media_store() -> MediaStore:
    return current_app.extensions[EXTENSION_KEY]
