"""What the benchmarks that serve the app over HTTP share: the app as `python app.py` runs it,
its server, a process of its own for the load, and the figures printed from latencies."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import BaseWSGIServer, make_server

from inbox import create_app
from inbox.extensions import db
from inbox.models import Channel
from tests.sandbox_fixture import free_port

ROOT = Path(__file__).resolve().parent.parent


def bench_app(database_url: str | None, workdir: str | None = None) -> tuple[Flask, str]:
    """The app on DATABASE_URL, or on a fresh SQLite file; no LINE, no Redis, no sandbox.
    `workdir`: another process's instance folder, to share its SQLite file."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="inbox-bench-"))
    url = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(workdir),
            "REDIS_URL": None,
            "LINE_SANDBOX": False,
            "LINE_API_BASE_URL": "http://127.0.0.1:9",  # no LINE here: jobs are not started
        }
    )
    return app, url


def migrated_with_channel(secret: str = "s") -> Channel:
    """Upgrade the app's database and add a channel to post to (inside an app context)."""
    upgrade()
    channel = Channel(
        line_channel_id=f"bench{time.time_ns()}", name="Bench", secret=secret, access_token="t"
    )
    db.session.add(channel)
    db.session.commit()
    return channel


def serve(app: Flask) -> tuple[BaseWSGIServer, int]:
    """Werkzeug's threaded server on a free port, as `python app.py` serves."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.socket.getsockname()[1]


def process_env(database_url: str, instance: str) -> dict[str, str]:
    """The environment of an app process on the bench's database and instance folder (its
    keys): no LINE (jobs that call it fail fast), no sandbox, no Redis unless added."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": instance,
        "SECRET_KEY": "bench",
        "LINE_SANDBOX": "off",
        "LINE_API_BASE_URL": "http://127.0.0.1:9",
    }
    env.pop("REDIS_URL", None)
    return env


def start_team(
    app: Flask, database_url: str, redis_url: str, target: str, threads: int = 8
) -> tuple[list, int]:
    """The team deployment as processes: gunicorn gthread (2 workers x `threads`) serving
    `target` (a factory, with the bench's baseline route) and one `flask jobs worker`, on the
    bench's database and sharing its instance folder (its keys). A WebSocket holds one of a
    worker's threads for as long as it is open."""
    port = free_port()
    env = {
        **process_env(database_url, app.instance_path),
        "REDIS_URL": redis_url,
        "DEPLOYMENT_PREFIX": f"bench-{time.time_ns()}",
    }
    web = [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--threads", f"{threads}"]
    web += ["--workers", "2", "--bind", f"127.0.0.1:{port}", target]
    jobs = [sys.executable, "-m", "flask", "--app", "app", "jobs", "worker"]
    processes = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for command in (web, jobs)
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return processes, port
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def stop_team(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
        process.wait(15)


def in_own_process(work: Callable[..., Any], *args: Any) -> Any:
    """Run the load in a process of its own: the server keeps its own interpreter lock, as
    behind a real network."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(work, *args).result()


def percentiles(latencies: list[float]) -> dict[str, float]:
    """p50 and p99 of milliseconds (NaN for none)."""
    ordered = sorted(latencies)
    if not ordered:
        return {"p50": float("nan"), "p99": float("nan")}
    return {"p50": statistics.median(ordered), "p99": ordered[max(int(len(ordered) * 0.99) - 1, 0)]}
