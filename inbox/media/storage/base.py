"""What every media store offers: files kept under relative keys, written by streaming."""

from __future__ import annotations

import posixpath
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from flask import Response

CHUNK_BYTES = 64 * 1024


class TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than the limit of {limit / 1024 / 1024:.0f} MiB")
        self.limit = limit


def checked_key(key: str) -> str:
    """The key itself, if it names a file inside the store: relative, no `..`, no empty part.

    Keys come from the database and from our own code, never from a request; checking them
    anyway keeps a bad row from reading or overwriting anything outside the media.
    """
    parts = key.split("/")
    if (
        not key
        or "\\" in key
        or "\x00" in key
        or posixpath.isabs(key)
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise ValueError(f"{key!r} is outside the media store")
    return key


def limited(chunks: Iterable[bytes], max_bytes: int) -> Iterator[bytes]:
    """The chunks, raising TooLarge as soon as they add up to more than max_bytes."""
    written = 0
    for chunk in chunks:
        written += len(chunk)
        if written > max_bytes:
            raise TooLarge(max_bytes)
        yield chunk


class MediaStore(ABC):
    """Where fetched media, previews, profile pictures and agents' uploads are kept.

    A key is a relative, slash-separated name (`attachments/3/2026/05/17`); the database
    stores keys, so the same rows work with either store.
    """

    @abstractmethod
    def save_stream(self, chunks: Iterable[bytes], key: str, max_bytes: int) -> int:
        """Store the chunks under key, all or nothing (never whole in memory); return the size.

        Raises TooLarge, leaving nothing stored, past max_bytes."""

    @abstractmethod
    def open_read(self, key: str) -> BinaryIO:
        """The file for reading on the server (previews); FileNotFoundError if missing."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file; a missing one is not an error."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether a file is stored under key."""

    @abstractmethod
    def send(
        self, key: str, *, mimetype: str, as_attachment: bool, download_name: str, max_age: int
    ) -> Response | None:
        """A response with the file, honouring ETag, If-None-Match and Range; None if missing."""

    @abstractmethod
    def close(self) -> None:
        """Let go of any open connections (the app's store lives as long as its process)."""
