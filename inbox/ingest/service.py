"""The ingest service: store a webhook's events raw, and derive rows from one stored event.

Raw first, and nothing else in the request: the webhook's 200 is sent once the raw rows are
committed, and everything derived from them (contacts, conversations, messages, search rows,
live updates) is made by the event worker (`inbox.ingest.pipeline`, `inbox.ingest.worker`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError

from inbox.extensions import db
from inbox.ingest.context import EventContext, current_batch, forget_batch_rows
from inbox.ingest.handlers import handler_for
from inbox.ingest.raw import store_raw_events
from inbox.jobs import enqueued_together
from inbox.jobs.runner import error_text
from inbox.models import EventState, WebhookEvent, utcnow
from inbox.webhooks.envelope import Envelope

log = logging.getLogger(__name__)


class AckFirst:
    """Webhook answers go before derivation in this process: LINE waits for the one, nobody
    waits on the other. The event worker waits (briefly) while webhooks are storing.

    On SQLite (one writer) the webhooks' inserts and the worker's batches also take turns on
    a lock in this process: whoever waits is woken the moment the other is done, where
    SQLite's own busy handler would have it sleep and poll (and lose the race again), and a
    webhook never waits behind more than one batch.
    """

    def __init__(self) -> None:
        self._storing = 0
        self._quiet = threading.Condition()
        self._writer = threading.Lock()

    @contextmanager
    def storing(self, *, one_writer: bool) -> Iterator[None]:
        with self._quiet:
            self._storing += 1
        try:
            with self._writer if one_writer else nullcontext():
                yield
        finally:
            with self._quiet:
                self._storing -= 1
                if not self._storing:
                    self._quiet.notify_all()

    @contextmanager
    def deriving(self, patience: float) -> Iterator[None]:
        """The worker's turn on SQLite: after the webhooks storing now (up to `patience`
        seconds), holding the writer lock for one batch."""
        with self._quiet:
            self._quiet.wait_for(lambda: not self._storing, patience)
        with self._writer:
            yield


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
    with ack_first.storing(one_writer=db.session.get_bind().dialect.name == "sqlite"):
        new_ids = store_raw_events(
            channel_id, envelope.destination, envelope.events, clean=envelope.has_unstorable_text
        )
    return IngestResult(len(envelope.events), len(new_ids))


def derive_together(contexts: list[EventContext], deadline: float) -> list[EventContext] | None:
    """Derive events in order inside one savepoint, written by one flush, until `deadline`
    (at least one); those derived. None if any failed: nothing of them is kept, and the
    caller derives them one by one to find which."""
    taken: list[EventContext] = []
    try:
        with db.session.begin_nested(), enqueued_together():
            for ctx in contexts:
                if taken and time.monotonic() > deadline:
                    break
                handler_for(ctx.row.event_type)(ctx)
                taken.append(ctx)
            current_batch().settle()
    except OperationalError:
        raise  # the database, not an event: the whole batch is tried again
    except Exception:
        log.info("an event of a batch failed; deriving them one by one", exc_info=True)
        forget_batch_rows()
        return None
    for ctx in taken:
        mark_processed(ctx.row)
    return taken


def process_event(ctx: EventContext) -> bool:
    """Derive rows from one raw event inside a savepoint; on error mark it failed. True if done."""
    try:
        with db.session.begin_nested(), enqueued_together():
            handler_for(ctx.row.event_type)(ctx)
            current_batch().settle()
    except OperationalError:
        raise  # the database, not the event: the whole batch is tried again
    except Exception as exc:
        log.exception("processing webhook event %s failed", ctx.row.webhook_event_id)
        forget_batch_rows()
        ctx.row.attempts += 1
        ctx.row.state, ctx.row.error = EventState.FAILED, error_text(exc)
        return False
    mark_processed(ctx.row)
    return True


def mark_processed(row: WebhookEvent) -> None:
    row.attempts += 1  # after the savepoint: one UPDATE of the row with its new state
    row.state, row.error, row.processed_at = EventState.PROCESSED, None, utcnow()
