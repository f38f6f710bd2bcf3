"""Live updates: domain code announces changed rows; after commit they reach Socket.IO rooms.

`publish` is the seam domain code calls; `connections` closes live connections whose access
ended; `presence` keeps who is in the workspace and which conversations they have open;
`events` (the sockets' handlers, wired by the factory) sits above the domain and imports it,
so this package exports only the seams."""

from flask import Flask

from inbox.realtime import connections, presence, publish
from inbox.realtime.publish import announce, announce_group, flush_live_updates

__all__ = ["announce", "announce_group", "flush_live_updates", "init_app"]


def init_app(app: Flask) -> None:
    publish.init_app(app)
    connections.init_app(app)
    presence.init_app(app)
