"""Live updates: domain code announces changed rows; after commit they reach Socket.IO rooms."""

from inbox.realtime.publish import announce, init_app

__all__ = ["announce", "init_app"]
