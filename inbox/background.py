"""A queue drained by one thread of its own: work that must follow a request, not slow it.

Items are handed over in the order they were submitted; whatever waits when the thread wakes
goes out together as one batch (so it is read, serialised or written once). The thread starts
on the first item and ends after a while with nothing to do, so an idle app keeps no thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from flask import Flask

log = logging.getLogger(__name__)

Item = TypeVar("Item")


class BackgroundQueue(Generic[Item]):
    def __init__(
        self,
        app: Flask,
        name: str,
        handle: Callable[[list[Item]], None],
        idle_seconds: float = 30.0,
    ) -> None:
        self._app = app
        self._name = name
        self._handle = handle
        self._idle = idle_seconds
        self._queue: queue.Queue[Item] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, item: Item) -> None:
        with self._lock:  # with the idle check's lock: an item never lands unseen
            self._queue.put(item)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything submitted so far was handled (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)
        return not self._queue.unfinished_tasks

    def _loop(self) -> None:
        while True:
            try:
                batch = [self._queue.get(timeout=self._idle)]
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                with self._app.app_context():
                    self._handle(batch)
            except Exception:  # the work is a follow-up: never let one batch stop the thread
                log.exception("%s: could not handle %d item(s)", self._name, len(batch))
            finally:
                for _ in batch:
                    self._queue.task_done()


def flush_background(app: Flask, timeout: float = 5.0) -> bool:
    """Wait for every background queue of the app (tests; a clean shutdown)."""
    queues = [item for item in app.extensions.values() if isinstance(item, BackgroundQueue)]
    return all([work.flush(timeout) for work in queues])
