"""Bulk rows for the benchmarks: one-to-one chats and their contacts, in two statements."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import Contact, Conversation


def add_chats(channel_ids: list[int], count: int, when: datetime, status: str = "open") -> None:
    """`count` LINE users, each with a one-to-one conversation, spread over the channels."""
    db.session.execute(
        sa.insert(Contact),
        [
            {
                "channel_id": channel_ids[n % len(channel_ids)],
                "line_user_id": f"U{n:032d}",
                "display_name": f"คุณ {n}",
                "follow_state": "following",
                "created_at": when,
            }
            for n in range(count)
        ],
    )
    contact_ids = db.session.scalars(sa.select(Contact.id).order_by(Contact.id)).all()
    db.session.execute(
        sa.insert(Conversation),
        [
            {
                "channel_id": channel_ids[n % len(channel_ids)],
                "source_type": "user",
                "source_id": f"U{n:032d}",
                "contact_id": contact_ids[n],
                "status": status,
                "bot_is_member": True,
                "unread_count": 0,
                "last_activity_at": when,
                "created_at": when,
            }
            for n in range(count)
        ],
    )
    db.session.commit()
