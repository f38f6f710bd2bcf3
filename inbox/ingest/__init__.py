"""Turning LINE webhook events into contacts, conversations and messages."""

from inbox.ingest.pipeline import (
    Drained,
    backlog,
    claim_batch,
    drain,
    release_leases,
    reprocess,
)
from inbox.ingest.service import IngestResult, receive_events
from inbox.ingest.worker import EventWorker, init_app, start_event_worker, wake_event_worker

__all__ = [
    "Drained",
    "EventWorker",
    "IngestResult",
    "backlog",
    "claim_batch",
    "drain",
    "init_app",
    "receive_events",
    "release_leases",
    "reprocess",
    "start_event_worker",
    "wake_event_worker",
]
