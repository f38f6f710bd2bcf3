"""/api/saved-replies: the team's and the viewer's own saved replies, and filling one in.

Agents use them (admins too); supervisors do not answer customers. A personal reply is its
owner's alone: to anyone else it does not exist (404), whatever their roles.
"""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from inbox.api.input import BadInput, is_row_id, json_object, text_field
from inbox.api.routes import bp
from inbox.api.serializers import iso
from inbox.auth import roles_required
from inbox.extensions import db
from inbox.models import Conversation, Role, SavedReply
from inbox.replies import service
from inbox.replies.variables import Context, expand

SCOPES = ("personal", "team")


def saved_reply_json(reply: SavedReply, shadowed: bool = False) -> dict[str, Any]:
    return {
        "id": reply.id,
        "scope": "team" if reply.is_team else "personal",
        "title": reply.title,
        "shortcut": reply.shortcut,
        "body": reply.body,
        "shadowed": shadowed,
        "can_edit": service.may_change(current_user, reply),
        "created_at": iso(reply.created_at),
        "updated_at": iso(reply.updated_at),
    }


def _visible_or_404(reply_id: int) -> SavedReply:
    reply = service.visible_reply(current_user, reply_id)
    if reply is None:
        abort(404, _("There is no saved reply %(id)d.", id=reply_id))
    return reply


def _fields(body: dict[str, Any], current: SavedReply | None = None) -> service.ReplyFields:
    """The JSON's title, shortcut and body (on a PATCH, missing ones stay as they are)."""
    values = {}
    for name in ("title", "shortcut", "body"):
        if current is not None and name not in body:
            values[name] = getattr(current, name)
        else:
            values[name] = text_field(body, name, _("%(name)s must be text.", name=name))
    try:
        return service.checked(values["title"], values["shortcut"], values["body"])
    except service.ReplyRefused as refusal:
        raise BadInput(str(refusal)) from None


def _saved(change: Any, *args: Any) -> SavedReply:
    try:
        return change(*args)
    except service.ShortcutTaken as refusal:
        abort(409, str(refusal))


@bp.get("/saved-replies")
@roles_required(Role.AGENT)
def saved_replies() -> ResponseReturnValue:
    """The team's replies and the viewer's own, by shortcut; `q` finds text in the title,
    shortcut or body, whatever its case. A team reply whose shortcut the viewer's own reply
    takes over is `shadowed`."""
    found = service.visible_replies(current_user, request.args.get("q"))
    return jsonify(saved_replies=[saved_reply_json(item.reply, item.shadowed) for item in found])


@bp.post("/saved-replies")
@roles_required(Role.AGENT)
def create_saved_reply() -> ResponseReturnValue:
    """Save a reply: `{title, shortcut, body, scope}`; scope `personal` (the default) is the
    viewer's own, `team` is for every agent and needs an admin."""
    body = json_object()
    scope = body.get("scope", "personal")
    if scope not in SCOPES:
        raise BadInput(_("scope must be personal or team."))
    if scope == "team" and not current_user.has_role(Role.ADMIN):
        abort(403, _("Only admins manage the team's saved replies."))
    fields = _fields(body)
    owner = None if scope == "team" else current_user._get_current_object()
    reply = _saved(service.create_reply, owner, fields)
    return jsonify(saved_reply_json(reply)), 201


@bp.get("/saved-replies/<int:reply_id>")
@roles_required(Role.AGENT)
def saved_reply(reply_id: int) -> ResponseReturnValue:
    """One saved reply: a team reply, or one of the viewer's own."""
    return jsonify(saved_reply_json(_visible_or_404(reply_id)))


def _changeable(reply_id: int) -> SavedReply:
    reply = _visible_or_404(reply_id)
    if not service.may_change(current_user, reply):
        abort(403, _("Only admins manage the team's saved replies."))
    return reply


@bp.patch("/saved-replies/<int:reply_id>")
@roles_required(Role.AGENT)
def update_saved_reply(reply_id: int) -> ResponseReturnValue:
    """Change a reply's `title`, `shortcut` and/or `body`."""
    reply = _changeable(reply_id)
    fields = _fields(json_object(), reply)
    return jsonify(saved_reply_json(_saved(service.update_reply, reply, fields)))


@bp.delete("/saved-replies/<int:reply_id>")
@roles_required(Role.AGENT)
def delete_saved_reply(reply_id: int) -> ResponseReturnValue:
    """Delete a reply (a team reply: admins only)."""
    service.delete_reply(_changeable(reply_id))
    return "", 204


@bp.get("/saved-replies/<int:reply_id>/expand")
@roles_required(Role.AGENT)
def expand_saved_reply(reply_id: int) -> ResponseReturnValue:
    """The reply's text with its variables filled in for `conversation` (a conversation id;
    without it, only the agent's own name is known). Variables the inbox does not know
    (`unknown`) and those with no value here (`empty`) stay in the text as written."""
    reply = _visible_or_404(reply_id)
    conversation = None
    raw = request.args.get("conversation")
    if raw is not None:
        if not is_row_id(raw):
            raise BadInput(_("conversation must be a conversation's numeric id."))
        conversation = db.session.get(Conversation, int(raw))
        if conversation is None:
            abort(404, _("There is no conversation %(id)d.", id=int(raw)))
    expansion = expand(reply.body, Context(current_user, conversation))
    return jsonify(
        id=reply.id, text=expansion.text, unknown=expansion.unknown, empty=expansion.empty
    )
