"""Sign-in, roles and API tokens."""

from flask import Flask

from inbox.auth import access, sessions
from inbox.auth.access import ROLE_LABELS, authenticate_bearer, roles_required

__all__ = ["ROLE_LABELS", "authenticate_bearer", "init_app", "roles_required"]


def init_app(app: Flask) -> None:
    access.init_app(app)
    sessions.init_app(app)
