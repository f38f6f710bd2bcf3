"""GET /api/openapi.json: the API described as OpenAPI 3.1, built here beside the views.

Built in Python rather than kept as a file so enumerations and limits come from the code they
describe; tests/test_openapi.py fails when a route under /api is missing or its methods differ,
and tests/test_api_fuzz.py fuzzes every operation against it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from inbox.api.input import LARGEST_ID
from inbox.api.routes import bp
from inbox.api.schemas import COMPONENTS, ID, TEXT, enum_of, nullable, obj, ref
from inbox.auth import roles_required
from inbox.conversations.bulk import ACTIONS as BULK_ACTIONS
from inbox.conversations.bulk import MAX_BULK_IDS
from inbox.models import ConversationStatus, Direction, LabelColour, Role
from inbox.models.label import LABEL_NAME_LENGTH
from inbox.models.saved_reply import BODY_LENGTH, SHORTCUT_LENGTH, TITLE_LENGTH
from inbox.outgoing import SendMode

MEANINGS = {
    200: "OK",
    201: "Created",
    202: "Accepted: queued, its delivery state follows",
    204: "Done; nothing to answer",
    400: "The input cannot be used; `message` names the field",
    401: "No valid bearer token or session",
    403: "The user's roles may not do this",
    404: "No such row",
    409: "Refused in this state; `message` says why",
    502: "LINE refused; `line` has LINE's words",
    503: "The database is briefly unavailable; try again",
}
ERROR_CODES = (400, 401, 403, 404, 409, 502, 503)

ROW_ID = {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}
DIGITS = {"type": "string", "pattern": "^[0-9]+$"}
LIMIT = {
    "name": "limit",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": 200},
    "description": "Page size (the configured largest, 200 by default).",
}
CURSOR = {"name": "cursor", "in": "query", "schema": TEXT, "description": "`next_cursor`."}


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": ROW_ID}


def _json(schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"application/json": media}


def _operation(
    summary: str,
    roles: str,
    answers: dict[int, dict[str, Any] | None],
    errors: tuple[int, ...],
    parameters: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An operation answering `answers` (status to JSON schema) and the error statuses."""
    responses: dict[str, Any] = {}
    for status, schema in answers.items():
        responses[str(status)] = {"description": MEANINGS[status]}
        if schema is not None:
            responses[str(status)]["content"] = _json(schema)
    for status in (*errors, 401, 503):
        responses[str(status)] = {
            "description": MEANINGS[status],
            "content": _json(ref("Error")),
        }
    operation: dict[str, Any] = {
        "summary": summary,
        "description": f"Roles: {roles} (admins may do everything).",
        "responses": dict(sorted(responses.items())),
    }
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {"required": True, "content": body}
    return operation


