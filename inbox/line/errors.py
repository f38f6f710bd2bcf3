"""What LINE said when it refused, as exceptions a person can act on.

Every error carries LINE's `X-Line-Request-Id` (what LINE support asks for), LINE's own
`message` and `details[]`, and `explanation`: what an agent or admin should do about it.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l


class LineError(Exception):
    """LINE refused a request, or could not be reached."""

    kind = "error"
    explanation = _l("LINE refused the request.")

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        status: int | None = None,
        request_id: str | None = None,
        details: list[dict[str, Any]] | None = None,
        body: Any = None,
        retry_after: float | None = None,
        accepted_request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.endpoint = endpoint
        self.status = status
        self.request_id = request_id
        self.details = details or []
        self.body = body
        self.retry_after = retry_after
        self.accepted_request_id = accepted_request_id

    def as_dict(self) -> dict[str, Any]:
        """For storing with a failed message and showing in the UI."""
        return {
            "kind": self.kind,
            "status": self.status,
            "message": self.message,
            "details": self.details,
            "request_id": self.request_id,
            "endpoint": self.endpoint,
            "explanation": str(self.explanation),
        }

    def __str__(self) -> str:
        where = f"{self.endpoint}: " if self.endpoint else ""
        status = f"{self.status} " if self.status else ""
        details = "; ".join(
            ": ".join(filter(None, (item.get("property"), item.get("message"))))
            for item in self.details
        )
        request_id = f" (request id {self.request_id})" if self.request_id else ""
        return f"{where}{status}{self.message}{' — ' + details if details else ''}{request_id}"


class LineBadRequest(LineError):
    kind = "bad_request"
    explanation = _l("LINE did not accept what was sent; the details say which part is wrong.")


class LineInvalidReplyToken(LineBadRequest):
    kind = "invalid_reply_token"
    explanation = _l("The reply token was used already or is older than a minute; send by push.")


class LineUnauthorized(LineError):
    kind = "unauthorized"
    explanation = _l(
        "LINE rejected the channel access token. An admin needs to issue a new token "
        "in the LINE Developers console and update the channel."
    )


class LineForbidden(LineError):
    kind = "forbidden"
    explanation = _l(
        "This channel is not allowed to do this (its plan or permissions do not include it), "
        "or the user cannot be reached."
    )


class LineNotFound(LineError):
    kind = "not_found"
    explanation = _l(
        "LINE has no such user, group or content: it may have been deleted, or the user "
        "blocked the account."
    )


class LineConflict(LineError):
    kind = "conflict"
    explanation = _l("LINE already accepted this request.")


class LineRateLimited(LineError):
    kind = "rate_limited"
    explanation = _l("LINE's rate limit was exceeded; the message will be retried shortly.")


class LineQuotaExceeded(LineRateLimited):
    kind = "quota_exceeded"
    explanation = _l(
        "This month's push-message quota is used up. Replies still work; an admin can "
        "raise the plan's limit in LINE Official Account Manager."
    )


class LineServerError(LineError):
    kind = "server_error"
    explanation = _l("LINE had a problem on its side; try again in a moment.")


class LineUnavailable(LineError):
    """No answer at all: connection refused, DNS, TLS, or a timeout."""

    kind = "unavailable"
    explanation = _l("LINE could not be reached; the network or LINE may be down.")


class RateLimitWaitTooLong(LineError):
    """Our own limiter would have made the caller wait longer than it allowed."""

    kind = "busy"
    explanation = _l(
        "This channel is sending as fast as LINE allows; the request was not sent. Try again."
    )


# Worth trying again later: LINE was busy, failing, unreachable, or our own pacing said wait.
TRANSIENT_ERRORS = (LineRateLimited, LineServerError, LineUnavailable, RateLimitWaitTooLong)

ERRORS_BY_STATUS: dict[int, type[LineError]] = {
    400: LineBadRequest,
    401: LineUnauthorized,
    403: LineForbidden,
    404: LineNotFound,
    409: LineConflict,
    429: LineRateLimited,
}


def error_class_for(status: int, message: str) -> type[LineError]:
    if status >= 500:
        return LineServerError
    if status == 429 and "monthly limit" in message.lower():
        return LineQuotaExceeded
    if status == 400 and "reply token" in message.lower():
        return LineInvalidReplyToken
    return ERRORS_BY_STATUS.get(status, LineError)
