"""The profile.refresh and group.refresh jobs, and when ingest asks for them."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from inbox.channels import line_client
from inbox.extensions import db
from inbox.jobs import GiveUp, enqueue, handles
from inbox.line.errors import LineError, LineForbidden, LineNotFound
from inbox.models import (
    Channel,
    Contact,
    Conversation,
    ConversationMember,
    FollowState,
    SourceType,
    utcnow,
)
from inbox.profiles.pictures import cache_picture
from inbox.realtime import announce, announce_group


def _max_age() -> timedelta:
    return timedelta(hours=float(current_app.config["PROFILE_MAX_AGE_HOURS"]))


def _stale(fetched_at: object) -> bool:
    return fetched_at is None or utcnow() - fetched_at > _max_age()  # type: ignore[operator]


def want_profile(contact: Contact, via: Conversation | None = None, *, force: bool = False) -> None:
    """Queue a profile fetch if we have none or it is old. `via` a group or room: LINE only
    shows non-friends' profiles through the chat they share with the bot."""
    if not (force or _stale(contact.profile_fetched_at)):
        return
    payload: dict[str, object] = {"contact_id": contact.id}
    if via is not None and via.source_type is not SourceType.USER:
        payload["chat"] = {"type": via.source_type.value, "id": via.source_id}
    enqueue("profile.refresh", f"profile:{contact.id}", payload, max_attempts=5)


def want_group_refresh(conversation: Conversation, *, force: bool = False) -> None:
    """Queue a group or room refresh (name, picture, members) if due."""
    if conversation.source_type is SourceType.USER:
        return
    if not (force or _stale(conversation.profile_fetched_at)):
        return
    enqueue(
        "group.refresh",
        f"group:{conversation.id}",
        {"conversation_id": conversation.id},
        max_attempts=5,
    )


@handles("profile.refresh")
def refresh_profile(payload: dict) -> None:
    contact = db.session.get(Contact, payload["contact_id"])
    if contact is None:
        return
    client = line_client(db.session.get(Channel, contact.channel_id))  # type: ignore[arg-type]
    chat = payload.get("chat")
    try:
        if chat and chat["type"] == "group":
            profile = client.group_member_profile(chat["id"], contact.line_user_id)
        elif chat:
            profile = client.room_member_profile(chat["id"], contact.line_user_id)
        else:
            profile = client.profile(contact.line_user_id)
    except LineNotFound as error:
        # Not a friend, blocked us, or left the chat: recorded, tried again only when stale.
        contact.profile_error, contact.profile_fetched_at = str(error), utcnow()
        if not chat:
            learn_follow_state(contact, is_friend=False)
        announce_contact(contact)
        db.session.commit()
        return
    except LineError as error:
        if error.status in (400, 401, 403):
            contact.profile_error = str(error)
            db.session.commit()
            raise GiveUp(str(error)) from error
        raise
    contact.display_name = profile.get("displayName") or contact.display_name
    if profile.get("pictureUrl") != contact.picture_url or contact.picture_path is None:
        contact.picture_url = profile.get("pictureUrl")
        contact.picture_path = cache_picture(contact.picture_url, f"pictures/contacts/{contact.id}")
    if not chat:  # only Get Profile returns these
        contact.status_message = profile.get("statusMessage")
        contact.language = profile.get("language")
        learn_follow_state(contact, is_friend=True)
    contact.profile_fetched_at, contact.profile_error = utcnow(), None
    announce_contact(contact)  # the inbox list shows the new name and picture
    db.session.commit()


def learn_follow_state(contact: Contact, *, is_friend: bool) -> None:
    """What Get Profile's answer says of the friendship (LINE answers it for friends only).

    A block seen as an event stays: it is dated and LINE's 404 would only repeat it. Otherwise
    LINE's answer is the newest word: a friend without a follow event became one before this
    inbox was connected (`followed_at` stays empty), and a 404 means not, or no longer, a friend.
    """
    if contact.follow_state is FollowState.BLOCKED:
        return
    if is_friend:
        if contact.follow_state is not FollowState.FOLLOWING:
            contact.follow_state = FollowState.FOLLOWING
    else:
        contact.follow_state = FollowState.NOT_FRIEND


def announce_contact(contact: Contact) -> None:
    """The profile panels showing the contact, and the list rows named after them, follow."""
    announce(contact)
    for conversation in db.session.scalars(
        sa.select(Conversation).where(Conversation.contact_id == contact.id)
    ):
        announce(conversation)


def _sync_member_ids(conversation: Conversation, member_ids: list[str]) -> None:
    for user_id in member_ids:
        contact = db.session.scalar(
            sa.select(Contact).filter_by(channel_id=conversation.channel_id, line_user_id=user_id)
        )
        if contact is None:
            contact = Contact(channel_id=conversation.channel_id, line_user_id=user_id)
            db.session.add(contact)
            db.session.flush()
        member = db.session.scalar(
            sa.select(ConversationMember).filter_by(
                conversation_id=conversation.id, contact_id=contact.id
            )
        )
        if member is None:
            db.session.add(
                ConversationMember(conversation_id=conversation.id, contact_id=contact.id)
            )
        elif member.left_at is not None:
            member.left_at = None
        want_profile(contact, via=conversation)


@handles("group.refresh")
def refresh_group(payload: dict) -> None:
    conversation = db.session.get(Conversation, payload["conversation_id"])
    if conversation is None or not conversation.bot_is_member:
        return
    client = line_client(conversation.channel)
    kind, chat_id = conversation.source_type.value, conversation.source_id
    notes: list[str] = []
    try:
        if conversation.source_type is SourceType.GROUP:
            summary = client.group_summary(chat_id)
            conversation.title = summary.get("groupName") or conversation.title
            if (
                summary.get("pictureUrl") != conversation.picture_url
                or not conversation.picture_path
            ):
                conversation.picture_url = summary.get("pictureUrl")
                conversation.picture_path = cache_picture(
                    conversation.picture_url, f"pictures/conversations/{conversation.id}"
                )
        conversation.member_count = client.member_count(kind, chat_id)
        try:
            _sync_member_ids(conversation, list(client.member_ids(kind, chat_id)))
        except LineForbidden as error:
            # Member ids need a verified or premium account: members still appear as they speak.
            notes.append(str(error))
    except LineNotFound as error:
        notes.append(str(error))
    conversation.profile_fetched_at = utcnow()
    conversation.profile_error = "; ".join(notes) or None
    announce(conversation)
    announce_group(conversation)
    db.session.commit()
