"""What makes the workspace an installable web app: its manifest, and the service worker that
keeps the app shell (styles, scripts, icons) and an offline page, never anyone's data.

Both are public: a browser fetches the manifest without cookies, and neither holds more than
what /static already serves to anyone.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _

THEME_COLOUR = "#06c755"  # LINE green, the accent of static/css/app.css
BACKGROUND_COLOUR = "#f6f8fa"
ICONS = [
    ("icons/icon-192.png", "192x192", "any"),
    ("icons/icon-512.png", "512x512", "any"),
    ("icons/icon-maskable-512.png", "512x512", "maskable"),
]


def manifest() -> dict[str, Any]:
    """The Web App Manifest, named in the language the browser asks for."""
    return {
        "id": "/",
        "name": _("LINE Inbox"),
        "short_name": _("Inbox"),
        "description": _("Read and answer your LINE Official Account's chats as a team."),
        "start_url": url_for("home.index"),
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {
                "src": url_for("static", filename=path),
                "sizes": sizes,
                "type": "image/png",
                "purpose": purpose,
            }
            for path, sizes, purpose in ICONS
        ],
    }
