"""The phone page at /sandbox and its JSON API: chat with the channel as a simulated LINE user.

Any signed-in inbox user may use it. The JSON API answers 401 (not a redirect) when signed
out, and takes the CSRF token in the X-CSRFToken header like every session-authenticated call.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException

from inbox.sandbox import simulate
from inbox.sandbox.models import ChatMessage, PlatformChannel
from inbox.sandbox.phone import views
from inbox.sandbox.phone.notify import serialize
from inbox.sandbox.simulate import SimulationError, Upload
from inbox.sandbox.state import get_sandbox

bp = Blueprint("sandbox_phone", __name__, url_prefix="/sandbox")
F = TypeVar("F", bound=Callable[..., Any])


def signed_in(view: F) -> F:
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            abort(401)
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


@bp.errorhandler(SimulationError)
def refused(error: SimulationError) -> ResponseReturnValue:
    return jsonify({"error": "Bad Request", "message": str(error), "status": 400}), 400


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> ResponseReturnValue:
    if not request.path.startswith("/sandbox/phone/api/"):
        return error
    messages = {401: _("Please sign in first."), 404: _("That page or item does not exist.")}
    message = messages.get(error.code or 500, error.description)
    return jsonify({"error": error.name, "message": message, "status": error.code}), error.code


def _channel(channel_id: str | None) -> PlatformChannel:
    with get_sandbox().session() as session:
        found = session.scalar(
            sa.select(PlatformChannel).where(PlatformChannel.channel_id == (channel_id or ""))
        )
    if found is None:
        raise SimulationError(_("There is no such channel."))
    return found


def _fields() -> dict[str, Any]:
    return request.get_json(silent=True) or request.form.to_dict()


def _chat(fields: dict[str, Any]) -> tuple[str, str]:
    chat_type, chat_id = fields.get("chat_type", "user"), fields.get("chat_id", "")
    if chat_type not in ("user", "group", "room") or not chat_id:
        raise SimulationError(_("Pick a chat first."))
    return chat_type, chat_id


def _upload(name: str) -> Upload | None:
    file = request.files.get(name)
    if file is None or not file.filename:
        return None
    return Upload(file.stream, file.filename, file.mimetype)


@bp.get("")
@login_required
def phone() -> ResponseReturnValue:
    """The phone page (its first state inline, so it draws without waiting for a request)."""
    return render_template("sandbox/phone.html", initial=views.state(get_sandbox()))


@bp.get("/phone/api/state")
@signed_in
def state() -> ResponseReturnValue:
    """Channels, simulated users, groups and rooms, and the sticker set."""
    return jsonify(views.state(get_sandbox()))


@bp.post("/phone/api/users")
@signed_in
def create_user() -> ResponseReturnValue:
    """Create a simulated user; with `follow` (a channel ID) they add that account at once, and
    with `before_inbox` too they were its friend already (no follow event is sent)."""
    fields, sandbox = _fields(), get_sandbox()
    user = simulate.create_user(
        sandbox,
        fields.get("display_name", ""),
        status_message=fields.get("status_message"),
        language=fields.get("language"),
        picture=_upload("picture"),
    )
    friendships = {}
    if fields.get("follow"):
        channel_pk = _channel(fields["follow"]).id
        if _flag(fields, "before_inbox"):
            simulate.befriend_before_inbox(sandbox, channel_pk, user.user_id)
        else:
            simulate.follow(sandbox, channel_pk, user.user_id)
        friendships[fields["follow"]] = "following"
    return jsonify({"user": views.user_view(user, friendships)}), 201


def _flag(fields: dict[str, Any], name: str) -> bool:
    return fields.get(name) in (True, "true", "1", "on")


@bp.post("/phone/api/users/<user_id>/friendship")
@signed_in
def friendship(user_id: str) -> ResponseReturnValue:
    """Add the account as a friend (`follow: true`) or block it (`follow: false`)."""
    fields, sandbox = _fields(), get_sandbox()
    channel = _channel(fields.get("channel"))
    follow = _flag(fields, "follow")
    action = simulate.follow if follow else simulate.unfollow
    action(sandbox, channel.id, user_id)
    return jsonify({"state": "following" if follow else "blocked"})


@bp.post("/phone/api/users/<user_id>/profile")
@signed_in
def profile_visibility(user_id: str) -> ResponseReturnValue:
    """`hidden: true`: LINE answers 404 to the account's Get Profile (and member profile) calls
    for this user; `hidden: false`: it answers normally again."""
    fields = _fields()
    hidden = _flag(fields, "hidden")
    simulate.set_profile_hidden(get_sandbox(), _channel(fields.get("channel")).id, user_id, hidden)
    return jsonify({"profile_hidden": hidden})


@bp.get("/phone/api/messages")
@signed_in
def messages() -> ResponseReturnValue:
    """A chat's messages after `after` (a `seq`), oldest first."""
    channel = _channel(request.args.get("channel"))
    chat = _chat(request.args.to_dict())
    after = request.args.get("after", "0")
    rows = views.messages(get_sandbox(), channel, chat, int(after) if after.isdigit() else 0)
    return jsonify({"messages": rows})


