"""POST /webhooks/line/<channel_id>: LINE's platform delivers signed events here.

The request verifies, stores every event raw with one insert, commits, wakes the event worker
and answers: milliseconds, well inside LINE's 2 seconds. Deriving rows happens off the request.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from inbox.extensions import csrf, db
from inbox.ingest import receive_events, wake_event_worker
from inbox.webhooks.envelope import EnvelopeError, parse_envelope
from inbox.webhooks.receivers import learn_bot_user_id, receivers
from inbox.webhooks.rejections import SIGNATURE, count_rejection
from inbox.webhooks.signature import signature_is_valid

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)  # authenticated by X-Line-Signature, not by a session


def _unavailable(channel_id: str) -> None:
    db.session.rollback()
    log.exception("could not store webhook events for channel %s", channel_id)
    abort(503, _("The events could not be stored right now; LINE will redeliver them."))


@bp.post("/line/<channel_id>")
def receive_line(channel_id: str) -> ResponseReturnValue:
    """Verify, commit every new event raw, wake the event worker, answer 200."""
    try:
        receiver = receivers.get(channel_id)
    except SQLAlchemyError:
        _unavailable(channel_id)
    if receiver is None:
        abort(404, _("No channel with LINE channel ID %(id)s is set up here.", id=channel_id))
    request.max_content_length = current_app.config["WEBHOOK_MAX_BYTES"]
    body = request.get_data(cache=False)  # raises 413 past the limit
    if not signature_is_valid(receiver.secret, body, request.headers.get("X-Line-Signature")):
        count_rejection(receiver.channel_id, SIGNATURE)
        abort(401, _("The X-Line-Signature header is missing or does not match the body."))
    if not receiver.enabled:
        # Disabled by an admin: LINE still gets its 200 (an error would only make it retry and
        # count failures), but nothing is stored. The channel's past conversations stay.
        return jsonify({"received": 0, "stored": 0, "channel_disabled": True})
    try:
        envelope = parse_envelope(body)
    except EnvelopeError as exc:
        abort(400, _("This is not a LINE webhook body: %(reason)s", reason=str(exc)))
    try:
        learn_bot_user_id(receiver, channel_id, envelope.destination)
        result = receive_events(receiver.channel_id, envelope)
    except SQLAlchemyError:
        _unavailable(channel_id)
    if result.stored:
        wake_event_worker()
    return jsonify(result.as_dict())
