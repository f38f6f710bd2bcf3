"""Webhook ingest latency: how long LINE waits for our 200, by body size and backend.

    .venv/bin/python bench/webhook_ingest.py [--database-url URL] [--requests N]

Posts signed bodies of 1, 10 and 100 text/image/follow events to the real WSGI app
(Flask's test client: app and database time, no network) on a fresh database, and prints
p50 / p95 / max milliseconds per request, events per second, and the share of events left to
a job because the request's processing budget (WEBHOOK_PROCESS_BUDGET_SECONDS) ran out.
LINE's limit is 2,000 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from inbox import create_app
from inbox.extensions import db
from inbox.models import Channel
from inbox.webhooks.signature import sign
from tests.line_events import event, group_source, message_event, text_event


def mixed_events(count: int, round_number: int) -> list[dict]:
    events = []
    for n in range(count):
        user = f"U{round_number:016d}{n % 50:016d}"
        kind = n % 10
        if kind < 7:
            events.append(
                text_event(f"สวัสดีค่ะ 注文番号 {n}", source={"type": "user", "userId": user})
            )
        elif kind < 9:
            events.append(
                message_event(
                    {"type": "image", "contentProvider": {"type": "line"}},
                    source=group_source(user_id=user),
                )
            )
        else:
            events.append(
                event(
                    "follow",
                    follow={"isUnblocked": False},
                    replyToken="r",
                    source={"type": "user", "userId": user},
                )
            )
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--requests", type=int, default=60, help="requests per body size")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="inbox-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(workdir),
            "REDIS_URL": None,
        }
    )
    with app.app_context():
        upgrade()
        channel = Channel(
            line_channel_id=f"bench{time.time_ns()}",
            name="Bench",
            secret="bench-secret",
            access_token="t",
        )
        db.session.add(channel)
        db.session.commit()
        path, secret = channel.webhook_path, channel.secret
        backend = db.engine.dialect.name
    client = app.test_client()
    print(f"backend: {backend}; {args.requests} requests per size")
    print(
        f"{'events/body':>12} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'events/s':>9}"
        f" {'deferred':>9}"
    )
    for size in (1, 10, 100):
        timings, deferred = [], 0
        for round_number in range(args.requests):
            body = json.dumps(
                {
                    "destination": "U" + "0" * 32,
                    "events": mixed_events(size, size * 10_000 + round_number),
                }
            ).encode()
            started = time.perf_counter()
            response = client.post(
                path, data=body, headers={"X-Line-Signature": sign(secret, body)}
            )
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and response.json["failed"] == 0, response.json
            deferred += response.json["deferred"]
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        rate = size * len(timings) / (sum(timings) / 1000)
        print(
            f"{size:>12} {statistics.median(timings):>8.1f} {p95:>8.1f}"
            f" {timings[-1]:>8.1f} {rate:>9.0f} {deferred / (size * len(timings)):>9.0%}"
        )


if __name__ == "__main__":
    main()
