"""The channel's webhook settings: read, set, and test the endpoint."""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlsplit

import requests
from flask import request
from flask.typing import ResponseReturnValue

from inbox.sandbox.delivery import post_signed
from inbox.sandbox.events import envelope
from inbox.sandbox.models import PlatformChannel
from inbox.sandbox.platform.blueprints import api
from inbox.sandbox.platform.common import channel, invalid, json_body, line_json
from inbox.sandbox.state import get_sandbox


def _endpoint_problem(value: object) -> str | None:
    # LINE insists on https; the sandbox also takes http so it can call a local app.
    if not isinstance(value, str):
        return "must be specified"
    parts = urlsplit(value)
    if len(value) > 500 or parts.scheme not in ("http", "https") or not parts.netloc:
        return "must be a valid URL of up to 500 characters"
    return None


@api.get("/v2/bot/channel/webhook/endpoint")
def get_webhook_endpoint() -> ResponseReturnValue:
    """The webhook URL and whether webhooks are switched on."""
    bot = channel()
    return line_json({"endpoint": bot.webhook_endpoint or "", "active": bot.webhook_active})


@api.put("/v2/bot/channel/webhook/endpoint")
def set_webhook_endpoint() -> ResponseReturnValue:
    """Set the webhook URL."""
    body = json_body()
    problem = _endpoint_problem(body.get("endpoint"))
    if problem:
        raise invalid([{"message": problem, "property": "endpoint"}])
    sandbox = get_sandbox()
    with sandbox.session() as session:
        session.get(PlatformChannel, channel().id).webhook_endpoint = body["endpoint"]
    return line_json({})


@api.post("/v2/bot/channel/webhook/test")
def test_webhook_endpoint() -> ResponseReturnValue:
    """POST an empty, signed event list to the endpoint (given or set) and report the answer."""
    body = json_body() if request.get_data() else {}  # the body is optional
    bot = channel()
    endpoint = body.get("endpoint") or bot.webhook_endpoint
    problem = _endpoint_problem(endpoint)
    if problem:
        raise invalid([{"message": problem, "property": "endpoint"}])
    sandbox = get_sandbox()
    started = sandbox.now()
    with requests.Session() as http:
        status, reason, error = post_signed(
            http,
            endpoint,
            bot.secret,
            envelope(bot.bot_user_id, []),
            float(sandbox.config["SANDBOX_WEBHOOK_TIMEOUT"]),
        )
    stamp = started.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return line_json(
        {
            "success": status == 200,
            "timestamp": stamp,
            "statusCode": status,
            "reason": reason,
            "detail": str(status) if status else (error or reason),
        }
    )
