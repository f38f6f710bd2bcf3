"""A channel's LINE client: the platform's pooled client with the channel's token, pacing and
call log. For an automatic-token channel, LINE refusing the token queues its renewal."""

from __future__ import annotations

from sqlalchemy.orm import Session

from inbox.extensions import db
from inbox.jobs import enqueue
from inbox.line import CallRecord, LineClient, line_platform
from inbox.line.transport import Recorder
from inbox.models import Channel, LineApiCall

JOB_KIND = "channel.renew_token"  # handled in inbox.channels.tokens


def record_in_database(record: CallRecord) -> None:
    """Write the call log in its own transaction, whatever the caller's session is doing."""
    with db.engine.begin() as connection:
        connection.execute(LineApiCall.__table__.insert().values(**record.__dict__))


def renew_when_rejected(record: CallRecord) -> None:
    """The call log's recorder for automatic-token channels: LINE answering 401 (the token was
    revoked in the console, or lost) queues a renewal now instead of waiting for the schedule."""
    record_in_database(record)
    if record.status != 401 or record.channel_id is None:
        return
    # Its own transaction: the caller's may roll back with the error it is about to raise.
    with Session(db.engine) as session, session.begin():
        payload = {"channel_id": record.channel_id, "rejected": True}
        enqueue(JOB_KIND, f"{JOB_KIND}:{record.channel_id}:rejected", payload, session=session)


def _client(channel: Channel, access_token: str, recorder: Recorder) -> LineClient:
    return line_platform().client(
        rate_key=channel.line_channel_id,
        per_minute=channel.rate_limit_per_minute,
        access_token=access_token,
        channel_id=channel.id,
        recorder=recorder,
    )


def line_client(channel: Channel) -> LineClient:
    """The client for a channel, paced by the channel's own limit."""
    recorder = renew_when_rejected if channel.automatic_token else record_in_database
    return _client(channel, channel.access_token or "", recorder)


def token_client(channel: Channel) -> LineClient:
    """A client for the token endpoints: no bearer token, the channel's own pacing."""
    return _client(channel, "", record_in_database)
