"""Turning LINE webhook events into contacts, conversations and messages."""

from inbox.ingest.service import IngestResult, process_pending_events, receive_events

__all__ = ["IngestResult", "process_pending_events", "receive_events"]
