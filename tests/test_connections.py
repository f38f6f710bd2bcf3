"""One database connection per thread: no request, job, event worker or live update ever checks
out a second pooled connection while it holds one (with a pool sized to the threads, that is
what starved the pool under many agents and gave 500s).

The app is served on a real port (the line_sandbox fixture), so every request runs in a
server thread of its own, as in production; the audit watches the inbox engine's pool.
"""

from __future__ import annotations

import threading
import traceback
from collections import defaultdict
from collections.abc import Iterator

import pytest
import requests
import sqlalchemy as sa

from inbox.extensions import db
from inbox.jobs import run_due_jobs
from inbox.models import Conversation, Role
from inbox.realtime import flush_live_updates
from tests.sandbox_flows import pooled_line_sessions


class PoolAudit:
    """Which thread holds which pooled connection; where a thread took a second one."""

    def __init__(self) -> None:
        self.holder: dict[int, int] = {}  # id(connection record) -> thread
        self.held: defaultdict[int, int] = defaultdict(int)
        self.second_checkouts: list[str] = []
        self.lock = threading.Lock()

    def checkout(self, _dbapi, record, _proxy) -> None:
        thread = threading.get_ident()
        with self.lock:
            self.holder[id(record)] = thread
            self.held[thread] += 1
            if self.held[thread] > 1:
                self.second_checkouts.append("".join(traceback.format_stack(limit=25)))

    def checkin(self, _dbapi, record) -> None:
        with self.lock:
            thread = self.holder.pop(id(record), None)
            if thread is not None:
                self.held[thread] -= 1


@pytest.fixture
def audit(app) -> Iterator[PoolAudit]:
    watcher = PoolAudit()
    pool = db.engine.pool
    sa.event.listen(pool, "checkout", watcher.checkout)
    sa.event.listen(pool, "checkin", watcher.checkin)
    yield watcher
    sa.event.remove(pool, "checkout", watcher.checkout)
    sa.event.remove(pool, "checkin", watcher.checkin)


def test_no_path_holds_two_connections(line_sandbox, make, audit) -> None:
    shop = line_sandbox.provision()
    agent = make.user(Role.AGENT)
    headers = {"Authorization": f"Bearer {make.token(agent)}"}
    db.session.commit()
    with pooled_line_sessions():
        alice = line_sandbox.user("Alice", channel=shop)
        line_sandbox.say(shop, alice, "สวัสดีค่ะ")
        line_sandbox.wait_idle()  # webhooks in server threads, derived by the event worker
        conversation_id = db.session.scalar(sa.select(Conversation.id))
        db.session.commit()
        base = f"{line_sandbox.base_url}/api/conversations"

        def call(method: str, path: str, **kwargs) -> requests.Response:
            answer = requests.request(method, base + path, headers=headers, timeout=10, **kwargs)
            assert answer.status_code < 300, answer.text
            return answer

        call("GET", "")
        call("GET", f"/{conversation_id}")
        call("GET", f"/{conversation_id}/messages")
        call("GET", f"/{conversation_id}/composer")
        call("POST", f"/{conversation_id}/messages", json={"text": "ยินดีค่ะ"})
        call("POST", f"/{conversation_id}/notes", json={"text": "VIP"})
        call("PATCH", f"/{conversation_id}", json={"assignee_id": agent.id})
        run_due_jobs()  # the send job reaches LINE
        line_sandbox.say(shop, alice, "ขอบคุณค่ะ")
        line_sandbox.wait_idle()
        flush_live_updates()
    assert [m["text"] for m in line_sandbox.received(shop, alice)] == ["ยินดีค่ะ"]
    assert audit.second_checkouts == [], audit.second_checkouts[0]
