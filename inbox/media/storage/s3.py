"""An S3-compatible object store (Amazon S3, MinIO, Cloudflare R2...): MEDIA_STORE=s3://bucket/prefix.

Served through the app, not by a presigned redirect: /media checks who is asking on every
request (roles, unsent messages, signed public links), and a redirect would hand the
browser a bucket URL that keeps working for anyone it is passed to until it expires. The
object's bytes (only the requested range) stream through the app, never whole in memory.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, BinaryIO
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError
from flask import Response, request, send_file
from werkzeug.wsgi import FileWrapper

from inbox.media.storage.base import CHUNK_BYTES, MediaStore, checked_key, limited

PART_BYTES = 8 * 1024 * 1024
# An upload holds at most this many parts in memory: a stream is read ahead of the network.
PARTS_IN_MEMORY = 2
NOT_FOUND = ("404", "NoSuchKey", "NotFound")


def _transfer_config() -> TransferConfig:
    config = TransferConfig(
        multipart_threshold=PART_BYTES, multipart_chunksize=PART_BYTES, max_concurrency=2
    )
    config.max_in_memory_upload_chunks = PARTS_IN_MEMORY
    return config


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in NOT_FOUND


class _ChunksReader(io.RawIOBase):
    """Chunks from an iterator as a file, so boto3 can upload them part by part."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        self.size += count
        return count


class _ObjectReader(io.RawIOBase):
    """An object read from the current position up to `stop` in one ranged GET, opened at
    the first read: werkzeug seeks to the start of a Range and then reads on."""

    def __init__(self, client: Any, bucket: str, key: str, size: int, etag: str) -> None:
        self._client, self._bucket, self._key, self._etag = client, bucket, key, etag
        self._size = self.stop = size
        self._position = 0
        self._body: Any = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset != self._position:
            self._drop_body()
            self._position = base + offset
        return self._position

    def readinto(self, buffer: Any) -> int:
        if self._position >= self.stop:
            return 0
        if self._body is None:
            answer = self._client.get_object(
                Bucket=self._bucket,
                Key=self._key,
                Range=f"bytes={self._position}-{self.stop - 1}",
                IfMatch=self._etag,  # never splice bytes of an object replaced meanwhile
            )
            self._body = answer["Body"]
        data = self._body.read(min(len(buffer), self.stop - self._position))
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop_body()
        super().close()


class S3Store(MediaStore):
    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client, self.bucket = client, bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def __repr__(self) -> str:
        return f"S3Store('s3://{self.bucket}/{self.prefix}')"

    def object_key(self, key: str) -> str:
        return self.prefix + checked_key(key)

    def save_stream(self, chunks: Iterable[bytes], key: str, max_bytes: int) -> int:
        # An object appears only when its upload completes; a failed multipart upload is
        # aborted by boto3, so nothing is left behind.
        reader = _ChunksReader(limited(chunks, max_bytes))
        with io.BufferedReader(reader, CHUNK_BYTES) as stream:
            self.client.upload_fileobj(
                stream, self.bucket, self.object_key(key), Config=_transfer_config()
            )
        return reader.size

    def open_read(self, key: str) -> BinaryIO:
        # Image decoders seek back and forth: a local (spooled) copy beats a GET per seek.
        name = self.object_key(key)
        copy: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=PART_BYTES)  # noqa: SIM115
        try:
            self.client.download_fileobj(self.bucket, name, copy)
        except ClientError as error:
            copy.close()
            if _missing(error):
                raise FileNotFoundError(key) from error
            raise
        copy.seek(0)
        return copy  # type: ignore[return-value]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    def close(self) -> None:
        self.client.close()

    def _head(self, key: str) -> Mapping[str, Any] | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as error:
            if _missing(error):
                return None
            raise

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def send(
        self, key: str, *, mimetype: str, as_attachment: bool, download_name: str, max_age: int
    ) -> Response | None:
        head = self._head(key)
        if head is None:
            return None
        size, etag = int(head["ContentLength"]), str(head["ETag"])
        reader = _ObjectReader(self.client, self.bucket, self.object_key(key), size, etag)
        response = send_file(
            reader,
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            conditional=False,  # made conditional below, once the size is known
            etag=etag.strip('"'),
            last_modified=head.get("LastModified"),
            max_age=max_age,
        )
        # werkzeug's own wrapper, not the server's: it can seek, so a Range is fetched from
        # its start instead of read from the object's first byte and skipped.
        response.response = FileWrapper(reader, CHUNK_BYTES)
        response.content_length = size
        response.make_conditional(request, accept_ranges=True, complete_length=size)
        if response.status_code == 206 and response.content_range.stop is not None:
            reader.stop = response.content_range.stop
        return response


def s3_store(url: str, config: Mapping[str, Any]) -> S3Store:
    """The store for MEDIA_STORE=s3://bucket/prefix. Credentials come from boto3's usual
    chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or an instance role)."""
    parts = urlsplit(url)
    if not parts.netloc:
        raise RuntimeError(f"MEDIA_STORE must name a bucket (s3://bucket/prefix), got {url!r}")
    endpoint = config.get("MEDIA_S3_ENDPOINT_URL") or None
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=config.get("MEDIA_S3_REGION") or None,
        config=Config(
            signature_version="s3v4",
            connect_timeout=3.05,
            read_timeout=30,
            retries={"mode": "standard"},
            max_pool_connections=32,
            # MinIO and other self-hosted servers are often reached by address, where
            # bucket.host names do not resolve; AWS itself prefers virtual hosts.
            s3={"addressing_style": "path" if endpoint else "auto"},
        ),
    )
    return S3Store(client, parts.netloc, parts.path)
