"""What agents do to a conversation: status, assignment, private notes, taking the bot out."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from inbox.audit import preview, record
from inbox.channels import line_client
from inbox.conversations.activity import (
    StatusReason,
    resolve_automatically,
    set_assignee,
    set_status,
)
from inbox.extensions import db
from inbox.models import (
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    Role,
    SourceType,
    User,
    utcnow,
)
from inbox.outgoing.service import CannotSend
from inbox.realtime import announce

MAX_NOTE_LENGTH = 10_000


def check_assignable(assignee: User) -> None:
    """Raise CannotSend unless conversations can be given to this person."""
    if not assignee.has_role(Role.AGENT) or not assignee.is_active:
        raise CannotSend(
            str(_l("Conversations can be assigned to active agents only.")), "assignee"
        )


def update_conversation(
    conversation: Conversation,
    *,
    actor: User | None = None,
    status: ConversationStatus | None = None,
    assignee: User | None = None,
    unassign: bool = False,
) -> Conversation:
    """Change status and/or assignee; each real change is one audit entry and one line in the
    thread naming `actor`."""
    if assignee is not None:
        check_assignable(assignee)
    if status is not None:
        set_status(conversation, status, actor=actor)
    if unassign or assignee is not None:
        set_assignee(conversation, assignee, actor=actor)
    announce(conversation)
    db.session.commit()
    return conversation


def add_note(conversation: Conversation, author: User, text: str) -> Message:
    """A private note in the thread: agents and supervisors see it, LINE never does."""
    text = text.strip()
    if not text:
        raise CannotSend(str(_l("A note cannot be empty.")), "empty")
    if len(text) > MAX_NOTE_LENGTH:
        raise CannotSend(
            str(_l("A note can have at most %(limit)d characters.", limit=MAX_NOTE_LENGTH)),
            "too_long",
        )
    note = Message(
        conversation_id=conversation.id,
        channel_id=conversation.channel_id,
        direction=Direction.EVENT,
        type="note",
        text=text,
        sent_by_user_id=author.id,
        sent_at=utcnow(),
    )
    db.session.add(note)
    record(
        "conversation.note_added",
        actor=author,
        channel_id=conversation.channel_id,
        target=note,
        details={"conversation_id": conversation.id, "preview": preview(text)},
    )
    announce(note)
    db.session.commit()
    return note


def leave_chat(conversation: Conversation, agent: User) -> Conversation:
    """Take the bot out of a group or room through LINE's Leave API, and say so in the thread.

    Raises LineError when LINE refuses (the bot stays; the caller shows LINE's words).
    """
    if conversation.source_type is SourceType.USER:
        raise CannotSend(str(_l("Only groups and rooms can be left.")), "not_group")
    if not conversation.bot_is_member:
        raise CannotSend(str(_l("The account is no longer in this group or room.")), "not_member")
    line_client(conversation.channel).leave(conversation.source_type.value, conversation.source_id)
    conversation.bot_is_member = False
    line = Message(
        conversation_id=conversation.id,
        channel_id=conversation.channel_id,
        direction=Direction.EVENT,
        type="leave",
        payload={"by": "agent"},
        sent_by_user_id=agent.id,
        sent_at=utcnow(),
    )
    db.session.add(line)
    record(
        "conversation.left",
        actor=agent,
        channel_id=conversation.channel_id,
        target=conversation,
        details={"source_type": conversation.source_type.value},
    )
    resolve_automatically(conversation, StatusReason.BOT_LEFT, line.sent_at)
    announce(line)
    announce(conversation)
    db.session.commit()
    return conversation
