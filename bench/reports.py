"""Reports on a busy month: how long the page's figures take, and how much memory they hold.

    .venv/bin/python bench/reports.py [--messages 300000] [--conversations 10000]
                                      [--agents 20] [--database-url URL]

Fills a fresh database (or reuses one an earlier run filled) with a month of support work:
customers writing, agents answering (by reply or push) within seconds to hours, conversations
resolved; then prints the time and (in a second run) the peak Python memory of `build_report`
for the whole month, for one week, and for one channel's month.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from flask_migrate import upgrade

from bench.store import add_chats
from inbox import create_app
from inbox.extensions import db
from inbox.models import Channel, Conversation, Message, User
from inbox.models.conversation import ConversationEpisode
from inbox.reports.metrics import ReportFilters, build_report

DAYS = 30
BENCH_KEY = "YmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtMDA="  # a Fernet key for throwaway data
BANGKOK = ZoneInfo("Asia/Bangkok")


def fill(messages: int, conversations: int, agents: int, rng: random.Random) -> None:
    channels = [
        Channel(line_channel_id=f"bench-{n}", name=f"ร้าน {n}", secret="s", access_token="t")
        for n in range(3)
    ]
    people = [
        User(email=f"agent{n}@bench.example", display_name=f"Agent {n}") for n in range(agents)
    ]
    db.session.add_all([*channels, *people])
    db.session.commit()
    start = datetime.now(UTC) - timedelta(days=DAYS)
    add_chats([channel.id for channel in channels], conversations, start, status="resolved")
    conversation_rows = db.session.execute(
        sa.select(Conversation.id, Conversation.channel_id)
    ).all()
    db.session.commit()
    per_conversation = max(2, messages // conversations)
    rows: list[dict] = []
    episodes: list[dict] = []
    for conversation_id, channel_id in conversation_rows:
        at = start + timedelta(seconds=rng.uniform(0, DAYS * 86400 * 0.9))
        episodes.append(
            {
                "conversation_id": conversation_id,
                "channel_id": channel_id,
                "opened_at": at,
                "resolved_at": None,
            }
        )
        for _turn in range(per_conversation // 2):
            rows.append(
                {
                    "conversation_id": conversation_id,
                    "channel_id": channel_id,
                    "direction": "incoming",
                    "type": "text",
                    "text": "สวัสดีค่ะ",
                    "sent_at": at,
                    "created_at": at,
                    "send_attempts": 0,
                }
            )
            at += timedelta(seconds=rng.expovariate(1 / 600))  # answered in ~10 minutes
            rows.append(
                {
                    "conversation_id": conversation_id,
                    "channel_id": channel_id,
                    "direction": "outgoing",
                    "type": "text",
                    "text": "ได้เลยค่ะ",
                    "sent_at": at,
                    "created_at": at,
                    "send_attempts": 1,
                    "sent_by_user_id": rng.choice(people).id,
                    "delivery_state": "sent",
                    "send_mode": rng.choice(["reply", "reply", "reply", "push"]),
                }
            )
            at += timedelta(seconds=rng.expovariate(1 / 3600))
        episodes[-1]["resolved_at"] = at
        if len(rows) >= 20_000:
            db.session.execute(sa.insert(Message), rows)
            db.session.commit()
            print(
                f"  {db.session.scalar(sa.select(sa.func.count(Message.id))):>9} messages", end="\r"
            )
            rows = []
    if rows:
        db.session.execute(sa.insert(Message), rows)
    db.session.execute(sa.insert(ConversationEpisode), episodes)
    db.session.commit()
    print()


def measure(label: str, filters: ReportFilters) -> None:
    """Time one run, then trace another's memory (tracemalloc slows Python down several
    times over, so the two are never measured together)."""
    db.session.rollback()
    started = time.perf_counter()
    report = build_report(filters)
    elapsed = time.perf_counter() - started
    db.session.rollback()
    tracemalloc.start()
    build_report(filters)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    total = report.total()
    print(
        f"{label:<22} {elapsed * 1000:8.0f} ms   peak {peak / 1e6:6.1f} MB   "
        f"in {total.messages_in:>8,}  out {total.messages_out:>8,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300_000)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="inbox-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'reports.sqlite3'}"
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "ENCRYPTION_KEYS": [BENCH_KEY],  # the same every run, so a filled database is reused
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(workdir),
            "REDIS_URL": None,
            "LINE_SANDBOX": False,
        }
    )
    with app.app_context():
        upgrade()
        existing = db.session.scalar(sa.select(sa.func.count(Message.id)))
        if existing:
            print(f"backend: {db.engine.dialect.name}; reusing {existing:,} messages")
        else:
            print(f"backend: {db.engine.dialect.name}; filling {args.messages:,} messages")
            started = time.perf_counter()
            fill(args.messages, args.conversations, args.agents, random.Random(11))
            print(f"filled in {time.perf_counter() - started:.0f} s")
        today = datetime.now(BANGKOK).date()
        month = ReportFilters(start=today - timedelta(days=DAYS), end=today, tz=BANGKOK)
        week = ReportFilters(start=today - timedelta(days=7), end=today, tz=BANGKOK)
        channel_id = db.session.scalar(sa.select(sa.func.min(Channel.id)))
        one = ReportFilters(start=month.start, end=today, tz=BANGKOK, channel_id=channel_id)
        for label, filters in (
            ("month, all channels", month),
            ("last week", week),
            ("month, one channel", one),
        ):
            measure(label, filters)


if __name__ == "__main__":
    main()
