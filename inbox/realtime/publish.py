"""The notify seam: `announce(row)` in a transaction, emitted only after it commits.

Ids are captured after each flush. After the commit they are handed to the process's emitter
thread, which reads the rows afresh with its own connection (never a second one checked out by
the committing request, which has long returned its own), serialises each once per audience
for everything that arrived meanwhile, and sends them to the channel's rooms. With REDIS_URL,
Flask-SocketIO's message queue carries them to every process.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session, selectinload

from inbox.background import BackgroundQueue
from inbox.extensions import db, socketio
from inbox.models import Contact, Conversation, ConversationMember, Message, Role, User
from inbox.realtime.rooms import AUDIENCES, channel_room

log = logging.getLogger(__name__)

EXTENSION_KEY = "inbox.realtime.emitter"
PENDING = "inbox.realtime.pending"  # rows announced, waiting for their flush
FLUSHED = "inbox.realtime.flushed"  # (kind, id) ready to emit after commit

# A stand-in viewer per audience, so the serializers decide visibility in one place.
_VIEWERS = {"agents": User(roles=[Role.AGENT]), "history": User(roles=[Role.SUPERVISOR])}


Announced = Message | Conversation | Contact


def announce(row: Announced) -> None:
    """Tell live clients about this row once the current transaction commits: a message, a
    conversation (its list row), or a contact (the profile panels showing them)."""
    _announce(_kind(row), row)


def announce_group(conversation: Conversation) -> None:
    """A group's or room's name, picture or members changed: the profile panels showing it
    follow (the list row hears of it through `announce`)."""
    _announce("group", conversation)


def _announce(kind: str, row: Announced) -> None:
    if row.id is None:  # new: its id comes with the next flush
        db.session.info.setdefault(PENDING, []).append((kind, row))
    else:
        db.session.info.setdefault(FLUSHED, set()).add((kind, row.id))


def _kind(row: Announced) -> str:
    if isinstance(row, Message):
        return "message"
    return "contact" if isinstance(row, Contact) else "conversation"


def _after_flush(session: Session, _context: Any) -> None:
    rows = session.info.pop(PENDING, [])
    if rows:
        flushed = session.info.setdefault(FLUSHED, set())
        for kind, row in rows:
            if row.id is not None:
                flushed.add((kind, row.id))


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released; the real commit is still to come
    announced = session.info.pop(FLUSHED, None)
    session.info.pop(PENDING, None)
    if not announced or not current_app:
        return
    emitter = current_app.extensions.get(EXTENSION_KEY)
    if emitter is not None:
        emitter.submit(announced)


def _emit_batch(batch: list[set[tuple[str, int]]]) -> None:
    _emit(set().union(*batch))


def flush_live_updates(timeout: float = 5.0) -> bool:
    """Wait until this app's committed announcements have been emitted."""
    emitter = current_app.extensions.get(EXTENSION_KEY)
    return True if emitter is None else emitter.flush(timeout)


def _forget(session: Session, *_args: Any) -> None:
    if session.in_nested_transaction():
        return  # only a savepoint rolled back: what other savepoints announced still stands
    session.info.pop(PENDING, None)
    session.info.pop(FLUSHED, None)


def _emit(announced: set[tuple[str, int]]) -> None:
    from inbox.api.serializers import conversation_json, message_json
    from inbox.conversations.queries import last_messages

    message_ids = sorted(row_id for kind, row_id in announced if kind == "message")
    conversation_ids = {row_id for kind, row_id in announced if kind == "conversation"}
    with Session(db.engine) as reader:
        _emit_profiles(reader, announced)
        messages = reader.scalars(
            sa.select(Message)
            .where(Message.id.in_(message_ids))
            .options(
                selectinload(Message.revisions),
                selectinload(Message.attachment),
                selectinload(Message.sender),
                selectinload(Message.sent_by),
            )
        ).all()
        conversation_ids |= {message.conversation_id for message in messages}
        conversations = reader.scalars(
            sa.select(Conversation)
            .where(Conversation.id.in_(conversation_ids))
            .options(selectinload(Conversation.labels))
        ).all()
        latest = last_messages(list(conversation_ids), session=reader)
        for message in messages:
            for name in AUDIENCES:
                socketio.emit(
                    "message",
                    message_json(message, _VIEWERS[name]),
                    to=channel_room(message.channel_id, name),
                )
        for conversation in conversations:
            for name in AUDIENCES:
                socketio.emit(
                    "conversation",
                    conversation_json(conversation, _VIEWERS[name], latest.get(conversation.id)),
                    to=channel_room(conversation.channel_id, name),
                )


def _emit_profiles(reader: Session, announced: set[tuple[str, int]]) -> None:
    """Contacts and groups as the profile panel shows them: the same for every audience."""
    from inbox.api.serializers import contact_json, group_json

    contact_ids = sorted(row_id for kind, row_id in announced if kind == "contact")
    group_ids = sorted(row_id for kind, row_id in announced if kind == "group")
    if contact_ids:
        for contact in reader.scalars(sa.select(Contact).where(Contact.id.in_(contact_ids))):
            for name in AUDIENCES:
                socketio.emit(
                    "contact",
                    {"channel_id": contact.channel_id, **(contact_json(contact) or {})},
                    to=channel_room(contact.channel_id, name),
                )
    if group_ids:
        for group in reader.scalars(
            sa.select(Conversation)
            .where(Conversation.id.in_(group_ids))
            .options(selectinload(Conversation.members).selectinload(ConversationMember.contact))
        ):
            for name in AUDIENCES:
                socketio.emit(
                    "group",
                    {"conversation_id": group.id, "group": group_json(group)},
                    to=channel_room(group.channel_id, name),
                )


def init_app(app: Flask) -> None:
    """Give the app its emitter; listen to every session's flushes and commits (once per
    process)."""
    app.extensions[EXTENSION_KEY] = BackgroundQueue(app, "inbox-emit", _emit_batch)
    if not sa.event.contains(Session, "after_commit", _after_commit):
        sa.event.listen(Session, "after_flush_postexec", _after_flush)
        sa.event.listen(Session, "after_commit", _after_commit)
        sa.event.listen(Session, "after_rollback", _forget)