def _conversation_paths() -> dict[str, Any]:
    conversation = [_path("conversation_id")]
    filters = [
        _query("channel", DIGITS, "A channel's id."),
        _query("status", TEXT, "open, pending, resolved; comma-separated."),
        _query("assignee", TEXT, "me, none or a user id."),
        _query(
            "q",
            TEXT,
            "Contact and group names, LINE ids, and the words of messages the viewer may"
            " read (Thai and Japanese too); each hit carries `match`.",
        ),
        _query("label", DIGITS, "A label's id: conversations carrying it."),
        _query(
            "waiting",
            {**DIGITS, "maxLength": 6},
            "Minutes (1 to a year's): conversations whose customer has waited at least that long.",
        ),
        LIMIT,
        CURSOR,
    ]
    thread = [
        *conversation,
        _query("before", TEXT, "`older_cursor`."),
        _query("after", TEXT, "`newer_cursor`."),
        _query("around", DIGITS, "A message id: open the thread there."),
        LIMIT,
    ]
    send = {
        "type": "object",
        "properties": {
            "text": {"type": "string", "minLength": 1, "maxLength": 5000},
            "texts": {
                "type": "array",
                "minItems": 1,
                "maxItems": 5,
                "items": {"type": "string", "minLength": 1, "maxLength": 5000},
            },
            "mode": enum_of(SendMode),
        },
        "anyOf": [{"required": ["text"]}, {"required": ["texts"]}],
    }
    change = {
        "type": "object",
        "properties": {
            "status": enum_of(ConversationStatus),
            "assignee_id": nullable(ID),
        },
    }
    note = obj({"text": {"type": "string", "minLength": 1}})
    snooze = obj(
        {
            "until": {
                "type": "string",
                "format": "date-time",
                "description": "ISO 8601 with its offset; within a year.",
            }
        }
    )
    bulk = obj(
        {
            "ids": {"type": "array", "minItems": 1, "maxItems": MAX_BULK_IDS, "items": ID},
            "action": {"type": "string", "enum": list(BULK_ACTIONS)},
        },
        {
            "assignee_id": {**nullable(ID), "description": "assign: a user id, or null."},
            "label_id": {**ID, "description": "label: the label to put on each."},
            "until": {
                "type": "string",
                "format": "date-time",
                "description": "snooze: until then (ISO 8601 with its offset; within a year).",
            },
        },
    )
    upload = {
        "multipart/form-data": {
            "schema": obj(
                {"file": {"type": "string", "contentMediaType": "application/octet-stream"}},
                {
                    "preview": {"type": "string", "contentMediaType": "image/jpeg"},
                    "mode": enum_of(SendMode),
                    "caption": {
                        "type": "string",
                        "maxLength": 5000,
                        "description": "A text message sent after the image or video.",
                    },
                },
            )
        }
    }
    agents = ("agent",)
    readers = "agent, supervisor"
    return {
        "/api/conversations": {
            "get": _operation(
                "The inbox list, newest activity first",
                readers,
                {200: ref("ConversationList")},
                (400, 403),
                filters,
            )
        },
        "/api/conversations/{conversation_id}": {
            "get": _operation(
                "One conversation with its contact, or its group's members",
                readers,
                {200: ref("ConversationDetail")},
                (403, 404),
                conversation,
            ),
            "patch": _operation(
                "Change status and/or assignee",
                *agents,
                {200: ref("Conversation")},
                (400, 403, 404, 409),
                conversation,
                _json(change, {"status": "resolved", "assignee_id": None}),
            ),
        },
        "/api/conversations/bulk": {
            "post": _operation(
                "One action on many conversations; each id's outcome in `results`",
                *agents,
                {200: ref("BulkResults")},
                (400, 403),
                body=_json(bulk, {"ids": [12, 15, 19], "action": "resolve"}),
            )
        },
        "/api/conversations/{conversation_id}/messages": {
            "get": _operation(
                "The thread, oldest to newest",
                readers,
                {200: ref("Thread")},
                (400, 403, 404),
                thread,
            ),
            "post": _operation(
                "Queue text messages (reply while a token is fresh, else push)",
                *agents,
                {202: ref("Messages")},
                (400, 403, 404, 409),
                conversation,
                _json(send, {"texts": ["สวัสดีค่ะ", "How can we help?"], "mode": "auto"}),
            ),
        },
        "/api/conversations/{conversation_id}/attachments": {
            "post": _operation(
                "Send an image (JPEG, PNG) or a video (MP4), with an optional caption",
                *agents,
                {202: ref("Messages")},
                (400, 403, 404, 409),
                conversation,
                upload,
            )
        },
        "/api/conversations/{conversation_id}/snooze": {
            "put": _operation(
                "Snooze until a time: pending until then, open again at it or when the "
                "customer writes",
                *agents,
                {200: ref("Conversation")},
                (400, 403, 404, 409),
                conversation,
                _json(snooze, {"until": "2026-12-01T09:00:00+07:00"}),
            ),
            "delete": _operation(
                "End the snooze now: open again",
                *agents,
                {200: ref("Conversation")},
                (403, 404),
                conversation,
            ),
        },
        "/api/conversations/{conversation_id}/notes": {
            "post": _operation(
                "Add a private note, never sent to LINE",
                *agents,
                {201: ref("Message")},
                (400, 403, 404, 409),
                conversation,
                _json(note, {"text": "Refund approved by Nok"}),
            )
        },
        "/api/conversations/{conversation_id}/leave": {
            "post": _operation(
                "Take the account out of a group or room",
                *agents,
                {200: ref("Conversation")},
                (400, 403, 404, 409, 502),
                conversation,
            )
        },
        "/api/conversations/{conversation_id}/composer": {
            "get": _operation(
                "Whether sending works, a free reply's seconds left, a push's cost and refusal",
                readers,
                {200: ref("Composer")},
                (403, 404),
                conversation,
            )
        },
        "/api/messages/{message_id}/retry": {
            "post": _operation(
                "Send a failed message again; an uncertain one only with confirm",
                *agents,
                {202: ref("Messages")},
                (400, 403, 404, 409),
                [_path("message_id")],
                {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"confirm": {"type": "boolean"}},
                        }
                    }
                },
            )
        },
        "/api/agents": {
            "get": _operation(
                "People conversations can be assigned to",
                readers,
                {200: ref("Agents")},
                (403,),
            )
        },
    }


