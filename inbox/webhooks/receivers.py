"""What a webhook request needs of its channel (id, secret, enabled), cached per process.

Reading and decrypting the channel on every webhook would cost a query and a Fernet
decryption per request. Entries live `WEBHOOK_CHANNEL_CACHE_SECONDS` (30 s by default, the
longest another process can go on using a secret changed elsewhere) and this process drops
them all as soon as it commits a change to any channel.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from inbox.extensions import db
from inbox.ingest.raw import storable
from inbox.models import Channel

MAX_ENTRIES = 4096  # unknown channel ids are cached too: a flood of them cannot grow this
CHANGED = "inbox.webhooks.channel_changed"


@dataclass(frozen=True)
class Receiver:
    channel_id: int
    secret: str
    enabled: bool
    knows_bot: bool  # the channel's bot user id is known (LINE names it in every body)


class ReceiverCache:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Receiver | None]] = {}
        self._lock = threading.Lock()

    def get(self, line_channel_id: str) -> Receiver | None:
        """The channel's receiver, or None when no such channel is set up here. A database
        error propagates (the caller answers 503)."""
        now = time.monotonic()
        with self._lock:
            cached = self._entries.get(line_channel_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        receiver = _load(line_channel_id)
        ttl = float(current_app.config["WEBHOOK_CHANNEL_CACHE_SECONDS"])
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[line_channel_id] = (now + ttl, receiver)
        return receiver

    def forget(self, line_channel_id: str) -> None:
        with self._lock:
            self._entries.pop(line_channel_id, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def learn_bot_user_id(receiver: Receiver, line_channel_id: str, destination: str) -> None:
    """Record the bot's user id the first time a body names it (the console's Verify button
    sends one with no events). One UPDATE, once per channel."""
    if receiver.knows_bot:
        return
    db.session.execute(
        sa.update(Channel)
        .where(Channel.id == receiver.channel_id, Channel.bot_user_id.is_(None))
        .values(bot_user_id=storable(destination)[:64])
    )
    db.session.commit()
    receivers.forget(line_channel_id)


def _load(line_channel_id: str) -> Receiver | None:
    try:
        row = db.session.execute(
            sa.select(
                Channel.id, Channel.secret, Channel.enabled, Channel.bot_user_id.is_not(None)
            ).where(Channel.line_channel_id == line_channel_id)
        ).first()
    finally:
        db.session.rollback()  # hand the connection back before the request goes on
    return None if row is None else Receiver(*row)


receivers = ReceiverCache()


def _note_channel_change(session: Session, _context: Any, _instances: Any) -> None:
    if any(isinstance(row, Channel) for row in (*session.dirty, *session.new, *session.deleted)):
        session.info[CHANGED] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(CHANGED, False):
        receivers.clear()


def init_app() -> None:
    if not sa.event.contains(Session, "before_flush", _note_channel_change):
        sa.event.listen(Session, "before_flush", _note_channel_change)
        sa.event.listen(Session, "after_commit", _after_commit)
