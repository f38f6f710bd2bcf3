"""The emulated LINE platform API: api.line.me and api-data.line.me under URL prefixes."""

from inbox.sandbox.platform import chats, content, messages, oauth, webhook  # noqa: F401 - routes
from inbox.sandbox.platform.blueprints import API_PREFIX, DATA_PREFIX, api, data
from inbox.sandbox.platform.common import add_fallback

# The catch-all goes last so every real route matches first.
add_fallback(api)
add_fallback(data)

__all__ = ["API_PREFIX", "DATA_PREFIX", "api", "data"]
