"""Profile pictures at public URLs, as LINE serves them from its CDN: uploaded or generated."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, send_file, url_for
from flask.typing import ResponseReturnValue

from inbox.sandbox import media
from inbox.sandbox.models import Chat, PlatformChannel, SimUser
from inbox.sandbox.state import get_sandbox

bp = Blueprint("sandbox_pictures", __name__, url_prefix="/sandbox/pictures")


def picture_url(kind: str, key: str) -> str:
    """The absolute URL of a user's, group's or bot's picture (inside a request)."""
    return url_for("sandbox_pictures.picture", kind=kind, key=key, _external=True)


@bp.get("/<any(user, group, bot):kind>/<key>")
def picture(kind: str, key: str) -> ResponseReturnValue:
    """The uploaded picture, or a generated pattern for this ID (cached like a CDN image)."""
    sandbox = get_sandbox()
    model = {"user": SimUser, "group": Chat, "bot": PlatformChannel}[kind]
    with sandbox.session() as session:
        if kind == "bot":
            row = session.scalar(
                sa.select(PlatformChannel).where(PlatformChannel.bot_user_id == key)
            )
        else:
            row = session.get(model, key)
        if row is None:
            abort(404)
        uploaded = getattr(row, "picture_file", None)
        if uploaded:
            path = sandbox.media_path(uploaded)
            if path.exists():
                return send_file(path, mimetype=row.picture_type, max_age=3600)
    return send_file(media.avatar_file(sandbox, key), mimetype="image/png", max_age=3600)
