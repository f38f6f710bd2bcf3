"""Socket.IO for the phone page: live bot messages, typing, read marks (namespace /sandbox).

Sent by the server only, through `phone.notify`; the browser just listens.
"""

from __future__ import annotations

from flask_login import current_user
from flask_socketio import Namespace

from inbox.sandbox.phone.notify import NAMESPACE

__all__ = ["NAMESPACE", "PhoneNamespace"]


class PhoneNamespace(Namespace):
    def on_connect(self, auth: object = None) -> bool:
        """A phone page connects: only for someone signed in to the inbox."""
        return bool(current_user.is_authenticated)
