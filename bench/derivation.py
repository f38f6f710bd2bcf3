"""Derivation by one event-worker process, beside the queue alone, in one run.

    .venv/bin/python bench/derivation.py [--database-url URL] [--events 20000]

Stores EVENTS raw events (bench/webhook_ingest.py's busy-account mix, in bodies of 100) as
the webhook would, then, each in a process of its own started for it:
- the baseline, the queue alone: claim batches and mark them processed, deriving nothing;
- the event worker: the same events put back to waiting, derived into contacts,
  conversations, messages, search rows and live updates, as one `flask jobs worker` does.
It prints events per second for both and the share; absolute numbers on a shared machine are
noise.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.serving import bench_app, in_own_process, migrated_with_channel
from bench.webhook_ingest import mixed_events
from inbox.extensions import db
from inbox.ingest import backlog, claim_batch, drain
from inbox.ingest.raw import store_raw_events
from inbox.models import EventState, Message, WebhookEvent, utcnow


def _worker_app(database_url: str, instance: str):
    return bench_app(database_url, instance)[0]


def queue_only(database_url: str, instance: str) -> float:
    """Seconds to claim every waiting event and mark it processed, deriving nothing."""
    with _worker_app(database_url, instance).app_context():
        started = time.perf_counter()
        while ids := claim_batch():
            db.session.execute(
                sa.update(WebhookEvent)
                .where(WebhookEvent.id.in_(ids))
                .values(state=EventState.PROCESSED, processed_at=utcnow(), lease_until=None)
            )
            db.session.commit()
        return time.perf_counter() - started


def derive_all(database_url: str, instance: str) -> float:
    """Seconds for the event worker's loop to derive every waiting event."""
    with _worker_app(database_url, instance).app_context():
        started = time.perf_counter()
        while backlog().waiting:
            drain()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    app, url = bench_app(args.database_url)
    with app.app_context():
        channel = migrated_with_channel()
        for body in range(0, args.events, 100):
            store_raw_events(channel.id, "U" * 33, mixed_events(100, f"{time.time_ns()}{body}"))
        stored = backlog().waiting
        backend = db.engine.dialect.name
        db.engine.dispose()
    instance = app.instance_path
    print(f"backend: {backend}; {stored:,} events waiting; one worker process")
    baseline = in_own_process(queue_only, url, instance)
    with app.app_context():
        db.session.execute(
            sa.update(WebhookEvent).values(
                state=EventState.RECEIVED, processed_at=None, attempts=0, lease_until=None
            )
        )
        db.session.commit()
        db.engine.dispose()
    derived = in_own_process(derive_all, url, instance)
    with app.app_context():
        messages = db.session.scalar(sa.select(sa.func.count()).select_from(Message))
    print(f"{'':>14} {'events/s':>9} {'seconds':>8}")
    print(f"{'queue only':>14} {stored / baseline:>9,.0f} {baseline:>8.1f}")
    print(
        f"{'event worker':>14} {stored / derived:>9,.0f} {derived:>8.1f}   {baseline / derived:.0%}"
    )
    print(f"{messages:,} messages derived")


if __name__ == "__main__":
    main()
