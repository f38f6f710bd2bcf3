"""Webhook ingest side by side with a no-op receiver, over real HTTP, in one run.

    .venv/bin/python bench/webhook_ingest.py [--database-url URL] [--seconds 10]
                                             [--connections 8] [--sizes 1,100]
                                             [--server werkzeug|gunicorn] [--redis-url URL]

Serves the app the way `python app.py` does (Werkzeug's threaded server, the in-process event
worker deriving rows), or with `--server gunicorn` the way a team deploys it (gunicorn gthread,
2 workers x 8 threads, and one `flask jobs worker` process deriving, woken through Redis), on
a free local port, with one extra route on the same server: a no-op receiver that checks the
signature and answers 200. For each body size, CONNECTIONS
keep-alive clients post signed bodies of new events for SECONDS to the no-op, then to the
inbox's webhook, and the script prints requests per second, p50 / p99 milliseconds and the
inbox's rate as a share of the no-op's. Then it measures derivation: the events per second the
event worker turned into messages while the load ran, and how long the backlog took to reach
zero after it stopped. Absolute numbers on a shared machine are noise; the ratios are the
figures. LINE waits 2,000 ms for an answer.
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

from flask import Flask, jsonify, request

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
from inbox.extensions import csrf, db
from inbox.ingest import backlog, start_event_worker
from inbox.webhooks.signature import sign, signature_is_valid
from tests.line_events import event, group_source, message_event

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"


CUSTOMERS = 2_000  # who writes in: after the first seconds most are known, as on a busy account
GROUPS = 20


def mixed_events(count: int, salt: str) -> list[dict]:
    """A busy account's traffic: 70 % texts, 20 % images in groups, 10 % follows, from
    CUSTOMERS customers and GROUPS groups. `salt` (unique per body, across processes) makes
    the LINE message ids unique, as LINE's are."""
    rng = random.Random(salt)
    events = []
    for n in range(count):
        source = {"type": "user", "userId": f"U{rng.randrange(CUSTOMERS):032d}"}
        message_id = f"{salt}{n:04d}"
        kind = n % 10
        if kind < 7:
            text = f"สวัสดีค่ะ 注文番号 {n}"
            content = {"id": message_id, "type": "text", "text": text, "quoteToken": message_id}
            events.append(message_event(content, source=source))
        elif kind < 9:
            group = group_source(f"C{rng.randrange(GROUPS):032d}", source["userId"])
            content = {"id": message_id, "type": "image", "contentProvider": {"type": "line"}}
            events.append(message_event(content, source=group))
        else:
            follow = {"isUnblocked": False}
            events.append(event("follow", follow=follow, replyToken="r", source=source))
    return events


def with_noop(app: Flask) -> Flask:
    @app.post("/bench/noop/<channel_id>")
    @csrf.exempt
    def noop(channel_id: str):
        """The baseline: read the body, check the signature, answer 200."""
        body = request.get_data(cache=False)
        if not signature_is_valid(SECRET, body, request.headers.get("X-Line-Signature")):
            return jsonify({"message": "bad signature"}), 401
        return jsonify({"received": len(body)})

    return app


def served_app() -> Flask:
    """What gunicorn serves with --server gunicorn: the app from the environment, and the no-op."""
    return with_noop(create_app())


def build_app(database_url: str | None):
    app, url = bench_app(database_url)
    with app.app_context():
        channel = migrated_with_channel(SECRET)
        return with_noop(app), url, channel.line_channel_id, db.engine.dialect.name


def load(port: int, path: str, size: int, seconds: float, connections: int) -> dict:
    """CONNECTIONS clients posting new signed bodies for SECONDS, in a process of their own
    (see bench/serving.py)."""
    return in_own_process(_load, port, path, size, seconds, connections)


def _load(port: int, path: str, size: int, seconds: float, connections: int) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad, sent = [], [], 0
        while time.perf_counter() < stop_at:
            salt = f"{time.time_ns()}{number:03d}"
            body = json.dumps(
                {"destination": "U" + "0" * 32, "events": mixed_events(size, salt)}
            ).encode()
            headers = {"X-Line-Signature": sign(SECRET, body), "Content-Type": "application/json"}
            started = time.perf_counter()
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                bad.append(response.status)
            sent += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
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
    }


def derived_backlog(app) -> int:
    with app.app_context():
        return backlog().waiting


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--seconds", type=float, default=10.0, help="load per endpoint and size")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--sizes", default="1,100", help="events per body, comma-separated")
    parser.add_argument("--drain-limit", type=float, default=30.0, help="seconds to wait")
    parser.add_argument("--server", choices=("werkzeug", "gunicorn"), default="werkzeug")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="for gunicorn")
    args = parser.parse_args()
    app, url, line_channel_id, backend = build_app(args.database_url)
    if args.server == "gunicorn":
        processes, port = start_team(app, url, args.redis_url, "bench.webhook_ingest:served_app()")
        served = "gunicorn gthread 2 x 8 and one `flask jobs worker`"
    else:
        server, port = serve(app)
        worker = start_event_worker(app)
        served = "Werkzeug threaded server and the in-process event worker"
    print(f"backend: {backend}; {served}; {args.connections} connections, {args.seconds:g} s each")
    print(
        f"{'events/body':>11} {'endpoint':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'errors':>7} {'vs no-op':>9}"
    )
    for size in (int(item) for item in args.sizes.split(",")):
        baseline = load(
            port, f"/bench/noop/{line_channel_id}", size, args.seconds, args.connections
        )
        stored_before = derived_backlog(app)
        started = time.perf_counter()
        inbox = load(
            port, f"/webhooks/line/{line_channel_id}", size, args.seconds, args.connections
        )
        load_seconds = time.perf_counter() - started
        waiting_at_end = derived_backlog(app)
        drain_started = time.perf_counter()
        while derived_backlog(app) > 0 and time.perf_counter() - drain_started < args.drain_limit:
            time.sleep(0.1)
        drain_seconds = time.perf_counter() - drain_started
        left = derived_backlog(app)
        for name, figures in (("no-op", baseline), ("inbox", inbox)):
            share = f"{inbox['rate'] / baseline['rate']:>8.0%}" if name == "inbox" else ""
            print(
                f"{size:>11} {name:>9} {figures['rate']:>8.1f} {figures['p50']:>8.1f}"
                f" {figures['p99']:>8.1f} {figures['errors']:>7} {share:>9}"
            )
        events = inbox["requests"] * size
        derived_during_load = events - (waiting_at_end - stored_before)
        after = (waiting_at_end - left) / drain_seconds if drain_seconds else 0.0
        print(
            f"{'':>11} derivation: {derived_during_load / load_seconds:,.0f} events/s while the"
            f" load ran, {after:,.0f} events/s after it; backlog {waiting_at_end:,} events,"
            f" {left:,} left {drain_seconds:.1f} s later"
        )
    if args.server == "gunicorn":
        stop_team(processes)
    else:
        worker.stop()
        server.shutdown()


if __name__ == "__main__":
    main()
