"""Enqueueing jobs inside the caller's transaction, and claiming due ones exactly once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inbox.database import conflict_insert
from inbox.extensions import db
from inbox.models import Job, JobState, utcnow

ENQUEUED = "inbox.jobs.enqueued"  # session.info: (id, run_after) of jobs this transaction added
GATHERED = "inbox.jobs.gathered"  # session.info: jobs held for one insert, by key

JobHandler = Callable[[dict[str, Any]], None]
HANDLERS: dict[str, JobHandler] = {}


class RetryLater(Exception):
    """Not yet (e.g. LINE is still transcoding): run again after `delay` seconds.

    Does not use up an attempt; the handler owns the deadline for giving up.
    """

    def __init__(self, delay: float, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay


class GiveUp(Exception):
    """Retrying cannot help: mark the job failed with this reason."""


def handles(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Register the function that runs jobs of `kind`; it must be safe to run twice."""

    def register(handler: JobHandler) -> JobHandler:
        HANDLERS[kind] = handler
        return handler

    return register


def enqueue(
    kind: str,
    key: str,
    payload: dict[str, Any] | None = None,
    *,
    delay: timedelta = timedelta(0),
    max_attempts: int = 8,
    session: Session | None = None,
) -> None:
    """Add a job in the current transaction (or `session`'s); no-op while a job with this key
    is active.

    The job commits (or rolls back) with the rows that need it, and the workers are woken
    after the commit. Inside `enqueued_together()` it is inserted when that block ends.
    """
    session = session or db.session
    values = {
        "kind": kind,
        "key": key,
        "payload": payload or {},
        "state": JobState.QUEUED,
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_after": utcnow() + delay,
        "created_at": utcnow(),
    }
    gathered: dict[str, dict[str, Any]] | None = session.info.get(GATHERED)
    if gathered is not None:
        gathered.setdefault(key, values)  # the first wins, as it would in the table
    else:
        _insert_jobs(session, [values])


@contextmanager
def enqueued_together(session: Session | None = None) -> Iterator[None]:
    """Jobs enqueued inside the block are inserted as it ends, in one statement; none if it
    raises. For code that asks for jobs from a loop (the event worker, per event)."""
    session = session or db.session
    session.info[GATHERED] = gathered = {}
    try:
        yield
    finally:
        session.info.pop(GATHERED, None)
    if gathered:
        _insert_jobs(session, list(gathered.values()))


def _insert_jobs(session: Session, rows: list[dict[str, Any]]) -> None:
    jobs = Job.__table__
    statement = (
        conflict_insert(jobs, session.get_bind().dialect.name)
        .on_conflict_do_nothing(
            index_elements=["key"], index_where=sa.text("state IN ('queued', 'running')")
        )
        .returning(jobs.c.id, jobs.c.run_after)
    )
    # On the session's connection, not the session: no flush of the caller's pending rows
    # first (a job names rows that already have their ids).
    added = session.connection().execute(statement, rows).all()
    if added:
        session.info.setdefault(ENQUEUED, []).extend((row.id, row.run_after) for row in added)


def _due(now: Any) -> sa.ColumnElement[bool]:
    queued = sa.and_(Job.state == JobState.QUEUED, Job.run_after <= now)
    abandoned = sa.and_(Job.state == JobState.RUNNING, Job.lease_until < now)
    return sa.or_(queued, abandoned)


def claim_next(lease: timedelta) -> int | None:
    """Claim the most overdue job; return its id, or None if nothing is due.

    A conditional UPDATE decides between competing workers on any backend: only one sees
    its row count as 1. A crashed worker's job is claimed again once its lease runs out.
    """
    candidates = due_job_ids(limit=8)
    for job_id in candidates:
        if claim(job_id, lease):
            return job_id
    return None


def due_job_ids(limit: int, overdue_by: timedelta = timedelta(0)) -> list[int]:
    """Jobs due (for at least `overdue_by`) or abandoned by a crashed worker, oldest first."""
    moment = utcnow() - overdue_by
    ids = db.session.scalars(
        sa.select(Job.id).where(_due(moment)).order_by(Job.run_after, Job.id).limit(limit)
    ).all()
    db.session.commit()
    return list(ids)


def claim(job_id: int, lease: timedelta) -> bool:
    """Take one job if it is still due; True for exactly one of any competing workers."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id, _due(now))
        .values(state=JobState.RUNNING, lease_until=now + lease, attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed.rowcount == 1


def next_due_in(default: float) -> float:
    """Seconds until the next queued job is due (so an idle worker sleeps just that long)."""
    soonest = db.session.scalar(
        sa.select(sa.func.min(Job.run_after)).where(Job.state == JobState.QUEUED)
    )
    db.session.commit()
    if soonest is None:
        return default
    return max(0.0, min(default, (soonest - utcnow()).total_seconds()))
