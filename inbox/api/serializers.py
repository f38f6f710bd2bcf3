"""Rows to JSON. What a viewer may see is decided here, once, for every route and socket.

Paths are written out (not url_for) so jobs, outside any request, can build the same JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.conversations.queries import last_messages
from inbox.conversations.search import Hit, newest_hits
from inbox.conversations.waiting import waiting_times
from inbox.history.highlight import utf16_spans
from inbox.models import (
    Attachment,
    AttachmentState,
    Channel,
    Contact,
    Conversation,
    Direction,
    Label,
    Message,
    Role,
    SourceType,
    User,
)


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def sees_history(viewer: User) -> bool:
    """Supervisors and admins read unsent originals and earlier edits; agents do not."""
    return viewer.has_role(Role.SUPERVISOR)


def user_brief(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "roles": [role.value for role in Role if role in user.roles],
    }


def channel_brief(channel: Channel) -> dict[str, Any]:
    return {"id": channel.id, "line_channel_id": channel.line_channel_id, "name": channel.name}


def contact_picture_url(contact: Contact) -> str | None:
    """Our cached copy when we have one; LINE's address until then."""
    if contact.picture_path:
        return f"/media/contacts/{contact.id}/picture"
    return contact.picture_url


def conversation_picture_url(conversation: Conversation) -> str | None:
    if conversation.contact is not None:
        return contact_picture_url(conversation.contact)
    if conversation.picture_path:
        return f"/media/conversations/{conversation.id}/picture"
    return conversation.picture_url


def contact_json(contact: Contact | None) -> dict[str, Any] | None:
    if contact is None:
        return None
    return {
        "id": contact.id,
        "line_user_id": contact.line_user_id,
        "display_name": contact.display_name,
        "picture_url": contact_picture_url(contact),
        "status_message": contact.status_message,
        "language": contact.language,
        "follow_state": contact.follow_state.value,
        "followed_at": iso(contact.followed_at),
        "blocked_at": iso(contact.blocked_at),
        "profile_fetched_at": iso(contact.profile_fetched_at),
        "profile_error": contact.profile_error,
    }


def attachment_json(attachment: Attachment | None) -> dict[str, Any] | None:
    """`url`/`preview_url`: ours once fetched; an external provider's own links as they are."""
    if attachment is None:
        return None
    if attachment.state is AttachmentState.EXTERNAL:
        url, preview = attachment.original_url, attachment.preview_url
    elif attachment.state is AttachmentState.READY:
        url = f"/media/{attachment.id}"
        preview = f"/media/{attachment.id}/preview" if attachment.preview_path else None
    else:
        url = preview = None
    return {
        "id": attachment.id,
        "kind": attachment.kind,
        "state": attachment.state.value,
        "content_provider": attachment.content_provider,
        "content_type": attachment.content_type,
        "file_name": attachment.file_name,
        "file_size": attachment.file_size,
        "duration_ms": attachment.duration_ms,
        "url": url,
        "preview_url": preview,
        "error": attachment.error,
        "line_request_id": attachment.line_request_id,
    }


def message_json(message: Message, viewer: User) -> dict[str, Any]:
    hidden = message.unsent_at is not None and not sees_history(viewer)
    body: dict[str, Any] = {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "version": message.version,
        "direction": message.direction.value,
        "type": message.type,
        "line_message_id": message.line_message_id,
        "text": None if hidden else message.text,
        "payload": None if hidden else message.payload,
        "sent_at": iso(message.sent_at),
        "unsent": message.unsent_at is not None,
        "unsent_at": iso(message.unsent_at),
        "edited_at": iso(message.edited_at),
        "quote_token": message.quote_token,
        "quoted_message_id": message.quoted_message_id,
        "sender": contact_json(message.sender) if message.sender else None,
        "attachment": None if hidden else attachment_json(message.attachment),
    }
    if sees_history(viewer) and message.revisions:
        body["revisions"] = [
            {"text": revision.text, "text_at": iso(revision.text_at)}
            for revision in message.revisions
        ]
    if message.sent_by_user_id is not None:  # outgoing messages, notes, agents' actions
        body["sent_by"] = user_brief(message.sent_by)
    if message.direction is Direction.OUTGOING:
        body.update(
            delivery_state=message.delivery_state.value if message.delivery_state else None,
            send_mode=message.send_mode.value if message.send_mode else None,
            line_request_id=message.line_request_id,
            error_message=message.error_message,
            error_details=line_error_details(message.error_details),
        )
    return body


