"""Running one claimed job and recording how it ended."""

from __future__ import annotations

import logging
import random
import traceback
from datetime import timedelta

from inbox.extensions import db
from inbox.jobs.queue import HANDLERS, GiveUp, RetryLater, claim_next
from inbox.models import Job, JobState, utcnow

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=5)


def backoff(attempt: int) -> timedelta:
    """2, 4, 8 ... seconds, at most 10 minutes, with jitter so failures do not stampede."""
    seconds = min(600.0, 2.0**attempt)
    return timedelta(seconds=seconds * random.uniform(0.75, 1.0))


def error_text(exc: BaseException) -> str:
    """An exception as one line for a row's error column."""
    return "".join(traceback.format_exception_only(exc)).strip()[:4000]


def run_job(job_id: int) -> JobState:
    """Run a claimed job's handler, then record done, retry, or failed."""
    job = db.session.get(Job, job_id)
    assert job is not None
    kind, payload = job.kind, dict(job.payload)
    handler = HANDLERS.get(kind)
    outcome: tuple[JobState, timedelta | None, str | None]
    try:
        if handler is None:
            raise GiveUp(f"No handler for job kind {kind!r}")
        handler(payload)
        db.session.commit()
        outcome = (JobState.DONE, None, None)
    except RetryLater as later:
        db.session.rollback()
        outcome = (JobState.QUEUED, timedelta(seconds=later.delay), str(later))
    except GiveUp as gave_up:
        db.session.rollback()
        outcome = (JobState.FAILED, None, str(gave_up))
    except Exception as exc:
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, kind)
        outcome = (JobState.QUEUED, None, error_text(exc))
    return _finish(job_id, *outcome)


def _finish(job_id: int, state: JobState, delay: timedelta | None, error: str | None) -> JobState:
    job = db.session.get(Job, job_id)
    assert job is not None
    job.last_error = error
    job.lease_until = None
    if state is JobState.QUEUED and delay is not None:
        job.attempts -= 1  # asked to wait: not a failed attempt
        job.run_after = utcnow() + delay
    elif state is JobState.QUEUED:
        if job.attempts >= job.max_attempts:
            state = JobState.FAILED
        else:
            job.run_after = utcnow() + backoff(job.attempts)
    if state in (JobState.DONE, JobState.FAILED):
        job.finished_at = utcnow()
    job.state = state
    db.session.commit()
    return state


def run_due_jobs(limit: int = 1000, lease: timedelta = DEFAULT_LEASE) -> int:
    """Run jobs that are due now, one after another; return how many ran."""
    ran = 0
    while ran < limit:
        job_id = claim_next(lease)
        if job_id is None:
            break
        run_job(job_id)
        ran += 1
    return ran
