"""Admin pages for channels: the list, add and edit forms, disable and enable, renew a token.

Secrets are write-only: forms never carry stored values back (a blank field keeps what is
stored) and pages show the last four characters only.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from inbox.admin.blueprint import bp
from inbox.auth import roles_required
from inbox.channels.health import channels_in_trouble
from inbox.channels.service import (
    MAX_PUSH_BUDGET,
    MAX_RATE_LIMIT,
    MAX_ROUTING_CAP,
    MAX_WAITING_MINUTES,
    MODE_CREDENTIALS,
    ChannelInput,
    ChannelInvalid,
    all_channels,
    channel_json,
    create_channel,
    set_enabled,
    update_channel,
)
from inbox.channels.tokens import TokenRenewalFailed, renew_at, renew_token
from inbox.crypto import mask
from inbox.extensions import db
from inbox.models import (
    PLAN_RATE_LIMITS,
    ROUTING_CAP,
    WAITING_AMBER_MINUTES,
    WAITING_RED_MINUTES,
    Channel,
    Plan,
    RoutingMode,
    TokenMode,
)

MAX_KEY_BYTES = 16 * 1024  # a 2048-bit private JWK is about 1.7 KB


def _channel(channel_id: int) -> Channel:
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        abort(404, _("There is no such channel."))
    return channel


def _form_input() -> ChannelInput:
    """The posted form as a ChannelInput; the private key from the upload or the text box."""
    form = request.form
    upload = request.files.get("private_key_file")
    private_key = form.get("private_key", "")
    if upload and upload.filename:
        raw = upload.read(MAX_KEY_BYTES + 1)
        if len(raw) > MAX_KEY_BYTES:
            raise ChannelInvalid(_("That file is too large to be a private key (JWK)."))
        private_key = raw.decode("utf-8", errors="replace")
    try:
        mode = TokenMode(form.get("token_mode", TokenMode.LONG_LIVED.value))
        plan = Plan(form.get("plan", Plan.TRIAL.value))
        custom = form.get("rate_limit", "").strip()
        rate_limit = int(custom) if custom else None
    except ValueError as exc:
        raise ChannelInvalid(_("Choose a token mode and plan from the lists.")) from exc
    try:
        amber, red = (
            int(raw) if (raw := form.get(name, "").strip()) else None
            for name in ("waiting_amber_minutes", "waiting_red_minutes")
        )
    except ValueError as exc:
        raise ChannelInvalid(_("Waiting times are whole numbers of minutes.")) from exc
    try:
        budget = int(raw) if (raw := form.get("push_budget_per_day", "").strip()) else None
    except ValueError as exc:
        raise ChannelInvalid(_("The daily push budget is a whole number, 0 or more.")) from exc
    routing_mode, routing_cap = _routing_fields(form)
    return ChannelInput(
        line_channel_id=form.get("line_channel_id", ""),
        name=form.get("name", ""),
        secret=form.get("secret"),
        token_mode=mode,
        access_token=form.get("access_token"),
        private_key=private_key,
        assertion_kid=form.get("assertion_kid"),
        plan=plan,
        rate_limit=rate_limit,
        waiting_amber_minutes=amber,
        waiting_red_minutes=red,
        push_budget_per_day=budget,
        routing_mode=routing_mode,
        routing_cap=routing_cap,
    )


def _routing_fields(form: Any) -> tuple[RoutingMode | None, int | None]:
    """The routing mode and cap as entered; None for a field left out (kept as stored)."""
    try:
        mode = RoutingMode(raw) if (raw := form.get("routing_mode")) else None
        cap = int(raw) if (raw := form.get("routing_cap", "").strip()) else None
    except ValueError as exc:
        raise ChannelInvalid(
            _(
                "The most open conversations per agent is a whole number from 1 to %(most)d.",
                most=MAX_ROUTING_CAP,
            )
        ) from exc
    return mode, cap


def _render_form(channel: Channel | None, status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "admin/channel_form.html",
            channel=channel,
            form=request.form,
            modes=list(TokenMode),
            credential_modes={name: mode.value for name, mode in MODE_CREDENTIALS.items()},
            plans=list(Plan),
            plan_limits=PLAN_RATE_LIMITS,
            max_rate_limit=MAX_RATE_LIMIT,
            max_waiting_minutes=MAX_WAITING_MINUTES,
            max_push_budget=MAX_PUSH_BUDGET,
            routing_modes=list(RoutingMode),
            max_routing_cap=MAX_ROUTING_CAP,
            routing_cap_default=ROUTING_CAP,
            waiting_defaults=(WAITING_AMBER_MINUTES, WAITING_RED_MINUTES),
            mask=mask,
            renew_at=renew_at(channel) if channel else None,
        ),
        status,
    )


def failing_token_channels() -> list[Channel]:
    """Channels whose access token could not be renewed (for the admins' banner)."""
    return list(
        db.session.scalars(
            sa.select(Channel).where(Channel.token_error.is_not(None)).order_by(Channel.name)
        )
    )


@bp.app_context_processor
def _token_trouble() -> dict:
    return {"failing_token_channels": failing_token_channels}


@bp.get("/channels")
@roles_required()
def channels() -> ResponseReturnValue:
    """Every channel with its token mode, expiry, renewal trouble and whether it is on."""
    trouble = {channel.id: health for channel, health in channels_in_trouble()}
    return render_template(
        "admin/channels.html", channels=all_channels(), mask=mask, trouble=trouble
    )


@bp.route("/channels/new", methods=["GET", "POST"])
@roles_required()
def new_channel() -> ResponseReturnValue:
    """Add a channel: IDs, secret, token mode and its credentials, plan and rate limit."""
    if request.method == "GET":
        return _render_form(None)
    try:
        channel = create_channel(_form_input())
    except ChannelInvalid as exc:
        flash(str(exc), "error")
        return _render_form(None, 400)
    if channel.token_error:
        flash(channel.token_error, "error")
    else:
        flash(_("Channel %(name)s added.", name=channel.name), "success")
    return redirect(url_for("admin.channel", channel_id=channel.id))


@bp.route("/channels/<int:channel_id>", methods=["GET", "POST"])
@roles_required()
def channel(channel_id: int) -> ResponseReturnValue:
    """A channel's settings (secrets write-only) and, where built, its status."""
    found = _channel(channel_id)
    if request.method == "GET":
        return _render_form(found)
    try:
        changed = update_channel(found, _form_input())
    except ChannelInvalid as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_form(found, 400)
    if found.token_error:
        flash(found.token_error, "error")
    elif changed:
        flash(_("Channel saved."), "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("admin.channel", channel_id=found.id))


@bp.post("/channels/<int:channel_id>/disable")
@roles_required()
def disable_channel(channel_id: int) -> ResponseReturnValue:
    """Stop sending from a channel; its conversations stay readable."""
    found = _channel(channel_id)
    if set_enabled(found, False):
        flash(_("Channel %(name)s disabled: nothing can be sent from it.", name=found.name))
    return redirect(url_for("admin.channel", channel_id=found.id))


@bp.post("/channels/<int:channel_id>/enable")
@roles_required()
def enable_channel(channel_id: int) -> ResponseReturnValue:
    """Serve a disabled channel again."""
    found = _channel(channel_id)
    if set_enabled(found, True):
        flash(_("Channel %(name)s enabled.", name=found.name), "success")
    return redirect(url_for("admin.channel", channel_id=found.id))


@bp.post("/channels/<int:channel_id>/renew-token")
@roles_required()
def renew_channel_token(channel_id: int) -> ResponseReturnValue:
    """Issue a new automatic token now and revoke the old one."""
    found = _channel(channel_id)
    if not found.automatic_token:
        flash(_("This channel uses a long-lived token; paste a new one to replace it."), "error")
    else:
        try:
            renew_token(found, reason="admin")
            flash(_("A new channel access token was issued."), "success")
        except TokenRenewalFailed as exc:
            flash(str(exc), "error")
    return redirect(url_for("admin.channel", channel_id=found.id))


@bp.get("/api/channels")
@roles_required()
def channels_json() -> ResponseReturnValue:
    """Every channel as JSON, secrets masked."""
    return jsonify({"channels": [channel_json(row) for row in all_channels()]})


@bp.get("/api/channels/<int:channel_id>")
@roles_required()
def channel_detail_json(channel_id: int) -> ResponseReturnValue:
    """One channel as JSON, secrets masked."""
    return jsonify(channel_json(_channel(channel_id)))
