"""Live updates: domain code announces changed rows; after commit they reach Socket.IO rooms.

`publish` is the seam domain code calls; `events` (the sockets' handlers, wired by the
factory) sits above the domain and imports it, so this package exports only the seam."""

from inbox.realtime.publish import announce, flush_live_updates, init_app

__all__ = ["announce", "flush_live_updates", "init_app"]
