"""Webhook to agent screen: how long a customer's message takes to reach agents' sockets, with
many agents connected and events flowing in the background, beside a bare Socket.IO emit on
the same server, in one run.

    .venv/bin/python bench/live_updates.py [--database-url URL] [--agents 50]
                                           [--background 200] [--probes 60]
                                           [--server werkzeug|gunicorn] [--redis-url URL]

Serves the app as `python app.py` does (Werkzeug's threaded server, the event worker and the
live-update thread in one process), or with `--server gunicorn` as a team deploys it (gunicorn
gthread 2 x (AGENTS + 8) and one `flask jobs worker`, Redis between them; the sockets use
WebSocket, each holding a worker thread while open, as long-polling across two workers would
need sticky sessions). In a second process, AGENTS
Socket.IO clients connect (one per agent, with their API tokens), a load thread posts
BACKGROUND events a second as signed webhooks, and PROBES marked messages are posted one at
a time: the latency is from the webhook's POST to the first agent socket that hears it. The
baseline posts to an endpoint of the same server that emits the marker to the same room at
once (no database, no worker).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
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
from inbox.admin.users_service import issue_token
from inbox.extensions import csrf, db, socketio
from inbox.ingest import start_event_worker
from inbox.models import Role, User
from inbox.realtime.rooms import channel_room

SECRET = "bench-secret"


def with_echo(app: Flask) -> Flask:
    @app.post("/bench/echo/<int:channel_id>")
    @csrf.exempt
    def echo(channel_id: int):
        """The baseline: emit the marker to the agents' room at once."""
        room = channel_room(channel_id, "agents")
        socketio.emit("message", {"text": request.get_json()["text"]}, to=room)
        return jsonify({"ok": True})

    return app


def served_app() -> Flask:
    """What gunicorn serves with --server gunicorn: the app from the environment, and the echo."""
    return with_echo(create_app())


def build(database_url: str | None, agents: int):
    app, url = bench_app(database_url)
    with app.app_context():
        channel = migrated_with_channel(SECRET)
        tokens = []
        for n in range(agents):
            user = User(email=f"agent{n}@bench.test", roles=[Role.AGENT])
            db.session.add(user)
            db.session.flush()
            tokens.append(issue_token(user, "bench")[1])
        db.session.commit()
        channel_id, line_channel_id = channel.id, channel.line_channel_id
    return with_echo(app), url, channel_id, line_channel_id, tokens


def _measure(
    base: str,
    channel: tuple[int, str],
    tokens: list[str],
    rate: int,
    probes: int,
    transport: str,
) -> dict:
    import requests
    import socketio as socketio_client
    from engineio.payload import Payload

    # python-engineio's client refuses a long-poll answer of more than 16 packets (a guard
    # against hostile servers); one derived batch can announce more (browsers have no limit).
    Payload.max_decode_packets = 10_000

    from inbox.webhooks.signature import sign
    from tests.line_events import body_of, text_event

    heard: dict[str, float] = {}
    lock = threading.Lock()

    def listener(payload: dict) -> None:
        text = (payload or {}).get("text") or ""
        if text.startswith("probe-"):
            with lock:
                heard.setdefault(text, time.perf_counter())

    clients = []
    for token in tokens:
        client = socketio_client.Client(reconnection=False)
        client.on("message", listener)
        client.connect(base, auth={"token": token}, transports=[transport])
        clients.append(client)

    channel_id, line_channel_id = channel
    webhook = f"{base}/webhooks/line/{line_channel_id}"
    stop = threading.Event()

    def background() -> None:
        session = requests.Session()
        per_body, users = 20, [f"U{n:032d}" for n in range(40)]
        while not stop.is_set():
            started = time.perf_counter()
            events = [
                text_event("บ่าย", source={"type": "user", "userId": users[n % 40]})
                for n in range(per_body)
            ]
            body = body_of(events)
            session.post(
                webhook, data=body, headers={"X-Line-Signature": sign(SECRET, body)}, timeout=10
            )
            stop.wait(max(0.0, per_body / rate - (time.perf_counter() - started)))

    def probe(post) -> list[float]:
        latencies = []
        for _ in range(probes):
            marker = f"probe-{uuid.uuid4().hex}"
            started = time.perf_counter()
            post(marker)
            deadline = started + 3  # unheard by then: counted as not heard
            while marker not in heard and time.perf_counter() < deadline:
                time.sleep(0.001)
            if marker in heard:
                latencies.append((heard[marker] - started) * 1000)
            time.sleep(0.2)
        return sorted(latencies)

    session = requests.Session()

    def post_webhook(marker: str) -> None:
        body = body_of([text_event(marker, source={"type": "user", "userId": "U" + "f" * 32})])
        session.post(
            webhook, data=body, headers={"X-Line-Signature": sign(SECRET, body)}, timeout=10
        )

    def post_echo(marker: str) -> None:
        answer = session.post(
            f"{base}/bench/echo/{channel_id}",
            data=json.dumps({"text": marker}),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text[:200]

    loader = threading.Thread(target=background, daemon=True)
    loader.start()
    results = {"inbox": probe(post_webhook), "emit": probe(post_echo)}
    stop.set()
    loader.join(5)
    for client in clients:
        client.disconnect()
    return {name: {**percentiles(values), "heard": len(values)} for name, values in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--background", type=int, default=200, help="events per second")
    parser.add_argument("--probes", type=int, default=60)
    parser.add_argument("--server", choices=("werkzeug", "gunicorn"), default="werkzeug")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="for gunicorn")
    args = parser.parse_args()
    app, url, channel_id, line_channel_id, tokens = build(args.database_url, args.agents)
    if args.server == "gunicorn":
        # Every socket may land on one worker, and each holds a thread while it is open.
        threads = args.agents + 8
        processes, port = start_team(
            app, url, args.redis_url, "bench.live_updates:served_app()", threads
        )
        transport = "websocket"
        served = f"gunicorn gthread 2 x {threads} and one `flask jobs worker`"
    else:
        server, port = serve(app)
        worker = start_event_worker(app)
        transport, served = "polling", "Werkzeug threaded server and the in-process event worker"
    try:
        figures = in_own_process(
            _measure,
            f"http://127.0.0.1:{port}",
            (channel_id, line_channel_id),
            tokens,
            args.background,
            args.probes,
            transport,
        )
    finally:  # a failed run leaves no server behind
        if args.server == "gunicorn":
            stop_team(processes)
        else:
            worker.stop()
            server.shutdown()
    print(
        f"backend: {url.split(':')[0]}; {served}; {args.agents} agent sockets ({transport});"
        f" {args.background} background events/s; {args.probes} probes each"
    )
    print(f"{'path':>28} {'p50 ms':>8} {'p99 ms':>8} {'heard':>6}")
    for name, label in (
        ("inbox", "webhook -> agent sockets"),
        ("emit", "bare emit -> agent sockets"),
    ):
        row = figures[name]
        print(f"{label:>28} {row['p50']:>8.1f} {row['p99']:>8.1f} {row['heard']:>6}")


if __name__ == "__main__":
    main()
