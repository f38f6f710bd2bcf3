"""What automatic routing remembers between its runs: whose turn it is, and who went away."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from inbox.extensions import db
from inbox.models.types import UTCDateTime


class RoutingTurn(db.Model):
    """When routing last gave an agent a conversation of a channel: the agent whose turn was
    longest ago (or who never had one) is next, so the order survives restarts and is the same
    for every worker process."""

    __tablename__ = "routing_turns"

    channel_id: Mapped[int] = mapped_column(
        sa.ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    last_assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AgentAbsence(db.Model):
    """An agent routing found offline while holding conversations, and since when; removed when
    they are back. Presence keeps no history, so the grace period is counted from here."""

    __tablename__ = "agent_absences"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime)
