"""The job mechanism: transactional enqueue, one active job per key, exactly-once claims,
retries, leases that outlive a crash, and the in-process worker."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from inbox.extensions import db
from inbox.jobs import GiveUp, RetryLater, enqueue, handles, run_due_jobs
from inbox.jobs.queue import HANDLERS, claim_next
from inbox.jobs.worker import start_worker
from inbox.models import Job, JobState, utcnow

calls: list[dict] = []


@pytest.fixture(autouse=True)
def test_handlers():
    calls.clear()

    @handles("test.record")
    def record(payload: dict) -> None:
        calls.append(payload)

    @handles("test.flaky")
    def flaky(payload: dict) -> None:
        calls.append(payload)
        if len(calls) < payload["succeed_on"]:
            raise ConnectionError("LINE is having a moment")

    @handles("test.later")
    def later(payload: dict) -> None:
        calls.append(payload)
        if len(calls) == 1:
            raise RetryLater(30, "still transcoding")

    @handles("test.hopeless")
    def hopeless(payload: dict) -> None:
        raise GiveUp("the content is gone")

    yield
    for kind in [kind for kind in HANDLERS if kind.startswith("test.")]:
        del HANDLERS[kind]  # only ours: the app's handlers stay registered


def jobs() -> list[Job]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Job).order_by(Job.id)))


def test_same_key_is_one_job_until_it_finishes(app) -> None:
    enqueue("test.record", "media:1", {"n": 1})
    enqueue("test.record", "media:1", {"n": 2})
    db.session.commit()
    assert len(jobs()) == 1
    assert run_due_jobs() == 1 and calls == [{"n": 1}]
    enqueue("test.record", "media:1", {"n": 3})  # a finished key may run again
    db.session.commit()
    assert run_due_jobs() == 1 and [job.state for job in jobs()] == [JobState.DONE] * 2


def test_enqueue_rolls_back_with_its_transaction(app) -> None:
    enqueue("test.record", "k", {})
    db.session.rollback()
    assert jobs() == []


def test_failures_retry_with_backoff_then_succeed(app) -> None:
    enqueue("test.flaky", "k", {"succeed_on": 2})
    db.session.commit()
    run_due_jobs()
    (job,) = jobs()
    assert job.state is JobState.QUEUED and "ConnectionError" in job.last_error
    assert job.run_after > utcnow()  # backed off, not hot-looping
    job.run_after = utcnow()
    db.session.commit()
    run_due_jobs()
    (job,) = jobs()
    assert job.state is JobState.DONE and job.attempts == 2 and job.last_error is None


def test_failures_stop_after_max_attempts(app) -> None:
    enqueue("test.flaky", "k", {"succeed_on": 99}, max_attempts=2)
    db.session.commit()
    for _ in range(2):
        db.session.execute(sa.update(Job).values(run_after=utcnow()))
        db.session.commit()
        run_due_jobs()
    (job,) = jobs()
    assert job.state is JobState.FAILED and job.attempts == 2 and job.finished_at


def test_retry_later_waits_without_using_an_attempt(app) -> None:
    enqueue("test.later", "k", {}, max_attempts=1)
    db.session.commit()
    run_due_jobs()
    (job,) = jobs()
    assert job.state is JobState.QUEUED and job.attempts == 0
    assert job.last_error == "still transcoding"
    assert timedelta(seconds=25) < job.run_after - utcnow() <= timedelta(seconds=30)


def test_give_up_fails_at_once(app) -> None:
    enqueue("test.hopeless", "k", {})
    db.session.commit()
    run_due_jobs()
    (job,) = jobs()
    assert (job.state, job.last_error, job.attempts) == (JobState.FAILED, "the content is gone", 1)


def test_unknown_kind_fails_with_a_reason(app) -> None:
    enqueue("test.nobody", "k", {})
    db.session.commit()
    run_due_jobs()
    assert "No handler" in jobs()[0].last_error


def test_a_crashed_workers_job_is_claimed_again_after_its_lease(app) -> None:
    enqueue("test.record", "k", {"n": 1})
    db.session.commit()
    claimed = claim_next(lease=timedelta(minutes=5))  # ...and the process dies here
    assert claimed is not None and claim_next(lease=timedelta(minutes=5)) is None
    db.session.execute(sa.update(Job).values(lease_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert run_due_jobs() == 1 and calls == [{"n": 1}]


def test_competing_claims_each_get_a_different_job(app) -> None:
    for n in range(20):
        enqueue("test.record", f"k{n}", {"n": n})
    db.session.commit()
    claimed: list[int] = []

    def claim_all() -> None:
        with app.app_context():
            while (job_id := claim_next(timedelta(minutes=5))) is not None:
                claimed.append(job_id)

    threads = [threading.Thread(target=claim_all) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(job.id for job in jobs())


def test_in_process_worker_runs_jobs_as_soon_as_they_commit(app) -> None:
    worker = start_worker(app, threads=2)
    try:
        for n in range(5):
            enqueue("test.record", f"k{n}", {"n": n})
        db.session.commit()
        deadline = time.monotonic() + 10
        while len(calls) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        worker.stop()
    assert sorted(call["n"] for call in calls) == list(range(5))
    assert {job.state for job in jobs()} == {JobState.DONE}
