"""The embedded default: files under a local folder (MEDIA_DIR), replaced atomically."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from flask import Response, send_file

from inbox.media.storage.base import MediaStore, checked_key, limited


class LocalStore(MediaStore):
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def path(self, key: str) -> Path:
        """The absolute path of a stored file; refuses anything outside the folder."""
        path = (self.root / checked_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"{key!r} is outside the media folder")
        return path

    def save_stream(self, chunks: Iterable[bytes], key: str, max_bytes: int) -> int:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{uuid.uuid4().hex}.part")
        written = 0
        try:
            with open(partial, "wb") as handle:
                for chunk in limited(chunks, max_bytes):
                    written += len(chunk)
                    handle.write(chunk)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        return written

    def open_read(self, key: str) -> BinaryIO:
        return open(self.path(key), "rb")

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def close(self) -> None:
        """Nothing stays open between calls."""

    def send(
        self, key: str, *, mimetype: str, as_attachment: bool, download_name: str, max_age: int
    ) -> Response | None:
        path = self.path(key)
        if not path.is_file():
            return None
        return send_file(
            path,
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            conditional=True,  # ETag, If-Modified-Since and Range (video and audio seek)
            max_age=max_age,
        )
