"""Activity lines: what happened to a conversation (status, assignment, labels), said in its
thread.

Each is a message with direction `event`, so it pages, exports and shows in transcripts with
the rest, in the same transaction as the change it tells of. It stores what happened (kind,
who, from and to) rather than a sentence: every viewer reads it in their own language, drawn by
the thread's script or, for exports, by `activity_text`. It is never unread, never the
customer's last word, and never sent to LINE (only outgoing messages are).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _

from inbox.audit import record
from inbox.conversations.episodes import change_status, customer_returned
from inbox.extensions import db
from inbox.i18n import local_time
from inbox.models import (
    ASSIGNMENT_CHANGED,
    LABELS_CHANGED,
    SNOOZE_CHANGED,
    STATUS_CHANGED,
    Conversation,
    ConversationStatus,
    Direction,
    Label,
    Message,
    User,
    utcnow,
)
from inbox.realtime import announce


class StatusReason(StrEnum):
    """Why the status moved when no person moved it."""

    BLOCKED = "blocked"  # resolved: the user blocked the account
    BOT_LEFT = "bot_left"  # resolved: the account is no longer in the group or room
    CUSTOMER_WROTE = "customer_wrote"  # reopened by the customer's message
    FOLLOWED = "followed"  # reopened: the user added (or unblocked) the account
    BOT_JOINED = "bot_joined"  # reopened: the account is in the group or room again


def person(user: User | None) -> dict[str, Any] | None:
    """A user as a line keeps them: their name then, even if they are renamed or removed."""
    if user is None:
        return None
    return {"id": user.id, "name": user.display_name or user.email}


def _line(
    conversation: Conversation, kind: str, payload: dict[str, Any], actor: User | None, at: datetime
) -> Message:
    line = Message(
        conversation_id=conversation.id,
        channel_id=conversation.channel_id,
        direction=Direction.EVENT,
        type=kind,
        payload={**payload, "by": person(actor)},
        sent_by_user_id=actor.id if actor else None,
        sent_at=at,
    )
    db.session.add(line)
    announce(line)
    return line


def _status_line(
    conversation: Conversation,
    before: ConversationStatus,
    actor: User | None,
    at: datetime,
    reason: StatusReason | None = None,
) -> Message:
    payload = {
        "from": before.value,
        "to": conversation.status.value,
        "reason": reason.value if reason else None,
    }
    return _line(conversation, STATUS_CHANGED, payload, actor, at)


def set_status(
    conversation: Conversation,
    status: ConversationStatus,
    *,
    actor: User | None,
    reason: StatusReason | None = None,
    at: datetime | None = None,
) -> Message | None:
    """Move the status (episodes follow), with its audit entry and its line in the thread."""
    before = conversation.status
    if status is before:
        return None
    at = at or utcnow()
    details: dict[str, Any] = {"from": before.value, "to": status.value}
    if reason is not None:
        details["reason"] = reason.value
    record(
        "conversation.status_changed",
        actor=actor,
        channel_id=conversation.channel_id,
        target=conversation,
        details=details,
    )
    change_status(conversation, status, at)
    conversation.snoozed_until = None  # a status chosen by hand (or by events) ends a snooze
    return _status_line(conversation, before, actor, at, reason)


def resolve_automatically(
    conversation: Conversation, reason: StatusReason, at: datetime
) -> Message | None:
    """Nobody can answer any more (blocked, or the account left): out of everyone's way."""
    return set_status(conversation, ConversationStatus.RESOLVED, actor=None, reason=reason, at=at)


def reopened_by_customer(
    conversation: Conversation, before: ConversationStatus, at: datetime
) -> Message | None:
    """Say so when the customer's message reopened a resolved conversation."""
    if before is not ConversationStatus.RESOLVED or conversation.status is before:
        return None
    return _status_line(conversation, before, None, at, StatusReason.CUSTOMER_WROTE)


def reopen_on_return(
    conversation: Conversation, reason: StatusReason, at: datetime
) -> Message | None:
    """The user unblocked the account, or the account is back in the chat: open again."""
    before = conversation.status
    if not customer_returned(conversation):
        return None
    return _status_line(conversation, before, None, at, reason)


def set_assignee(conversation: Conversation, assignee: User | None, *, actor: User | None) -> None:
    """Assign (or, with None, unassign), with its audit entry and its line in the thread."""
    previous = conversation.assignee
    if conversation.assignee_id == (assignee.id if assignee else None):
        return
    if assignee is None:
        action, more = "conversation.unassigned", {}
    else:
        action, more = "conversation.assigned", {"assignee": assignee.email}
    record(
        action,
        actor=actor,
        actor_label=None if actor else "automatic routing",
        channel_id=conversation.channel_id,
        target=conversation,
        details={"from": conversation.assignee_id, "to": assignee.id if assignee else None, **more},
    )
    conversation.assignee = assignee
    payload = {"from": person(previous), "to": person(assignee)}
    _line(conversation, ASSIGNMENT_CHANGED, payload, actor, utcnow())


