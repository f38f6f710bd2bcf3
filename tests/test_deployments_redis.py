"""Two deployments on one Redis never hear each other: live updates, LINE's rate schedule,
sign-in counts and jobs all sit under a prefix of the deployment's own (DEPLOYMENT_PREFIX, or
one derived from its database)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import redis

from inbox import create_app
from inbox.config import redis_prefix
from inbox.extensions import socketio
from inbox.jobs.redis_queue import dispatcher_for
from inbox.line import line_platform
from tests.conftest import TEST_SECRET_KEY
from tests.test_rate_limit_redis import redis_url  # noqa: F401 - the fixture


def deployment(redis_url: str, tmp_path: Path, name: str):  # noqa: F811
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.sqlite3",
            "INSTANCE_PATH": str(tmp_path / name),
            "REDIS_URL": redis_url,
            "LINE_SANDBOX": False,
        }
    )


def test_the_prefix_comes_from_the_database_unless_chosen() -> None:
    here = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://inbox:pw@db:5432/shop_a"}
    there = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://inbox:pw@db:5432/shop_b"}
    new_password = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://inbox:new@db:5432/shop_a"}
    assert redis_prefix(here) != redis_prefix(there)
    assert redis_prefix(here) == redis_prefix(new_password)  # the same database
    assert "pw" not in redis_prefix(here)
    assert redis_prefix({**here, "DEPLOYMENT_PREFIX": "shop-a"}) == "shop-a:"


def test_two_deployments_on_one_redis_stay_apart(redis_url, tmp_path) -> None:  # noqa: F811
    first = deployment(redis_url, tmp_path, f"first-{uuid.uuid4().hex[:6]}")
    second = deployment(redis_url, tmp_path, f"second-{uuid.uuid4().hex[:6]}")
    assert first.config["REDIS_PREFIX"] != second.config["REDIS_PREFIX"]

    # LINE's rate schedule: one channel id in both, two schedules.
    with first.app_context():
        first_limiter = line_platform().limiter
    with second.app_context():
        second_limiter = line_platform().limiter
    channel_key = f"shared-{uuid.uuid4().hex}"
    for _ in range(5):
        first_limiter.reserve(channel_key, per_minute=60, max_wait=30)
    assert first_limiter.backlog(channel_key) > 3
    assert second_limiter.backlog(channel_key) == 0

    # Jobs: each deployment's workers read their own queue.
    with first.app_context(), second.app_context():
        assert dispatcher_for(first).queue.name != dispatcher_for(second).queue.name

    # Live updates: the Socket.IO queue's channel is the deployment's (the process's one
    # SocketIO object now belongs to the last app made, `second`).
    listener = redis.Redis.from_url(redis_url)
    mine, theirs = listener.pubsub(), listener.pubsub()
    mine.subscribe(second.config["REDIS_PREFIX"] + "socketio")
    theirs.subscribe(first.config["REDIS_PREFIX"] + "socketio")
    for pubsub in (mine, theirs):
        pubsub.get_message(timeout=1)  # the subscription's confirmation
    with second.app_context():
        socketio.emit("message", {"text": "for the second shop only"}, to="channel:1:agents")
    heard = mine.get_message(timeout=5)
    time.sleep(0.2)
    assert heard is not None and b"for the second shop only" in heard["data"]
    assert theirs.get_message(timeout=0.5) is None
    for pubsub in (mine, theirs):
        pubsub.close()
    listener.close()
    for app in (first, second):
        with app.app_context():
            line_platform().close()
            dispatcher_for(app).close()
