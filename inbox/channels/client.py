"""A channel's LINE client: the platform's pooled client with the channel's token, pacing and
call log. For an automatic-token channel, LINE refusing the token queues its renewal."""

from __future__ import annotations

from dataclasses import asdict

from flask import Flask, current_app
from sqlalchemy.orm import Session

from inbox.background import BackgroundQueue
from inbox.extensions import db
from inbox.jobs import enqueue
from inbox.line import CallRecord, LineClient, line_platform
from inbox.line.transport import Recorder
from inbox.models import Channel, LineApiCall

JOB_KIND = "channel.renew_token"  # handled in inbox.channels.tokens
CALL_LOG_KEY = "inbox.channels.call_log"


def _write_call_log(calls: list[tuple[CallRecord, bool]]) -> None:
    """One transaction for a batch of call records; a 401 on an automatic-token channel (the
    token was revoked in the console, or lost) queues its renewal in the same transaction."""
    rejected = {
        record.channel_id
        for record, renews in calls
        if renews and record.status == 401 and record.channel_id is not None
    }
    with Session(db.engine) as session, session.begin():
        session.execute(LineApiCall.__table__.insert(), [asdict(record) for record, _ in calls])
        for channel_id in rejected:
            payload = {"channel_id": channel_id, "rejected": True}
            enqueue(JOB_KIND, f"{JOB_KIND}:{channel_id}:rejected", payload, session=session)


def _recorder(renews: bool) -> Recorder:
    def record(record: CallRecord) -> None:
        """Hand the record to the app's writer thread: never a second connection for the
        caller (a request or job may hold one) and never lost with the caller's rollback."""
        writer = current_app.extensions.get(CALL_LOG_KEY)
        if writer is None:  # a script outside the app's set-up: write it now
            _write_call_log([(record, renews)])
        else:
            writer.submit((record, renews))

    return record


record_in_database = _recorder(renews=False)
# Automatic-token channels: LINE answering 401 queues a renewal now, not at the schedule.
renew_when_rejected = _recorder(renews=True)


def flush_call_log(timeout: float = 5.0) -> bool:
    """Wait until the calls made so far are in the call log (tests, pages that just called)."""
    writer = current_app.extensions.get(CALL_LOG_KEY)
    return True if writer is None else writer.flush(timeout)


def init_app(app: Flask) -> None:
    app.extensions[CALL_LOG_KEY] = BackgroundQueue(app, "inbox-call-log", _write_call_log)


def _client(
    channel: Channel, access_token: str, recorder: Recorder, *, patient: bool = True
) -> LineClient:
    return line_platform().client(
        rate_key=channel.line_channel_id,
        per_minute=channel.rate_limit_per_minute,
        access_token=access_token,
        channel_id=channel.id,
        recorder=recorder,
        patient=patient,
    )


def line_client(channel: Channel, *, patient: bool = True) -> LineClient:
    """The client for a channel, paced by the channel's own limit. `patient=False`: a job's
    client that tries once and is rescheduled rather than sleeping through LINE's backoff."""
    recorder = renew_when_rejected if channel.automatic_token else record_in_database
    return _client(channel, channel.access_token or "", recorder, patient=patient)


def token_client(channel: Channel) -> LineClient:
    """A client for the token endpoints: no bearer token, the channel's own pacing."""
    return _client(channel, "", record_in_database)
