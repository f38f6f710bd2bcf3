"""The LINE Messaging API, one method per operation (operationIds from docs/line-openapi/)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from inbox.line.assertion import ASSERTION_TYPE
from inbox.line.errors import LineConflict
from inbox.line.transport import ACCEPTED_REQUEST_ID, REQUEST_ID, Transport

MAX_MESSAGES_PER_SEND = 5
MAX_TEXT_LENGTH = 5_000  # characters in one text message, counted as LINE counts them


def text_length(text: str) -> int:
    """Characters as LINE counts them: UTF-16 code units, so an emoji like 😀 is two."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class SendResult:
    """What LINE said about a reply or push."""

    request_id: str | None
    sent_messages: list[dict[str, Any]] = field(default_factory=list)
    retry_key: str | None = None
    already_accepted: bool = False  # a retried push LINE had accepted before (409)


def _segment(value: str) -> str:
    return quote(value, safe="")


class LineClient:
    """A channel's client. Every call goes through its Transport (pacing, retries, call log)."""

    def __init__(
        self, transport: Transport, *, access_token: str, api_base_url: str, data_base_url: str
    ) -> None:
        self._transport = transport
        self._auth = {"Authorization": f"Bearer {access_token}"}
        self._api = api_base_url.rstrip("/")
        self._data = data_base_url.rstrip("/")

    # -- plumbing ---------------------------------------------------------------------------

    def _send(
        self,
        endpoint: str,
        method: str,
        path: str,
        *,
        safe_to_retry: bool,
        data_host: bool = False,
        headers: dict[str, str] | None = None,
        authenticated: bool = True,
        **kwargs: Any,
    ) -> requests.Response:
        url = (self._data if data_host else self._api) + path
        sent_headers = {**(self._auth if authenticated else {}), **(headers or {})}
        return self._transport.request(
            endpoint, method, url, path, safe_to_retry=safe_to_retry, headers=sent_headers, **kwargs
        )

    def _json(self, endpoint: str, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(endpoint, method, path, **kwargs)
        return response.json() if response.content else {}

    def _read(self, endpoint: str, path: str, **kwargs: Any) -> Any:
        return self._json(endpoint, "GET", path, safe_to_retry=True, **kwargs)

    # -- sending -----------------------------------------------------------------------------

    def reply(
        self,
        reply_token: str,
        messages: list[dict[str, Any]],
        *,
        notification_disabled: bool = False,
    ) -> SendResult:
        """Reply with a webhook's reply token: free, single-use, valid about a minute.

        Never retried once LINE may have seen it: a consumed token cannot be used again, so
        the caller falls back to push instead.
        """
        body = {
            "replyToken": reply_token,
            "messages": messages,
            "notificationDisabled": notification_disabled,
        }
        response = self._send(
            "replyMessage", "POST", "/v2/bot/message/reply", safe_to_retry=False, json=body
        )
        return SendResult(response.headers.get(REQUEST_ID), response.json().get("sentMessages", []))

    def push(
        self,
        to: str,
        messages: list[dict[str, Any]],
        *,
        retry_key: str | None = None,
        notification_disabled: bool = False,
    ) -> SendResult:
        """Push to a user, group or room: any time, counts against the monthly quota.

        Always carries an X-Line-Retry-Key (pass the message's own key, kept for its life), so
        retries, here or after a crash, never send twice: LINE answers a repeat with 409,
        which counts as sent.
        """
        key = retry_key or str(uuid.uuid4())
        body = {"to": to, "messages": messages, "notificationDisabled": notification_disabled}
        try:
            response = self._send(
                "pushMessage",
                "POST",
                "/v2/bot/message/push",
                safe_to_retry=True,
                headers={"X-Line-Retry-Key": key},
                json=body,
            )
        except LineConflict as conflict:
            accepted = isinstance(conflict.body, dict) and "sentMessages" in conflict.body
            if not accepted and "retry key" not in conflict.message.lower():
                raise
            sent = conflict.body.get("sentMessages", []) if isinstance(conflict.body, dict) else []
            request_id = conflict.accepted_request_id or conflict.request_id
            return SendResult(request_id, sent, retry_key=key, already_accepted=True)
        return SendResult(
            response.headers.get(REQUEST_ID), response.json().get("sentMessages", []), key
        )

    def show_loading_animation(self, chat_id: str, seconds: int = 20) -> None:
        """Show "typing…" to a one-to-one chat for 5 to 60 seconds (multiples of 5)."""
        body = {"chatId": chat_id, "loadingSeconds": seconds}
        self._send(
            "showLoadingAnimation",
            "POST",
            "/v2/bot/chat/loading/start",
            safe_to_retry=True,
            json=body,
        )

    def mark_as_read(self, mark_as_read_token: str) -> None:
        """Mark a user's messages read up to the message that carried this token."""
        body = {"markAsReadToken": mark_as_read_token}
        self._send(
            "markMessagesAsReadByToken",
            "POST",
            "/v2/bot/chat/markAsRead",
            safe_to_retry=True,
            json=body,
        )

    def message_quota(self) -> dict[str, Any]:
        """`{"type": "none"}` or `{"type": "limited", "value": N}` pushes per month."""
        return self._read("getMessageQuota", "/v2/bot/message/quota")

    def message_quota_consumption(self) -> int:
        """Pushes sent this month."""
        return int(
            self._read("getMessageQuotaConsumption", "/v2/bot/message/quota/consumption")[
                "totalUsage"
            ]
        )

    # -- content (api-data host) -----------------------------------------------------------

    def open_content(self, message_id: str, *, preview: bool = False) -> requests.Response:
        """Stream a user's image, video, audio or file (or its preview). Close the response."""
        suffix = "/content/preview" if preview else "/content"
        return self._send(
            "getMessageContentPreview" if preview else "getMessageContent",
            "GET",
            f"/v2/bot/message/{_segment(message_id)}{suffix}",
            safe_to_retry=True,
            data_host=True,
            stream=True,
        )

    def content_transcoding(self, message_id: str) -> str:
        """`processing`, `succeeded` or `failed`: fetch video and audio only once succeeded."""
        path = f"/v2/bot/message/{_segment(message_id)}/content/transcoding"
        return str(
            self._read("getMessageContentTranscodingByMessageId", path, data_host=True)["status"]
        )

    # -- profiles, groups, rooms -------------------------------------------------------------

    def profile(self, user_id: str) -> dict[str, Any]:
        return self._read("getProfile", f"/v2/bot/profile/{_segment(user_id)}")

    def group_member_profile(self, group_id: str, user_id: str) -> dict[str, Any]:
        path = f"/v2/bot/group/{_segment(group_id)}/member/{_segment(user_id)}"
        return self._read("getGroupMemberProfile", path)

    def room_member_profile(self, room_id: str, user_id: str) -> dict[str, Any]:
        path = f"/v2/bot/room/{_segment(room_id)}/member/{_segment(user_id)}"
        return self._read("getRoomMemberProfile", path)

    def group_summary(self, group_id: str) -> dict[str, Any]:
        return self._read("getGroupSummary", f"/v2/bot/group/{_segment(group_id)}/summary")

    def member_count(self, kind: str, chat_id: str) -> int:
        """Members of a "group" or "room"."""
        operation = "getGroupMemberCount" if kind == "group" else "getRoomMemberCount"
        return int(
            self._read(operation, f"/v2/bot/{kind}/{_segment(chat_id)}/members/count")["count"]
        )

    def member_ids(self, kind: str, chat_id: str) -> Iterator[str]:
        """Every member's user id of a "group" or "room", following LINE's `next` pages."""
        operation = "getGroupMembersIds" if kind == "group" else "getRoomMembersIds"
        start: str | None = None
        while True:
            params = {"start": start} if start else None
            page = self._read(
                operation, f"/v2/bot/{kind}/{_segment(chat_id)}/members/ids", params=params
            )
            yield from page.get("memberIds", [])
            start = page.get("next")
            if not start:
                return

    def leave(self, kind: str, chat_id: str) -> None:
        """Take the bot out of a "group" or "room"."""
        operation = "leaveGroup" if kind == "group" else "leaveRoom"
        self._send(
            operation, "POST", f"/v2/bot/{kind}/{_segment(chat_id)}/leave", safe_to_retry=False
        )

    # -- channel -----------------------------------------------------------------------------

    def bot_info(self) -> dict[str, Any]:
        return self._read("getBotInfo", "/v2/bot/info")

    def webhook_endpoint(self) -> dict[str, Any]:
        return self._read("getWebhookEndpoint", "/v2/bot/channel/webhook/endpoint")

    def set_webhook_endpoint(self, endpoint: str) -> None:
        self._send(
            "setWebhookEndpoint",
            "PUT",
            "/v2/bot/channel/webhook/endpoint",
            safe_to_retry=True,
            json={"endpoint": endpoint},
        )

    def test_webhook_endpoint(self, endpoint: str | None = None) -> dict[str, Any]:
        """LINE sends a test webhook and reports what the endpoint answered."""
        return self._json(
            "testWebhookEndpoint",
            "POST",
            "/v2/bot/channel/webhook/test",
            safe_to_retry=True,
            json={"endpoint": endpoint} if endpoint else {},
        )

    # -- channel access tokens (form-encoded, no bearer) -------------------------------------

    def verify_access_token(self, access_token: str) -> dict[str, Any]:
        """`{client_id, expires_in, scope}` for a live token; LineBadRequest for a dead one."""
        return self._json(
            "verifyChannelToken",
            "POST",
            "/v2/oauth/verify",
            safe_to_retry=True,
            authenticated=False,
            data={"access_token": access_token},
        )

    def verify_access_token_v21(self, access_token: str) -> dict[str, Any]:
        """`{client_id, expires_in, scope}` for a live v2.1 token (`/oauth2/v2.1/verify`)."""
        return self._read(
            "verifyChannelTokenByJWT",
            "/oauth2/v2.1/verify",
            authenticated=False,
            params={"access_token": access_token},
        )

    def issue_token_by_jwt(self, client_assertion: str) -> dict[str, Any]:
        """A v2.1 token of the lifetime the assertion's `token_exp` asks (at most 30 days):
        `{access_token, token_type, expires_in, key_id}`; keep key_id to revoke it."""
        return self._json(
            "issueChannelTokenByJWT",
            "POST",
            "/oauth2/v2.1/token",
            safe_to_retry=False,
            authenticated=False,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": client_assertion,
            },
        )

    def valid_token_key_ids(self, client_assertion: str) -> list[str]:
        """The key IDs of every live v2.1 token of the channel."""
        found = self._read(
            "getsAllValidChannelAccessTokenKeyIds",
            "/oauth2/v2.1/tokens/kid",
            authenticated=False,
            params={"client_assertion_type": ASSERTION_TYPE, "client_assertion": client_assertion},
        )
        return [str(kid) for kid in found.get("kids", [])]

    def revoke_token_v21(self, channel_id: str, channel_secret: str, access_token: str) -> None:
        """Revoke a v2.1 token (`/oauth2/v2.1/revoke`)."""
        self._send(
            "revokeChannelTokenByJWT",
            "POST",
            "/oauth2/v2.1/revoke",
            safe_to_retry=True,
            authenticated=False,
            data={
                "client_id": channel_id,
                "client_secret": channel_secret,
                "access_token": access_token,
            },
        )

    def revoke_token(self, access_token: str) -> None:
        """Revoke a short- or long-lived token (`/v2/oauth/revoke`)."""
        self._send(
            "revokeChannelToken",
            "POST",
            "/v2/oauth/revoke",
            safe_to_retry=True,
            authenticated=False,
            data={"access_token": access_token},
        )

    def issue_stateless_token(self, channel_id: str, channel_secret: str) -> dict[str, Any]:
        """A 15-minute token from the channel id and secret (`/oauth2/v3/token`)."""
        return self._json(
            "issueStatelessChannelToken",
            "POST",
            "/oauth2/v3/token",
            safe_to_retry=True,
            authenticated=False,
            data={
                "grant_type": "client_credentials",
                "client_id": channel_id,
                "client_secret": channel_secret,
            },
        )

    def issue_short_lived_token(self, channel_id: str, channel_secret: str) -> dict[str, Any]:
        """A 30-day token (`/v2/oauth/accessToken`); LINE caps how many may be live at once."""
        return self._json(
            "issueChannelToken",
            "POST",
            "/v2/oauth/accessToken",
            safe_to_retry=False,
            authenticated=False,
            data={
                "grant_type": "client_credentials",
                "client_id": channel_id,
                "client_secret": channel_secret,
            },
        )


__all__ = [
    "ACCEPTED_REQUEST_ID",
    "MAX_MESSAGES_PER_SEND",
    "MAX_TEXT_LENGTH",
    "LineClient",
    "SendResult",
    "text_length",
]
