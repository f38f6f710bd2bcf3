"""Admins' page for the team's saved replies (under /admin/replies); the replies themselves
are inbox/replies."""

from __future__ import annotations

from flask import abort, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from inbox.admin.blueprint import bp
from inbox.auth import roles_required
from inbox.extensions import db
from inbox.models import Role, SavedReply
from inbox.replies import pages, service

TEAM = pages.ReplyPages(
    "team",
    _l("Team replies"),
    {
        "list": "admin.replies",
        "new": "admin.new_reply",
        "edit": "admin.edit_reply",
        "delete": "admin.delete_reply",
    },
)


def _team_reply_or_404(reply_id: int) -> SavedReply:
    reply = db.session.get(SavedReply, reply_id)
    if reply is None or not reply.is_team:  # a person's own replies are theirs alone
        abort(404)
    return reply


@bp.get("/replies")
@roles_required(Role.ADMIN)
def replies() -> ResponseReturnValue:
    """The saved replies every agent can insert; `?q=` finds text in them."""
    return pages.list_page(TEAM, service.team_replies(request.args.get("q")))


@bp.route("/replies/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_reply() -> ResponseReturnValue:
    """Add a reply for the whole team."""
    return pages.save(TEAM, None, None)


@bp.route("/replies/<int:reply_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_reply(reply_id: int) -> ResponseReturnValue:
    """Change a team reply."""
    return pages.save(TEAM, None, _team_reply_or_404(reply_id))


@bp.post("/replies/<int:reply_id>/delete")
@roles_required(Role.ADMIN)
def delete_reply(reply_id: int) -> ResponseReturnValue:
    """Delete a team reply."""
    return pages.delete_reply(TEAM, _team_reply_or_404(reply_id))
