"""Request-body rules of the Messaging API, answered with LINE's `details` shape."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

Details = list[dict[str, str]]

MAX_TEXT = 5_000
MAX_URL = 2_000
REQUIRED = "must be specified"
# Hosts a local inbox serves its own media from: real LINE wants https only, but a developer's
# machine has no certificate, so the sandbox lets plain http through for loopback hosts.
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def text_length(text: str) -> int:
    """Characters as LINE counts them: UTF-16 code units (an emoji outside the BMP is 2)."""
    return len(text.encode("utf-16-le")) // 2


def _url(value: Any, where: str, details: Details) -> None:
    if value is None:
        details.append({"message": REQUIRED, "property": where})
        return
    parts = urlsplit(value) if isinstance(value, str) else None
    secure = parts is not None and (
        parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS)
    )
    if not secure or not parts.netloc or len(value) > MAX_URL:
        details.append({"message": "must be a valid HTTPS URL", "property": where})


def _string(
    value: Any, where: str, details: Details, *, maximum: int | None = None, required: bool = True
) -> None:
    if value is None:
        if required:
            details.append({"message": REQUIRED, "property": where})
        return
    if not isinstance(value, str):
        details.append({"message": "must be a string", "property": where})
    elif maximum is not None and text_length(value) > maximum:
        details.append({"message": f"Length must be between 0 and {maximum}", "property": where})


def _number(value: Any, where: str, details: Details) -> None:
    if value is None:
        details.append({"message": REQUIRED, "property": where})
    elif isinstance(value, bool) or not isinstance(value, int | float):
        details.append({"message": "must be a number", "property": where})


def _object(value: Any, where: str, details: Details) -> None:
    if value is None:
        details.append({"message": REQUIRED, "property": where})
    elif not isinstance(value, dict):
        details.append({"message": "must be an object", "property": where})


def _message(message: dict[str, Any], where: str, details: Details) -> None:
    kind = message.get("type")
    field = lambda name: f"{where}.{name}"  # noqa: E731 - a short local namer
    if kind in ("text", "textV2"):
        _string(message.get("text"), field("text"), details, maximum=MAX_TEXT)
    elif kind == "sticker":
        _string(message.get("packageId"), field("packageId"), details)
        _string(message.get("stickerId"), field("stickerId"), details)
    elif kind in ("image", "video"):
        _url(message.get("originalContentUrl"), field("originalContentUrl"), details)
        _url(message.get("previewImageUrl"), field("previewImageUrl"), details)
    elif kind == "audio":
        _url(message.get("originalContentUrl"), field("originalContentUrl"), details)
        _number(message.get("duration"), field("duration"), details)
    elif kind == "location":
        _string(message.get("title"), field("title"), details, maximum=100)
        _string(message.get("address"), field("address"), details, maximum=100)
        _number(message.get("latitude"), field("latitude"), details)
        _number(message.get("longitude"), field("longitude"), details)
    elif kind == "imagemap":
        _url(message.get("baseUrl"), field("baseUrl"), details)
        _string(message.get("altText"), field("altText"), details, maximum=1_500)
        _object(message.get("baseSize"), field("baseSize"), details)
    elif kind == "template":
        _string(message.get("altText"), field("altText"), details, maximum=400)
        _object(message.get("template"), field("template"), details)
    elif kind == "flex":
        _string(message.get("altText"), field("altText"), details, maximum=1_500)
        _object(message.get("contents"), field("contents"), details)
    elif kind == "coupon":
        _string(message.get("couponId"), field("couponId"), details)
    elif kind is None:
        details.append({"message": REQUIRED, "property": field("type")})
    else:
        details.append({"message": "Invalid message type", "property": field("type")})
    quick_reply = message.get("quickReply")
    if isinstance(quick_reply, dict) and len(quick_reply.get("items") or []) > 13:
        details.append(
            {"message": "Size must be between 0 and 13", "property": field("quickReply.items")}
        )


def messages(value: Any, details: Details) -> None:
    """Check a `messages` array: 1 to 5 message objects, each valid for its type."""
    if value is None:
        details.append({"message": REQUIRED, "property": "messages"})
        return
    if not isinstance(value, list) or not 1 <= len(value) <= 5:
        details.append({"message": "Size must be between 1 and 5", "property": "messages"})
        return
    for index, message in enumerate(value):
        where = f"messages[{index}]"
        if not isinstance(message, dict):
            details.append({"message": "must be an object", "property": where})
        else:
            _message(message, where, details)


def required_string(body: dict[str, Any], name: str, details: Details) -> None:
    _string(body.get(name), name, details)
    if isinstance(body.get(name), str) and not body[name]:
        details.append({"message": "must not be empty", "property": name})


def notification_disabled(body: dict[str, Any], details: Details) -> None:
    if "notificationDisabled" in body and not isinstance(body["notificationDisabled"], bool):
        details.append({"message": "must be a boolean", "property": "notificationDisabled"})
