"""The sandbox's runtime: its own engine and sessions, clock, media folder, faults, limiter."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session, sessionmaker

from inbox.sandbox.clock import Clock
from inbox.sandbox.faults import Faults
from inbox.sandbox.models import Base
from inbox.sandbox.ratelimit import RateLimiter

EXTENSION_KEY = "line_sandbox"


class Worker(Protocol):
    """What the sandbox asks of its webhook sender (inbox.sandbox.delivery.DeliveryWorker,
    which builds on this module, so it is named here only by what it does)."""

    def start(self) -> None: ...

    def wake(self) -> None: ...

    def stop(self) -> None: ...

    def wait_idle(self, timeout: float = 10.0) -> bool: ...


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


class Sandbox:
    """Everything the emulated platform keeps for one app; `app.extensions['line_sandbox']`."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.config = app.config
        self.engine = sa.create_engine(app.config["SANDBOX_DATABASE_URL"], pool_pre_ping=True)
        sa.event.listen(self.engine, "connect", _tune_sqlite)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.media_dir = Path(app.config["SANDBOX_MEDIA_DIR"])
        self.clock = Clock()
        self.faults = Faults()
        self.limiter = RateLimiter(self.clock)
        # Pushes check the quota, then add to it: one at a time, like one platform would.
        self.quota_lock = threading.Lock()
        self.worker: Worker | None = None

    def create_tables(self) -> None:
        database = self.engine.url.database
        if self.engine.dialect.name == "sqlite" and database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        self.media_dir.mkdir(parents=True, exist_ok=True)
        Base.metadata.create_all(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed when the block ends without error, rolled back otherwise."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def now(self) -> datetime:
        return self.clock.now()

    def media_path(self, name: str) -> Path:
        return self.media_dir / name

    def close(self) -> None:
        """Stop the delivery worker, wake any injected hang, and close the connections."""
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
        self.faults.clear()
        self.engine.dispose()


def get_sandbox(app: Flask | None = None) -> Sandbox:
    """The sandbox of `app` (default: the current app)."""
    target = app or current_app
    sandbox = target.extensions.get(EXTENSION_KEY)
    if sandbox is None:
        raise RuntimeError("The LINE sandbox is not enabled in this app (LINE_SANDBOX=off).")
    return sandbox
