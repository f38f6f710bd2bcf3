"""What every emulated API call shares: request IDs, LINE's error shape, auth, limits, faults."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from inbox.auth.access import leave_authorization_header_to
from inbox.extensions import csrf
from inbox.sandbox import ids
from inbox.sandbox.models import AccessToken, PlatformChannel
from inbox.sandbox.state import get_sandbox

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

MISSING_AUTH = (
    "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"
)
BAD_TOKEN = (
    "Authentication failed. Confirm that the access token in the authorization header is valid."
)
RATE_LIMITED = "The API rate limit has been exceeded. Try again later."
_STATUS_MESSAGES = {
    404: "Not found",
    405: "Method not allowed",
    413: "Request entity too large",
    415: "Unsupported media type",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
}


class LineError(Exception):
    """An error answer in LINE's shape: `{"message", "details"?, ...}` (or any given body)."""

    def __init__(
        self,
        status: int,
        message: str = "",
        details: list[dict[str, str]] | None = None,
        *,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body or {"message": message or _STATUS_MESSAGES.get(status, "Error")}
        if details:
            self.body["details"] = details
        self.headers = headers or {}


def invalid(details: list[dict[str, str]]) -> LineError:
    """400 for a request body that breaks the rules, one detail per broken field."""
    return LineError(400, f"The request body has {len(details)} error(s)", details)


def line_json(body: Any, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def no_bearer(view: F) -> F:
    """Mark a view authenticated by its own form fields (the channel access token API)."""
    view.no_bearer = True  # type: ignore[attr-defined]
    return view


def json_body() -> dict[str, Any]:
    """The request's JSON object, or LINE's 400 when it is not one."""
    try:
        data = json.loads(request.get_data() or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LineError(
            400,
            f"The request body could not be parsed as JSON (line: {getattr(exc, 'lineno', 1)}, "
            f"column: {getattr(exc, 'colno', 1)})",
        ) from exc
    if not isinstance(data, dict):
        raise LineError(400, "The request body could not be parsed as JSON")
    return data


def channel() -> PlatformChannel:
    """The channel whose access token authenticated this request."""
    return g.line_channel


def _operation() -> str:
    return (request.endpoint or "").rpartition(".")[2]


def _authenticate() -> PlatformChannel:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise LineError(401, MISSING_AUTH)
    sandbox = get_sandbox()
    now = sandbox.now()
    with sandbox.session() as session:
        row = session.get(AccessToken, token.strip())
        if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at <= now):
            raise LineError(401, BAD_TOKEN)
        found = session.get(PlatformChannel, row.channel_pk)
        assert found is not None
        return found


def _before() -> None:
    g.line_request_id = ids.request_id()
    sandbox = get_sandbox()
    fault = sandbox.faults.take(_operation(), after=False)
    if fault is not None:
        sandbox.faults.hang(fault.delay)
        if fault.status is not None:
            raise LineError(fault.status)
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "no_bearer", False):
        return
    g.line_channel = _authenticate()
    rule = request.url_rule.rule if request.url_rule else request.path
    if not sandbox.limiter.allow(
        g.line_channel.id, f"{request.method} {rule}", g.line_channel.rate_limit
    ):
        raise LineError(429, RATE_LIMITED)


def _after(response: Response) -> Response:
    sandbox = get_sandbox()
    fault = sandbox.faults.take(_operation(), after=True)
    if fault is not None:
        sandbox.faults.hang(fault.delay)
        if fault.status is not None:
            response = _error_response(LineError(fault.status))
    response.headers["X-Line-Request-Id"] = g.get("line_request_id") or ids.request_id()
    return response


def _error_response(error: LineError) -> Response:
    response = line_json(error.body, error.status)
    response.headers.update(error.headers)
    return response


def _http_error(error: HTTPException) -> Response:
    return _error_response(LineError(error.code or 500))


def _unexpected(error: Exception) -> Response:
    log.exception("sandbox platform error on %s %s", request.method, request.path)
    return _error_response(LineError(500))


def _not_found(path: str) -> Response:
    """Any other path under the host: LINE's JSON 404."""
    raise LineError(404)


def platform_blueprint(name: str, url_prefix: str) -> Blueprint:
    """A blueprint for one emulated host, with LINE's hooks and error answers."""
    bp = Blueprint(name, __name__, url_prefix=url_prefix)
    # Authenticated by channel access tokens, like LINE, not by a session or an API token.
    csrf.exempt(bp)
    leave_authorization_header_to(bp)
    bp.before_request(_before)
    bp.after_request(_after)
    bp.register_error_handler(LineError, _error_response)
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(Exception, _unexpected)
    return bp


def add_fallback(bp: Blueprint) -> None:
    """Register the catch-all last, so every real route wins over it."""
    methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    bp.add_url_rule("/<path:path>", "not_found", _not_found, methods=methods)
