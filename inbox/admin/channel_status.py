"""A channel's status page and its buttons: verify the token, set and test the webhook.

Pages under /admin/channels/<id>/..., JSON at /api/admin/channels/<id>/health. Admins only.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _

from inbox.admin.blueprint import bp
from inbox.admin.status import (
    NoPublicAddress,
    TokenCheck,
    channel_status,
    scope_in_words,
    set_webhook,
    test_webhook,
    token_hint,
    verify_token,
)
from inbox.api.routes import bp as api_bp
from inbox.audit import record
from inbox.auth import roles_required
from inbox.channels.health import channel_health
from inbox.extensions import db
from inbox.line.errors import LineError
from inbox.models import Channel, Role


def _channel(channel_id: int) -> Channel:
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        abort(404, _("There is no channel %(id)d.", id=channel_id))
    return channel


def _back(channel: Channel) -> ResponseReturnValue:
    """To the page the button was on (the channel page includes the status), else the status."""
    target = request.form.get("next", "")
    if not target.startswith("/admin/") or "//" in target or "\\" in target:
        target = url_for("admin.channel_status", channel_id=channel.id)
    return redirect(target)


def _line_refused(what: str, error: LineError) -> str:
    """The explanation, LINE's own words and the request id LINE support asks for."""
    said = "; ".join(
        [error.message]
        + [
            ": ".join(filter(None, (item.get("property"), item.get("message"))))
            for item in error.details
        ]
    )
    parts = [what, str(error.explanation), _("LINE said: %(message)s", message=said)]
    if error.request_id:
        parts.append(_("Request ID: %(id)s", id=error.request_id))
    return " ".join(parts)


def _audited(action: str, channel: Channel, details: dict[str, Any]) -> None:
    """Audit a button press on its own: nothing else changed in the store."""
    record(action, channel_id=channel.id, target=channel, details=details)
    db.session.commit()


def _error_details(error: LineError) -> dict[str, Any]:
    return {"ok": False, "status": error.status, "request_id": error.request_id}


def _token_is_valid(channel: Channel, check: TokenCheck) -> str:
    """What LINE's check of a live token says, in words: what it gives access to, and until when."""
    hint = token_hint(channel.access_token)
    expiry = (
        _("it does not expire")
        if check.never_expires
        else _("it expires %(when)s", when=format_datetime(check.expires_at))
    )
    scopes = scope_in_words(check.scope)
    if not scopes:
        return _("The access token %(hint)s is valid; %(expiry)s.", hint=hint, expiry=expiry)
    return _(
        "The access token %(hint)s is valid and gives access to %(scopes)s; %(expiry)s.",
        hint=hint,
        scopes=scopes,
        expiry=expiry,
    )


@bp.get("/channels/<int:channel_id>/status", endpoint="channel_status")
@roles_required(Role.ADMIN)
def channel_status_page(channel_id: int) -> ResponseReturnValue:
    """Bot info, quota, webhook address and buttons, and the last 24 hours' health."""
    channel = _channel(channel_id)
    return render_template(
        "admin/channel_status.html", channel=channel, status=channel_status(channel)
    )


@bp.post("/channels/<int:channel_id>/verify")
@roles_required(Role.ADMIN)
def verify_channel_token(channel_id: int) -> ResponseReturnValue:
    """Check the channel access token with LINE; show its scope and expiry (never the token)."""
    channel = _channel(channel_id)
    try:
        check = verify_token(channel)
    except LineError as error:
        _audited("channel.token_verified", channel, _error_details(error))
        flash(
            _line_refused(
                _(
                    "LINE did not accept the access token %(hint)s.",
                    hint=token_hint(channel.access_token),
                ),
                error,
            ),
            "error",
        )
        return _back(channel)
    _audited(
        "channel.token_verified",
        channel,
        {"ok": True, "scope": check.scope, "expires_in": check.expires_in},
    )
    flash(_token_is_valid(channel, check), "success")
    if not check.channel_matches:
        flash(
            _(
                "This token belongs to LINE channel %(other)s, not %(this)s.",
                other=check.client_id,
                this=channel.line_channel_id,
            ),
            "error",
        )
    return _back(channel)


@bp.post("/channels/<int:channel_id>/webhook")
@roles_required(Role.ADMIN)
def set_channel_webhook(channel_id: int) -> ResponseReturnValue:
    """Set LINE's webhook URL for the channel to this server's address for it."""
    channel = _channel(channel_id)
    try:
        url = set_webhook(channel)
    except NoPublicAddress as missing:
        flash(str(missing.explanation), "error")
        return _back(channel)
    except LineError as error:
        flash(_line_refused(_("The webhook URL was not set."), error), "error")
        return _back(channel)
    _audited("channel.webhook_set", channel, {"endpoint": url})
    flash(_("LINE will now send this channel's webhooks to %(url)s.", url=url), "success")
    return _back(channel)


@bp.post("/channels/<int:channel_id>/webhook/test")
@roles_required(Role.ADMIN)
def test_channel_webhook(channel_id: int) -> ResponseReturnValue:
    """Have LINE send a test webhook to the configured URL and show what came back."""
    channel = _channel(channel_id)
    try:
        result = test_webhook(channel)
    except LineError as error:
        _audited("channel.webhook_tested", channel, _error_details(error))
        flash(_line_refused(_("LINE did not run the webhook test."), error), "error")
        return _back(channel)
    shown = {key: result.get(key) for key in ("success", "statusCode", "reason", "detail")}
    _audited("channel.webhook_tested", channel, shown)
    words = {
        "status": shown["statusCode"],
        "reason": shown["reason"] or "—",
        "detail": shown["detail"] or "—",
    }
    if shown["success"]:
        flash(
            _(
                "Webhook test succeeded: LINE got status %(status)s (%(reason)s; %(detail)s).",
                **words,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Webhook test failed: status %(status)s (%(reason)s; %(detail)s). A status of 0 "
                "means LINE got no answer from the URL.",
                **words,
            ),
            "error",
        )
    return _back(channel)


@api_bp.get("/admin/channels/<int:channel_id>/health")
@roles_required(Role.ADMIN)
def channel_health_json(channel_id: int) -> ResponseReturnValue:
    """The last 24 hours of a channel from the store, and whether it is in trouble."""
    return jsonify(channel_health(_channel(channel_id)).as_dict())


@bp.app_template_global("channel_status_of")
def channel_status_of(channel: Channel) -> Any:
    """For templates/admin/_channel_status.html when a page passes only `channel`."""
    return channel_status(channel)
