"""The agent workspace: conversation list, thread, profile and composer on one page."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from inbox.auth import roles_required
from inbox.channels.health import channels_in_trouble
from inbox.extensions import db
from inbox.home.installable import manifest
from inbox.home.workspace import ListFilters, bootstrap, view_name, views_for
from inbox.models import Conversation, Role

bp = Blueprint("home", __name__)


def _workspace(opened: Conversation | None) -> ResponseReturnValue:
    view = view_name(request.args.get("view"), current_user)
    query = (request.args.get("q") or "").strip()[:200] or None
    filters = ListFilters.from_args(request.args)
    return render_template(
        "workspace/index.html",
        boot=bootstrap(current_user, view, query, opened, filters),
        views=views_for(current_user),
        view=view,
        query=query or "",
        opened=opened,
        troubled=channels_in_trouble(),
        can_fix=current_user.has_role(Role.ADMIN),
    )


@bp.get("/")
@roles_required(Role.AGENT, Role.SUPERVISOR)
def index() -> ResponseReturnValue:
    """The workspace with no conversation open; `?view=` picks the list tab, `?q=` searches,
    `?channel=`, `?label=`, `?waiting=` and `?assignee=` filter the list."""
    return _workspace(None)


@bp.get("/conversations/<int:conversation_id>")
@roles_required(Role.AGENT, Role.SUPERVISOR)
def conversation(conversation_id: int) -> ResponseReturnValue:
    """The workspace with one conversation open (the address the page shows and shares)."""
    opened = db.session.get(Conversation, conversation_id)
    if opened is None:
        abort(404, _("There is no conversation %(id)d.", id=conversation_id))
    return _workspace(opened)


# The installable app's files are public (see inbox/home/installable.py): tests/test_access.py
# lists these three endpoints with /static.


@bp.get("/manifest.webmanifest")
def web_manifest() -> ResponseReturnValue:
    """The Web App Manifest that lets a phone or desktop install the inbox as an app."""
    response = jsonify(manifest())
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/service-worker.js")
def service_worker() -> ResponseReturnValue:
    """The service worker, served from the site's root so that its scope is the whole app."""
    response = send_from_directory(
        current_app.static_folder or "", "js/service-worker.js", max_age=0
    )
    response.mimetype = "text/javascript"
    response.headers["Cache-Control"] = "no-cache"  # browsers must see a new version at once
    return response


@bp.get("/offline")
def offline() -> ResponseReturnValue:
    """What the installed app shows when there is no connection: no data, so it is cacheable."""
    return render_template("workspace/offline.html")
