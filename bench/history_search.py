"""History search and transcript speed on a large store.

    .venv/bin/python bench/history_search.py [--messages 1000000] [--conversations 20000]
                                             [--database-url URL]

Fills a fresh database (or reuses one an earlier run filled) with MESSAGES messages over
CONVERSATIONS conversations (Thai, Japanese and English of mixed lengths), indexes them with
the app's own search indexer, then
prints p50 / p95 milliseconds of 100 searches (`search_messages`, first page of 50) and of
opening 100 transcript pages (`thread_page`, newest 50). Goal: p95 under 100 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from flask_migrate import upgrade

from bench.serving import bench_app
from bench.store import add_chats
from inbox.conversations.queries import thread_page
from inbox.extensions import db
from inbox.history.index import reindex
from inbox.history.search import SearchFilters, search_messages
from inbox.models import Channel, Conversation, Message

THAI = [
    "สวัสดีค่ะ",
    "สั่งเค้กช็อกโกแลต",
    "ส่งของวันไหนคะ",
    "ราคาเท่าไหร่",
    "ขอบคุณมากค่ะ",
    "เปลี่ยนที่อยู่จัดส่ง",
    "ชำระเงินแล้ว",
    "สินค้าหมดหรือยัง",
    "โปรโมชั่นเดือนนี้",
]
JAPANESE = [
    "こんにちは",
    "誕生日ケーキを予約したいです",
    "配送はいつですか",
    "在庫はありますか",
    "ありがとうございます",
    "住所を変更したい",
    "支払いが完了しました",
    "東京都内の店舗",
]
ENGLISH = [
    "hello",
    "order status please",
    "matcha roll",
    "refund request",
    "delivery tomorrow",
    "thank you so much",
    "is this still available",
    "change my address",
]
QUERIES = [
    "เค้ก",
    "ส่งของ",
    "ราคา",
    "ケーキ",
    "配送",
    "在庫",
    "東京",
    "matcha",
    "refund",
    "deliv",
    "ขอบคุณ",
    "ありがとう",
    "address",
    "โปรโมชั่น",
    "予約",
    "ไม่มีในร้าน",  # found nowhere: every slice, then the index, come back empty
    "存在しない商品",
]


def sentence(rng: random.Random) -> str:
    pool = rng.choice([THAI, JAPANESE, ENGLISH])
    return " ".join(rng.choice(pool) for _ in range(rng.choice([1, 1, 2, 3, 5])))


def fill(messages: int, conversations: int, rng: random.Random) -> None:
    channel = Channel(line_channel_id="bench", name="Bench", secret="s", access_token="t")
    db.session.add(channel)
    db.session.commit()
    now = datetime.now(UTC)
    add_chats([channel.id], conversations, now)
    conversation_ids = db.session.scalars(sa.select(Conversation.id)).all()
    db.session.commit()
    start = now - timedelta(days=365)
    batch = 20_000
    for offset in range(0, messages, batch):
        rows = [
            {
                "conversation_id": rng.choice(conversation_ids),
                "channel_id": channel.id,
                "direction": rng.choice(["incoming", "incoming", "outgoing"]),
                "type": "text",
                "text": sentence(rng),
                "sent_at": start + timedelta(seconds=offset + n * 1.5),
                "created_at": now,
                "send_attempts": 0,
            }
            for n in range(min(batch, messages - offset))
        ]
        db.session.execute(sa.insert(Message), rows)
        db.session.commit()
        first = db.session.scalar(sa.select(sa.func.max(Message.id))) - len(rows) + 1
        reindex(db.session.connection(), list(range(first, first + len(rows))))
        db.session.commit()
        print(f"  {offset + len(rows):>9} messages stored and indexed", end="\r", flush=True)
    print()


def timed(action, count: int) -> tuple[float, float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    app, _url = bench_app(args.database_url)
    rng = random.Random(7)
    with app.app_context():
        upgrade()
        existing = db.session.scalar(sa.select(sa.func.count(Message.id)))
        if existing:  # a database an earlier run filled: measure it again
            print(f"backend: {db.engine.dialect.name}; reusing {existing:,} messages")
        else:
            print(
                f"backend: {db.engine.dialect.name}; filling {args.messages:,} messages "
                f"over {args.conversations:,} conversations"
            )
            started = time.perf_counter()
            fill(args.messages, args.conversations, rng)
            print(f"filled in {time.perf_counter() - started:.0f} s")
        conversation_ids = db.session.scalars(sa.select(Conversation.id)).all()

        def search() -> None:
            search_messages(SearchFilters(query=rng.choice(QUERIES)), cursor=None, limit=50)
            db.session.rollback()

        def transcript() -> None:
            conversation = db.session.get(Conversation, rng.choice(conversation_ids))
            thread_page(conversation, before=None, after_cursor=None, limit=50)
            db.session.rollback()

        for name, action in (
            ("search (first 50 hits)", search),
            ("transcript page (50)", transcript),
        ):
            p50, p95 = timed(action, 100)
            print(f"{name:<24} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   (goal p95 < 100 ms)")


if __name__ == "__main__":
    main()
