"""Labels: admins define them (agents cannot), agents put them on conversations (a line in the
thread and an audit entry each time), the list filters by label, channel, waiting time and
assignee (alone and together), and the reports count requests per label."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from inbox.conversations.activity import activity_text
from inbox.conversations.episodes import change_status
from inbox.extensions import db, socketio
from inbox.labels import service
from inbox.models import (
    LABELS_CHANGED,
    AuditEntry,
    Conversation,
    ConversationStatus,
    Direction,
    Label,
    Message,
    Role,
    utcnow,
)
from inbox.realtime.publish import flush_live_updates
from inbox.reports.labels import label_breakdown
from inbox.reports.metrics import ReportFilters
from tests.factories import DEFAULT_PASSWORD
from tests.line_events import deliver, text_event, user_source

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
HOSTILE = '<img src=x onerror="alert(1)">'


def bearer(make, role: Role = Role.AGENT, **fields):
    user = make.user(role, **fields)
    return user, {"Authorization": f"Bearer {make.token(user)}"}


def chat(client, channel, user_id: str, text: str = "สวัสดี") -> Conversation:
    deliver(client, channel, [text_event(text, source=user_source(user_id))])
    return db.session.scalars(
        sa.select(Conversation).where(
            Conversation.channel_id == channel.id, Conversation.source_id == user_id
        )
    ).one()


def signed_in(client, user):
    """A browser of its own (cookies kept), signed in as `user`."""
    browser = client.application.test_client()
    token = CSRF.search(browser.get("/login").get_data(as_text=True)).group(1)
    signed = browser.post(
        "/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302
    return browser


def label(name: str, colour: str = "blue") -> Label:
    return service.create_label(service.checked(name, colour))


# Defining labels ------------------------------------------------------------------------------


def test_admins_define_labels_and_agents_cannot(client, make) -> None:
    _admin, admin = bearer(make, Role.ADMIN)
    _agent, agent = bearer(make)
    refused = client.post("/api/labels", json={"name": "VIP", "colour": "red"}, headers=agent)
    assert refused.status_code == 403
    created = client.post("/api/labels", json={"name": "  VIP  ", "colour": "red"}, headers=admin)
    assert created.status_code == 201
    assert created.json["name"] == "VIP" and created.json["colour"] == "red"
    label_id = created.json["id"]
    # Unique whatever the case or width.
    taken = client.post("/api/labels", json={"name": "ｖｉｐ", "colour": "red"}, headers=admin)
    assert taken.status_code == 409 and "already a label" in taken.json["message"]
    for body in ({"name": "", "colour": "red"}, {"name": "x" * 41, "colour": "red"},
                 {"name": "ok", "colour": "#ff0000"}, {"name": 3, "colour": "red"}):  # fmt: skip
        assert client.post("/api/labels", json=body, headers=admin).status_code == 400, body
    assert (
        client.patch(f"/api/labels/{label_id}", json={"name": "x"}, headers=agent).status_code
        == 403
    )
    renamed = client.patch(f"/api/labels/{label_id}", json={"name": "ลูกค้า VIP"}, headers=admin)
    assert renamed.status_code == 200
    assert renamed.json["name"] == "ลูกค้า VIP" and renamed.json["colour"] == "red"
    listed = client.get("/api/labels", headers=agent)
    assert [item["name"] for item in listed.json["labels"]] == ["ลูกค้า VIP"]
    assert client.delete(f"/api/labels/{label_id}", headers=agent).status_code == 403
    assert client.delete(f"/api/labels/{label_id}", headers=admin).status_code == 204
    assert client.get("/api/labels", headers=agent).json["labels"] == []
    actions = db.session.scalars(
        sa.select(AuditEntry.action)
        .where(AuditEntry.action.like("label.%"))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["label.created", "label.updated", "label.deleted"]


def test_admin_page_adds_renames_and_deletes_with_hostile_names_escaped(client, make) -> None:
    client = signed_in(client, make.user(Role.ADMIN))
    page = client.get("/admin/channels")
    assert b'href="/admin/labels"' in page.data
    token = CSRF.search(client.get("/admin/labels").get_data(as_text=True)).group(1)
    answer = client.post(
        "/admin/labels", data={"name": HOSTILE, "colour": "green", "csrf_token": token}
    )
    assert answer.status_code == 302
    html = client.get("/admin/labels").get_data(as_text=True)
    assert HOSTILE not in html and "&lt;img src=x" in html
    created = db.session.scalar(sa.select(Label))
    again = client.post(
        "/admin/labels", data={"name": HOSTILE.upper(), "colour": "red", "csrf_token": token}
    )
    assert again.status_code == 409 and "There is already a label" in again.get_data(as_text=True)
    bad = client.post(
        f"/admin/labels/{created.id}", data={"name": "ok", "colour": "gold", "csrf_token": token}
    )
    assert bad.status_code == 400
    client.post(
        f"/admin/labels/{created.id}",
        data={"name": "Billing", "colour": "teal", "csrf_token": token},
    )
    db.session.expire_all()
    assert (created.name, created.colour.value) == ("Billing", "teal")
    client.post(f"/admin/labels/{created.id}/delete", data={"csrf_token": token})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Label)) == 0


def test_supervisors_read_labels_but_manage_nothing(client, make) -> None:
    label("VIP")
    _supervisor, headers = bearer(make, Role.SUPERVISOR)
    assert client.get("/api/labels", headers=headers).status_code == 200
    assert (
        client.post("/api/labels", json={"name": "x", "colour": "red"}, headers=headers).status_code
        == 403
    )


# Putting labels on conversations ------------------------------------------------------------


def test_agents_label_a_conversation_with_a_line_and_an_audit_entry(client, make) -> None:
    shop = make.channel(name="Shop")
    conversation = chat(client, shop, "U" + "a" * 32)
    vip, hostile = label("VIP", "purple"), label(HOSTILE, "red")
    _agent, headers = bearer(make, display_name="Nok")
    path = f"/api/conversations/{conversation.id}/labels"
    added = client.post(path, json={"label_id": vip.id}, headers=headers)
    assert added.status_code == 200
    assert added.json["labels"] == [{"id": vip.id, "name": "VIP", "colour": "purple"}]
    again = client.post(path, json={"label_id": vip.id}, headers=headers)  # changes nothing
    assert again.status_code == 200 and len(again.json["labels"]) == 1
    client.post(path, json={"label_id": hostile.id}, headers=headers)
    removed = client.delete(f"{path}/{vip.id}", headers=headers)
    assert [item["name"] for item in removed.json["labels"]] == [HOSTILE]
    for bad in ({"label_id": "1"}, {"label_id": True}, {}, {"label_id": 999}):
        assert client.post(path, json=bad, headers=headers).status_code == 400, bad
    assert client.delete(f"{path}/999", headers=headers).status_code == 404

    lines = db.session.scalars(
        sa.select(Message).where(Message.type == LABELS_CHANGED).order_by(Message.id)
    ).all()
    assert [line.direction for line in lines] == [Direction.EVENT] * 3
    assert [activity_text(line) for line in lines] == [
        "Nok added the label VIP",
        f"Nok added the label {HOSTILE}",
        "Nok removed the label VIP",
    ]
    audit = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action.like("conversation.label%"))
        .order_by(AuditEntry.id)
    ).all()
    assert [entry.action for entry in audit] == [
        "conversation.label_added",
        "conversation.label_added",
        "conversation.label_removed",
    ]
    assert audit[0].details["label"] == "VIP" and audit[0].target_id == str(conversation.id)
    # The thread's JSON carries it; the list's last message stays the customer's.
    thread = client.get(f"/api/conversations/{conversation.id}/messages", headers=headers).json
    assert thread["messages"][-1]["payload"]["label"]["name"] == "VIP"
    row = client.get("/api/conversations", headers=headers).json["conversations"][0]
    assert row["last_message"]["text"] == "สวัสดี"


def test_supervisors_cannot_label(client, make) -> None:
    conversation = chat(client, make.channel(), "U" + "b" * 32)
    vip = label("VIP")
    _supervisor, headers = bearer(make, Role.SUPERVISOR)
    path = f"/api/conversations/{conversation.id}/labels"
    assert client.post(path, json={"label_id": vip.id}, headers=headers).status_code == 403


def test_renaming_and_deleting_follow_on_conversations(client, make) -> None:
    conversation = chat(client, make.channel(), "U" + "c" * 32)
    vip = label("VIP")
    agent, headers = bearer(make)
    service.add_label(conversation, vip, agent)
    service.update_label(vip, service.checked("Gold", "yellow"))
    row = client.get("/api/conversations", headers=headers).json["conversations"][0]
    assert row["labels"] == [{"id": vip.id, "name": "Gold", "colour": "yellow"}]
    line = db.session.scalar(sa.select(Message).where(Message.type == LABELS_CHANGED))
    assert line.payload["label"]["name"] == "VIP"  # the line keeps the name it had
    service.delete_label(vip)
    assert (
        client.get("/api/conversations", headers=headers).json["conversations"][0]["labels"] == []
    )


def test_the_list_serialises_labels_without_a_query_per_row(client, make) -> None:
    shop = make.channel()
    vip, gold = label("VIP"), label("Gold")
    agent, headers = bearer(make)
    for n in range(6):
        conversation = chat(client, shop, "U" + str(n) * 32)
        service.add_label(conversation, vip, agent)
        service.add_label(conversation, gold, agent)
    flush_live_updates()  # the emitter's own reads of the rows just labelled are not the list's
    statements: list[str] = []

    def seen(_connection, _cursor, statement, *_rest) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        answer = client.get("/api/conversations", headers=headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert [item["name"] for item in answer.json["conversations"][0]["labels"]] == ["Gold", "VIP"]
    label_reads = [text for text in statements if "conversation_labels" in text]
    assert len(label_reads) == 1, "\n\n".join(label_reads)


# The list's filters -------------------------------------------------------------------------


@pytest.fixture
def inbox(client, make):
    """Two channels; four customers waiting for 2, 10, 30 and 90 minutes; VIP on two of them;
    Nok has one, Ploy another."""
    shop, cafe = make.channel(name="Shop"), make.channel(name="Cafe")
    nok, nok_headers = bearer(make, display_name="Nok")
    ploy = make.user(Role.AGENT, display_name="Ploy")
    vip = label("VIP")
    rows = {}
    for name, channel, waited in (
        ("a", shop, 2),
        ("b", shop, 10),
        ("c", cafe, 30),
        ("d", cafe, 90),
    ):
        conversation = chat(client, channel, "U" + name * 32)
        conversation.waiting_since = utcnow() - timedelta(minutes=waited)
        db.session.commit()  # before the next webhook's request writes
        rows[name] = conversation
    service.add_label(rows["b"], vip, nok)
    service.add_label(rows["d"], vip, nok)
    rows["b"].assignee, rows["c"].assignee = nok, ploy
    rows["d"].status = ConversationStatus.PENDING
    db.session.commit()
    return {"rows": rows, "shop": shop, "cafe": cafe, "vip": vip, "nok": nok, "ploy": ploy,
            "headers": nok_headers}  # fmt: skip


def listed(client, inbox, **params) -> set[str]:
    answer = client.get("/api/conversations", query_string=params, headers=inbox["headers"])
    assert answer.status_code == 200, answer.json
    names = {conversation.id: key for key, conversation in inbox["rows"].items()}
    return {names[item["id"]] for item in answer.json["conversations"]}


def test_each_filter_alone(client, inbox) -> None:
    assert listed(client, inbox) == {"a", "b", "c", "d"}
    assert listed(client, inbox, label=inbox["vip"].id) == {"b", "d"}
    assert listed(client, inbox, channel=inbox["cafe"].id) == {"c", "d"}
    assert listed(client, inbox, waiting=5) == {"b", "c", "d"}
    assert listed(client, inbox, waiting=15) == {"c", "d"}
    assert listed(client, inbox, waiting=60) == {"d"}
    assert listed(client, inbox, assignee="me") == {"b"}
    assert listed(client, inbox, assignee="none") == {"a", "d"}
    assert listed(client, inbox, assignee=inbox["ploy"].id) == {"c"}


def test_filters_combine_with_each_other_and_the_status_tabs(client, inbox) -> None:
    vip, cafe = inbox["vip"].id, inbox["cafe"].id
    assert listed(client, inbox, label=vip, channel=cafe) == {"d"}
    assert listed(client, inbox, label=vip, status="open") == {"b"}
    assert listed(client, inbox, label=vip, waiting=15) == {"d"}
    assert listed(client, inbox, label=vip, waiting=5, assignee="me") == {"b"}
    assert listed(client, inbox, channel=cafe, status="open,pending", assignee="none") == {"d"}
    assert listed(client, inbox, label=vip, channel=inbox["shop"].id, waiting=60) == set()


@pytest.mark.parametrize(
    "params",
    [{"label": "vip"}, {"label": "-1"}, {"waiting": "0"}, {"waiting": "1.5"},
     {"waiting": "9999999"}, {"waiting": "５"}],
)  # fmt: skip
def test_bad_filters_are_refused_in_words(client, inbox, params) -> None:
    answer = client.get("/api/conversations", query_string=params, headers=inbox["headers"])
    assert answer.status_code == 400 and answer.json["message"]


def test_the_workspace_address_carries_the_filters(client, inbox) -> None:
    client = signed_in(client, inbox["nok"])
    vip = inbox["vip"].id
    html = client.get(f"/?view=pending&label={vip}&waiting=15&channel=x").get_data(as_text=True)
    assert f'<option value="{vip}" selected>VIP</option>' in html
    boot = json.loads(re.search(r'id="workspace-boot">(.*?)</script>', html).group(1))
    assert boot["filters"] == {"channel": "", "label": str(vip), "waiting": "15", "assignee": ""}
    assert [item["id"] for item in boot["list"]["conversations"]] == [inbox["rows"]["d"].id]


# Reports ------------------------------------------------------------------------------------


def at(hour: int, day: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_reports_break_requests_down_per_label(client, make) -> None:
    shop = make.channel(name="Shop")
    agent = make.user(Role.AGENT)
    vip, billing, _idle = label("VIP"), label("Billing", "red"), label("Idle", "grey")
    times = {"a": (2, 4), "b": (3, 6), "c": (5, None), "d": (7, 8)}  # opened, resolved (UTC hours)
    conversations = {}
    for name, (opened, resolved) in times.items():
        stamp = int(at(opened).timestamp() * 1000)
        deliver(
            client, shop, [text_event("hi", source=user_source("U" + name * 32), timestamp=stamp)]
        )
        conversation = db.session.scalar(
            sa.select(Conversation).where(Conversation.source_id == "U" + name * 32)
        )
        if resolved is not None:
            change_status(conversation, ConversationStatus.RESOLVED, at(resolved))
        db.session.commit()
        conversations[name] = conversation
    service.add_label(conversations["a"], vip, agent)
    service.add_label(conversations["b"], vip, agent)
    service.add_label(conversations["b"], billing, agent)
    service.add_label(conversations["c"], billing, agent)

    filters = ReportFilters(date(2026, 3, 10), date(2026, 3, 10), ZoneInfo("UTC"))
    rows = {(row.label.name if row.label else None): row for row in label_breakdown(filters)}
    assert list(rows) == ["Billing", "Idle", "VIP", None]
    assert (rows["VIP"].opened, rows["VIP"].resolved) == (2, 2)
    assert sorted(rows["VIP"].resolution.elements()) == [7200, 10800]
    assert (rows["Billing"].opened, rows["Billing"].resolved) == (2, 1)
    assert (rows["Idle"].opened, rows["Idle"].resolved) == (0, 0)
    assert (rows[None].opened, rows[None].resolved, rows[None].resolution.median) == (1, 1, 3600)
    other_day = ReportFilters(date(2026, 3, 11), date(2026, 3, 11), ZoneInfo("UTC"))
    assert all(row.opened == 0 for row in label_breakdown(other_day))

    _agent, headers = bearer(make)
    assert client.get("/reports/labels.csv", headers=headers).status_code == 403
    client = signed_in(client, make.user(Role.SUPERVISOR))
    page = client.get("/reports?from=2026-03-10&to=2026-03-10&tz=UTC").get_data(as_text=True)
    assert 'id="labels-heading"' in page and "label-chip label-red" in page
    download = client.get("/reports/labels.csv?from=2026-03-10&to=2026-03-10&tz=UTC")
    table = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:4] == ["label_id", "label", "conversations_opened", "resolved"]
    assert table[3] == [str(vip.id), "VIP", "2", "2", "7200", "10800"]
    assert table[4][:4] == ["", "No label", "1", "1"]


def test_other_agents_see_labels_change_live(client, make, app) -> None:
    conversation = chat(client, make.channel(), "U" + "e" * 32)
    vip = label("VIP", "green")
    _agent, headers = bearer(make, display_name="Nok")
    colleague = socketio.test_client(app, auth={"token": make.token(make.user(Role.AGENT))})
    try:
        flush_live_updates()
        colleague.get_received()
        client.post(
            f"/api/conversations/{conversation.id}/labels",
            json={"label_id": vip.id},
            headers=headers,
        )
        flush_live_updates()
        got = colleague.get_received()
    finally:
        colleague.disconnect()
    rows = [item["args"][0] for item in got if item["name"] == "conversation"]
    assert rows[-1]["labels"] == [{"id": vip.id, "name": "VIP", "colour": "green"}]
    lines = [item["args"] for item in got if item["name"] == "message"]
    assert lines[-1]["type"] == LABELS_CHANGED and lines[-1]["payload"]["action"] == "added"
