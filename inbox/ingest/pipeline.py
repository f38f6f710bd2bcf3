"""The event worker's queue: stored events claimed in batches, derived in LINE's order per chat.

The webhook only stores events raw (state `received`); everything derived from them is made
here, off the request. A worker claims a batch with a lease (a short UPDATE, with SKIP LOCKED
on PostgreSQL so several workers never take the same rows), derives the batch in one
transaction (a savepoint per event, so one broken event is marked failed and never holds the
others), and commits; live updates follow the commit. What a crashed worker held is claimed
again once its lease runs out, and failed events are retried with a growing delay, so nothing
waits for a restart or a person.
"""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from inbox.extensions import db
from inbox.ingest.context import EventContext, batch_rows, channel_of, prefetch
from inbox.ingest.service import ack_first, derive_together, process_event
from inbox.models import EventState, WebhookEvent, utcnow

log = logging.getLogger(__name__)

BATCH = 200  # events claimed at once
# A batch's transaction ends after this much work even if events are left: SQLite has one
# writer, and a webhook's insert must never wait long behind derivation.
BATCH_SECONDS = 0.1
ACK_PRIORITY_SECONDS = 0.05  # the longest derivation waits for webhooks storing right now
LEASE = timedelta(seconds=30)  # a claimed batch is another worker's to take after this
RETRY_LIMIT = 8  # attempts before a failed event waits for `flask events reprocess`
RETRY_CAP = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """How long a failed event waits before its next attempt: 5 s, 10 s, 20 s ... one hour."""
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), RETRY_CAP)


@dataclass(frozen=True)
class Drained:
    processed: int = 0
    failed: int = 0

    def __add__(self, other: Drained) -> Drained:
        return Drained(self.processed + other.processed, self.failed + other.failed)


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    free = sa.or_(WebhookEvent.lease_until.is_(None), WebhookEvent.lease_until < now)
    waiting = WebhookEvent.state == EventState.RECEIVED
    retry_due = sa.and_(
        WebhookEvent.state == EventState.FAILED,
        WebhookEvent.attempts < RETRY_LIMIT,
        WebhookEvent.next_attempt_at <= now,
    )
    return sa.and_(free, sa.or_(waiting, retry_due))


def _lease(ids_query: sa.Select, now: datetime, eligible: sa.ColumnElement[bool]) -> list[int]:
    """Put a lease on the rows the query selects that are still `eligible` (free, and waiting
    or due); commit; their ids."""
    if db.session.get_bind().dialect.name == "postgresql":
        ids_query = ids_query.with_for_update(skip_locked=True)
    claimed = db.session.execute(
        sa.update(WebhookEvent)
        .where(WebhookEvent.id.in_(ids_query.scalar_subquery()), eligible)
        .values(lease_until=now + LEASE)
        .returning(WebhookEvent.id, WebhookEvent.chat_key, WebhookEvent.event_at)
    ).all()
    held = _behind_another_worker(claimed)
    if held:
        db.session.execute(
            sa.update(WebhookEvent).where(WebhookEvent.id.in_(held)).values(lease_until=None)
        )
    db.session.commit()
    return [row.id for row in claimed if row.id not in held]


def _behind_another_worker(claimed: list[sa.Row]) -> set[int]:
    """Claimed events whose chat has an older event still waiting outside this batch: another
    worker has it, so this chat's events are left for after it (LINE's order within a chat)."""
    if not claimed:
        return set()
    mine = {row.id for row in claimed}
    oldest: dict[str, tuple[datetime, int]] = {}
    for row in claimed:
        oldest[row.chat_key] = min(
            oldest.get(row.chat_key, (row.event_at, row.id)), (row.event_at, row.id)
        )
    latest = max(at for at, _ in oldest.values())
    others = db.session.execute(
        sa.select(WebhookEvent.chat_key, WebhookEvent.event_at, WebhookEvent.id).where(
            WebhookEvent.chat_key.in_(oldest),
            WebhookEvent.state == EventState.RECEIVED,
            WebhookEvent.id.not_in(mine),
            WebhookEvent.event_at <= latest,
        )
    )
    blocked = {row.chat_key for row in others if (row.event_at, row.id) < oldest[row.chat_key]}
    return {row.id for row in claimed if row.chat_key in blocked}


def claim_batch(limit: int = BATCH) -> list[int]:
    """Lease the oldest waiting events (and failed ones due a retry); their ids."""
    now = utcnow()
    return _lease(_oldest(_claimable(now), limit), now, _claimable(now))


