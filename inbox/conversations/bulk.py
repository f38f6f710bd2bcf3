"""One action on many conversations at once (the list's selection): resolve, reopen, assign,
label, snooze.

Each conversation changes as if an agent had changed it alone (its own audit entry and line in
the thread), all in one transaction. One that cannot change (gone, or already so) is reported
by its id and the rest go ahead. A new action is one entry in ACTIONS: how it reads its
options from the request, and what it does to one conversation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from inbox.conversations.actions import check_assignable
from inbox.conversations.activity import set_assignee, set_status
from inbox.conversations.snooze import LONGEST, set_aside
from inbox.extensions import db
from inbox.labels.service import put_on
from inbox.models import Conversation, ConversationStatus, Label, User, utcnow
from inbox.outgoing.service import CannotSend
from inbox.realtime import announce

MAX_BULK_IDS = 200


class BulkRefused(ValueError):
    """The whole request is unusable (an unknown action, a missing option); nothing changed."""


class Unchanged(Exception):
    """This conversation is already as the action would leave it."""


class Refused(Exception):
    """This conversation cannot take the action (a resolved one cannot be snoozed)."""


@dataclass(frozen=True)
class BulkAction:
    options: Callable[[dict[str, Any]], Any]  # the request's fields -> what `apply` needs
    apply: Callable[[Conversation, User, Any], None]  # raises Unchanged


def _no_options(_body: dict[str, Any]) -> None:
    return None


def _to_status(status: ConversationStatus, already: str) -> Callable[..., None]:
    def apply(conversation: Conversation, actor: User, _options: None) -> None:
        if conversation.status is status:
            raise Unchanged(already)
        set_status(conversation, status, actor=actor)

    return apply


def _assignee(body: dict[str, Any]) -> User | None:
    """`assignee_id`: a user id, or null to unassign."""
    if "assignee_id" not in body:
        raise BulkRefused(str(_l("Give assignee_id: a user id, or null to unassign.")))
    assignee_id = body["assignee_id"]
    if assignee_id is None:
        return None
    assignee = db.session.get(User, assignee_id)
    if assignee is None:
        raise BulkRefused(str(_l("There is no user %(id)d.", id=assignee_id)))
    try:
        check_assignable(assignee)
    except CannotSend as refusal:
        raise BulkRefused(str(refusal)) from None
    return assignee


def _assign(conversation: Conversation, actor: User, assignee: User | None) -> None:
    if conversation.assignee_id == (assignee.id if assignee else None):
        raise Unchanged(
            _l("It is already unassigned.") if assignee is None else _l("It is already theirs.")
        )
    set_assignee(conversation, assignee, actor=actor)


def _label(body: dict[str, Any]) -> Label:
    """`label_id`: the label to put on each conversation."""
    label_id = body.get("label_id")
    label = (
        db.session.get(Label, label_id)
        if isinstance(label_id, int) and not isinstance(label_id, bool)
        else None
    )
    if label is None:
        raise BulkRefused(str(_l("Give label_id: the id of a label.")))
    return label


def _put_label_on(conversation: Conversation, actor: User, label: Label) -> None:
    if not put_on(conversation, label, actor):
        raise Unchanged(_l("It already has that label."))


def _until(body: dict[str, Any]) -> datetime:
    """`until`: when the snooze ends (the API layer has read it as a time with its zone)."""
    until = body.get("until")
    if not isinstance(until, datetime):
        raise BulkRefused(str(_l("Give until: a time with its time zone.")))
    if not utcnow() < until <= utcnow() + LONGEST:
        raise BulkRefused(str(_l("Choose a time in the future, within a year.")))
    return until


def _snooze(conversation: Conversation, actor: User, until: datetime) -> None:
    if conversation.snoozed_until == until:
        raise Unchanged(_l("It is already snoozed until then."))
    try:
        set_aside(conversation, until, actor=actor)
    except CannotSend as refusal:
        raise Refused(str(refusal)) from None


ACTIONS: dict[str, BulkAction] = {
    "resolve": BulkAction(
        _no_options, _to_status(ConversationStatus.RESOLVED, _l("It is already resolved."))
    ),
    "reopen": BulkAction(
        _no_options, _to_status(ConversationStatus.OPEN, _l("It is already open."))
    ),
    "assign": BulkAction(_assignee, _assign),
    "label": BulkAction(_label, _put_label_on),
    "snooze": BulkAction(_until, _snooze),
}


@dataclass(frozen=True)
class Outcome:
    conversation_id: int
    conversation: Conversation | None  # changed; None when it was not
    error: str | None = None  # not_found, unchanged, refused
    message: str | None = None


def apply_to_many(
    action_name: str, conversation_ids: list[int], body: dict[str, Any], actor: User
) -> list[Outcome]:
    """Apply one action to each conversation (ids in the order given, repeats once), commit
    once, and say what happened to each."""
    action = ACTIONS.get(action_name)
    if action is None:
        raise BulkRefused(str(_l("action must be one of: %(names)s.", names=", ".join(ACTIONS))))
    ids = list(dict.fromkeys(conversation_ids))
    if not ids:
        raise BulkRefused(str(_l("Give the ids of the conversations to change.")))
    if len(ids) > MAX_BULK_IDS:
        raise BulkRefused(str(_l("At most %(limit)d conversations at a time.", limit=MAX_BULK_IDS)))
    options = action.options(body)
    found = {
        conversation.id: conversation
        for conversation in db.session.scalars(
            sa.select(Conversation)
            .where(Conversation.id.in_(ids))
            .options(
                joinedload(Conversation.channel),
                joinedload(Conversation.contact),
                joinedload(Conversation.assignee),
            )
        )
    }
    outcomes = []
    for conversation_id in ids:
        conversation = found.get(conversation_id)
        if conversation is None:
            message = str(_l("There is no conversation %(id)d.", id=conversation_id))
            outcomes.append(Outcome(conversation_id, None, "not_found", message))
            continue
        try:
            action.apply(conversation, actor, options)
        except Unchanged as unchanged:
            outcomes.append(Outcome(conversation_id, None, "unchanged", str(unchanged)))
            continue
        except Refused as refused:
            outcomes.append(Outcome(conversation_id, None, "refused", str(refused)))
            continue
        announce(conversation)
        outcomes.append(Outcome(conversation_id, conversation))
    db.session.commit()
    return outcomes
