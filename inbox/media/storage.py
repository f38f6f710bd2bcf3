"""Files under MEDIA_DIR: written by streaming (never whole in memory), read by relative path."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path

from flask import current_app

CHUNK_BYTES = 64 * 1024


class TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than the limit of {limit / 1024 / 1024:.0f} MiB")
        self.limit = limit


def media_root() -> Path:
    return Path(current_app.config["MEDIA_DIR"]).resolve()


def resolve(relative: str) -> Path:
    """The absolute path of a stored file; refuses anything outside MEDIA_DIR."""
    root = media_root()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"{relative!r} is outside the media folder")
    return path


def store_stream(chunks: Iterable[bytes], relative: str, max_bytes: int) -> int:
    """Write chunks to MEDIA_DIR/relative atomically; return the size. Raises TooLarge."""
    target = resolve(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{uuid.uuid4().hex}.part")
    written = 0
    try:
        with open(partial, "wb") as handle:
            for chunk in chunks:
                written += len(chunk)
                if written > max_bytes:
                    raise TooLarge(max_bytes)
                handle.write(chunk)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return written
