"""Who is asking, and may they: sessions, bearer tokens and role checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Blueprint, Flask, Request, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from inbox.auth import throttle
from inbox.auth.cookies import RequestAwareSessionInterface, has_authorization_header
from inbox.errors import wants_json
from inbox.extensions import db, login_manager
from inbox.models import ApiToken, Role, User, utcnow
from inbox.models.user import hash_api_token

F = TypeVar("F", bound=Callable[..., Any])


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user behind a session or remember-me cookie: "<id>:<session version>".

    A disabled account, or one whose version moved on (disabled, password reset), is signed out.
    """
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


LAST_USED_PRECISION = timedelta(minutes=1)


def live_token(header: str | None) -> ApiToken | None:
    """The unrevoked token of an active user in `Authorization: Bearer <token>`, if any."""
    if not header or not header.lower().startswith("bearer "):
        return None
    token = header[7:].strip()
    if not token:
        return None
    api_token = (
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.token_hash == hash_api_token(token), ApiToken.revoked_at.is_(None))
            # Every API call reads its user and roles: one query, not three.
            .options(joinedload(ApiToken.user).joinedload(User.role_rows))
        )
        .unique()
        .one_or_none()
    )
    if api_token is None or not api_token.user.is_active:
        return None
    now = utcnow()
    # "Last used" to the minute: a write on every API call would queue every reader behind
    # SQLite's one writer (and cost PostgreSQL a row version per request).
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_PRECISION:
        api_token.last_used_at = now
        db.session.commit()
    return api_token


def authenticate_bearer(header: str | None) -> User | None:
    """The user behind `Authorization: Bearer <token>`, if the token is live."""
    api_token = live_token(header)
    return api_token.user if api_token is not None else None


# Blueprints that read the Authorization header themselves: the sandbox's emulated LINE
# platform, whose bearer tokens are LINE channel tokens, not people's API tokens.
_reading_their_own_authorization: set[str] = set()


def leave_authorization_header_to(blueprint: Blueprint) -> Blueprint:
    _reading_their_own_authorization.add(blueprint.name)
    return blueprint


@login_manager.request_loader
def load_user_from_header(req: Request) -> User | None:
    """The user behind the Authorization header, the only thing read when there is one."""
    return authenticate_bearer(req.headers.get("Authorization"))


def refuse_a_bad_authorization_header() -> None:
    """An Authorization header that is not a live API token is a 401 before the view runs,
    whatever cookies came along (they are not read: see HeaderFirstLoginManager), so nothing
    is done and no CSRF check is skipped on a made-up token's word."""
    if (
        has_authorization_header(request)
        and request.blueprint not in _reading_their_own_authorization
        and not current_user.is_authenticated
    ):
        abort(401)


@login_manager.unauthorized_handler
def unauthorized() -> ResponseReturnValue:
    if wants_json():
        abort(401)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Allow signed-in users with one of these roles; admins may do everything."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


ANY_ROLE = tuple(Role)
ROLE_LABELS = {
    Role.AGENT: _l("Agent"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.ADMIN: _l("Admin"),
}


def init_app(app: Flask) -> None:
    app.session_interface = RequestAwareSessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.session_protection = "strong"
    throttle.init_app(app)
    app.before_request(refuse_a_bad_authorization_header)
