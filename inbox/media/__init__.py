"""Media users send: fetched from LINE's content API by a job, stored, and served."""

from inbox.media import fetch  # registers the media.fetch job
from inbox.media.fetch import enqueue_fetch

__all__ = ["enqueue_fetch", "fetch"]
