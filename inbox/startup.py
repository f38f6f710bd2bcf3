"""One-time work when the server starts (kept out of the factory on purpose)."""

from __future__ import annotations

import logging

from flask import Flask
from flask_migrate import upgrade

from inbox.channels.tokens import ensure_renewals
from inbox.conversations.routing import ensure_sweep
from inbox.ingest import release_leases, start_event_worker
from inbox.jobs import start_worker

log = logging.getLogger(__name__)


def prepare(app: Flask) -> None:
    """Bring the schema to head, set up the sandbox when LINE_SANDBOX is on (its tables, demo
    channel, webhook worker), and start the in-process event and job workers unless they run
    in `flask jobs worker` processes (REDIS_URL). The event worker first derives whatever a
    previous run stored and never finished."""
    with app.app_context():
        upgrade()
        ensure_renewals()  # automatic access tokens are renewed even with no traffic
        ensure_sweep()  # routing and snoozes: assigning, reassigning, waking
    if app.config.get("LINE_SANDBOX"):
        from inbox import sandbox

        sandbox.prepare(app)
    if app.config.get("REDIS_URL"):
        log.info("events and jobs run in 'flask --app app jobs worker' processes (REDIS_URL)")
    else:
        with app.app_context():
            if released := release_leases():
                log.info("%d event(s) a previous run was deriving are taken up again", released)
        start_event_worker(app)
        start_worker(app, threads=app.config["JOB_THREADS"])