def _number(fields: dict[str, Any], name: str) -> float:
    try:
        return float(fields.get(name, ""))
    except (TypeError, ValueError) as exc:
        raise SimulationError(_("Latitude and longitude must be numbers.")) from exc


@bp.post("/phone/api/messages")
@signed_in
def send() -> ResponseReturnValue:
    """Send a text, sticker, location or file as `sender` in a chat."""
    fields, sandbox = _fields(), get_sandbox()
    channel, chat, sender = _channel(fields.get("channel")), _chat(fields), fields.get("sender", "")
    kind = fields.get("type", "text")
    args = (sandbox, channel.id, chat, sender)
    if kind == "text":
        message = simulate.send_text(*args, str(fields.get("text", "")))
    elif kind == "sticker":
        message = simulate.send_sticker(
            *args, str(fields.get("package_id")), str(fields.get("sticker_id"))
        )
    elif kind == "location":
        message = simulate.send_location(
            *args,
            title=str(fields.get("title", "")),
            address=str(fields.get("address", "")),
            latitude=_number(fields, "latitude"),
            longitude=_number(fields, "longitude"),
        )
    else:
        upload = _upload("file")
        if upload is None:
            raise SimulationError(_("Choose a file to send."))
        message = simulate.send_media(*args, kind, upload)
    return jsonify({"message": serialize(message, channel.channel_id)}), 201


@bp.post("/phone/api/messages/<message_id>/unsend")
@signed_in
def unsend(message_id: str) -> ResponseReturnValue:
    """Take back a message the sender wrote."""
    simulate.unsend(get_sandbox(), message_id, _fields().get("sender", ""))
    return jsonify({"unsent": message_id})


@bp.post("/phone/api/messages/<message_id>/expire")
@signed_in
def expire(message_id: str) -> ResponseReturnValue:
    """End a media message's retention at LINE now (the content API answers 404 from here on)."""
    simulate.expire_content(get_sandbox(), message_id)
    return jsonify({"expired": message_id})


@bp.post("/phone/api/postback")
@signed_in
def postback() -> ResponseReturnValue:
    """Tap a postback action of a bot message."""
    fields = _fields()
    channel = _channel(fields.get("channel"))
    params = fields.get("params") if isinstance(fields.get("params"), dict) else None
    simulate.postback(
        get_sandbox(),
        channel.id,
        _chat(fields),
        fields.get("sender", ""),
        str(fields.get("data", "")),
        params,
    )
    return jsonify({"sent": True})


@bp.post("/phone/api/chats")
@signed_in
def create_chat() -> ResponseReturnValue:
    """Create a group (with a name and picture) or a room, with members."""
    fields = _fields()
    members = request.form.getlist("members") or fields.get("members") or []
    chat = simulate.create_chat(
        get_sandbox(),
        fields.get("kind", "group"),
        list(members),
        name=fields.get("name"),
        picture=_upload("picture"),
    )
    return jsonify({"chatId": chat.chat_id, "kind": chat.kind}), 201


@bp.post("/phone/api/chats/<chat_id>/members")
@signed_in
def add_member(chat_id: str) -> ResponseReturnValue:
    """Add a simulated user to a group or room."""
    simulate.add_member(get_sandbox(), chat_id, _fields().get("user", ""))
    return jsonify({"added": True}), 201


@bp.delete("/phone/api/chats/<chat_id>/members/<user_id>")
@signed_in
def remove_member(chat_id: str, user_id: str) -> ResponseReturnValue:
    """A member leaves the group or room."""
    simulate.remove_member(get_sandbox(), chat_id, user_id)
    return jsonify({"removed": True})


@bp.post("/phone/api/chats/<chat_id>/bots")
@signed_in
def invite_bot(chat_id: str) -> ResponseReturnValue:
    """Invite the account into the group or room (a `join` event)."""
    simulate.invite_bot(get_sandbox(), chat_id, _channel(_fields().get("channel")).id)
    return jsonify({"joined": True}), 201


@bp.delete("/phone/api/chats/<chat_id>/bots/<channel_id>")
@signed_in
def remove_bot(chat_id: str, channel_id: str) -> ResponseReturnValue:
    """Remove the account from the group or room (a `leave` event)."""
    simulate.remove_bot(get_sandbox(), chat_id, _channel(channel_id).id)
    return jsonify({"removed": True})


@bp.get("/phone/api/content/<message_id>")
@signed_in
def content(message_id: str) -> ResponseReturnValue:
    """The media a user sent (or its preview with `?preview=1`), for the phone to show."""
    sandbox = get_sandbox()
    with sandbox.session() as session:
        message = session.scalar(sa.select(ChatMessage).where(ChatMessage.message_id == message_id))
    preview = request.args.get("preview") == "1"
    name = message and (message.preview_file if preview else message.content_file)
    if not name or not sandbox.media_path(name).exists():
        abort(404)
    mimetype = message.preview_type if preview else message.content_type
    return send_file(sandbox.media_path(name), mimetype=mimetype)
