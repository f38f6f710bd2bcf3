"""The in-process worker: a few threads that run due jobs, woken when a job is committed."""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from inbox.jobs.queue import ENQUEUED, claim_next, next_due_in
from inbox.jobs.redis_queue import dispatcher_for, install_dispatcher
from inbox.jobs.runner import DEFAULT_LEASE, run_job

log = logging.getLogger(__name__)

EXTENSION_KEY = "inbox.jobs.worker"


class InProcessWorker:
    def __init__(self, app: Flask, threads: int = 2, idle_poll: float = 5.0) -> None:
        self._app = app
        self._threads_wanted = threads
        self._idle_poll = idle_poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for number in range(self._threads_wanted):
            thread = threading.Thread(target=self._loop, name=f"inbox-jobs-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                with self._app.app_context():
                    job_id = claim_next(DEFAULT_LEASE)
                    if job_id is not None:
                        run_job(job_id)
                        continue
                    pause = next_due_in(self._idle_poll)
            except Exception:  # a database hiccup must not kill the worker
                log.exception("job worker error; retrying shortly")
                pause = self._idle_poll
            if self._wake.wait(pause):
                self._wake.clear()


def _after_commit(session: Session) -> None:
    """Jobs are visible to workers only now: wake the in-process worker or tell Redis."""
    if session.in_nested_transaction():
        return  # SQLAlchemy also calls this when a savepoint is released: not committed yet
    committed = session.info.pop(ENQUEUED, None)
    if not committed or not current_app:
        return
    dispatcher = dispatcher_for(current_app)
    if dispatcher is None:
        worker = current_app.extensions.get(EXTENSION_KEY)
        if worker is not None:
            worker.wake()
        return
    try:
        for job_id, run_after in committed:
            dispatcher.dispatch(job_id, run_after)
    except Exception:  # the row is committed; the workers' sweeper will dispatch it
        log.exception("could not hand jobs to Redis; they will be swept up")


def _forget_after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint rolled back; jobs from the rest of the transaction still count
    session.info.pop(ENQUEUED, None)


def start_worker(app: Flask, threads: int = 2) -> InProcessWorker:
    """Start the in-process worker for this app (called at server start, not by the factory)."""
    worker = InProcessWorker(app, threads=threads)
    app.extensions[EXTENSION_KEY] = worker
    worker.start()
    return worker


def init_app(app: Flask) -> None:
    """With REDIS_URL, jobs go to RQ workers (`flask jobs worker`); else to in-process threads."""
    if app.config.get("REDIS_URL"):
        install_dispatcher(app)
    if not sa.event.contains(Session, "after_commit", _after_commit):
        sa.event.listen(Session, "after_commit", _after_commit)
        sa.event.listen(Session, "after_rollback", _forget_after_rollback)


__all__ = ["InProcessWorker", "dispatcher_for", "init_app", "start_worker"]