class SnoozeEnd(StrEnum):
    """Why a snooze ended when no person ended it."""

    TIME_UP = "time_up"
    CUSTOMER_WROTE = "customer_wrote"


def snooze_line(
    conversation: Conversation,
    *,
    until: datetime | None,
    actor: User | None,
    at: datetime,
    ended: SnoozeEnd | None = None,
) -> Message:
    """A snooze began (`until`), or ended: by a person, when its time came, or early because
    the customer wrote."""
    payload = {
        "until": until.isoformat() if until else None,
        "reason": ended.value if ended else None,
    }
    return _line(conversation, SNOOZE_CHANGED, payload, actor, at)


def label_line(conversation: Conversation, label: Label, actor: User, *, added: bool) -> Message:
    """A label put on or taken off; the line keeps the label's name then, as it keeps people's."""
    payload = {
        "action": "added" if added else "removed",
        "label": {"id": label.id, "name": label.name, "colour": label.colour.value},
    }
    return _line(conversation, LABELS_CHANGED, payload, actor, utcnow())


# The sentences, in the viewer's language. The thread's script draws the same msgids
# (templates/workspace/_strings.html); these are for exports.


def _name(value: Any) -> str:
    return value.get("name") if isinstance(value, dict) and value.get("name") else _("Someone")


def _status_text(payload: dict[str, Any]) -> str:
    reasons = {
        StatusReason.BLOCKED: _("Resolved automatically: the user blocked the account"),
        StatusReason.BOT_LEFT: _("Resolved automatically: the account is no longer in this chat"),
        StatusReason.CUSTOMER_WROTE: _("Reopened: the customer wrote again"),
        StatusReason.FOLLOWED: _("Reopened: the user added the account as a friend again"),
        StatusReason.BOT_JOINED: _("Reopened: the account was added to this chat again"),
    }
    if payload.get("reason") in reasons:
        return reasons[StatusReason(payload["reason"])]
    name = _name(payload.get("by"))
    to, before = payload.get("to"), payload.get("from")
    if to == ConversationStatus.RESOLVED:
        return _("%(name)s resolved the conversation", name=name)
    if to == ConversationStatus.PENDING:
        return _("%(name)s marked the conversation as pending", name=name)
    if before == ConversationStatus.RESOLVED:
        return _("%(name)s reopened the conversation", name=name)
    return _("%(name)s moved the conversation back to open", name=name)


def _assignment_text(payload: dict[str, Any]) -> str:
    name, before, after = _name(payload.get("by")), payload.get("from"), payload.get("to")
    if payload.get("by") is None and after is not None:  # no person: automatic routing
        if before is not None:
            return _(
                "Reassigned automatically from %(previous)s to %(assignee)s",
                previous=_name(before),
                assignee=_name(after),
            )
        return _("Assigned automatically to %(assignee)s", assignee=_name(after))
    if after is None:
        return _("%(name)s unassigned %(previous)s", name=name, previous=_name(before))
    if before is not None:
        return _(
            "%(name)s reassigned the conversation from %(previous)s to %(assignee)s",
            name=name,
            previous=_name(before),
            assignee=_name(after),
        )
    if (payload.get("by") or {}).get("id") == after.get("id"):
        return _("%(name)s assigned the conversation to themselves", name=name)
    return _("%(name)s assigned the conversation to %(assignee)s", name=name, assignee=_name(after))


def _snooze_text(payload: dict[str, Any]) -> str:
    if payload.get("reason") == SnoozeEnd.TIME_UP:
        return _("Snooze ended")
    if payload.get("reason") == SnoozeEnd.CUSTOMER_WROTE:
        return _("Snooze ended: the customer wrote")
    name, until = _name(payload.get("by")), payload.get("until")
    if not until:
        return _("%(name)s ended the snooze", name=name)
    try:
        moment = str(local_time(datetime.fromisoformat(until)).striptags())
    except (TypeError, ValueError):
        moment = str(until)
    return _("%(name)s snoozed the conversation until %(time)s", name=name, time=moment)


def _labels_text(payload: dict[str, Any]) -> str:
    name, label = _name(payload.get("by")), _name(payload.get("label"))
    if payload.get("action") == "removed":
        return _("%(name)s removed the label %(label)s", name=name, label=label)
    return _("%(name)s added the label %(label)s", name=name, label=label)


def activity_text(message: Message) -> str | None:
    """An activity line's sentence in the current language; None for any other message."""
    payload = message.payload if isinstance(message.payload, dict) else {}
    if message.type == STATUS_CHANGED:
        return _status_text(payload)
    if message.type == ASSIGNMENT_CHANGED:
        return _assignment_text(payload)
    if message.type == SNOOZE_CHANGED:
        return _snooze_text(payload)
    if message.type == LABELS_CHANGED:
        return _labels_text(payload)
    return None
