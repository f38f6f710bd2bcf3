"""Caching profile and group pictures from LINE's picture hosts (and no other host)."""

from __future__ import annotations

import logging
import mimetypes
from contextlib import closing
from urllib.parse import urlsplit

import requests
from flask import current_app

from inbox.line import line_platform
from inbox.media.storage import CHUNK_BYTES, TooLarge, media_store

log = logging.getLogger(__name__)

# Where LINE serves profile and group pictures. The sandbox adds its own host.
LINE_PICTURE_HOSTS = ("profile.line-scdn.net", "obs.line-scdn.net", "sprofile.line-scdn.net")
PICTURE_MAX_BYTES = 5 * 1024 * 1024


def _configured_picture_hosts() -> set[str]:
    """Hosts allowed on purpose (PICTURE_HOSTS, or the sandbox that stands in for LINE)."""
    configured = set(current_app.config.get("PICTURE_HOSTS", ()))
    if current_app.config.get("LINE_SANDBOX"):
        configured.add(urlsplit(current_app.config["LINE_API_BASE_URL"]).netloc)
    return configured


def picture_url_allowed(url: str) -> bool:
    """LINE's own picture hosts over https, or a host configured on purpose."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.netloc in LINE_PICTURE_HOSTS:
        return True
    return parts.scheme in ("https", "http") and parts.netloc in _configured_picture_hosts()


def picture_sources() -> list[str]:
    """The same hosts as Content-Security-Policy sources: a channel's status page shows the
    bot's picture straight from LINE."""
    return [f"https://{host}" for host in LINE_PICTURE_HOSTS] + [
        f"{scheme}://{host}"
        for host in sorted(_configured_picture_hosts())
        for scheme in ("https", "http")
    ]


def cache_picture(url: str | None, relative_stem: str) -> str | None:
    """Download a picture LINE pointed us to; return its key in the media store, or None.

    The URL comes from LINE's API, but it is still checked against LINE's picture hosts:
    the server never fetches an arbitrary address.
    """
    if not url:
        return None
    if not picture_url_allowed(url):
        log.warning("not fetching a picture from an unexpected address: %s", url)
        return None
    session = line_platform().plain_session()
    try:
        with closing(session.get(url, stream=True, timeout=(3.05, 10))) as response:
            response.raise_for_status()
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
            if not content_type.startswith("image/") or content_type == "image/svg+xml":
                return None
            extension = mimetypes.guess_extension(content_type) or ".img"
            relative = f"{relative_stem}{extension}"
            chunks = response.iter_content(CHUNK_BYTES)
            media_store().save_stream(chunks, relative, PICTURE_MAX_BYTES)
            return relative
    except (requests.RequestException, TooLarge) as error:
        log.warning("could not cache picture %s: %s", url, error)
        return None
