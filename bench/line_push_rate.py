"""Pushing through one channel as fast as LINE allows, and no faster.

    .venv/bin/python bench/line_push_rate.py [--messages 3000] [--workers 2] [--threads 4]
                                              [--plan trial] [--redis-url redis://127.0.0.1:6379/15]

Starts the LINE sandbox on a free local port (plan limit enforced over a sliding 60-second
window, 429 beyond it), then starts WORKERS processes that push MESSAGES in all through the
inbox's LINE client, each with THREADS threads. The processes share one pacing schedule in
Redis. Prints the achieved rate against the plan's limit, the 429s the sandbox answered, and
the most requests the sandbox saw in any 60 seconds. Goal: >= 95% of the limit, zero 429s.
At the trial plan's 1,000 requests a minute, 3,000 messages take a little over 3 minutes.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import sys
import tempfile
import threading
import time
import uuid
from bisect import bisect_left
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from werkzeug.serving import make_server

from inbox import create_app
from inbox import sandbox as sandbox_package
from inbox.line.client import LineClient
from inbox.line.errors import LineError
from inbox.line.ratelimit import RedisRateLimiter
from inbox.line.transport import CallRecord, Transport
from inbox.sandbox.provision import create_platform_channel
from inbox.sandbox.simulate import create_user, follow
from tests.sandbox_fixture import free_port

HEADROOM = 0.98  # the client's default: pace at 98% of the limit


def push_worker(
    api_base: str,
    token: str,
    channel_id: str,
    user_id: str,
    limit: int,
    count: int,
    threads: int,
    redis_url: str,
    results: multiprocessing.Queue,
) -> None:
    """One process: `threads` threads pushing `count` messages through the real client."""
    statuses: list[int | None] = []
    finished: list[float] = []
    lock = threading.Lock()
    limiter = RedisRateLimiter(redis_url)
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=threads * 2))

    def record(call: CallRecord) -> None:
        with lock:
            statuses.append(call.status)

    transport = Transport(
        session=session,
        limiter=limiter,
        rate_key=f"bench:{channel_id}",
        per_minute=limit * HEADROOM,
        recorder=record,
        max_wait=600,
    )
    client = LineClient(transport, access_token=token, api_base_url=api_base, data_base_url="")
    remaining = iter(range(count))
    errors: list[str] = []

    def run() -> None:
        while True:
            with lock:
                number = next(remaining, None)
            if number is None:
                return
            try:
                client.push(
                    user_id, [{"type": "text", "text": f"#{number}"}], retry_key=str(uuid.uuid4())
                )
                with lock:
                    finished.append(time.time())
            except LineError as error:
                errors.append(str(error))

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    limiter.close()
    session.close()
    results.put({"statuses": statuses, "finished": finished, "errors": errors})


def busiest_minute(times: list[float]) -> int:
    times = sorted(times)
    return max((bisect_left(times, t + 60) - i for i, t in enumerate(times)), default=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--plan", choices=["trial", "standard"], default="trial")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    workdir = Path(tempfile.mkdtemp(prefix="inbox-bench-"))
    port = free_port()
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(workdir),
            "LINE_SANDBOX": True,
            "HOST": "127.0.0.1",
            "PORT": port,
            "REDIS_URL": None,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'inbox.sqlite3'}",
        }
    )
    sandbox = sandbox_package.get_sandbox(app)
    sandbox.create_tables()
    channel = create_platform_channel(sandbox, "Bench shop", plan=args.plan, quota=10**9)
    user = create_user(sandbox, "Bench user")
    follow(sandbox, channel.pk, user.user_id)
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api_base = app.config["LINE_API_BASE_URL"]
    limit = channel.rate_limit
    print(
        f"plan {args.plan}: limit {limit} requests/min; {args.messages} pushes, "
        f"{args.workers} processes x {args.threads} threads, pacing shared through Redis"
    )

    results: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
    share = [
        args.messages // args.workers + (1 if i < args.messages % args.workers else 0)
        for i in range(args.workers)
    ]
    context = multiprocessing.get_context("spawn")
    started = time.time()
    processes = [
        context.Process(
            target=push_worker,
            args=(
                api_base,
                channel.access_token,
                channel.channel_id,
                user.user_id,
                limit,
                count,
                args.threads,
                args.redis_url,
                results,
            ),
        )
        for count in share
    ]
    for process in processes:
        process.start()
    reports = [results.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.time() - started
    server.shutdown()
    sandbox.close()

    statuses = [status for report in reports for status in report["statuses"]]
    finished = [t for report in reports for t in report["finished"]]
    errors = [e for report in reports for e in report["errors"]]
    sent = len(finished)
    # Rate over the steady span: from the first to the last completed push.
    span = (max(finished) - min(finished)) if sent > 1 else elapsed
    rate = (sent - 1) / span * 60 if sent > 1 else 0.0
    print(f"sent {sent}/{args.messages} in {elapsed:.1f} s; failed {len(errors)}")
    print(f"achieved {rate:.0f} requests/min = {rate / limit:.1%} of the limit (goal >= 95%)")
    print(f"429 answers from the sandbox: {statuses.count(429)} (goal 0)")
    print(f"most pushes completed in any 60 s: {busiest_minute(finished)} (limit {limit})")
    for error in errors[:5]:
        print("  error:", error)


if __name__ == "__main__":
    main()
