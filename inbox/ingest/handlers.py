"""One handler per webhook event type: where an incoming sticker becomes a message row.

Event shapes: LINE's webhook.yml (copied to docs/line-openapi/). A type without a handler
is stored raw and shown in its conversation as an unsupported event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inbox.conversations.activity import StatusReason, reopen_on_return, resolve_automatically
from inbox.extensions import db
from inbox.ingest.context import EventContext
from inbox.models import (
    Attachment,
    AttachmentState,
    Direction,
    FollowState,
    Message,
    MessageRevision,
    SourceType,
)
from inbox.profiles import want_group_refresh, want_profile
from inbox.realtime import announce, announce_group

MEDIA_TYPES = frozenset({"image", "video", "audio", "file"})

# Events about the channel itself, with no conversation: stored raw, nothing to derive.
CHANNEL_EVENTS = frozenset(
    {"module", "activated", "deactivated", "botSuspended", "botResumed", "delivery"}
)

Handler = Callable[[EventContext], None]
HANDLERS: dict[str, Handler] = {}


def handles(*event_types: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for event_type in event_types:
            HANDLERS[event_type] = handler
        return handler

    return register


def _attachment_for(content: dict[str, Any]) -> Attachment:
    provider = content.get("contentProvider") or {"type": "line"}
    external = provider.get("type") == "external"
    return Attachment(
        kind=content["type"],
        content_provider=provider.get("type", "line"),
        original_url=provider.get("originalContentUrl"),
        preview_url=provider.get("previewImageUrl"),
        file_name=content.get("fileName"),
        file_size=content.get("fileSize"),
        duration_ms=content.get("duration"),
        state=AttachmentState.EXTERNAL if external else AttachmentState.PENDING,
    )


def _placeholder(ctx: EventContext, line_message_id: str) -> Message:
    """A row for a message we have not seen yet (its unsend or edit overtook it)."""
    conversation = ctx.conversation()
    assert conversation is not None
    sender = ctx.sender()
    message = Message(
        conversation_id=conversation.id,
        channel_id=ctx.channel.id,
        direction=Direction.INCOMING,
        type="unknown",
        line_message_id=line_message_id,
        sender_contact_id=sender.id if sender else None,
        sent_at=ctx.event_at,
    )
    db.session.add(message)
    ctx.remember_message(message)
    return message


def _message_named(ctx: EventContext) -> str | None:
    """The LINE message id of a message, edit or unsend event that has what its type always
    has (a body with an id and, for messages, a type) in a chat; else None, and the event is
    shown as unsupported: kept raw, never failed and retried for a shape it will keep."""
    content = ctx.event.get("message")
    typed = ctx.event["type"] == "unsend" or (
        isinstance(content, dict) and isinstance(content.get("type"), str)
    )
    if not typed or ctx.mentioned_message_id is None or ctx.conversation() is None:
        unsupported(ctx)
        return None
    return ctx.mentioned_message_id


@handles("message")
def message_received(ctx: EventContext) -> None:
    if (line_message_id := _message_named(ctx)) is None:
        return
    content = ctx.event["message"]
    message = ctx.find_message(line_message_id)
    if message is not None and not message.is_placeholder:
        return  # the same LINE message under another event id: already in the thread
    message = message or _placeholder(ctx, line_message_id)
    if message.edited_at is not None:
        # An edit overtook its original: the edit's text stays, the original becomes history.
        message.revisions.append(MessageRevision(text=content.get("text"), text_at=ctx.event_at))
    else:
        message.text = content.get("text")
    message.type = content["type"]
    message.payload = content
    message.quote_token = content.get("quoteToken")
    message.quoted_message_id = content.get("quotedMessageId")
    message.mark_as_read_token = content.get("markAsReadToken")
    message.webhook_event_id = ctx.row.id
    message.sent_at = ctx.event_at
    announce(message)
    if content["type"] in MEDIA_TYPES:
        message.attachment = _attachment_for(content)
        if message.attachment.state is AttachmentState.PENDING:
            ctx.fetch_later(message.attachment)
    ctx.keep_reply_token()
    ctx.touch(incoming=True)


@handles("messageEdited")
def message_edited(ctx: EventContext) -> None:
    """Show the newest text; every earlier version stays readable for supervisors.

    Edits can arrive out of order: the one with the largest timestamp is the latest.
    """
    if (line_message_id := _message_named(ctx)) is None:
        return
    content = ctx.event["message"]
    message = ctx.find_message(line_message_id) or _placeholder(ctx, line_message_id)
    new_text = content.get("text")
    if message.edited_at is not None and ctx.event_at < message.edited_at:
        message.revisions.append(MessageRevision(text=new_text, text_at=ctx.event_at))
    else:
        if not (message.is_placeholder and message.edited_at is None):
            current_since = message.edited_at or message.sent_at
            message.revisions.append(MessageRevision(text=message.text, text_at=current_since))
        message.text, message.edited_at = new_text, ctx.event_at
        if message.is_placeholder:
            message.type = content["type"]
    announce(message)
    ctx.keep_reply_token()
    ctx.touch(incoming=False)


@handles("unsend")
def message_unsent(ctx: EventContext) -> None:
    """The user unsent a message: agents see "message unsent", supervisors still see the text."""
    if (line_message_id := _message_named(ctx)) is None:
        return
    message = ctx.find_message(line_message_id) or _placeholder(ctx, line_message_id)
    message.unsent_at = ctx.event_at
    announce(message)


@handles("postback")
def postback(ctx: EventContext) -> None:
    """A tap on a postback action: the user's input, so it counts as an incoming message."""
    conversation = ctx.conversation()
    if conversation is None:
        return
    sender = ctx.sender()
    tap = Message(
        conversation_id=conversation.id,
        channel_id=ctx.channel.id,
        direction=Direction.INCOMING,
        type="postback",
        payload=ctx.event["postback"],
        sender_contact_id=sender.id if sender else None,
        webhook_event_id=ctx.row.id,
        sent_at=ctx.event_at,
    )
    db.session.add(tap)
    announce(tap)
    ctx.keep_reply_token()
    ctx.touch(incoming=True)


