"""Who is here: the people in the workspace, online or away, and who has which conversation open.

Each live connection of an agent or supervisor keeps one record: whose it is, whether the page
is in use ("away" once nobody has touched it for a while; the page says so), and the
conversations it has open. Only the process holding the connection writes its record, on
connecting, on every change and on the page's heartbeat, and each write lasts a few heartbeats:
a process that dies takes its records with it within that time, and nobody stays "online".

With REDIS_URL the records live in Redis under the deployment's prefix, so every web process
reads the same ones; without it, in this process's memory. No database: the page sends these
events every few seconds while someone types.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from flask import Flask, current_app

log = logging.getLogger(__name__)

EXTENSION_KEY = "inbox.realtime.presence"
ONLINE, AWAY, OFFLINE = "online", "away", "offline"
STATUSES = (ONLINE, AWAY)
HEARTBEATS_TO_EXPIRY = 3  # a hidden tab's timers may fire only once a minute


@dataclass(frozen=True)
class PresenceRecord:
    """One live connection's presence."""

    sid: str
    user_id: int
    name: str
    status: str = ONLINE
    conversations: frozenset[int] = field(default_factory=frozenset)

    def viewing(self, conversation_id: int) -> PresenceRecord:
        return replace(self, conversations=self.conversations | {conversation_id})

    def leaving(self, conversation_id: int) -> PresenceRecord:
        return replace(self, conversations=self.conversations - {conversation_id})

    def dumps(self) -> str:
        return json.dumps(
            {
                "sid": self.sid,
                "user_id": self.user_id,
                "name": self.name,
                "status": self.status,
                "conversations": sorted(self.conversations),
            }
        )

    @classmethod
    def loads(cls, raw: str | bytes) -> PresenceRecord:
        data = json.loads(raw)
        return cls(
            sid=data["sid"],
            user_id=data["user_id"],
            name=data["name"],
            status=data["status"],
            conversations=frozenset(data["conversations"]),
        )


class PresenceStore(Protocol):
    def save(self, record: PresenceRecord) -> None: ...
    def forget(self, sid: str) -> None: ...
    def viewers(self, conversation_id: int) -> list[PresenceRecord]: ...
    def everyone(self) -> list[PresenceRecord]: ...
    def close(self) -> None: ...


class MemoryPresence:
    """One process: its own connections are everyone."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._records: dict[str, tuple[PresenceRecord, float]] = {}
        self._lock = threading.Lock()

    def save(self, record: PresenceRecord) -> None:
        with self._lock:
            self._records[record.sid] = (record, self._clock() + self._ttl)

    def forget(self, sid: str) -> None:
        with self._lock:
            self._records.pop(sid, None)

    def everyone(self) -> list[PresenceRecord]:
        now = self._clock()
        with self._lock:
            for sid in [sid for sid, (_, until) in self._records.items() if until <= now]:
                del self._records[sid]
            return [record for record, _ in self._records.values()]

    def viewers(self, conversation_id: int) -> list[PresenceRecord]:
        return [record for record in self.everyone() if conversation_id in record.conversations]

    def close(self) -> None:
        pass


class RedisPresence:
    """Every process of the deployment: each record is a key that expires, and two sorted sets
    (everyone; each conversation's viewers) index them by when they expire. The record is the
    truth: an index entry whose record is gone, or no longer has the conversation open, is
    dropped when read."""

    def __init__(self, redis_url: str, prefix: str, ttl: float) -> None:
        self._redis_url = redis_url
        self._prefix = prefix + "presence:"
        self._ttl_ms = max(1, int(ttl * 1000))
        self._client: Any = None

    def _redis(self) -> Any:
        if self._client is None:
            import redis

            self._client = redis.Redis.from_url(
                self._redis_url, socket_timeout=2, socket_connect_timeout=2
            )
        return self._client

    def _record_key(self, sid: str) -> str:
        return f"{self._prefix}record:{sid}"

    def _everyone_key(self) -> str:
        return f"{self._prefix}everyone"

    def _viewers_key(self, conversation_id: int) -> str:
        return f"{self._prefix}viewers:{conversation_id}"

    def _run(self, action: str, build: Callable[[Any], None]) -> list[Any]:
        import redis

        try:
            pipe = self._redis().pipeline()
            build(pipe)
            return pipe.execute()
        except redis.RedisError as error:
            # Presence is a courtesy: without Redis nobody shows, and answering still works.
            log.warning("could not %s presence in Redis: %s", action, error)
            return []

    def save(self, record: PresenceRecord) -> None:
        until = _now_ms() + self._ttl_ms
        indexes = [self._everyone_key(), *map(self._viewers_key, record.conversations)]

        def build(pipe: Any) -> None:
            pipe.set(self._record_key(record.sid), record.dumps(), px=self._ttl_ms)
            for key in indexes:
                pipe.zadd(key, {record.sid: until})
                pipe.pexpire(key, self._ttl_ms)

        self._run("save", build)

    def forget(self, sid: str) -> None:
        self._run("forget", lambda pipe: pipe.delete(self._record_key(sid)))

    def _read(self, index: str, keep: Callable[[PresenceRecord], bool]) -> list[PresenceRecord]:
        def members(pipe: Any) -> None:
            pipe.zremrangebyscore(index, "-inf", _now_ms())
            pipe.zrange(index, 0, -1)

        answered = self._run("read", members)
        sids = [sid.decode() for sid in answered[-1]] if answered else []
        if not sids:
            return []
        raws = self._run("read", lambda pipe: pipe.mget([self._record_key(s) for s in sids]))
        records = [PresenceRecord.loads(raw) if raw else None for raw in raws[0]] if raws else []
        kept = [record for record in records if record is not None and keep(record)]
        stale = set(sids) - {record.sid for record in kept}
        if raws and stale:
            self._run("tidy", lambda pipe: pipe.zrem(index, *stale))
        return kept

    def everyone(self) -> list[PresenceRecord]:
        return self._read(self._everyone_key(), lambda record: True)

    def viewers(self, conversation_id: int) -> list[PresenceRecord]:
        return self._read(
            self._viewers_key(conversation_id),
            lambda record: conversation_id in record.conversations,
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _now_ms() -> int:
    return int(time.time() * 1000)


def store() -> PresenceStore:
    return current_app.extensions[EXTENSION_KEY]


def people(records: Iterable[PresenceRecord]) -> list[dict[str, Any]]:
    """One entry per person (several tabs count once, online if any tab is), by name."""
    by_user: dict[int, dict[str, Any]] = {}
    for record in records:
        person = by_user.setdefault(
            record.user_id, {"id": record.user_id, "name": record.name, "status": AWAY}
        )
        if record.status == ONLINE:
            person["status"] = ONLINE
    return sorted(by_user.values(), key=lambda person: (person["name"].casefold(), person["id"]))


def status_of(user_id: int, records: Iterable[PresenceRecord]) -> str:
    """Online if any of the user's connections is in use, away if none is, else offline."""
    statuses = {record.status for record in records if record.user_id == user_id}
    if ONLINE in statuses:
        return ONLINE
    return AWAY if statuses else OFFLINE


def init_app(app: Flask) -> None:
    """Keep presence in Redis with REDIS_URL (shared by every process), else in memory."""
    ttl = float(app.config["PRESENCE_HEARTBEAT_SECONDS"]) * HEARTBEATS_TO_EXPIRY
    redis_url = app.config.get("REDIS_URL")
    app.extensions[EXTENSION_KEY] = (
        RedisPresence(redis_url, app.config.get("REDIS_PREFIX", ""), ttl)
        if redis_url
        else MemoryPresence(ttl)
    )
