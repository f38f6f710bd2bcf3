"""One clock: whatever zone the browser is in, a viewer who saved a zone at /account reads
every time in it, on server-rendered pages and in exports (the pages' scripts are checked in
tests/test_alerts_browser.py)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import AuditEntry, Message, Role
from tests.line_events import deliver, text_event
from tests.test_admin_users import sign_in

BANGKOK = ZoneInfo("Asia/Bangkok")
SHOWN_TIME = re.compile(r'<time datetime="([^"]+)">([^<]+)</time>')


def clock(moment: datetime, zone: ZoneInfo) -> str:
    """8:45:12 PM: how an English page says the moment's time of day in `zone`."""
    return moment.astimezone(zone).strftime("%-I:%M:%S %p")


def test_the_transcript_export_is_in_the_viewers_zone(client, make) -> None:
    channel = make.channel()
    deliver(client, channel, [text_event("ส่งเค้กวันนี้ได้ไหมคะ")])
    sent_at = db.session.scalar(sa.select(Message.sent_at))
    bangkok = make.user(Role.SUPERVISOR, timezone="Asia/Bangkok")
    conversation_id = db.session.scalar(sa.select(Message.conversation_id))
    answer = client.get(
        "/api/history/export",
        query_string={"conversation": conversation_id, "format": "csv"},
        headers={"Authorization": f"Bearer {make.token(bangkok)}", "Cookie": "tz=America/Lima"},
    )
    (row,) = csv.DictReader(io.StringIO(answer.data.decode("utf-8").lstrip("\ufeff")))
    assert row["sent_at"] == sent_at.astimezone(BANGKOK).isoformat()
    assert row["sent_at"].endswith("+07:00")
    assert datetime.fromisoformat(row["sent_at"]) == sent_at  # the same instant, for programs


def test_the_audit_log_and_account_pages_use_the_saved_zone(client, make) -> None:
    supervisor = make.user(Role.SUPERVISOR, timezone="Asia/Bangkok")
    client.set_cookie("tz", "America/New_York")  # the browser's own zone loses to the saved one
    assert sign_in(client, supervisor.email).status_code == 302
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    page = client.get("/audit").get_data(as_text=True).replace("\u202f", " ")
    shown = dict(SHOWN_TIME.findall(page))
    assert clock(entry.created_at, BANGKOK) in shown[entry.created_at.isoformat()]
    assert 'data-time-zone="Asia/Bangkok"' in page

    # Without a saved zone, the browser's (told by its cookie) is used, everywhere alike.
    supervisor.timezone = None
    db.session.commit()
    page = client.get("/audit").get_data(as_text=True).replace("\u202f", " ")
    shown = dict(SHOWN_TIME.findall(page))
    new_york = ZoneInfo("America/New_York")
    assert clock(entry.created_at, new_york) in shown[entry.created_at.isoformat()]
    assert "data-time-zone" not in page
