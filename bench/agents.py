"""Many agents at once, side by side with a no-op endpoint on the same server, in one run.

    .venv/bin/python bench/agents.py [--database-url URL] [--agents 50] [--seconds 20]
                                     [--server werkzeug|gunicorn] [--redis-url URL]

Serves the app as `python app.py` does (Werkzeug's threaded server, the event worker and the
live-update thread running), or with `--server gunicorn` as a team deploys it (gunicorn gthread
2 x 8 and one `flask jobs worker`, Redis between them), with a database of 20 conversations,
then AGENTS clients (each an agent with an API token, in a separate process) work for SECONDS:
60 % list the open conversations, 10 % read a thread, 15 % add a note, 15 % send an answer (a
202: the send job is not run here, there is no LINE). Then the same clients hit a no-op
endpoint on the same server. Prints requests per second, p50 / p99 milliseconds and errors for
both; the pool is the default (DATABASE_POOL_SIZE + DATABASE_POOL_OVERFLOW).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, jsonify

from bench.serving import (
    bench_app,
    in_own_process,
    migrated_with_channel,
    percentiles,
    serve,
    start_team,
    stop_team,
)
from inbox import create_app
from inbox.admin.users_service import issue_token
from inbox.extensions import db
from inbox.ingest import drain, receive_events, start_event_worker
from inbox.models import Conversation, Role, User
from inbox.webhooks.envelope import parse_envelope
from tests.line_events import body_of, text_event


def with_noop(app: Flask) -> Flask:
    @app.get("/bench/noop")
    def noop():
        """The baseline: an answer with no database work."""
        return jsonify({"ok": True})

    return app


def served_app() -> Flask:
    """What gunicorn serves with --server gunicorn: the app from the environment, and the no-op."""
    return with_noop(create_app())


def build(database_url: str | None, agents: int):
    app, url = bench_app(database_url)
    with_noop(app)
    with app.app_context():
        channel = migrated_with_channel()
        events = [
            text_event(f"สวัสดี {n}", source={"type": "user", "userId": f"U{n:032d}"})
            for n in range(20)
        ]
        receive_events(channel.id, parse_envelope(body_of(events)))
        drain()
        tokens = []
        for n in range(agents):
            user = User(email=f"agent{n}@bench.test", display_name=f"Agent {n}", roles=[Role.AGENT])
            db.session.add(user)
            db.session.flush()
            tokens.append(issue_token(user, "bench")[1])
        db.session.commit()
        conversations = list(db.session.scalars(db.select(Conversation.id)))
    return app, url, tokens, conversations


def _agent_load(
    port: int, tokens: list[str], conversations: list[int], seconds: float, noop: bool
) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def agent(token: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        mine, bad = [], []
        while time.perf_counter() < stop_at:
            roll, conversation = random.random(), random.choice(conversations)
            if noop:
                method, path, body = "GET", "/bench/noop", None
            elif roll < 0.60:
                method, path, body = "GET", "/api/conversations?status=open", None
            elif roll < 0.70:
                method, path, body = "GET", f"/api/conversations/{conversation}/messages", None
            elif roll < 0.85:
                method, path, body = (
                    "POST",
                    f"/api/conversations/{conversation}/notes",
                    {"text": "note"},
                )
            else:
                method, path, body = (
                    "POST",
                    f"/api/conversations/{conversation}/messages",
                    {"text": "ok"},
                )
            started = time.perf_counter()
            try:
                connection.request(
                    method, path, body=json.dumps(body) if body else None, headers=headers
                )
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    bad.append(f"{response.status} {method} {path.split('?')[0]}")
            except OSError as exc:
                bad.append(type(exc).__name__)
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append((time.perf_counter() - started) * 1000)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=agent, args=(token,)) for token in tokens]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "rate": len(latencies) / elapsed,
        **percentiles(latencies),
        "requests": len(latencies),
        "errors": len(errors),
        "kinds": sorted(set(errors))[:5],
    }


def load(*args) -> dict:
    return in_own_process(_agent_load, *args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--server", choices=("werkzeug", "gunicorn"), default="werkzeug")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="for gunicorn")
    args = parser.parse_args()
    app, url, tokens, conversations = build(args.database_url, args.agents)
    if args.server == "gunicorn":
        processes, port = start_team(app, url, args.redis_url, "bench.agents:served_app()")
    else:
        server, port = serve(app)
        worker = start_event_worker(app)
    backend = url.split(":")[0]
    print(f"backend: {backend}; {args.agents} agents for {args.seconds:g} s each; {args.server}")
    print(f"{'endpoint':>10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    inbox = load(port, tokens, conversations, args.seconds, False)
    baseline = load(port, tokens, conversations, args.seconds, True)
    for name, figures in (("inbox", inbox), ("no-op", baseline)):
        print(
            f"{name:>10} {figures['rate']:>8.1f} {figures['p50']:>8.1f} {figures['p99']:>8.1f}"
            f" {figures['errors']:>7} {' '.join(figures['kinds'])}"
        )
    print(f"inbox at {inbox['rate'] / baseline['rate']:.0%} of the no-op's rate")
    if args.server == "gunicorn":
        stop_team(processes)
    else:
        worker.stop()
        server.shutdown()


if __name__ == "__main__":
    main()