def _supervisor_paths() -> dict[str, Any]:
    search = [
        _query("q", TEXT, "Words, or any run of Thai, Japanese or Chinese letters."),
        _query("channel", DIGITS),
        _query("conversation", DIGITS),
        _query("agent", DIGITS, "Messages this user sent."),
        _query("direction", enum_of(Direction)),
        _query("type", TEXT, "A message type."),
        _query("status", enum_of(ConversationStatus), "The conversation's status."),
        _query("since", {"type": "string", "format": "date-time"}),
        _query("until", {"type": "string", "format": "date-time"}),
    ]
    export = {
        "200": {
            "description": "A download, streamed",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            },
        }
    }
    export_operation = _operation(
        "Export a search or a transcript as CSV or JSON",
        "supervisor",
        {},
        (400, 403),
        [*search, _query("format", {"type": "string", "enum": ["csv", "json"]})],
    )
    export_operation["responses"] = dict(
        sorted({**export_operation["responses"], **export}.items())
    )
    audit = [
        _query("actor", DIGITS, "A user id."),
        _query("action", TEXT, "An action, or a prefix ending in `.`."),
        _query("channel", DIGITS),
        _query("target_type", TEXT, "A table name."),
        _query("target_id", TEXT),
        _query("since", {"type": "string", "format": "date-time"}, "Inclusive."),
        _query("until", {"type": "string", "format": "date-time"}, "Exclusive."),
        LIMIT,
        _query("cursor", DIGITS, "`next_cursor`."),
    ]
    return {
        "/api/history/search": {
            "get": _operation(
                "Full-text search over every message, newest first",
                "supervisor",
                {200: ref("SearchResults")},
                (400, 403),
                [*search, LIMIT, CURSOR],
            )
        },
        "/api/history/export": {"get": export_operation},
        "/api/audit": {
            "get": _operation(
                "The audit log, newest first",
                "supervisor",
                {200: ref("AuditEntries")},
                (400, 403),
                audit,
            )
        },
        "/api/admin/channels/{channel_id}/health": {
            "get": _operation(
                "A channel's last 24 hours, from the store",
                "admin",
                {200: ref("ChannelHealth")},
                (403, 404),
                [_path("channel_id")],
            )
        },
    }


