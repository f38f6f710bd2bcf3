"""Webhook delivery like LINE's: signed POSTs from a background thread, redelivered on failure.

Events wait in the sandbox database (`deliveries`), so a restart resumes them. Each one is
POSTed alone; any 2xx counts as received (LINE's error statistics call anything else
`error_status_code`, and no answer within 2 seconds `request_timeout`). Failed ones are sent
again, same `webhookEventId`, with `deliveryContext.isRedelivery: true`, after a doubling
backoff, up to SANDBOX_WEBHOOK_MAX_ATTEMPTS tries in all; every try is recorded.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from datetime import timedelta
from typing import Any

import requests
import sqlalchemy as sa
from sqlalchemy.orm import Session

from inbox.sandbox.events import envelope
from inbox.sandbox.models import Delivery, DeliveryAttempt, PlatformChannel
from inbox.sandbox.state import Sandbox
from inbox.webhooks.signature import sign

log = logging.getLogger(__name__)
USER_AGENT = "LineBotWebhook/2.0"


def enqueue(session: Session, sandbox: Sandbox, channel_pk: int, event: dict[str, Any]) -> None:
    """Queue an event for the channel's webhook (sent once the caller's transaction commits)."""
    now = sandbox.now()
    session.add(
        Delivery(
            channel_pk=channel_pk,
            webhook_event_id=event["webhookEventId"],
            event=event,
            next_attempt_at=now,
            created_at=now,
        )
    )


def post_signed(
    http: requests.Session, endpoint: str, secret: str, body: dict[str, Any], timeout: float
) -> tuple[int, str, str | None]:
    """POST a webhook body as LINE does; return (status or 0, reason, error text)."""
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Line-Signature": sign(secret, raw),
        "User-Agent": USER_AGENT,
    }
    try:
        with http.post(endpoint, data=raw, headers=headers, timeout=(timeout, timeout)) as answer:
            return answer.status_code, answer.reason or "", None
    except requests.Timeout as exc:
        return 0, "request_timeout", str(exc)
    except requests.RequestException as exc:
        return 0, "could_not_connect", str(exc)


class DeliveryWorker:
    """The background thread that sends queued events; `wait_idle` lets tests wait for it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._http = requests.Session()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._busy = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="line-sandbox-delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._http.close()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no event is waiting or being sent; False if `timeout` ran out first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.wake()
            with self._busy:
                if not self._pending():
                    return True
            time.sleep(0.02)
        return False

    def _pending(self) -> int:
        with self.sandbox.session() as session:
            return session.scalar(
                sa.select(sa.func.count()).select_from(Delivery).where(Delivery.state == "pending")
            )

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self._busy:
                    wait = self._deliver_due()
            except Exception:  # keep the thread alive: the next wake retries
                log.exception("sandbox webhook delivery failed")
                wait = 1.0
            self._wake.wait(wait)
            self._wake.clear()

    def _deliver_due(self) -> float:
        """Send everything due; return seconds until the next one is due (at most 1)."""
        with self.sandbox.session() as session:
            due = session.scalars(
                sa.select(Delivery.id)
                .where(Delivery.state == "pending", Delivery.next_attempt_at <= self.sandbox.now())
                .order_by(Delivery.id)
                .limit(50)
            ).all()
            later = session.scalar(
                sa.select(sa.func.min(Delivery.next_attempt_at)).where(Delivery.state == "pending")
            )
        for delivery_id in due:
            if self._stop.is_set():
                return 0
            self._attempt(delivery_id)
        if due:
            return 0
        if later is None:
            return 1.0
        return max(0.0, min(1.0, (later - self.sandbox.now()).total_seconds()))

    def _attempt(self, delivery_id: int) -> None:
        config = self.sandbox.config
        with self.sandbox.session() as session:
            delivery = session.get(Delivery, delivery_id)
            channel = session.get(PlatformChannel, delivery.channel_pk) if delivery else None
            if delivery is None or channel is None:
                return
            if not channel.webhook_active or not channel.webhook_endpoint:
                delivery.state = "skipped"  # LINE sends nothing while the webhook is off
                return
            event = copy.deepcopy(delivery.event)
            event["deliveryContext"] = {"isRedelivery": delivery.attempts > 0}
            endpoint, secret = channel.webhook_endpoint, channel.secret
            body = envelope(channel.bot_user_id, [event])
            redelivery = channel.redelivery
        status, reason, error = post_signed(
            self._http, endpoint, secret, body, float(config["SANDBOX_WEBHOOK_TIMEOUT"])
        )
        with self.sandbox.session() as session:
            delivery = session.get(Delivery, delivery_id)
            assert delivery is not None
            now = self.sandbox.now()
            session.add(
                DeliveryAttempt(
                    delivery_id=delivery.id,
                    endpoint=endpoint,
                    is_redelivery=delivery.attempts > 0,
                    status_code=status,
                    error=error or (None if 200 <= status < 300 else f"{status} {reason}"),
                    attempted_at=now,
                )
            )
            delivery.attempts += 1
            if 200 <= status < 300:
                delivery.state = "delivered"
            elif redelivery and delivery.attempts < int(config["SANDBOX_WEBHOOK_MAX_ATTEMPTS"]):
                backoff = float(config["SANDBOX_REDELIVERY_BACKOFF"]) * 2 ** (delivery.attempts - 1)
                delivery.next_attempt_at = now + timedelta(seconds=backoff)
            else:
                delivery.state = "failed"
