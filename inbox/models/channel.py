"""A LINE Messaging API channel (one Official Account) the inbox serves."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from inbox.extensions import db
from inbox.models.base import CreatedAtMixin, enum_type
from inbox.models.types import EncryptedString, UTCDateTime, utcnow


class Plan(StrEnum):
    TRIAL = "trial"  # Developer Trial
    STANDARD = "standard"  # any paid or free communication plan


PLAN_RATE_LIMITS = {Plan.TRIAL: 1_000, Plan.STANDARD: 10_000}  # requests per minute


class Channel(CreatedAtMixin, db.Model):
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_channel_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    secret: Mapped[str] = mapped_column(EncryptedString)
    access_token: Mapped[str] = mapped_column(EncryptedString)
    plan: Mapped[Plan] = mapped_column(enum_type(Plan), default=Plan.TRIAL)
    rate_limit_per_minute: Mapped[int] = mapped_column(default=PLAN_RATE_LIMITS[Plan.TRIAL])
    bot_user_id: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def webhook_path(self) -> str:
        return f"/webhooks/line/{self.line_channel_id}"

    def __repr__(self) -> str:
        return f"<Channel {self.line_channel_id} {self.name!r}>"
