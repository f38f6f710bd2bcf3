"""Credentials never reach the logs, even where LINE's protocol puts them in an address.

LINE's v2.1 verify and key-id endpoints take tokens and JWT assertions in the query string;
when the sandbox answers them in this process, the server's access log would print them.
"""

from __future__ import annotations

import logging
import re

_SECRET_PARAMETER = re.compile(
    r"\b(access_token|client_assertion|client_secret|refresh_token|id_token)=[^&\s\"']+"
)


def redact(text: str) -> str:
    return _SECRET_PARAMETER.sub(r"\1=[redacted]", text)


class RedactCredentials(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def init_app() -> None:
    """On the loggers that print request lines (idempotent: one filter however many apps)."""
    for name in ("werkzeug", "engineio.server", "socketio.server"):
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactCredentials) for existing in logger.filters):
            logger.addFilter(RedactCredentials())
