"""Sign-in, roles and API tokens."""

from inbox.auth.access import ROLE_LABELS, authenticate_bearer, init_app, roles_required

__all__ = ["ROLE_LABELS", "authenticate_bearer", "init_app", "roles_required"]
