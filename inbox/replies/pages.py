"""The saved-reply pages: each agent's own under /replies, and the pieces the admins' team
page (inbox/admin/replies.py) shares with it: the form, the list and saving."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from inbox.api.input import guard
from inbox.auth import roles_required
from inbox.models import Role, SavedReply, User
from inbox.models.saved_reply import BODY_LENGTH, SHORTCUT_LENGTH, TITLE_LENGTH
from inbox.replies import service
from inbox.replies.variables import variable_help

bp = Blueprint("replies", __name__, url_prefix="/replies")
guard(bp)


class ReplyForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_LENGTH)])
    shortcut = StringField(
        _l("Shortcut"),
        validators=[DataRequired(), Length(max=SHORTCUT_LENGTH + 1)],  # "/thx" is fine too
        description=_l("One word typed after “/” in the composer, such as thx or ขอบคุณ."),
    )
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=BODY_LENGTH)])


@dataclass(frozen=True)
class ReplyPages:
    """Where one scope's pages live: the team's (admins) or the viewer's own."""

    scope: str  # "team" or "personal"
    heading: Any
    endpoints: dict[str, str]  # the views for "list", "new", "edit" and "delete"

    def url(self, page: str, **values: Any) -> str:
        return url_for(self.endpoints[page], **values)


def list_page(pages: ReplyPages, replies: list[SavedReply], **extra: Any) -> ResponseReturnValue:
    """The scope's replies, `?q=` finding text in any of their fields."""
    return render_template(
        "replies/index.html",
        pages=pages,
        replies=replies,
        query=request.args.get("q", ""),
        **extra,
    )


def form_page(
    pages: ReplyPages, form: ReplyForm, reply: SavedReply | None = None, status: int = 200
) -> ResponseReturnValue:
    page = render_template(
        "replies/form.html", pages=pages, form=form, reply=reply, variables=variable_help()
    )
    return page, status


def save(pages: ReplyPages, owner: User | None, reply: SavedReply | None) -> ResponseReturnValue:
    """Create (`reply` None) or change a reply from the posted form; the form again on errors."""
    form = ReplyForm(obj=reply)
    if not form.validate_on_submit():
        return form_page(pages, form, reply, 400 if form.is_submitted() else 200)
    try:
        fields = service.checked(
            form.title.data or "", form.shortcut.data or "", form.body.data or ""
        )
        if reply is None:
            reply = service.create_reply(owner, fields)
        else:
            service.update_reply(reply, fields)
    except service.ReplyRefused as refusal:
        getattr(form, refusal.field).errors.append(str(refusal))
        return form_page(
            pages, form, reply, 409 if isinstance(refusal, service.ShortcutTaken) else 400
        )
    flash(_("Saved /%(shortcut)s.", shortcut=reply.shortcut), "info")
    return redirect(pages.url("list"))


def delete_reply(pages: ReplyPages, reply: SavedReply) -> ResponseReturnValue:
    shortcut = reply.shortcut
    service.delete_reply(reply)
    flash(_("Deleted /%(shortcut)s.", shortcut=shortcut), "info")
    return redirect(pages.url("list"))


# Each agent's own replies -------------------------------------------------------------------

PERSONAL = ReplyPages(
    "personal",
    _l("Your saved replies"),
    {
        "list": "replies.index",
        "new": "replies.new",
        "edit": "replies.edit",
        "delete": "replies.delete_own",
    },
)


def _own_or_404(reply_id: int) -> SavedReply:
    reply = service.visible_reply(current_user, reply_id)
    if reply is None or reply.owner_id != current_user.id:
        abort(404)
    return reply


@bp.get("/")
@roles_required(Role.AGENT)
def index() -> ResponseReturnValue:
    """The viewer's own saved replies, and the team's they can also use (read-only here)."""
    query = request.args.get("q")
    own = service.personal_replies(current_user, query)
    taken = {reply.shortcut for reply in service.personal_replies(current_user)}
    return list_page(PERSONAL, own, team=service.team_replies(query), shadowed_shortcuts=taken)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def new() -> ResponseReturnValue:
    """Save a new reply of your own."""
    return save(PERSONAL, current_user._get_current_object(), None)


@bp.route("/<int:reply_id>", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def edit(reply_id: int) -> ResponseReturnValue:
    """Change one of your own replies."""
    return save(PERSONAL, current_user._get_current_object(), _own_or_404(reply_id))


@bp.post("/<int:reply_id>/delete")
@roles_required(Role.AGENT)
def delete_own(reply_id: int) -> ResponseReturnValue:
    """Delete one of your own replies."""
    return delete_reply(PERSONAL, _own_or_404(reply_id))
