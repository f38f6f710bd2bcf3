"""/media/...: stored media and pictures, to signed-in users and API tokens only."""

from __future__ import annotations

import mimetypes
import posixpath

from flask import Blueprint, Response, abort
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from inbox.api.serializers import sees_history
from inbox.auth import roles_required
from inbox.extensions import db
from inbox.media.storage import media_store
from inbox.models import Attachment, AttachmentState, Contact, Conversation, Role
from inbox.outgoing.media import open_public_link

bp = Blueprint("media", __name__, url_prefix="/media")

# Served inline only when a browser cannot run it: anything else downloads.
INLINE_PREFIXES = ("image/", "video/", "audio/")


def _send(
    relative: str, content_type: str, *, download_name: str | None, force_download: bool
) -> Response:
    inline = content_type.startswith(INLINE_PREFIXES) and content_type != "image/svg+xml"
    response = media_store().send(
        relative,
        mimetype=content_type if inline else "application/octet-stream",
        as_attachment=force_download or not inline,
        download_name=download_name or posixpath.basename(relative),
        max_age=3600,
    )
    if response is None:
        abort(404, _("The file is missing from the media store."))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _visible_attachment(attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        abort(404, _("There is no attachment %(id)d.", id=attachment_id))
    if attachment.message.unsent_at is not None and not sees_history(current_user):
        abort(404, _("The user unsent this message."))
    if attachment.state is not AttachmentState.READY:
        abort(404, _("This media is not available (%(state)s).", state=attachment.state.value))
    return attachment


@bp.get("/<int:attachment_id>")
@roles_required(Role.AGENT, Role.SUPERVISOR)
def attachment(attachment_id: int) -> ResponseReturnValue:
    """The media a user sent; files download under their own name, with Range support."""
    item = _visible_attachment(attachment_id)
    assert item.storage_path is not None
    return _send(
        item.storage_path,
        item.content_type or "application/octet-stream",
        download_name=item.file_name,
        force_download=item.kind == "file",
    )


@bp.get("/<int:attachment_id>/preview")
@roles_required(Role.AGENT, Role.SUPERVISOR)
def attachment_preview(attachment_id: int) -> ResponseReturnValue:
    """The preview image of an image or video."""
    item = _visible_attachment(attachment_id)
    if not item.preview_path:
        abort(404, _("This media has no preview."))
    return _send(item.preview_path, "image/jpeg", download_name=None, force_download=False)


@bp.get("/public/<token>")
def public(token: str) -> ResponseReturnValue:
    """An image or video an agent sent, for LINE to fetch: no sign-in, but only through the
    signed, expiring link put in the message (PUBLIC_BASE_URL/media/public/<token>)."""
    found = open_public_link(token)
    if found is None:
        abort(404)
    return _send(found.path, found.content_type, download_name=None, force_download=False)


def _picture(relative: str | None) -> ResponseReturnValue:
    if not relative:
        abort(404, _("No picture is stored."))
    content_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
    return _send(relative, content_type, download_name=None, force_download=False)


@bp.get("/contacts/<int:contact_id>/picture")
@roles_required(Role.AGENT, Role.SUPERVISOR)
def contact_picture(contact_id: int) -> ResponseReturnValue:
    """A contact's profile picture, cached from LINE."""
    contact = db.session.get(Contact, contact_id) or abort(404)
    return _picture(contact.picture_path)


@bp.get("/conversations/<int:conversation_id>/picture")
@roles_required(Role.AGENT, Role.SUPERVISOR)
def conversation_picture(conversation_id: int) -> ResponseReturnValue:
    """A group's picture, cached from LINE."""
    conversation = db.session.get(Conversation, conversation_id) or abort(404)
    return _picture(conversation.picture_path)
