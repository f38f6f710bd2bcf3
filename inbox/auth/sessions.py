"""How access ends: a browser signing out, a person signed out everywhere, a token revoked.

Cookies and tokens are checked on every request; a live connection is checked on each of its
events and, so that it stops hearing broadcasts too, closed the moment its access ends.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import Flask, request, session
from flask_login import current_user, user_loaded_from_cookie, user_logged_in, user_logged_out

from inbox.auth.access import live_token
from inbox.auth.cookies import has_authorization_header
from inbox.extensions import db
from inbox.models import ApiToken, User, utcnow
from inbox.realtime.connections import (
    end_connections,
    end_connections_after_commit,
    session_room,
    sign_in_room,
    token_room,
    user_room,
)

SIGN_IN_KEY = "sign_in"  # in the session cookie: which browser sign-in this is


@dataclass(frozen=True)
class Credential:
    """What a live connection signed in with: a session cookie of some version, or a token."""

    user_id: int
    session_version: int | None = None
    token_id: int | None = None
    sign_in: str | None = None

    def current_user(self) -> User | None:
        """The user, while this credential would still be accepted on a new request."""
        user = db.session.get(User, self.user_id)
        if user is None or not user.is_active:
            return None
        if self.token_id is None:
            return user if user.session_version == self.session_version else None
        token = db.session.get(ApiToken, self.token_id)
        live = token is not None and token.revoked_at is None and token.user_id == user.id
        return user if live else None

    def rooms(self) -> list[str]:
        """The rooms whose ending closes this connection."""
        rooms = [user_room(self.user_id)]
        if self.token_id is not None:
            rooms.append(token_room(self.token_id))
        else:
            rooms.append(session_room(self.user_id))
        if self.sign_in:
            rooms.append(sign_in_room(self.sign_in))
        return rooms


def connection_credential(auth: Any) -> Credential | None:
    """Who opens a live connection. A token decides alone, as an Authorization header does over
    HTTP: in that header, or in the Socket.IO handshake's `auth={"token": ...}`, a bad one is
    refused even beside a signed-in cookie. Without one, the browser's signed-in session."""
    if has_authorization_header(request):
        return _token_credential(request.headers.get("Authorization"))
    if isinstance(auth, dict) and "token" in auth:
        given = auth["token"]
        return _token_credential(f"Bearer {given}" if isinstance(given, str) else None)
    if current_user.is_authenticated:
        return Credential(
            current_user.id,
            session_version=current_user.session_version,
            sign_in=session.get(SIGN_IN_KEY),
        )
    return None


def _token_credential(header: str | None) -> Credential | None:
    token = live_token(header)
    return Credential(token.user_id, token_id=token.id) if token is not None else None


def sign_out_everywhere(user: User) -> None:
    """Every browser's cookie stops working; connections made with one close after commit."""
    user.session_version = (user.session_version or 1) + 1
    end_connections_after_commit(session_room(user.id))


def lock_out(user: User) -> None:
    """Signed out everywhere, and the connections of the user's API tokens close too (tokens
    of an inactive account are refused)."""
    sign_out_everywhere(user)
    end_connections_after_commit(user_room(user.id))


def roles_changed(user: User) -> None:
    """The user's live connections were let into rooms by their old roles: they close after
    commit, and the reconnecting page is let in by the new ones."""
    end_connections_after_commit(user_room(user.id))


def revoke(token: ApiToken) -> None:
    """The token stops working; its live connections close after commit."""
    token.revoked_at = utcnow()
    end_connections_after_commit(token_room(token.id))


def _begin_sign_in(_app: Flask, **_extra: Any) -> None:
    session[SIGN_IN_KEY] = secrets.token_urlsafe(12)


def _end_sign_in(_app: Flask, **_extra: Any) -> None:
    sign_in = session.pop(SIGN_IN_KEY, None)
    if sign_in:
        end_connections(sign_in_room(sign_in))


def init_app(_app: Flask) -> None:
    """Tell each browser sign-in apart, so signing out closes that browser's connections."""
    user_logged_in.connect(_begin_sign_in)
    user_loaded_from_cookie.connect(_begin_sign_in)
    user_logged_out.connect(_end_sign_in)
