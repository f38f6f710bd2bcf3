"""POST /api/conversations/bulk: one action on the conversations an agent selected."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from inbox.api.input import (
    LARGEST_ID,
    BadInput,
    id_or_null_field,
    json_object,
    text_field,
    zoned_moment,
)
from inbox.api.routes import bp
from inbox.api.serializers import conversation_json
from inbox.auth import roles_required
from inbox.conversations.bulk import MAX_BULK_IDS, BulkRefused, apply_to_many
from inbox.conversations.queries import last_messages
from inbox.models import Role


def _ids(body: dict) -> list[int]:
    ids = body.get("ids")
    refusal = _("ids must be a list of conversation ids (at most %(limit)d).", limit=MAX_BULK_IDS)
    if not isinstance(ids, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) and 1 <= item <= LARGEST_ID
        for item in ids
    ):
        raise BadInput(refusal)
    return ids


@bp.post("/conversations/bulk")
@roles_required(Role.AGENT)
def bulk() -> ResponseReturnValue:
    """`{"ids": [...], "action": "resolve" | "reopen" | "assign" | "label" | "snooze",
    "assignee_id": id | null, "label_id": id, "until": time with its zone}`:
    each conversation changes on its own (audit entry, line in the thread); `results` says per
    id whether it changed (with its new list row) or why not."""
    body = json_object()
    action = body.get("action")
    if not isinstance(action, str):
        raise BadInput(_("Give the action to take."))
    if "assignee_id" in body:
        id_or_null_field(body, "assignee_id", _("assignee_id must be a user id or null."))
    if "until" in body:
        raw = text_field(body, "until", _("until must be a time with its time zone."))
        body["until"] = zoned_moment(raw, "until")
    try:
        outcomes = apply_to_many(action, _ids(body), body, current_user._get_current_object())
    except BulkRefused as refusal:
        raise BadInput(str(refusal)) from None
    changed = [outcome.conversation for outcome in outcomes if outcome.conversation]
    latest = last_messages([conversation.id for conversation in changed])
    results = [
        {
            "id": outcome.conversation_id,
            "ok": True,
            "conversation": conversation_json(
                outcome.conversation, current_user, latest.get(outcome.conversation_id)
            ),
        }
        if outcome.conversation
        else {
            "id": outcome.conversation_id,
            "ok": False,
            "error": outcome.error,
            "message": outcome.message,
        }
        for outcome in outcomes
    ]
    return jsonify(results=results, changed=len(changed))