def line_error_details(stored: dict[str, Any] | list[Any] | None) -> list[dict] | None:
    """LINE's per-property complaints of a refusal (stored with the rest of its answer)."""
    details = stored.get("details") if isinstance(stored, dict) else stored
    if not isinstance(details, list):
        return None
    return [item for item in details if isinstance(item, dict)] or None


def waiting_json(conversation: Conversation) -> dict[str, Any] | None:
    """Since when the customer waits, and when that turns amber and red (by the channel's
    thresholds): the browser ticks the colour on by itself."""
    times = waiting_times(conversation, conversation.channel)
    if times is None:
        return None
    return {"since": iso(times.since), "amber_at": iso(times.amber_at), "red_at": iso(times.red_at)}


def label_json(label: Label) -> dict[str, Any]:
    return {"id": label.id, "name": label.name, "colour": label.colour.value}


def conversation_json(
    conversation: Conversation, viewer: User, last_message: Message | None = None
) -> dict[str, Any]:
    contact = conversation.contact
    name = conversation.title if conversation.source_type is not SourceType.USER else None
    if contact is not None:
        name = contact.display_name
    return {
        "id": conversation.id,
        "channel": channel_brief(conversation.channel),
        "source": {"type": conversation.source_type.value, "id": conversation.source_id},
        "name": name,
        "picture_url": conversation_picture_url(conversation),
        "status": conversation.status.value,
        "assignee": user_brief(conversation.assignee),
        "unread_count": conversation.unread_count,
        "bot_is_member": conversation.bot_is_member,
        "last_activity_at": iso(conversation.last_activity_at),
        "waiting_since": iso(conversation.waiting_since),
        "waiting": waiting_json(conversation),
        "snoozed_until": iso(conversation.snoozed_until),
        "labels": [label_json(label) for label in conversation.labels],
        "last_message": message_json(last_message, viewer) if last_message else None,
    }


def hit_json(hit: Hit, viewer: User) -> dict[str, Any]:
    """The message a search found in a conversation, and where its text matched (UTF-16
    ranges, as the browser indexes text)."""
    return {
        "message": message_json(hit.message, viewer),
        "spans": [list(span) for span in utf16_spans(hit.message.text or "", hit.spans)],
    }


def conversation_list_json(
    conversations: list[Conversation], viewer: User, next_cursor: str | None, query: str | None
) -> dict[str, Any]:
    """A page of the list: each conversation with its last message and, for a search, the
    newest message that matched (two queries for the page, whatever its size)."""
    ids = [conversation.id for conversation in conversations]
    latest = last_messages(ids)
    hits = newest_hits(ids, query, viewer) if query and query.strip() else {}
    rows = []
    for conversation in conversations:
        row = conversation_json(conversation, viewer, latest.get(conversation.id))
        if query:
            hit = hits.get(conversation.id)
            row["match"] = hit_json(hit, viewer) if hit else None
        rows.append(row)
    return {"conversations": rows, "next_cursor": next_cursor}


def group_json(conversation: Conversation) -> dict[str, Any]:
    """A group or room as the profile panel shows it: name, picture, members who came and went."""
    members = sorted(conversation.members, key=lambda member: member.id)
    return {
        "type": conversation.source_type.value,
        "id": conversation.source_id,
        "name": conversation.title,
        "picture_url": conversation_picture_url(conversation),
        "member_count": conversation.member_count,
        "profile_error": conversation.profile_error,
        "members": [
            {
                **(contact_json(member.contact) or {}),
                "joined_at": iso(member.joined_at),
                "left_at": iso(member.left_at),
                "is_member": member.left_at is None,
            }
            for member in members
        ],
    }


def conversation_detail_json(conversation: Conversation, viewer: User) -> dict[str, Any]:
    body = conversation_json(conversation, viewer)
    body["contact"] = contact_json(conversation.contact)
    if conversation.source_type is not SourceType.USER:
        body["group"] = group_json(conversation)
    return body
