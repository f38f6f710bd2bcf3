"""Media files of the emulated platform: uploads streamed to disk, previews, generated images."""

from __future__ import annotations

import hashlib
import mimetypes
import struct
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from inbox.sandbox.state import Sandbox

CHUNK = 64 * 1024
PREVIEW_SIZE = (240, 240)
Pixel = tuple[int, int, int]

try:  # Pillow is optional: with it, image previews are real downscaled copies.
    from PIL import Image
except ImportError:  # pragma: no cover - depends on the environment
    Image = None


@dataclass(frozen=True)
class Stored:
    name: str  # file name under the media folder
    content_type: str
    size: int


def guess_type(file_name: str | None, given: str | None) -> str:
    if given and given != "application/octet-stream":
        return given
    guessed = mimetypes.guess_type(file_name or "")[0]
    return guessed or "application/octet-stream"


def store_stream(sandbox: Sandbox, stream: IO[bytes], content_type: str) -> Stored:
    """Copy a stream to a new file in chunks (never the whole upload in memory)."""
    name = f"content/{uuid.uuid4().hex}"
    path = sandbox.media_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with path.open("wb") as target:
        while chunk := stream.read(CHUNK):
            target.write(chunk)
            size += len(chunk)
    return Stored(name, content_type, size)


def store_bytes(sandbox: Sandbox, data: bytes, content_type: str, name: str) -> Stored:
    path = sandbox.media_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return Stored(name, content_type, len(data))


def image_preview(sandbox: Sandbox, original: Stored) -> Stored:
    """A downscaled JPEG when Pillow is installed, else the original image itself."""
    if Image is None:
        return original
    name = f"preview/{uuid.uuid4().hex}.jpg"
    target = sandbox.media_path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with Image.open(sandbox.media_path(original.name)) as image:
            image.thumbnail(PREVIEW_SIZE)
            image.convert("RGB").save(target, "JPEG", quality=80)
    except OSError:  # not an image Pillow can read: LINE would still show something
        return original
    return Stored(name, "image/jpeg", target.stat().st_size)


def video_preview(sandbox: Sandbox) -> Stored:
    """One generated placeholder frame (a play sign) shared by every video."""
    name = "preview/video.png"
    path = sandbox.media_path(name)
    if not path.exists():
        return store_bytes(sandbox, _play_sign(), "image/png", name)
    return Stored(name, "image/png", path.stat().st_size)


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """A truecolour PNG from a pixel function (small images only: pure Python)."""
    rows = b"".join(
        b"\x00" + bytes(value for x in range(width) for value in pixel(x, y)) for y in range(height)
    )

    def chunk(tag: bytes, data: bytes) -> bytes:
        checksum = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", checksum)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _play_sign() -> bytes:
    width, height = 240, 135

    def pixel(x: int, y: int) -> Pixel:
        dx, dy = x - 105, abs(y - height // 2)
        inside = 0 <= dx <= 40 and dy <= (40 - dx) * 0.6
        return (240, 240, 240) if inside else (40, 44, 52)

    return png(width, height, pixel)


def identicon(seed: str, size: int = 120) -> bytes:
    """A symmetric 5x5 pattern coloured from `seed`: a stable avatar for a user, group or bot."""
    digest = hashlib.sha256(seed.encode()).digest()
    colour = (digest[0] // 2 + 60, digest[1] // 2 + 60, digest[2] // 2 + 60)
    cell = size // 6
    margin = (size - 5 * cell) // 2

    def pixel(x: int, y: int) -> Pixel:
        column, row = (x - margin) // cell, (y - margin) // cell
        if not (0 <= column < 5 and 0 <= row < 5) or x < margin or y < margin:
            return (245, 246, 248)
        bit = row * 3 + min(column, 4 - column)
        return colour if digest[3 + bit // 8] >> (bit % 8) & 1 else (245, 246, 248)

    return png(size, size, pixel)


def avatar_file(sandbox: Sandbox, seed: str) -> Path:
    """The generated avatar for `seed`, made once and kept."""
    name = f"avatars/{hashlib.sha256(seed.encode()).hexdigest()[:32]}.png"
    path = sandbox.media_path(name)
    if not path.exists():
        store_bytes(sandbox, identicon(seed), "image/png", name)
    return path
