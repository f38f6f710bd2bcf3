"""Saved replies: texts agents insert into the composer by a shortcut (`/thx`)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from inbox.extensions import db
from inbox.models.base import CreatedAtMixin
from inbox.models.types import UTCDateTime, utcnow

TITLE_LENGTH = 120
SHORTCUT_LENGTH = 32
BODY_LENGTH = 5000  # LINE's limit for one text message


class SavedReply(CreatedAtMixin, db.Model):
    """A team reply (no owner: every agent sees it, admins manage it) or one person's own.

    A shortcut is unique within its scope: among the team's replies, and among each person's;
    a person's own reply with a team reply's shortcut wins for that person.
    """

    __tablename__ = "saved_replies"
    __table_args__ = (
        sa.UniqueConstraint("owner_id", "shortcut", name="uq_saved_replies_owner_shortcut"),
        # NULL owners never collide in the constraint above: the team's shortcuts need their own.
        sa.Index(
            "uq_saved_replies_team_shortcut",
            "shortcut",
            unique=True,
            sqlite_where=sa.text("owner_id IS NULL"),
            postgresql_where=sa.text("owner_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(TITLE_LENGTH))
    # Kept normalised (NFKC, lower case, no leading "/"): what the composer matches against.
    shortcut: Mapped[str] = mapped_column(sa.String(SHORTCUT_LENGTH))
    body: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_team(self) -> bool:
        return self.owner_id is None

    def __repr__(self) -> str:
        scope = "team" if self.is_team else f"user {self.owner_id}"
        return f"<SavedReply /{self.shortcut} ({scope})>"
