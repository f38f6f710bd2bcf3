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


class TokenMode(StrEnum):
    LONG_LIVED = "long_lived"  # pasted from the LINE Developers console; never renewed here
    V2_SHORT_LIVED = "v2_short_lived"  # issued here from the channel ID and secret (30 days)
    V21_JWT = "v21_jwt"  # issued here with a JWT signed by the assertion signing key


AUTOMATIC_TOKEN_MODES = (TokenMode.V2_SHORT_LIVED, TokenMode.V21_JWT)


class RoutingMode(StrEnum):
    """Who gives a customer's new conversation its agent."""

    MANUAL = "manual"  # agents take conversations themselves, or a person assigns them
    ROUND_ROBIN = "round_robin"  # inbox.conversations.routing, among online agents in turn


ROUTING_CAP = 10  # open conversations an agent holds before routing passes them by

WAITING_AMBER_MINUTES = 5  # the thresholds a new channel starts with
WAITING_RED_MINUTES = 15


class Channel(CreatedAtMixin, db.Model):
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_channel_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # Credentials are loaded (and decrypted) only when read: listing conversations, search
    # results and reports name their channel without touching its secrets.
    secret: Mapped[str] = mapped_column(EncryptedString, deferred=True)
    access_token: Mapped[str | None] = mapped_column(EncryptedString, deferred=True)
    enabled: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    token_mode: Mapped[TokenMode] = mapped_column(
        enum_type(TokenMode), default=TokenMode.LONG_LIVED, server_default=TokenMode.LONG_LIVED
    )
    # The assertion signing key's private half, a JWK as LINE's console issues it, and its kid.
    private_key: Mapped[str | None] = mapped_column(EncryptedString, deferred=True)
    assertion_kid: Mapped[str | None] = mapped_column(sa.String(64))
    # The current automatic token: when it was issued and expires, and its v2.1 key_id.
    token_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_key_id: Mapped[str | None] = mapped_column(sa.String(64))
    # The last failed renewal (cleared by a successful one): shown loudly to admins.
    token_error: Mapped[str | None] = mapped_column(sa.Text)
    token_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    plan: Mapped[Plan] = mapped_column(enum_type(Plan), default=Plan.TRIAL)
    rate_limit_per_minute: Mapped[int] = mapped_column(default=PLAN_RATE_LIMITS[Plan.TRIAL])
    bot_user_id: Mapped[str | None] = mapped_column(sa.String(64))
    # A customer waiting this long for an answer is shown amber, then red, in the inbox list.
    waiting_amber_minutes: Mapped[int] = mapped_column(
        default=WAITING_AMBER_MINUTES, server_default=sa.text(str(WAITING_AMBER_MINUTES))
    )
    waiting_red_minutes: Mapped[int] = mapped_column(
        default=WAITING_RED_MINUTES, server_default=sa.text(str(WAITING_RED_MINUTES))
    )
    # At most this many quota units (one per recipient of each push request) pushed per UTC
    # day; None: no daily budget, only LINE's monthly quota.
    push_budget_per_day: Mapped[int | None] = mapped_column()
    routing_mode: Mapped[RoutingMode] = mapped_column(
        enum_type(RoutingMode), default=RoutingMode.MANUAL, server_default=RoutingMode.MANUAL
    )
    # Round robin passes over an agent with this many open conversations of this channel.
    routing_cap: Mapped[int] = mapped_column(
        default=ROUTING_CAP, server_default=sa.text(str(ROUTING_CAP))
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def automatic_token(self) -> bool:
        return self.token_mode in AUTOMATIC_TOKEN_MODES

    @property
    def custom_rate_limit(self) -> bool:
        return self.rate_limit_per_minute != PLAN_RATE_LIMITS[self.plan]

    @property
    def routes_automatically(self) -> bool:
        return self.routing_mode is RoutingMode.ROUND_ROBIN

    @property
    def webhook_path(self) -> str:
        return f"/webhooks/line/{self.line_channel_id}"

    def __repr__(self) -> str:
        return f"<Channel {self.line_channel_id} {self.name!r}>"