def _saved_reply_paths() -> dict[str, Any]:
    reply = [_path("reply_id")]
    text = {"type": "string", "minLength": 1}
    fields = {
        "title": {**text, "maxLength": TITLE_LENGTH},
        "shortcut": {**text, "maxLength": SHORTCUT_LENGTH, "pattern": "^[^\\s/]+$"},
        "body": {**text, "maxLength": BODY_LENGTH},
    }
    new = obj(fields, {"scope": {"type": "string", "enum": ["personal", "team"]}})
    change = {"type": "object", "properties": fields}
    example = {"title": "Thanks", "shortcut": "thx", "body": "Thank you, {{customer.name}}!"}
    agents = "agent (team replies: admin)"
    return {
        "/api/saved-replies": {
            "get": _operation(
                "The team's saved replies and the viewer's own",
                "agent",
                {200: ref("SavedReplies")},
                (400, 403),
                [_query("q", TEXT, "Text in the title, shortcut or body, any case.")],
            ),
            "post": _operation(
                "Save a reply: the viewer's own, or the team's (admins)",
                agents,
                {201: ref("SavedReply")},
                (400, 403, 409),
                body=_json(new, {**example, "scope": "personal"}),
            ),
        },
        "/api/saved-replies/{reply_id}": {
            "get": _operation(
                "One saved reply (another person's own does not exist for the viewer)",
                "agent",
                {200: ref("SavedReply")},
                (403, 404),
                reply,
            ),
            "patch": _operation(
                "Change a saved reply",
                agents,
                {200: ref("SavedReply")},
                (400, 403, 404, 409),
                reply,
                _json(change, {"title": "Thank you"}),
            ),
            "delete": _operation("Delete a saved reply", agents, {204: None}, (403, 404), reply),
        },
        "/api/saved-replies/{reply_id}/expand": {
            "get": _operation(
                "The reply's text with its {{variables}} filled in for a conversation",
                "agent",
                {200: ref("Expansion")},
                (400, 403, 404),
                [*reply, _query("conversation", DIGITS, "A conversation's id.")],
            )
        },
    }


def _label_paths() -> dict[str, Any]:
    label = [_path("label_id")]
    name = {"type": "string", "minLength": 1, "maxLength": LABEL_NAME_LENGTH}
    new = obj({"name": name, "colour": enum_of(LabelColour)})
    change = {"type": "object", "properties": {"name": name, "colour": enum_of(LabelColour)}}
    put_on = obj({"label_id": ID})
    return {
        "/api/labels": {
            "get": _operation(
                "Every label, by name", "agent, supervisor", {200: ref("Labels")}, (403,)
            ),
            "post": _operation(
                "Define a label (a name another label has, whatever its case, is 409)",
                "admin",
                {201: ref("LabelDetail")},
                (400, 403, 409),
                body=_json(new, {"name": "VIP", "colour": "purple"}),
            ),
        },
        "/api/labels/{label_id}": {
            "patch": _operation(
                "Rename and/or recolour a label",
                "admin",
                {200: ref("LabelDetail")},
                (400, 403, 404, 409),
                label,
                _json(change, {"name": "Billing"}),
            ),
            "delete": _operation(
                "Delete a label (it comes off every conversation)",
                "admin",
                {204: None},
                (403, 404),
                label,
            ),
        },
        "/api/conversations/{conversation_id}/labels": {
            "post": _operation(
                "Put a label on the conversation",
                "agent",
                {200: ref("Conversation")},
                (400, 403, 404),
                [_path("conversation_id")],
                _json(put_on, {"label_id": 2}),
            )
        },
        "/api/conversations/{conversation_id}/labels/{label_id}": {
            "delete": _operation(
                "Take a label off the conversation",
                "agent",
                {200: ref("Conversation")},
                (403, 404),
                [_path("conversation_id"), *label],
            )
        },
    }


@cache
def openapi_document() -> dict[str, Any]:
    """The whole document; the same for every request, so built once."""
    paths = {
        **_conversation_paths(),
        **_label_paths(),
        **_saved_reply_paths(),
        **_supervisor_paths(),
    }
    paths["/api/openapi.json"] = {
        "get": _operation(
            "This document", "agents, supervisors", {200: {"type": "object"}}, errors=(403,)
        )
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LINE Inbox API",
            "version": "1",
            "description": "The JSON API the inbox's pages use; docs/API.md explains it for "
            "people. Errors are always JSON: `{error, message, status}`.",
        },
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from /account/tokens. Signed-in browsers use "
                    "their session cookie and an X-CSRFToken header instead.",
                }
            },
            "schemas": COMPONENTS,
        },
    }


@bp.get("/openapi.json")
@roles_required(Role.AGENT, Role.SUPERVISOR)
def openapi_json() -> ResponseReturnValue:
    """This API's OpenAPI 3.1 document, for anyone signed in (every route but the webhook and
    sign-in checks who is asking); docs/API.md is the reference for everyone else."""
    return jsonify(openapi_document())
