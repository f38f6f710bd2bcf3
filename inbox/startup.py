"""One-time work when the server starts (kept out of the factory on purpose)."""

from __future__ import annotations

import logging

from flask import Flask
from flask_migrate import upgrade

from inbox.channels.tokens import ensure_renewals
from inbox.ingest import process_pending_events
from inbox.jobs import start_worker

log = logging.getLogger(__name__)


def prepare(app: Flask) -> None:
    """Bring the schema to head, finish events a previous run stored but never processed,
    set up the sandbox when LINE_SANDBOX is on (its tables, demo channel, webhook worker), and
    start the in-process job worker unless jobs run on Redis."""
    with app.app_context():
        upgrade()
        processed, failed = process_pending_events(include_failed=False)
        if processed or failed:
            log.info("resumed %d stored event(s), %d failed", processed, failed)
        ensure_renewals()  # automatic access tokens are renewed even with no traffic
    if app.config.get("LINE_SANDBOX"):
        from inbox import sandbox

        sandbox.prepare(app)
    if app.config.get("REDIS_URL"):
        log.info("jobs run in 'flask --app app jobs worker' processes (REDIS_URL is set)")
    else:
        start_worker(app, threads=app.config["JOB_THREADS"])
