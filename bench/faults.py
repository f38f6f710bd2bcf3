"""Faults under webhook load: a `kill -9` of the app, and a database outage, each counted.

    .venv/bin/python bench/faults.py [--database-url URL] [--seconds 10] [--outage 10]

Runs `python app.py` as its own process (LINE_SANDBOX off) while CONNECTIONS clients post
signed 10-event bodies, as LINE would, and then checks the store itself:
- kill -9: after SECONDS the app is killed with SIGKILL mid-load and started again; bodies
  that got no answer are redelivered (LINE redelivers them), and the drill waits until
  every event of every body answered 200 is processed.
- database outage (PostgreSQL only): the app reaches the database through a TCP proxy in
  this script, which drops every connection and refuses new ones for OUTAGE seconds in the
  middle of the load. Outage answers must be 503 (LINE redelivers those), never 500; every
  event answered 200 must be processed after recovery with no restart.
Printed: answers by status, events answered 200, how many were processed and how long after
the load (or the recovery) the last one took; "lost" must be 0.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
import sqlalchemy as sa

from bench.serving import bench_app, migrated_with_channel, process_env
from bench.webhook_ingest import mixed_events
from inbox.webhooks.signature import sign
from tests.sandbox_fixture import free_port

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
BODY_EVENTS = 10


class Load:
    """Clients posting signed bodies until stopped; each body remembered with its answer."""

    def __init__(self, base: str, path: str, connections: int) -> None:
        self._url, self._connections = base + path, connections
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.answered: Counter[str] = Counter()
        self.accepted: list[str] = []  # webhookEventIds of bodies answered 200
        self.unanswered: list[dict] = []  # bodies to redeliver
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._client, args=(n,), daemon=True)
            for n in range(self._connections)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _client(self, number: int) -> None:
        session = requests.Session()
        while not self._stop.is_set():
            events = mixed_events(BODY_EVENTS, f"{time.time_ns()}{number:03d}")
            body = {"destination": "U" + "0" * 32, "events": events}
            status = post(session, self._url, body)
            with self._lock:
                self.answered[status] += 1
                if status == "200":
                    self.accepted.extend(event["webhookEventId"] for event in events)
                elif status in ("no answer", "503"):
                    self.unanswered.append(body)
            if status == "no answer":
                time.sleep(0.2)


def post(session: requests.Session, url: str, body: dict) -> str:
    raw = json.dumps(body).encode()
    headers = {"X-Line-Signature": sign(SECRET, raw), "Content-Type": "application/json"}
    try:
        return str(session.post(url, data=raw, headers=headers, timeout=10).status_code)
    except requests.RequestException:
        return "no answer"


def redeliver(url: str, bodies: list[dict]) -> Counter[str]:
    """What LINE does for a body that got no 200: send it again, marked as a redelivery."""
    answers: Counter[str] = Counter()
    session = requests.Session()
    for body in bodies:
        for event in body["events"]:
            event["deliveryContext"] = {"isRedelivery": True}
        answers[post(session, url, body)] += 1
    return answers


class Proxy:
    """A TCP proxy to the database that can be cut: every connection dropped and new ones
    refused for a while, as when the database host goes away."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self._upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._down_until = 0.0
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self, seconds: float) -> None:
        with self._lock:
            self._down_until = time.monotonic() + seconds
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _accept(self) -> None:
        while True:
            client, _ = self._listener.accept()
            if time.monotonic() < self._down_until:
                client.close()
                continue
            try:
                server = socket.create_connection(self._upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.close()


def start_app(env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{env['PORT']}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/login", timeout=2)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("app.py did not start")


def wait_processed(engine: sa.Engine, event_ids: list[str], limit: float) -> tuple[int, float]:
    """How many of these events are processed, waiting up to `limit` s for all; and when."""
    started = time.perf_counter()
    while True:
        done = processed(engine, event_ids)
        if done == len(event_ids) or time.perf_counter() - started > limit:
            return done, time.perf_counter() - started
        time.sleep(0.25)


def processed(engine: sa.Engine, event_ids: list[str]) -> int:
    done = 0
    with engine.connect() as connection:
        for start in range(0, len(event_ids), 500):
            chunk = event_ids[start : start + 500]
            done += connection.scalar(
                sa.text(
                    "SELECT count(*) FROM webhook_events"
                    " WHERE state = 'processed' AND webhook_event_id IN :ids"
                ).bindparams(sa.bindparam("ids", expanding=True)),
                {"ids": chunk},
            )
    return done


def report(name: str, load: Load, done: int, seconds: float, since: str) -> None:
    answers = ", ".join(f"{status}: {count}" for status, count in sorted(load.answered.items()))
    accepted = len(load.accepted)
    print(f"{name}: answers {answers}")
    print(
        f"{'':>4}events answered 200: {accepted:,}; processed: {done:,}"
        f" ({seconds:.1f} s after {since}); lost: {accepted - done:,}"
    )


def app_env(database_url: str, instance: str) -> dict[str, str]:
    return {**process_env(database_url, instance), "PORT": str(free_port())}


def kill_drill(database_url: str, instance: str, path: str, args: argparse.Namespace) -> None:
    env = app_env(database_url, instance)
    base = f"http://127.0.0.1:{env['PORT']}"
    app = start_app(env)
    load = Load(base, path, args.connections)
    load.start()
    time.sleep(args.seconds)
    app.send_signal(signal.SIGKILL)
    app.wait()
    time.sleep(1)
    load.stop()
    app = start_app(env)
    try:
        redelivered = redeliver(base + path, load.unanswered)
        engine = sa.create_engine(database_url)
        done, seconds = wait_processed(engine, load.accepted, 120)
        report("kill -9 and restart", load, done, seconds, "the restart")
        print(f"{'':>4}bodies redelivered after the restart: {dict(redelivered)}")
        again = [event["webhookEventId"] for body in load.unanswered for event in body["events"]]
        redone, _ = wait_processed(engine, again, 60)
        print(f"{'':>4}their events processed: {redone:,} of {len(again):,}")
    finally:
        app.terminate()
        app.wait(15)


def outage_drill(database_url: str, instance: str, path: str, args: argparse.Namespace) -> None:
    real = sa.engine.make_url(database_url)
    proxy = Proxy((real.host or "127.0.0.1", real.port or 5432))
    through_proxy = real.set(host="127.0.0.1", port=proxy.port)
    env = app_env(through_proxy.render_as_string(hide_password=False), instance)
    base = f"http://127.0.0.1:{env['PORT']}"
    app = start_app(env)
    try:
        load = Load(base, path, args.connections)
        load.start()
        time.sleep(args.seconds / 2)
        proxy.cut(args.outage)
        time.sleep(args.outage + args.seconds / 2)
        load.stop()
        recovered = time.perf_counter()
        done, _ = wait_processed(sa.create_engine(database_url), load.accepted, 60)
        seconds = time.perf_counter() - recovered
        report(f"database outage of {args.outage:g} s", load, done, seconds, "the load")
    finally:
        app.terminate()
        app.wait(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file (no outage drill)")
    parser.add_argument("--seconds", type=float, default=10.0, help="load before the fault")
    parser.add_argument("--outage", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    app, url = bench_app(args.database_url)
    with app.app_context():
        path = f"/webhooks/line/{migrated_with_channel(SECRET).line_channel_id}"
    print(f"backend: {sa.engine.make_url(url).get_backend_name()}; {args.connections} clients")
    kill_drill(url, app.instance_path, path, args)
    if url.startswith("postgresql"):
        outage_drill(url, app.instance_path, path, args)


if __name__ == "__main__":
    main()
