"""The ingest service: store a webhook's events raw, and derive rows from one stored event.

Raw first, and nothing else in the request: the webhook's 200 is sent once the raw rows are
committed, and everything derived from them (contacts, conversations, messages, search rows,
live updates) is made by the event worker (`inbox.ingest.pipeline`, `inbox.ingest.worker`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError

from inbox.extensions import db
from inbox.ingest.context import EventContext, channel_of, forget_batch_rows
from inbox.ingest.handlers import handler_for
from inbox.ingest.raw import store_raw_events
from inbox.jobs.runner import error_text
from inbox.models import EventState, WebhookEvent, utcnow
from inbox.webhooks.envelope import Envelope

log = logging.getLogger(__name__)


class AckFirst:
    """Webhook answers go before derivation in this process: LINE waits for the one, nobody
    waits on the other. The event worker waits (briefly) while webhooks are storing, so on
    SQLite, whose one writer they would otherwise queue behind, an answer stays fast."""

    def __init__(self) -> None:
        self._storing = 0
        self._quiet = threading.Condition()

    @contextmanager
    def storing(self) -> Iterator[None]:
        with self._quiet:
            self._storing += 1
        try:
            yield
        finally:
            with self._quiet:
                self._storing -= 1
                if not self._storing:
                    self._quiet.notify_all()

    def wait_for_quiet(self, timeout: float) -> None:
        with self._quiet:
            self._quiet.wait_for(lambda: not self._storing, timeout)


ack_first = AckFirst()


@dataclass(frozen=True)
class IngestResult:
    received: int  # events in the body
    stored: int  # new events committed raw, now waiting for the event worker

    @property
    def duplicates(self) -> int:
        return self.received - self.stored

    def as_dict(self) -> dict[str, int]:
        return {"received": self.received, "stored": self.stored, "duplicates": self.duplicates}


def receive_events(channel_id: int, envelope: Envelope) -> IngestResult:
    """Store a verified webhook body exactly once: one multi-row insert and one commit.

    Raises SQLAlchemyError only if the raw rows could not be committed (the caller answers
    503 so LINE redelivers). Once they are committed, nothing can lose them.
    """
    with ack_first.storing():
        new_ids = store_raw_events(
            channel_id, envelope.destination, envelope.events, clean=envelope.has_unstorable_text
        )
    return IngestResult(len(envelope.events), len(new_ids))


def process_event(row: WebhookEvent) -> bool:
    """Derive rows from one raw event inside a savepoint; on error mark it failed. True if done."""
    channel = channel_of(row)
    assert channel is not None
    try:
        with db.session.begin_nested():
            handler_for(row.event_type)(EventContext(channel, row))
    except OperationalError:
        raise  # the database, not the event: the whole batch is tried again
    except Exception as exc:
        log.exception("processing webhook event %s failed", row.webhook_event_id)
        forget_batch_rows()
        row.attempts += 1
        row.state, row.error = EventState.FAILED, error_text(exc)
        return False
    row.attempts += 1  # after the savepoint: one UPDATE of the row with its new state
    row.state, row.error, row.processed_at = EventState.PROCESSED, None, utcnow()
    return True
