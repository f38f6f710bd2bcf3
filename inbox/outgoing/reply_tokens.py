"""Reply tokens: free to use, once, within a minute of the event that carried them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import Conversation, ReplyToken, utcnow

REPLY_TOKEN_LIFETIME = timedelta(seconds=60)
# Keep clear of the edge: the token must still be valid when LINE receives the reply.
SAFETY_MARGIN = timedelta(seconds=5)


def expires_at(token: ReplyToken) -> datetime:
    """A minute after the event; a redelivered event's token is as old as the event."""
    return min(token.event_at, token.received_at) + REPLY_TOKEN_LIFETIME


@dataclass(frozen=True)
class ReplyWindow:
    token_id: int
    expires_at: datetime

    @property
    def seconds_left(self) -> int:
        return max(0, int((self.expires_at - SAFETY_MARGIN - utcnow()).total_seconds()))


def _fresh_tokens(conversation: Conversation) -> sa.Select[tuple[ReplyToken]]:
    oldest_usable = utcnow() - REPLY_TOKEN_LIFETIME + SAFETY_MARGIN
    return (
        sa.select(ReplyToken)
        .where(
            ReplyToken.conversation_id == conversation.id,
            ReplyToken.used_at.is_(None),
            ReplyToken.event_at > oldest_usable,
            ReplyToken.received_at > oldest_usable,
        )
        .order_by(ReplyToken.event_at.desc(), ReplyToken.id.desc())
    )


def reply_window(conversation: Conversation) -> ReplyWindow | None:
    """The newest unused token still comfortably valid, for the composer to show."""
    token = db.session.scalars(_fresh_tokens(conversation).limit(1)).first()
    return ReplyWindow(token.id, expires_at(token)) if token else None


def take_reply_token(conversation: Conversation) -> str | None:
    """Claim the newest usable token for one reply, marking it used before it is sent.

    The conditional UPDATE makes two concurrent sends pick different tokens (or push):
    a token is never offered to LINE twice.
    """
    for token in db.session.scalars(_fresh_tokens(conversation).limit(3)).all():
        claimed = db.session.execute(
            sa.update(ReplyToken)
            .where(ReplyToken.id == token.id, ReplyToken.used_at.is_(None))
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if claimed.rowcount == 1:
            return token.token
    return None
