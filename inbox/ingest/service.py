"""The ingest service: commit raw events, then derive rows from each one.

Raw first: the webhook's 200 is only sent after the raw rows are committed. Deriving rows is
database work only (no network); each event gets its own savepoint so one bad event is marked
failed without undoing the others. Media and profile fetching happen later, in jobs.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from inbox.extensions import db
from inbox.ingest.context import EventContext
from inbox.ingest.handlers import handler_for
from inbox.ingest.raw import store_raw_events
from inbox.jobs import enqueue, handles
from inbox.jobs.runner import error_text
from inbox.models import Channel, EventState, WebhookEvent, utcnow
from inbox.webhooks.envelope import Envelope

log = logging.getLogger(__name__)

PROCESS_CHUNK = 10  # events per commit while the webhook request processes them


@dataclass(frozen=True)
class IngestResult:
    received: int  # events in the body
    stored: int  # new events committed raw
    processed: int
    failed: int
    deferred: int = 0  # left to a job: the request's time budget ran out

    @property
    def duplicates(self) -> int:
        return self.received - self.stored

    def as_dict(self) -> dict[str, int]:
        return {
            "received": self.received,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "processed": self.processed,
            "failed": self.failed,
            "deferred": self.deferred,
        }


def receive_events(channel: Channel, envelope: Envelope) -> IngestResult:
    """Store a verified webhook body exactly once, then process what is new.

    Raises SQLAlchemyError only if the raw rows could not be committed (the caller answers
    503 so LINE redelivers). Once they are committed, nothing here can lose them.
    """
    if channel.bot_user_id is None:
        channel.bot_user_id = envelope.destination
    new_ids = store_raw_events(channel, envelope.destination, envelope.events)
    # LINE waits 2 seconds for the answer: what the budget does not reach goes to a job.
    deadline = time.monotonic() + float(current_app.config["WEBHOOK_PROCESS_BUDGET_SECONDS"])
    processed = failed = 0
    for start in range(0, len(new_ids), PROCESS_CHUNK):
        if time.monotonic() >= deadline:
            deferred = new_ids[start:]
            enqueue("events.process", f"events:{deferred[0]}", {"event_ids": deferred})
            db.session.commit()
            return IngestResult(
                len(envelope.events), len(new_ids), processed, failed, len(deferred)
            )
        done, broken = process_events(new_ids[start : start + PROCESS_CHUNK])
        processed, failed = processed + done, failed + broken
    db.session.commit()  # the bot user id learnt from `destination`, even with no events
    return IngestResult(len(envelope.events), len(new_ids), processed, failed)


@handles("events.process")
def process_deferred(payload: dict) -> None:
    """Events a webhook request stored but had no time to process."""
    process_events(payload["event_ids"])


def process_event(row: WebhookEvent) -> bool:
    """Derive rows from one raw event inside a savepoint; on error mark it failed. True if done."""
    channel = db.session.get(Channel, row.channel_id)
    assert channel is not None
    row.attempts += 1
    try:
        with db.session.begin_nested():
            handler_for(row.event_type)(EventContext(channel, row))
    except Exception as exc:
        log.exception("processing webhook event %s failed", row.webhook_event_id)
        row.state, row.error = EventState.FAILED, error_text(exc)
        return False
    row.state, row.error, row.processed_at = EventState.PROCESSED, None, utcnow()
    return True


def process_events(event_ids: list[int]) -> tuple[int, int]:
    """Process events in order and commit; return (processed, failed).

    If the database fails mid-way the events stay `received` (or `failed`) and
    `flask events reprocess` picks them up; the raw rows are never touched.
    """
    processed = failed = 0
    try:
        for event_id in event_ids:
            # Skip rows another worker is processing right now (PostgreSQL; SQLite serialises).
            row = db.session.get(
                WebhookEvent,
                event_id,
                with_for_update={"skip_locked": True},
                populate_existing=True,
            )
            if row is None or row.state is EventState.PROCESSED:
                continue
            if process_event(row):
                processed += 1
            else:
                failed += 1
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("database error while processing events; they stay queued for reprocessing")
        return 0, len(event_ids)
    return processed, failed


def process_pending_events(
    *, include_failed: bool = True, min_age: timedelta = timedelta(minutes=1), limit: int = 1000
) -> tuple[int, int]:
    """Process events left `received` for longer than `min_age` (their request died after the
    raw commit) and, by default, those marked `failed`, oldest first."""
    waiting = sa.and_(
        WebhookEvent.state == EventState.RECEIVED, WebhookEvent.received_at < utcnow() - min_age
    )
    failed = WebhookEvent.state == EventState.FAILED
    ids = db.session.scalars(
        sa.select(WebhookEvent.id)
        .where(sa.or_(waiting, failed) if include_failed else waiting)
        .order_by(WebhookEvent.event_at, WebhookEvent.id)
        .limit(limit)
    )
    return process_events(list(ids))
