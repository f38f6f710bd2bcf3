"""Simulated users and their friendship with an account."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from inbox.sandbox import events, ids, media
from inbox.sandbox.models import (
    Friendship,
    HiddenProfile,
    SimUser,
)
from inbox.sandbox.simulate.core import (
    SimulationError,
    Upload,
    _after_commit,
    _channel,
    _queue,
    _user,
)
from inbox.sandbox.state import Sandbox


def create_user(
    sandbox: Sandbox,
    display_name: str,
    *,
    status_message: str | None = None,
    language: str | None = None,
    picture: Upload | None = None,
) -> SimUser:
    """A new simulated LINE user (who has not added any account yet)."""
    display_name = display_name.strip()
    if not display_name or len(display_name) > 255:
        raise SimulationError(_l("A name of 1 to 255 characters is needed."))
    user = SimUser(
        user_id=ids.user_id(),
        display_name=display_name,
        status_message=(status_message or "").strip() or None,
        language=(language or "").strip() or None,
        created_at=sandbox.now(),
    )
    if picture is not None:
        stored = media.store_stream(sandbox, picture.stream, picture.content_type)
        user.picture_file, user.picture_type = stored.name, stored.content_type
    with sandbox.session() as session:
        session.add(user)
    return user


def follow(sandbox: Sandbox, channel_pk: int, user_id: str) -> dict[str, Any] | None:
    """Add the account as a friend (or unblock it): a follow event with a reply token."""
    with sandbox.session() as session:
        _channel(session, channel_pk), _user(session, user_id)
        friendship = session.get(Friendship, (channel_pk, user_id))
        if friendship is not None and friendship.state == "following":
            return None
        unblocked = friendship is not None
        if friendship is None:
            friendship = Friendship(channel_pk=channel_pk, user_id=user_id)
            session.add(friendship)
        friendship.state, friendship.changed_at = "following", sandbox.now()
        event = _queue(
            session,
            sandbox,
            channel_pk,
            "follow",
            events.source("user", user_id),
            reply_chat=("user", user_id),
            follow={"isUnblocked": unblocked},
        )
    _after_commit(sandbox, [("friendship", {"user": user_id, "state": "following"})])
    return event


def unfollow(sandbox: Sandbox, channel_pk: int, user_id: str) -> dict[str, Any] | None:
    """Block the account: an unfollow event (no reply token; pushes stop reaching the user)."""
    with sandbox.session() as session:
        friendship = session.get(Friendship, (channel_pk, user_id))
        if friendship is None or friendship.state != "following":
            return None
        friendship.state, friendship.changed_at = "blocked", sandbox.now()
        event = _queue(session, sandbox, channel_pk, "unfollow", events.source("user", user_id))
    _after_commit(sandbox, [("friendship", {"user": user_id, "state": "blocked"})])
    return event


def befriend_before_inbox(sandbox: Sandbox, channel_pk: int, user_id: str) -> None:
    """A friend from before the inbox was connected: following, and no follow event ever sent.

    Every real account has these: their follow event went nowhere, or to another system."""
    with sandbox.session() as session:
        _channel(session, channel_pk), _user(session, user_id)
        friendship = session.get(Friendship, (channel_pk, user_id))
        if friendship is None:
            friendship = Friendship(channel_pk=channel_pk, user_id=user_id)
            session.add(friendship)
        friendship.state, friendship.changed_at = "following", sandbox.now()
    _after_commit(sandbox, [("friendship", {"user": user_id, "state": "following"})])


def set_profile_hidden(sandbox: Sandbox, channel_pk: int, user_id: str, hidden: bool) -> None:
    """Make Get Profile (and the group and room member profiles) answer 404 for this user, or
    answer normally again."""
    with sandbox.session() as session:
        _channel(session, channel_pk), _user(session, user_id)
        row = session.get(HiddenProfile, (channel_pk, user_id))
        if hidden and row is None:
            session.add(
                HiddenProfile(channel_pk=channel_pk, user_id=user_id, hidden_at=sandbox.now())
            )
        elif not hidden and row is not None:
            session.delete(row)
    _after_commit(sandbox, [("friendship", {"user": user_id, "profile_hidden": hidden})])
