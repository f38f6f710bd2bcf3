"""Defining labels (admins) and putting them on conversations (agents), each change audited.

Views decide who is asking; the functions here check the input and do the work. A change to a
conversation's labels is one activity line in its thread and one audit entry, and the list rows
showing it follow live (the `conversation` socket event).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from inbox.audit import record
from inbox.conversations.activity import label_line
from inbox.database import UNSTORABLE_TEXT
from inbox.extensions import db
from inbox.models import Conversation, Label, LabelColour, User, conversation_labels
from inbox.models.label import LABEL_NAME_LENGTH
from inbox.realtime import announce
from inbox.replies.service import fold

COLOUR_NAMES = {
    LabelColour.GREY: _l("Grey"),
    LabelColour.RED: _l("Red"),
    LabelColour.ORANGE: _l("Orange"),
    LabelColour.YELLOW: _l("Yellow"),
    LabelColour.GREEN: _l("Green"),
    LabelColour.TEAL: _l("Teal"),
    LabelColour.BLUE: _l("Blue"),
    LabelColour.PURPLE: _l("Purple"),
    LabelColour.PINK: _l("Pink"),
}


class LabelRefused(ValueError):
    """The label cannot be saved as given; the message says why, in the viewer's language."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class LabelNameTaken(LabelRefused):
    """Another label already has this name (whatever its case or width)."""


@dataclass(frozen=True)
class LabelFields:
    name: str
    colour: LabelColour


def checked(name: str, colour: str) -> LabelFields:
    """The name trimmed (inner runs of spaces made one) and the colour from the palette, or
    LabelRefused naming the first bad field."""
    if UNSTORABLE_TEXT.search(name):
        raise LabelRefused(_("This text contains a character that cannot be stored."), "name")
    name = " ".join(name.split())
    if not name:
        raise LabelRefused(_("Give the label a name."), "name")
    if len(name) > LABEL_NAME_LENGTH:
        raise LabelRefused(
            _("A label's name has at most %(count)d characters.", count=LABEL_NAME_LENGTH),
            "name",
        )
    try:
        chosen = LabelColour(colour)
    except ValueError:
        raise LabelRefused(_("Choose one of the palette's colours."), "colour") from None
    return LabelFields(name=name, colour=chosen)


# Reading ------------------------------------------------------------------------------------


def all_labels() -> list[Label]:
    return list(db.session.scalars(sa.select(Label).order_by(Label.name_key, Label.id)))


def usage_counts() -> dict[int, int]:
    """How many conversations carry each label (what deleting it would take off)."""
    rows = db.session.execute(
        sa.select(conversation_labels.c.label_id, sa.func.count()).group_by(
            conversation_labels.c.label_id
        )
    )
    return {label_id: count for label_id, count in rows}


# Defining -----------------------------------------------------------------------------------


def _audit_details(label: Label) -> dict[str, str]:
    return {"name": label.name, "colour": label.colour.value}


def _announce_carriers(label: Label) -> None:
    """The list rows and headers showing this label redraw (it was renamed, recoloured, or
    deleted)."""
    carrier_ids = db.session.scalars(
        sa.select(conversation_labels.c.conversation_id).where(
            conversation_labels.c.label_id == label.id
        )
    )
    for conversation_id in carrier_ids:
        announce(db.session.get(Conversation, conversation_id))


def _save(label: Label, action: str, details: dict[str, str]) -> None:
    refusal = LabelNameTaken(
        _("There is already a label named “%(name)s”.", name=label.name), "name"
    )
    with db.session.no_autoflush:
        query = sa.select(Label.id).where(Label.name_key == label.name_key)
        if label.id is not None:
            query = query.where(Label.id != label.id)
        taken = db.session.scalar(query.limit(1)) is not None
    if taken:
        db.session.rollback()
        raise refusal
    try:
        record(action, target=label, details=details)
        if label.id is not None:
            _announce_carriers(label)
        db.session.commit()
    except IntegrityError:  # another request took the name meanwhile
        db.session.rollback()
        raise refusal from None


def create_label(fields: LabelFields) -> Label:
    label = Label(name=fields.name, name_key=fold(fields.name), colour=fields.colour)
    db.session.add(label)
    _save(label, "label.created", _audit_details(label))
    return label


def update_label(label: Label, fields: LabelFields) -> Label:
    """Rename and/or recolour; conversations carrying it show the new name at once (their
    activity lines keep the name it had then)."""
    before = _audit_details(label)
    label.name, label.name_key, label.colour = fields.name, fold(fields.name), fields.colour
    details = _audit_details(label)
    details.update({f"previous_{key}": value for key, value in before.items() if key in details})
    _save(label, "label.updated", details)
    return label


def delete_label(label: Label) -> None:
    """Take the label off every conversation and delete it."""
    details = {**_audit_details(label), "conversations": usage_counts().get(label.id, 0)}
    record("label.deleted", target=label, details=details)
    _announce_carriers(label)
    db.session.delete(label)
    db.session.commit()


# Applying -----------------------------------------------------------------------------------


def add_label(conversation: Conversation, label: Label, actor: User) -> bool:
    """Put the label on the conversation; False when it already had it (nothing changes)."""
    added = put_on(conversation, label, actor)
    db.session.commit()
    return added


def put_on(conversation: Conversation, label: Label, actor: User) -> bool:
    """`add_label` without the commit, for several conversations in one transaction."""
    if label in conversation.labels:
        return False
    conversation.labels.append(label)
    _changed(conversation, label, actor, added=True)
    return True


def remove_label(conversation: Conversation, label: Label, actor: User) -> bool:
    """Take the label off; False when the conversation did not have it."""
    if label not in conversation.labels:
        return False
    conversation.labels.remove(label)
    _changed(conversation, label, actor, added=False)
    db.session.commit()
    return True


def _changed(conversation: Conversation, label: Label, actor: User, *, added: bool) -> None:
    record(
        "conversation.label_added" if added else "conversation.label_removed",
        actor=actor,
        channel_id=conversation.channel_id,
        target=conversation,
        details={"label_id": label.id, "label": label.name},
    )
    label_line(conversation, label, actor, added=added)
    announce(conversation)
