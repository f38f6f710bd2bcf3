"""JSON Schemas (OpenAPI 3.1 components) of the objects /api answers with.

Each mirrors a function of inbox/api/serializers.py (or the view that builds the object), and
enumerations come from the models, so a new status or role appears here without an edit.
tests/test_openapi.py checks every example against its schema, and the API fuzz test checks
real answers against them.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from inbox.models import (
    AttachmentState,
    ConversationStatus,
    DeliveryState,
    Direction,
    FollowState,
    LabelColour,
    Role,
    SendMode,
    SourceType,
)
from inbox.models.label import LABEL_NAME_LENGTH


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, or JSON null."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    return {**schema, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}


def enum_of(choices: type[Enum]) -> dict[str, Any]:
    return {"type": "string", "enum": [choice.value for choice in choices]}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """An object whose `required` properties are always present."""
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
    }


ID = {"type": "integer", "minimum": 1}
TEXT = {"type": "string"}
MOMENT = {"type": "string", "format": "date-time"}
MAYBE_TEXT = nullable(TEXT)
MAYBE_MOMENT = nullable(MOMENT)
MAYBE_COUNT = nullable({"type": "integer", "minimum": 0})

USER = obj(
    {
        "id": ID,
        "email": TEXT,
        "display_name": MAYBE_TEXT,
        "roles": {"type": "array", "items": enum_of(Role)},
    }
)

CONTACT = obj(
    {
        "id": ID,
        "line_user_id": TEXT,
        "display_name": MAYBE_TEXT,
        "picture_url": MAYBE_TEXT,
        "status_message": MAYBE_TEXT,
        "language": MAYBE_TEXT,
        "follow_state": enum_of(FollowState),
        "followed_at": MAYBE_MOMENT,
        "blocked_at": MAYBE_MOMENT,
        "profile_fetched_at": MAYBE_MOMENT,
        "profile_error": MAYBE_TEXT,
    }
)

ATTACHMENT = obj(
    {
        "id": ID,
        "kind": TEXT,
        "state": enum_of(AttachmentState),
        "content_provider": TEXT,
        "content_type": MAYBE_TEXT,
        "file_name": MAYBE_TEXT,
        "file_size": MAYBE_COUNT,
        "duration_ms": MAYBE_COUNT,
        "url": MAYBE_TEXT,
        "preview_url": MAYBE_TEXT,
        "error": MAYBE_TEXT,
        "line_request_id": MAYBE_TEXT,
    }
)

MESSAGE = obj(
    {
        "id": ID,
        "conversation_id": ID,
        "version": {"type": "integer"},
        "direction": enum_of(Direction),
        "type": TEXT,
        "line_message_id": MAYBE_TEXT,
        "text": MAYBE_TEXT,
        "payload": nullable({"type": "object"}),
        "sent_at": MOMENT,
        "unsent": {"type": "boolean"},
        "unsent_at": MAYBE_MOMENT,
        "edited_at": MAYBE_MOMENT,
        "quote_token": MAYBE_TEXT,
        "quoted_message_id": MAYBE_TEXT,
        "sender": nullable(ref("Contact")),
        "attachment": nullable(ref("Attachment")),
    },
    {
        "revisions": {
            "description": "Earlier texts of an edited message (supervisors and admins only).",
            "type": "array",
            "items": obj({"text": MAYBE_TEXT, "text_at": MAYBE_MOMENT}),
        },
        "sent_by": nullable(ref("User")),
        "delivery_state": nullable(enum_of(DeliveryState)),
        "send_mode": nullable(enum_of(SendMode)),
        "line_request_id": MAYBE_TEXT,
        "error_message": MAYBE_TEXT,
        "error_details": nullable({"type": "array", "items": {"type": "object"}}),
    },
)

CONVERSATION = obj(
    {
        "id": ID,
        "channel": obj({"id": ID, "line_channel_id": TEXT, "name": TEXT}),
        "source": obj({"type": enum_of(SourceType), "id": TEXT}),
        "name": MAYBE_TEXT,
        "picture_url": MAYBE_TEXT,
        "status": enum_of(ConversationStatus),
        "assignee": nullable(ref("User")),
        "unread_count": {"type": "integer", "minimum": 0},
        "bot_is_member": {"type": "boolean"},
        "last_activity_at": MAYBE_MOMENT,
        "waiting_since": {
            **MAYBE_MOMENT,
            "description": "The customer's oldest message since the last answer; null when"
            " nobody waits.",
        },
        "waiting": nullable(
            {
                **obj({"since": MOMENT, "amber_at": MOMENT, "red_at": MOMENT}),
                "description": "The wait and when it crosses the channel's amber and red"
                " thresholds.",
            }
        ),
        "snoozed_until": {
            **MAYBE_MOMENT,
            "description": "Snoozed (pending) until then; null when not snoozed.",
        },
        "labels": {"type": "array", "items": ref("Label")},
        "last_message": nullable(ref("Message")),
    },
    {
        "match": nullable(
            {
                **obj(
                    {
                        "message": ref("Message"),
                        "spans": {
                            "type": "array",
                            "items": {
                                "type": "array",
                                "items": {"type": "integer", "minimum": 0},
                                "minItems": 2,
                                "maxItems": 2,
                            },
                        },
                    }
                ),
                "description": "Searches only (`q`): the newest message whose words matched,"
                " and the [start, end) ranges of its text that did, in UTF-16 code units;"
                " null when the name or LINE id matched.",
            }
        )
    },
)

GROUP_MEMBER = {
    "allOf": [
        ref("Contact"),
        obj({"joined_at": MAYBE_MOMENT, "left_at": MAYBE_MOMENT, "is_member": {"type": "boolean"}}),
    ]
}

CONVERSATION_DETAIL = {
    "allOf": [
        ref("Conversation"),
        obj(
            {"contact": nullable(ref("Contact"))},
            {
                "group": obj(
                    {
                        "type": enum_of(SourceType),
                        "id": TEXT,
                        "name": MAYBE_TEXT,
                        "picture_url": MAYBE_TEXT,
                        "member_count": MAYBE_COUNT,
                        "profile_error": MAYBE_TEXT,
                        "members": {"type": "array", "items": GROUP_MEMBER},
                    }
                )
            },
        ),
    ]
}

ERROR = obj(
    {
        "error": TEXT,
        "message": {"type": "string", "description": "For a person, in the viewer's language."},
        "status": {"type": "integer"},
    },
    {
        "line": {
            "type": "object",
            "description": "LINE's own words when LINE refused (kind, status, message, "
            "details, request_id, endpoint, explanation).",
        }
    },
)

MESSAGES = obj({"messages": {"type": "array", "items": ref("Message")}})

THREAD = obj(
    {
        "messages": {"type": "array", "items": ref("Message")},
        "older_cursor": MAYBE_TEXT,
        "newer_cursor": MAYBE_TEXT,
        "has_newer": {"type": "boolean"},
    }
)

CONVERSATION_LIST = obj(
    {
        "conversations": {"type": "array", "items": ref("Conversation")},
        "next_cursor": MAYBE_TEXT,
    }
)

BULK_RESULTS = obj(
    {
        "results": {
            "type": "array",
            "items": obj(
                {"id": ID, "ok": {"type": "boolean"}},
                {
                    "conversation": ref("Conversation"),
                    "error": {"type": "string", "enum": ["not_found", "unchanged"]},
                    "message": TEXT,
                },
            ),
        },
        "changed": {"type": "integer", "minimum": 0},
    }
)

COMPOSER = obj(
    {
        "can_send": {"type": "boolean"},
        "reason": MAYBE_TEXT,
        "reply_available": {"type": "boolean"},
        "reply_seconds_left": nullable({"type": "number", "exclusiveMinimum": 0}),
        "quota": nullable({"type": "object"}),
        "push": obj(
            {
                "chat": {"type": "string", "enum": ["user", "group", "room"]},
                "recipients": MAYBE_COUNT,
                "quota": nullable({"type": "object"}),
                "budget": nullable(
                    obj(
                        {
                            "limit": {"type": "integer", "minimum": 0},
                            "used": {"type": "integer", "minimum": 0},
                            "remaining": {"type": "integer", "minimum": 0},
                        }
                    )
                ),
                "refused": MAYBE_TEXT,
            }
        ),
    }
)

AGENTS = obj({"agents": {"type": "array", "items": ref("User")}})

SEARCH_RESULTS = obj(
    {
        "results": {
            "type": "array",
            "items": obj(
                {
                    "message": ref("Message"),
                    "highlights": {
                        "type": "array",
                        "items": {
                            "type": "array",
                            "items": {"type": "integer", "minimum": 0},
                            "minItems": 2,
                            "maxItems": 2,
                        },
                    },
                    "context": obj(
                        {"before": nullable(ref("Message")), "after": nullable(ref("Message"))}
                    ),
                    "conversation": ref("Conversation"),
                }
            ),
        },
        "next_cursor": MAYBE_TEXT,
    }
)

AUDIT_ENTRIES = obj(
    {
        "entries": {
            "type": "array",
            "items": obj(
                {
                    "id": ID,
                    "created_at": MOMENT,
                    "actor": obj({"user_id": nullable(ID), "label": MAYBE_TEXT}),
                    "action": TEXT,
                    "description": TEXT,
                    "channel_id": nullable(ID),
                    "target": nullable(obj({"type": TEXT, "id": MAYBE_TEXT})),
                    "conversation_id": nullable(ID),
                    "details": {"type": "object"},
                    "ip_address": MAYBE_TEXT,
                }
            ),
        },
        "next_cursor": MAYBE_TEXT,
    }
)

CHANNEL_HEALTH = obj(
    {
        "channel_id": ID,
        "since": MOMENT,
        "webhooks_received": {"type": "integer"},
        "reasons": {"type": "array", "items": obj({"code": TEXT, "message": TEXT})},
        "trouble": {"type": "boolean"},
    }
)

SAVED_REPLY = obj(
    {
        "id": ID,
        "scope": {"type": "string", "enum": ["personal", "team"]},
        "title": TEXT,
        "shortcut": {
            "type": "string",
            "description": "Typed after “/” in the composer; stored lower-case (NFKC).",
        },
        "body": {"type": "string", "description": "May hold {{variables}}; see /expand."},
        "shadowed": {
            "type": "boolean",
            "description": "A team reply whose shortcut the viewer's own reply takes over.",
        },
        "can_edit": {"type": "boolean"},
        "created_at": MOMENT,
        "updated_at": MOMENT,
    }
)

SAVED_REPLIES = obj({"saved_replies": {"type": "array", "items": ref("SavedReply")}})

EXPANSION = obj(
    {
        "id": ID,
        "text": {"type": "string", "description": "Plain text, never HTML."},
        "unknown": {
            "type": "array",
            "items": TEXT,
            "description": "Variables the inbox does not know, left in the text as written.",
        },
        "empty": {
            "type": "array",
            "items": TEXT,
            "description": "Known variables with no value here (a group has no single "
            "customer name), left in the text as written.",
        },
    }
)

LABEL = obj(
    {
        "id": ID,
        "name": {"type": "string", "minLength": 1, "maxLength": LABEL_NAME_LENGTH},
        "colour": enum_of(LabelColour),
    }
)

LABEL_DETAIL = {
    "allOf": [
        ref("Label"),
        obj(
            {
                "conversations": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "How many conversations carry the label.",
                },
                "created_at": MOMENT,
                "updated_at": MOMENT,
            }
        ),
    ]
}

LABELS = obj({"labels": {"type": "array", "items": ref("LabelDetail")}})

COMPONENTS: dict[str, dict[str, Any]] = {
    "Error": ERROR,
    "User": USER,
    "Contact": CONTACT,
    "Attachment": ATTACHMENT,
    "Message": MESSAGE,
    "Conversation": CONVERSATION,
    "ConversationDetail": CONVERSATION_DETAIL,
    "ConversationList": CONVERSATION_LIST,
    "Thread": THREAD,
    "Messages": MESSAGES,
    "Composer": COMPOSER,
    "Agents": AGENTS,
    "BulkResults": BULK_RESULTS,
    "SearchResults": SEARCH_RESULTS,
    "AuditEntries": AUDIT_ENTRIES,
    "ChannelHealth": CHANNEL_HEALTH,
    "SavedReply": SAVED_REPLY,
    "SavedReplies": SAVED_REPLIES,
    "Expansion": EXPANSION,
    "Label": LABEL,
    "LabelDetail": LABEL_DETAIL,
    "Labels": LABELS,
}

_USER_EXAMPLE = {
    "id": 3,
    "email": "nok@example.com",
    "display_name": "Nok",
    "roles": ["agent"],
}
_MESSAGE_EXAMPLE = {
    "id": 41,
    "conversation_id": 7,
    "version": 2,
    "direction": "incoming",
    "type": "text",
    "line_message_id": "468789577898262530",
    "text": "สวัสดีค่ะ",
    "payload": {"type": "text", "id": "468789577898262530", "text": "สวัสดีค่ะ"},
    "sent_at": "2026-11-24T23:10:05.123000Z",
    "unsent": False,
    "unsent_at": None,
    "edited_at": None,
    "quote_token": "q3Plxr4AgKd...",
    "quoted_message_id": None,
    "sender": None,
    "attachment": None,
}
ERROR["examples"] = [
    {"error": "Bad Request", "message": "status must be open, pending or resolved.", "status": 400}
]
USER["examples"] = [_USER_EXAMPLE]
MESSAGE["examples"] = [
    _MESSAGE_EXAMPLE,
    {
        **_MESSAGE_EXAMPLE,
        "id": 42,
        "direction": "event",
        "type": "note",
        "line_message_id": None,
        "text": "Refund approved",
        "payload": None,
        "quote_token": None,
        "sent_by": _USER_EXAMPLE,
    },
]
CONVERSATION["examples"] = [
    {
        "id": 7,
        "channel": {"id": 1, "line_channel_id": "2001234567", "name": "Shop"},
        "source": {"type": "user", "id": "U4af4980629" + "0" * 22},
        "name": "สมชาย",
        "picture_url": "/media/contacts/3/picture",
        "status": "open",
        "assignee": _USER_EXAMPLE,
        "unread_count": 2,
        "bot_is_member": True,
        "last_activity_at": "2026-11-24T23:10:05.123000Z",
        "waiting_since": "2026-11-24T23:08:41.500000Z",
        "snoozed_until": None,
        "waiting": {
            "since": "2026-11-24T23:08:41.500000Z",
            "amber_at": "2026-11-24T23:13:41.500000Z",
            "red_at": "2026-11-24T23:23:41.500000Z",
        },
        "labels": [{"id": 2, "name": "VIP", "colour": "purple"}],
        "last_message": _MESSAGE_EXAMPLE,
    }
]
SAVED_REPLY["examples"] = [
    {
        "id": 5,
        "scope": "team",
        "title": "ขอบคุณ",
        "shortcut": "thx",
        "body": "ขอบคุณค่ะ คุณ{{customer.name}} — {{agent.name}}",
        "shadowed": False,
        "can_edit": False,
        "created_at": "2026-11-24T23:10:05.123000Z",
        "updated_at": "2026-11-24T23:10:05.123000Z",
    }
]
EXPANSION["examples"] = [
    {"id": 5, "text": "ขอบคุณค่ะ คุณสมชาย — Nok", "unknown": [], "empty": []},
]
