"""Small helpers for the sandbox tests: calling the emulated API like a LINE client would."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from tests.sandbox_fixture import LineSandbox

TIMEOUT = 10


def call(
    sandbox: LineSandbox,
    method: str,
    path: str,
    channel: Any = None,
    *,
    data_host: bool = False,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> requests.Response:
    """`method` `path` on the emulated api.line.me (or api-data.line.me), as `channel`."""
    base = sandbox.data_base_url if data_host else sandbox.api_base_url
    sent = dict(sandbox.headers(channel)) if channel is not None else {}
    sent.update(headers or {})
    return requests.request(method, base + path, headers=sent, timeout=TIMEOUT, **kwargs)


def push(sandbox: LineSandbox, channel: Any, to: str, *messages: dict, key: str | None = None):
    headers = {"X-Line-Retry-Key": key} if key else {}
    body = {"to": to, "messages": list(messages) or [{"type": "text", "text": "hi"}]}
    return call(sandbox, "POST", "/v2/bot/message/push", channel, json=body, headers=headers)


def reply(sandbox: LineSandbox, channel: Any, token: str, *messages: dict):
    body = {"replyToken": token, "messages": list(messages) or [{"type": "text", "text": "ok"}]}
    return call(sandbox, "POST", "/v2/bot/message/reply", channel, json=body)


def retry_key() -> str:
    return str(uuid.uuid4())


def text(value: str) -> dict[str, str]:
    return {"type": "text", "text": value}