def derive(event_ids: list[int]) -> Drained:
    """Derive rows from leased events in LINE's order (timestamp, then arrival) and commit.

    If the database fails mid-way, nothing of the batch is kept and its events are handed
    back for the next claim at once.
    """
    if not event_ids:
        return Drained()
    try:
        # Write first: on SQLite a transaction that reads and then writes fails at once if
        # another writer committed in between (WAL snapshots); one that writes first waits its
        # turn. Renewing the lease is that first write.
        db.session.execute(
            sa.update(WebhookEvent)
            .where(WebhookEvent.id.in_(event_ids))
            .values(lease_until=utcnow() + LEASE)
        )
        rows = db.session.scalars(
            sa.select(WebhookEvent)
            .where(WebhookEvent.id.in_(event_ids))
            .order_by(WebhookEvent.event_at, WebhookEvent.id)
            .execution_options(populate_existing=True)
        ).all()
        due = [row for row in rows if row.state is not EventState.PROCESSED]
        with batch_rows():
            drained = _derive_rows(due)
        for row in rows:
            row.lease_until = None  # done, or handed back for the next claim
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("database error while deriving %d events; trying again", len(event_ids))
        _hand_back(event_ids)
        return Drained()
    return drained


def _derive_rows(rows: list[WebhookEvent]) -> Drained:
    """All of the rows together if none fails; otherwise one by one, each in a savepoint, so
    the broken one is marked failed. Either way until the batch's time is up (at least one)."""
    contexts = [EventContext(channel_of(row), row) for row in rows]
    prefetch(contexts)
    derived = derive_together(contexts, time.monotonic() + BATCH_SECONDS)
    if derived is not None:
        return Drained(processed=len(derived))
    processed = failed = 0
    deadline = time.monotonic() + BATCH_SECONDS
    for row in rows:
        if (processed or failed) and time.monotonic() > deadline:
            break
        if process_event(EventContext(channel_of(row), row)):
            processed += 1
        else:
            failed += 1
            row.next_attempt_at = utcnow() + retry_delay(row.attempts)
    return Drained(processed, failed)


def _hand_back(event_ids: list[int]) -> None:
    """A batch the database refused (busy, a blip): free for the next claim at once; if even
    this fails, its lease runs out on its own."""
    try:
        db.session.execute(
            sa.update(WebhookEvent).where(WebhookEvent.id.in_(event_ids)).values(lease_until=None)
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()


def drain(limit: int = BATCH, max_batches: int = 1_000) -> Drained:
    """Claim and derive batches until nothing is waiting (or `max_batches` ran)."""
    done = Drained()
    one_writer = db.session.get_bind().dialect.name == "sqlite"
    for _ in range(max_batches):
        with ack_first.deriving(ACK_PRIORITY_SECONDS) if one_writer else nullcontext():
            ids = claim_batch(limit)
            derived = derive(ids)
        if not ids:
            break
        if not (derived.processed or derived.failed):
            break  # handed back (the database refused) or done elsewhere: look again later
        done += derived
    return done


def reprocess(*, include_failed: bool = True, min_age: timedelta = timedelta(0)) -> Drained:
    """`flask events reprocess`: events still waiting after `min_age`, and by default every
    failed one, retry limit or not, oldest first."""
    now = utcnow()
    waiting = sa.and_(
        WebhookEvent.state == EventState.RECEIVED, WebhookEvent.received_at <= now - min_age
    )
    wanted = sa.or_(waiting, WebhookEvent.state == EventState.FAILED) if include_failed else waiting
    eligible = sa.and_(
        wanted, sa.or_(WebhookEvent.lease_until.is_(None), WebhookEvent.lease_until < now)
    )
    done, tried = Drained(), set[int]()
    # Each event once a run: one that fails again stays failed instead of being retried forever.
    while ids := _lease(
        _oldest(sa.and_(eligible, WebhookEvent.id.not_in(tried)), BATCH), now, eligible
    ):
        tried.update(ids)
        done += derive(ids)
    return done


def _oldest(condition: sa.ColumnElement[bool], limit: int) -> sa.Select:
    return (
        sa.select(WebhookEvent.id)
        .where(condition)
        .order_by(WebhookEvent.event_at, WebhookEvent.id)
        .limit(limit)
    )


def release_leases() -> int:
    """The only worker is starting (`python app.py`): what a killed run held is free at once,
    not after its leases run out."""
    released = db.session.execute(
        sa.update(WebhookEvent)
        .where(WebhookEvent.lease_until.is_not(None))
        .values(lease_until=None)
    ).rowcount
    db.session.commit()
    return released


@dataclass(frozen=True)
class Backlog:
    """What waits for the event worker: how many events, and since when (for health)."""

    waiting: int
    oldest_received_at: datetime | None
    failed: int


def backlog(channel_id: int | None = None) -> Backlog:
    def scoped(query: sa.Select) -> sa.Select:
        return query if channel_id is None else query.where(WebhookEvent.channel_id == channel_id)

    waiting, oldest = db.session.execute(
        scoped(
            sa.select(sa.func.count(), sa.func.min(WebhookEvent.received_at)).where(
                WebhookEvent.state == EventState.RECEIVED
            )
        )
    ).one()
    failed = db.session.scalar(
        scoped(sa.select(sa.func.count()).where(WebhookEvent.state == EventState.FAILED))
    )
    if oldest is not None and oldest.tzinfo is None:  # SQLite aggregates lose the column type
        oldest = oldest.replace(tzinfo=utcnow().tzinfo)
    return Backlog(waiting, oldest, failed or 0)
