"""The top bar's areas: each shown to the roles that may open it, once its blueprint exists
(the sandbox's phone only when LINE_SANDBOX is on)."""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import Flask, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from inbox.models import Role


class Area(NamedTuple):
    endpoint: str
    label: Any  # a lazy gettext string
    roles: tuple[Role, ...]  # admins see every area


AREAS = (
    Area("home.index", _l("Inbox"), (Role.AGENT, Role.SUPERVISOR)),
    Area("replies.index", _l("Saved replies"), (Role.AGENT,)),
    Area("history.index", _l("History"), (Role.SUPERVISOR,)),
    Area("reports.index", _l("Reports"), (Role.SUPERVISOR,)),
    Area("audit.index", _l("Audit log"), (Role.SUPERVISOR,)),
    Area("admin.channels", _l("Channels"), ()),
    Area("admin.users", _l("Users"), ()),
    Area("sandbox_phone.phone", _l("Phone"), tuple(Role)),
)


def _is_current(area: Area, address: str) -> bool:
    """The area the page belongs to: the inbox owns its conversations; others own the
    addresses under their own (/admin/channels/3/status is in Channels, not Users)."""
    if area.endpoint == "home.index":
        return request.blueprint == "home"
    return request.path == address or request.path.startswith(address.rstrip("/") + "/")


def visible_areas() -> list[dict[str, Any]]:
    if not current_user.is_authenticated:
        return []
    shown = []
    for area in AREAS:
        if area.endpoint in current_app.view_functions and current_user.has_role(*area.roles):
            address = url_for(area.endpoint)
            shown.append(
                {"url": address, "label": area.label, "current": _is_current(area, address)}
            )
    return shown


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"nav_areas": visible_areas})
