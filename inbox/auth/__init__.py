"""Sign-in, roles and API tokens."""

from inbox.auth.access import authenticate_bearer, init_app, roles_required

__all__ = ["authenticate_bearer", "init_app", "roles_required"]