@handles("follow")
def followed(ctx: EventContext) -> None:
    contact = ctx.sender()
    if contact is not None:
        contact.follow_state, contact.followed_at = FollowState.FOLLOWING, ctx.event_at
        want_profile(contact, force=True)
        announce(contact)
    ctx.system_line("follow", ctx.event.get("follow") or {})
    if (conversation := ctx.conversation()) is not None:
        reopen_on_return(conversation, StatusReason.FOLLOWED, ctx.event_at)
    ctx.keep_reply_token()


@handles("unfollow")
def unfollowed(ctx: EventContext) -> None:
    """The user blocked the account: pushes to them will fail until they unblock."""
    contact = ctx.sender()
    if contact is not None:
        contact.follow_state, contact.blocked_at = FollowState.BLOCKED, ctx.event_at
        announce(contact)
    ctx.system_line("unfollow", {})
    conversation = ctx.conversation()
    if conversation is not None and conversation.source_type is SourceType.USER:
        resolve_automatically(conversation, StatusReason.BLOCKED, ctx.event_at)


@handles("join", "leave")
def bot_joined_or_left(ctx: EventContext) -> None:
    conversation = ctx.conversation()
    if conversation is None:
        return
    joined = ctx.event["type"] == "join"
    if not joined and not conversation.bot_is_member:
        return  # an agent took the bot out and the thread already says who: LINE confirms it
    conversation.bot_is_member = joined
    if joined:
        want_group_refresh(conversation, force=True)
    ctx.system_line(ctx.event["type"], {})
    announce_group(conversation)
    if joined:
        reopen_on_return(conversation, StatusReason.BOT_JOINED, ctx.event_at)
    else:
        resolve_automatically(conversation, StatusReason.BOT_LEFT, ctx.event_at)
    ctx.keep_reply_token()


@handles("memberJoined", "memberLeft")
def members_changed(ctx: EventContext) -> None:
    joined = ctx.event["type"] == "memberJoined"
    body = ctx.event.get("joined" if joined else "left")
    conversation = ctx.conversation()
    if not isinstance(body, dict) or conversation is None:
        unsupported(ctx)
        return
    members = body.get("members")
    for member in members if isinstance(members, list) else []:
        if isinstance(member, dict) and isinstance(member.get("userId"), str):
            contact = ctx.contact(member["userId"])
            ctx.member_seen(contact, joined=joined, left=not joined)
            if joined:
                want_profile(contact, via=conversation)
    ctx.system_line(ctx.event["type"], body)
    announce_group(conversation)
    ctx.keep_reply_token()


_EVENT_BODY_FIELDS = {
    "beacon": "beacon",
    "accountLink": "link",
    "videoPlayComplete": "videoPlayComplete",
    "membership": "membership",
}


@handles(*_EVENT_BODY_FIELDS)
def noted_in_thread(ctx: EventContext) -> None:
    """Events agents should see in the thread but not answer as messages."""
    ctx.system_line(ctx.event["type"], ctx.event.get(_EVENT_BODY_FIELDS[ctx.event["type"]]) or {})
    ctx.keep_reply_token()


@handles(*CHANNEL_EVENTS)
def channel_event(ctx: EventContext) -> None:
    """Kept raw in webhook_events; no conversation to show it in."""


def unsupported(ctx: EventContext) -> None:
    """A type we do not know: kept raw, and shown in its conversation rather than dropped."""
    ctx.system_line("unsupported", ctx.event)
    ctx.keep_reply_token()


def handler_for(event_type: str) -> Handler:
    return HANDLERS.get(event_type, unsupported)
