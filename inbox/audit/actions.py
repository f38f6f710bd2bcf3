"""What each audit action means, in words a supervisor reads (translated); and the kinds the
page's filter offers. An action missing here still shows, by its raw name."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from inbox.models import AuditEntry

SENTENCES: dict[str, Any] = {
    "message.sent": _l("Sent a message"),
    "message.retried": _l("Retried a failed message"),
    "conversation.status_changed": _l("Changed a conversation's status"),
    "conversation.assigned": _l("Assigned a conversation"),
    "conversation.unassigned": _l("Unassigned a conversation"),
    "conversation.note_added": _l("Added a private note"),
    "conversation.left": _l("Took the account out of a group or room"),
    "conversation.label_added": _l("Put a label on a conversation"),
    "conversation.label_removed": _l("Took a label off a conversation"),
    "history.exported": _l("Exported message history"),
    "auth.signed_in": _l("Signed in"),
    "auth.signed_out": _l("Signed out"),
    "auth.sign_in_failed": _l("Failed to sign in"),
    "user.created": _l("Created a user"),
    "user.updated": _l("Changed a user's name or roles"),
    "user.disabled": _l("Disabled a user"),
    "user.enabled": _l("Enabled a user again"),
    "user.password_reset": _l("Reset a user's password"),
    "user.token_issued": _l("Issued an API token"),
    "user.token_revoked": _l("Revoked an API token"),
    "channel.created": _l("Added a channel"),
    "channel.updated": _l("Changed a channel"),
    "channel.enabled": _l("Enabled a channel"),
    "channel.disabled": _l("Disabled a channel"),
    "channel.token_issued": _l("Issued a channel access token"),
    "channel.token_revoked": _l("Revoked a channel access token"),
    "channel.token_renewal_failed": _l("Could not renew a channel access token"),
    "channel.token_verified": _l("Verified a channel access token with LINE"),
    "channel.webhook_set": _l("Set the channel's webhook URL at LINE"),
    "channel.webhook_tested": _l("Ran LINE's webhook test"),
    "saved_reply.created": _l("Added a saved reply"),
    "saved_reply.updated": _l("Changed a saved reply"),
    "saved_reply.deleted": _l("Deleted a saved reply"),
    "label.created": _l("Added a label"),
    "label.updated": _l("Changed a label"),
    "label.deleted": _l("Deleted a label"),
    "account.preferences_changed": _l("Changed their language or time zone"),
    "secrets.rotated": _l("Re-encrypted the stored secrets with the newest key"),
}

# The filter's "what" choices: whole areas (a prefix) first, then single actions.
KINDS: list[tuple[str, Any]] = [
    ("message.", _l("Messages sent")),
    ("conversation.", _l("Conversation changes and notes")),
    ("history.", _l("Exports")),
    ("auth.", _l("Sign-ins and sign-outs")),
    ("user.", _l("Users, roles and API tokens")),
    ("channel.", _l("Channels and their tokens")),
    ("saved_reply.", _l("Saved replies")),
    ("label.", _l("Labels")),
    ("secrets.", _l("Encryption keys")),
]

# What a target row is, in words; other tables show by their own name.
TARGET_NAMES: dict[str, Any] = {
    "conversations": _l("Conversation"),
    "messages": _l("Message"),
    "users": _l("User"),
    "channels": _l("Channel"),
    "api_tokens": _l("API token"),
    "saved_replies": _l("Saved reply"),
    "labels": _l("Label"),
}

# Rows whose page the log can link to (through the conversation they belong to).
CONVERSATION_TARGETS = {"conversations", "messages"}


def describe(action: str) -> str:
    """The sentence for an action, or the action's own name when none is written yet."""
    sentence = SENTENCES.get(action)
    return str(sentence) if sentence is not None else action


def target_name(table: str) -> str:
    name = TARGET_NAMES.get(table)
    return str(name) if name is not None else table


def conversation_id_of(entry: AuditEntry) -> int | None:
    """The conversation an entry is about, if any: the target, or the target's thread."""
    if entry.target_type == "conversations" and entry.target_id and entry.target_id.isdigit():
        return int(entry.target_id)
    if entry.target_type in CONVERSATION_TARGETS or entry.action == "history.exported":
        value = (entry.details or {}).get("conversation_id")
        return value if isinstance(value, int) else None
    return None
