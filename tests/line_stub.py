"""A scripted HTTP server on a real socket, standing in for LINE in fault tests."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (read-timeout tests)
    drop: bool = False  # close the connection without answering
    content_type: str = "application/json"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class LineStub:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.routes: dict[str, deque[Reply]] = {}
        self.seen: list[Seen] = []
        self._counter = 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                reply = stub.next_reply(self.path)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                stub._counter += 1
                payload = (
                    reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                )
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("X-Line-Request-Id", f"req-{stub._counter}")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def script(self, *replies: Reply) -> None:
        """Answer the next requests, whatever their path, in this order."""
        self.replies.extend(replies)

    def route(self, path_suffix: str, *replies: Reply) -> None:
        """Answer requests whose path ends with `path_suffix` (before any query) in this order;
        the last reply repeats."""
        self.routes.setdefault(path_suffix, deque()).extend(replies)

    def next_reply(self, path: str) -> Reply:
        bare = path.split("?")[0]
        for suffix, queue in self.routes.items():
            if bare.endswith(suffix) and queue:
                return queue.popleft() if len(queue) > 1 else queue[0]
        return self.replies.popleft() if self.replies else Reply()

    def paths(self) -> list[str]:
        return [seen.path for seen in self.seen]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
