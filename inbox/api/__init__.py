"""The JSON API under /api: the UI and API clients read and write the store through it."""

from inbox.api import (
    actions,  # noqa: F401 - the write routes join the blueprint
    bulk,  # noqa: F401 - and POST /api/conversations/bulk
    labels,  # noqa: F401 - and /api/labels
    openapi,  # noqa: F401 - and GET /api/openapi.json
    saved_replies,  # noqa: F401 - and /api/saved-replies
)
from inbox.api.routes import bp
from inbox.audit import routes as audit_routes  # noqa: F401 - and the audit log's API
from inbox.history import routes as history_routes  # noqa: F401 - and the history search

__all__ = ["bp"]
