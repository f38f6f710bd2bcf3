"""Jobs on Redis: committed jobs reach RQ, an RQ worker runs them, retries come back later,
and the sweeper re-dispatches work whose message was lost."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from inbox import create_app
from inbox.background import flush_background
from inbox.extensions import db
from inbox.jobs import RetryLater, enqueue, handles
from inbox.jobs.queue import HANDLERS
from inbox.jobs.redis_queue import bind_worker_app, dispatcher_for, run_worker, sweep
from inbox.line import line_platform
from inbox.models import Job, JobState, utcnow
from tests.test_rate_limit_redis import redis_url  # noqa: F401 - the fixture

ran: list[int] = []


@pytest.fixture
def redis_app(app, redis_url, tmp_path):  # noqa: F811
    """The same database, configured for Redis jobs with a queue of its own."""
    config = {
        key: app.config[key]
        for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "MEDIA_DIR")
    }
    redis_app = create_app(
        {
            **config,
            "REDIS_URL": redis_url,
            "JOBS_QUEUE": f"test-{uuid.uuid4()}",
            "INSTANCE_PATH": str(tmp_path / "redis-app"),
        }
    )
    ran.clear()

    @handles("test.count")
    def count(payload: dict) -> None:
        ran.append(payload["n"])

    @handles("test.wait")
    def wait(payload: dict) -> None:
        raise RetryLater(60, "not yet")

    with redis_app.app_context():
        yield redis_app
        dispatcher = dispatcher_for(redis_app)
        dispatcher.queue.delete(delete_jobs=True)
        for key in dispatcher.redis.scan_iter(f"rq:*{dispatcher.queue.name}*"):
            dispatcher.redis.delete(key)
        dispatcher.close()
        line_platform().close()  # its rate limiter holds a Redis connection too
        flush_background(redis_app)
        db.session.remove()
        db.engine.dispose()
    for kind in [kind for kind in HANDLERS if kind.startswith("test.")]:
        del HANDLERS[kind]
    bind_worker_app(None)


def states() -> list[JobState]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Job.state).order_by(Job.id)))


def test_committed_jobs_are_run_by_an_rq_worker(redis_app) -> None:
    for n in range(3):
        enqueue("test.count", f"k{n}", {"n": n})
    db.session.commit()
    queue = dispatcher_for(redis_app).queue
    assert queue.count == 3
    run_worker(redis_app, burst=True)
    assert sorted(ran) == [0, 1, 2] and states() == [JobState.DONE] * 3


def test_rolled_back_jobs_never_reach_redis(redis_app) -> None:
    enqueue("test.count", "k", {"n": 1})
    db.session.rollback()
    assert dispatcher_for(redis_app).queue.count == 0


def test_a_retry_is_scheduled_in_redis_for_its_due_time(redis_app) -> None:
    enqueue("test.wait", "k", {})
    db.session.commit()
    run_worker(redis_app, burst=True)
    assert states() == [JobState.QUEUED]
    assert dispatcher_for(redis_app).queue.scheduled_job_registry.count == 1


def test_duplicate_deliveries_run_a_job_once(redis_app) -> None:
    enqueue("test.count", "k", {"n": 7})
    db.session.commit()
    job_id = db.session.scalar(sa.select(Job.id))
    dispatcher_for(redis_app).dispatch(job_id, utcnow())  # delivered twice
    run_worker(redis_app, burst=True)
    assert ran == [7]


def test_the_sweeper_dispatches_jobs_whose_message_was_lost(redis_app) -> None:
    enqueue("test.count", "k", {"n": 1})
    db.session.commit()
    dispatcher_for(redis_app).queue.empty()  # Redis lost it
    db.session.execute(sa.update(Job).values(run_after=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    assert sweep(redis_app) == 1
    run_worker(redis_app, burst=True)
    assert ran == [1]
