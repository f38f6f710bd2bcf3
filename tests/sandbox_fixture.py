"""The `line_sandbox` fixture's object: the app serving LINE's emulated platform on a real port.

def test_push(line_sandbox):
    shop = line_sandbox.provision(plan="trial")          # platform channel + inbox Channel
    alice = line_sandbox.user("Alice", channel=shop)     # follows the account
    line_sandbox.say(shop, alice, "hello")               # a message event to the inbox
    line_sandbox.wait_idle()                             # webhooks delivered
    requests.post(f"{line_sandbox.api_base_url}/v2/bot/message/push",
                  headers=line_sandbox.headers(shop), json={"to": alice, "messages": [...]})
    assert line_sandbox.received(shop, alice)[0]["text"] == ...
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from inbox import sandbox as sandbox_package
from inbox.extensions import db
from inbox.models import Channel
from inbox.sandbox import simulate
from inbox.sandbox.delivery import DeliveryWorker
from inbox.sandbox.models import ChatMessage, Delivery, DeliveryAttempt, PlatformChannel
from inbox.sandbox.platform import API_PREFIX, DATA_PREFIX
from inbox.sandbox.platform.assertions import issue_assertion_key
from inbox.sandbox.provision import ProvisionedChannel, create_platform_channel, register_in_inbox
from inbox.sandbox.state import EXTENSION_KEY, Sandbox
from tests.line_events import derive_everything

Chat = tuple[str, str]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LineSandbox:
    """A live sandbox: URLs, channel provisioning, simulated users, faults, and what arrived."""

    def __init__(self, app: Flask, sandbox: Sandbox, base_url: str) -> None:
        self.app = app
        self.sandbox = sandbox
        self.base_url = base_url
        self.api_base_url = base_url + API_PREFIX
        self.data_base_url = base_url + DATA_PREFIX

    # Channels -----------------------------------------------------------------------------

    def provision(
        self,
        plan: str = "trial",
        *,
        name: str = "Sandbox shop",
        rate_limit: int | None = None,
        quota: int | None = None,
        webhook_url: str | None = None,
        register: bool = True,
    ) -> ProvisionedChannel:
        """A channel on the platform (webhook: this live app's), and the inbox Channel for it."""
        channel = create_platform_channel(
            self.sandbox,
            name,
            plan=plan,
            rate_limit=rate_limit,
            quota=quota,
            webhook_endpoint=webhook_url or self.base_url + "/webhooks/line/{channel_id}",
        )
        if register:
            register_in_inbox(channel)
        return channel

    def inbox_channel(self, channel: ProvisionedChannel) -> Channel:
        return db.session.scalars(
            sa.select(Channel).where(Channel.line_channel_id == channel.channel_id)
        ).one()

    def assertion_key(self, channel: ProvisionedChannel) -> dict[str, str]:
        """An assertion signing key issued for the channel, as the console hands it out once:
        the private JWK with its kid (the platform keeps only the public half)."""
        return issue_assertion_key(self.sandbox, channel.pk)

    def headers(self, channel: ProvisionedChannel) -> dict[str, str]:
        return {"Authorization": f"Bearer {channel.access_token}"}

    def set_webhook(
        self, channel: ProvisionedChannel, url: str | None, active: bool = True
    ) -> None:
        with self.sandbox.session() as session:
            row = session.get(PlatformChannel, channel.pk)
            row.webhook_endpoint, row.webhook_active = url, active

    # Simulated users ------------------------------------------------------------------------

    def user(
        self,
        name: str = "Alice",
        *,
        channel: ProvisionedChannel | None = None,
        status_message: str | None = None,
        language: str | None = "en",
        picture: bytes | None = None,
        before_inbox: bool = False,
    ) -> str:
        """A simulated user's ID; with `channel`, the user adds that account (a follow event),
        or with `before_inbox` was its friend already (no follow event, as for every friend of
        an account from before the inbox was connected)."""
        upload = simulate.Upload(BytesIO(picture), "me.png", "image/png") if picture else None
        user = simulate.create_user(
            self.sandbox, name, status_message=status_message, language=language, picture=upload
        )
        if channel is not None and before_inbox:
            simulate.befriend_before_inbox(self.sandbox, channel.pk, user.user_id)
        elif channel is not None:
            simulate.follow(self.sandbox, channel.pk, user.user_id)
        return user.user_id

    def hide_profile(self, channel: ProvisionedChannel, user_id: str, hidden: bool = True) -> None:
        """Get Profile and the member-profile calls answer 404 for this user."""
        simulate.set_profile_hidden(self.sandbox, channel.pk, user_id, hidden)

    def follow(self, channel: ProvisionedChannel, user_id: str) -> None:
        simulate.follow(self.sandbox, channel.pk, user_id)

    def unfollow(self, channel: ProvisionedChannel, user_id: str) -> None:
        simulate.unfollow(self.sandbox, channel.pk, user_id)

    def say(
        self, channel: ProvisionedChannel, user_id: str, text: str, chat: Chat | None = None
    ) -> ChatMessage:
        return simulate.send_text(
            self.sandbox, channel.pk, chat or ("user", user_id), user_id, text
        )

    def send_sticker(
        self,
        channel: ProvisionedChannel,
        user_id: str,
        package_id: str = "446",
        sticker_id: str = "1988",
        chat: Chat | None = None,
    ) -> ChatMessage:
        chat = chat or ("user", user_id)
        return simulate.send_sticker(
            self.sandbox, channel.pk, chat, user_id, package_id, sticker_id
        )

    def send_location(
        self, channel: ProvisionedChannel, user_id: str, chat: Chat | None = None, **place: Any
    ) -> ChatMessage:
        place = {
            "title": "Shop",
            "address": "Bangkok",
            "latitude": 13.75,
            "longitude": 100.5,
        } | place
        return simulate.send_location(
            self.sandbox, channel.pk, chat or ("user", user_id), user_id, **place
        )

    def send_media(
        self,
        channel: ProvisionedChannel,
        user_id: str,
        kind: str,
        data: bytes,
        file_name: str,
        *,
        content_type: str | None = None,
        chat: Chat | None = None,
        duration_ms: int | None = None,
    ) -> ChatMessage:
        """An image, video, audio or file from the user; the bytes go to the content API."""
        upload = simulate.Upload(BytesIO(data), file_name, content_type)
        return simulate.send_media(
            self.sandbox, channel.pk, chat or ("user", user_id), user_id, kind, upload, duration_ms
        )

    def unsend(self, message: ChatMessage) -> None:
        simulate.unsend(self.sandbox, message.message_id, message.sender_id or "")

    def postback(
        self, channel: ProvisionedChannel, user_id: str, data: str, chat: Chat | None = None
    ) -> None:
        simulate.postback(self.sandbox, channel.pk, chat or ("user", user_id), user_id, data)

    def group(
        self, members: list[str], name: str = "Team", *, channel: ProvisionedChannel | None = None
    ) -> str:
        """A group of these users; with `channel`, its bot is invited (a join event)."""
        chat = simulate.create_chat(self.sandbox, "group", members, name=name)
        if channel is not None:
            simulate.invite_bot(self.sandbox, chat.chat_id, channel.pk)
        return chat.chat_id

    def room(self, members: list[str], *, channel: ProvisionedChannel | None = None) -> str:
        chat = simulate.create_chat(self.sandbox, "room", members)
        if channel is not None:
            simulate.invite_bot(self.sandbox, chat.chat_id, channel.pk)
        return chat.chat_id

    def add_member(self, chat_id: str, user_id: str) -> None:
        simulate.add_member(self.sandbox, chat_id, user_id)

    def remove_member(self, chat_id: str, user_id: str) -> None:
        simulate.remove_member(self.sandbox, chat_id, user_id)

    # Faults, time, content ----------------------------------------------------------------

    def inject_fault(
        self,
        operation: str,
        *,
        status: int | None = 500,
        delay: float = 0.0,
        times: int = 1,
        after: bool = False,
    ) -> None:
        """Make the next `times` calls to `operation` (a view name such as "push", "reply",
        "get_content", or "*") hang `delay` seconds and/or answer `status` (None: normally).
        `after=True` does the work first (the request is accepted, the answer is lost)."""
        self.sandbox.faults.inject(operation, status=status, delay=delay, times=times, after=after)

    def advance_clock(self, seconds: float) -> None:
        """Move the platform's clock (reply-token expiry, content retention, transcoding)."""
        self.sandbox.clock.advance(seconds)

    def expire_content(self, message_id: str) -> None:
        simulate.expire_content(self.sandbox, message_id)

    def send_event(
        self, channel: ProvisionedChannel, user_id: str, event_type: str, **fields: Any
    ) -> None:
        """An event of any type (one LINE may add tomorrow) from the user's one-to-one chat."""
        simulate.send_event(
            self.sandbox, channel.pk, ("user", user_id), user_id, event_type, **fields
        )

    # What happened ------------------------------------------------------------------------

    def received(
        self, channel: ProvisionedChannel, chat_id: str, chat_type: str | None = None
    ) -> list[dict[str, Any]]:
        """Message objects the bot sent into a chat (what the phone shows), oldest first."""
        kind = chat_type or {"U": "user", "C": "group", "R": "room"}[chat_id[0]]
        with self.sandbox.session() as session:
            rows = session.scalars(
                sa.select(ChatMessage)
                .where(
                    ChatMessage.channel_pk == channel.pk,
                    ChatMessage.chat_type == kind,
                    ChatMessage.chat_id == chat_id,
                    ChatMessage.direction == "outgoing",
                )
                .order_by(ChatMessage.id)
            ).all()
        return [{**row.body, "id": row.message_id, "via": row.via} for row in rows]

    def events(self, channel: ProvisionedChannel, event_type: str | None = None) -> list[dict]:
        """Webhook events queued for the channel, oldest first."""
        with self.sandbox.session() as session:
            query = sa.select(Delivery).where(Delivery.channel_pk == channel.pk)
            rows = session.scalars(query.order_by(Delivery.id)).all()
        found = [row.event for row in rows]
        return [e for e in found if event_type is None or e["type"] == event_type]

    def attempts(self, webhook_event_id: str) -> list[DeliveryAttempt]:
        """Every delivery attempt of one event, in order."""
        with self.sandbox.session() as session:
            return list(
                session.scalars(
                    sa.select(DeliveryAttempt)
                    .join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
                    .where(Delivery.webhook_event_id == webhook_event_id)
                    .order_by(DeliveryAttempt.id)
                )
            )

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until every queued webhook event was delivered or gave up, then let the inbox's
        event worker derive what it stored (done here, so the test need not wait for it)."""
        assert self.sandbox.worker is not None
        if not self.sandbox.worker.wait_idle(timeout):
            raise TimeoutError(f"webhook deliveries still pending after {timeout} s")
        derive_everything(timeout)


@contextmanager
def running_sandbox(app: Flask, tmp_path: Path) -> Iterator[LineSandbox]:
    """Serve `app` with the sandbox mounted on a free 127.0.0.1 port until the block ends."""
    if EXTENSION_KEY not in app.extensions:
        app.config.update(
            SANDBOX_DATABASE_URL=f"sqlite:///{tmp_path / 'sandbox.sqlite3'}",
            SANDBOX_MEDIA_DIR=str(tmp_path / "sandbox-media"),
        )
        sandbox_package.init_app(app)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    app.config.update(
        HOST="127.0.0.1",
        PORT=port,
        SANDBOX_REDELIVERY_BACKOFF=0.05,
        LINE_API_BASE_URL=base_url + API_PREFIX,
        LINE_DATA_API_BASE_URL=base_url + DATA_PREFIX,
    )
    sandbox = sandbox_package.get_sandbox(app)
    sandbox.create_tables()
    sandbox.worker = DeliveryWorker(sandbox)
    sandbox.worker.start()
    server = make_server("127.0.0.1", port, app, threaded=True)
    # Track request threads so closing the server waits for them: a handler still streaming
    # a file at teardown would otherwise close it later, in some other test.
    server.daemon_threads = False
    server.block_on_close = True
    thread = threading.Thread(target=server.serve_forever, name="line-sandbox-server", daemon=True)
    thread.start()
    try:
        yield LineSandbox(app, sandbox, base_url)
    finally:
        sandbox.faults.clear()
        sandbox.worker.stop()
        sandbox.worker = None
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        sandbox.close()
