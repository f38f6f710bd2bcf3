"""Labels: words an admin defines ("billing", "VIP") that agents put on conversations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from inbox.extensions import db
from inbox.models.base import CreatedAtMixin, enum_type
from inbox.models.types import UTCDateTime, utcnow

LABEL_NAME_LENGTH = 40


class LabelColour(StrEnum):
    """A fixed palette: each colour has a background and text pair (static/css/labels.css)
    that keeps WCAG AA contrast, in the list and in the header alike."""

    GREY = "grey"
    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    GREEN = "green"
    TEAL = "teal"
    BLUE = "blue"
    PURPLE = "purple"
    PINK = "pink"


class Label(CreatedAtMixin, db.Model):
    """A label; its name is unique whatever its case or width (`name_key`)."""

    __tablename__ = "labels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(LABEL_NAME_LENGTH))
    # The name folded (NFKC, case-folded): "VIP" and "ｖｉｐ" are the same label.
    name_key: Mapped[str] = mapped_column(sa.String(LABEL_NAME_LENGTH * 3), unique=True)
    colour: Mapped[LabelColour] = mapped_column(enum_type(LabelColour), default=LabelColour.GREY)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Label {self.name!r}>"


# Which conversation has which label. The primary key serves "this conversation's labels";
# the label-first index serves the list's label filter.
conversation_labels = sa.Table(
    "conversation_labels",
    db.metadata,
    sa.Column(
        "conversation_id",
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("label_id", sa.ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("added_at", UTCDateTime, nullable=False, default=utcnow),
    sa.Index("ix_conversation_labels_label", "label_id", "conversation_id"),
)
