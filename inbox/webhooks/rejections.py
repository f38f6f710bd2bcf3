"""Counting refused webhook requests (bad signatures) where an admin can see them.

A refused request stores nothing else, so without this count a wrong channel secret, or
someone probing the endpoint, would leave no trace but a 401 in LINE's console.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from inbox.database import conflict_insert
from inbox.extensions import db
from inbox.models import WebhookRejection, utcnow

log = logging.getLogger(__name__)

SIGNATURE = "signature"


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def count_rejection(channel_id: int, reason: str = SIGNATURE) -> None:
    """Add one to this hour's count: a single upsert in its own short transaction.

    Concurrent requests cannot lose a count or collide: the unique (channel, hour, reason)
    row is created or incremented by the database in one statement. Failing to count never
    changes the answer LINE gets.
    """
    now = utcnow()
    table = WebhookRejection.__table__
    try:
        with db.engine.begin() as connection:
            statement = conflict_insert(table, connection.dialect.name).values(
                channel_id=channel_id, hour=hour_of(now), reason=reason, count=1, last_at=now
            )
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["channel_id", "hour", "reason"],
                    set_={"count": table.c.count + 1, "last_at": statement.excluded.last_at},
                )
            )
    except SQLAlchemyError:
        log.exception("could not count a refused webhook for channel %s", channel_id)
