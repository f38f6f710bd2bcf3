"""Reports for supervisors: exact figures from a small history with fixed times."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from inbox.conversations.episodes import change_status
from inbox.extensions import db
from inbox.models import (
    Conversation,
    ConversationEpisode,
    ConversationStatus,
    DeliveryState,
    Direction,
    Message,
    Role,
    SendMode,
)
from inbox.reports.display import duration
from inbox.reports.metrics import Durations, ReportFilters, build_report
from tests.line_events import deliver, text_event, user_source

U1, U2, U3 = ("U" + digit * 32 for digit in "abc")


def at(hour: int, minute: int = 0, second: int = 0, day: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def customer(client, channel, user_id: str, moment: datetime) -> Conversation:
    deliver(
        client, channel, [text_event("สวัสดี", source=user_source(user_id), timestamp=millis(moment))]
    )
    return db.session.scalars(
        sa.select(Conversation).where(
            Conversation.channel_id == channel.id, Conversation.source_id == user_id
        )
    ).one()


def sent(conversation, agent, moment, mode=SendMode.REPLY, state=DeliveryState.SENT) -> None:
    db.session.add(
        Message(
            conversation_id=conversation.id,
            channel_id=conversation.channel_id,
            direction=Direction.OUTGOING,
            type="text",
            text="ok",
            sent_by_user_id=agent.id,
            sent_at=moment,
            send_mode=mode,
            delivery_state=state,
        )
    )
    db.session.commit()


@pytest.fixture
def history(client, make):
    """Two channels, three conversations, two agents (UTC times):

    shop A, c1: in 02:00, in 02:00:30, Nok reply 02:04:12, Nok push 02:10, in 03:00,
                Nok push FAILED 03:01, Ploy reply 03:02, resolved 04:00
    shop A, c2: in 16:30 (23:30 in Bangkok, 01:30 next day in Tokyo), Ploy reply 16:40
    shop B, c3: in 05:00, Nok push 05:00:10
    """
    shop_a, shop_b = make.channel(name="Shop A"), make.channel(name="ร้าน B")
    nok = make.user(Role.AGENT, display_name="น้องนก")
    ploy = make.user(Role.AGENT, display_name="ぷろい")
    c1 = customer(client, shop_a, U1, at(2))
    customer(client, shop_a, U1, at(2, 0, 30))
    sent(c1, nok, at(2, 4, 12))
    sent(c1, nok, at(2, 10), SendMode.PUSH)
    customer(client, shop_a, U1, at(3))
    sent(c1, nok, at(3, 1), SendMode.PUSH, DeliveryState.FAILED)
    sent(c1, ploy, at(3, 2))
    change_status(c1, ConversationStatus.RESOLVED, at(4))
    db.session.commit()
    c2 = customer(client, shop_a, U2, at(16, 30))
    sent(c2, ploy, at(16, 40))
    c3 = customer(client, shop_b, U3, at(5))
    sent(c3, nok, at(5, 0, 10), SendMode.PUSH)
    return {"a": shop_a, "b": shop_b, "nok": nok, "ploy": ploy}


def report_for(tz: str, start: date, end: date | None = None, channel=None):
    return build_report(ReportFilters(start, end or start, ZoneInfo(tz), channel and channel.id))


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(None, "–"), (7, "7 s"), (252, "4 min 12 s"), (600, "10 min"), (3660, "1 h 1 min"),
     (7200, "2 h"), (90000, "1 d 1 h")],
)  # fmt: skip
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # no database involved
def test_durations_read_as_words(app, seconds, words) -> None:
    with app.test_request_context():
        assert duration(seconds) == words


def test_nearest_rank_percentiles() -> None:
    durations = Durations({10: 1, 120: 1, 252: 1, 600: 1})
    assert (durations.median, durations.p90, durations.percentile(100)) == (120, 600, 600)
    assert Durations().median is None
    assert Durations({7: 1}).p90 == 7


def test_daily_figures_in_bangkok(history) -> None:
    report = report_for("Asia/Bangkok", date(2026, 3, 10))
    a = report.figures[(date(2026, 3, 10), history["a"].id)]
    assert (a.messages_in, a.messages_out, a.reply, a.push) == (4, 4, 3, 1)
    assert (a.reply_share, a.push_share) == (0.75, 0.25)
    assert (a.opened, a.turns, a.first_response.count) == (2, 3, 3)
    assert (a.first_response.median, a.first_response.p90) == (252, 600)
    assert (a.resolution.count, a.resolution.median) == (1, 7200)  # 02:00 -> 04:00
    b = report.figures[(date(2026, 3, 10), history["b"].id)]
    assert (b.messages_in, b.messages_out, b.push, b.first_response.median) == (1, 1, 1, 10)
    [(day, total)] = report.by_day()
    assert day == date(2026, 3, 10)
    assert (total.first_response.median, total.first_response.p90) == (120, 600)


def test_per_agent_figures(history) -> None:
    agents = report_for("Asia/Bangkok", date(2026, 3, 10)).agents
    nok, ploy = agents[history["nok"].id], agents[history["ploy"].id]
    assert (nok.name, nok.conversations, nok.messages_sent) == ("น้องนก", 2, 3)
    assert sorted(nok.first_response.elements()) == [10, 252]
    assert nok.first_response.median == 10
    assert (ploy.conversations, ploy.messages_sent, ploy.first_response.median) == (2, 2, 120)


def test_days_split_in_the_viewers_zone(history) -> None:
    report = report_for("Asia/Tokyo", date(2026, 3, 10), date(2026, 3, 11), history["a"])
    assert list(report.channels) == [history["a"].id]
    first, second = (figures for _day, figures in report.by_day())
    assert (first.messages_in, first.messages_out, first.reply, first.push) == (3, 3, 2, 1)
    assert (first.first_response.median, first.first_response.p90) == (120, 252)
    assert (second.messages_in, second.messages_out, second.first_response.median) == (1, 1, 600)
    assert (first.opened, second.opened) == (1, 1)
    # The range starts with c2's 01:30 message in Tokyo: its turn begins in the range.
    later = report_for("Asia/Tokyo", date(2026, 3, 11), channel=history["a"])
    assert later.total().turns == 1 and later.total().first_response.median == 600


def test_channel_filter(history) -> None:
    report = report_for("Asia/Bangkok", date(2026, 3, 10), channel=history["b"])
    assert list(report.channels) == [history["b"].id]
    total = report.total()
    assert (total.messages_in, total.messages_out, total.push, total.opened) == (1, 1, 1, 1)
    assert list(report.agents) == [history["nok"].id]
    assert report.agents[history["nok"].id].conversations == 1


def test_a_turn_answered_after_the_range_counts_on_its_day(client, make) -> None:
    shop, agent = make.channel(), make.user(Role.AGENT)
    conversation = customer(client, shop, U1, at(22, day=10))  # 22:00 UTC
    sent(conversation, agent, at(1, day=11))  # three hours later, the next day in UTC
    report = report_for("UTC", date(2026, 3, 10))
    assert report.total().first_response.median == 3 * 3600
    assert report.agents[agent.id].messages_sent == 0  # sent outside the range


def read_csv(answer) -> list[list[str]]:
    text = answer.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_downloads(client, make, history) -> None:
    headers = make.auth_header(Role.SUPERVISOR)
    query = "?from=2026-03-10&to=2026-03-10&tz=Asia/Bangkok"
    answer = client.get("/reports/daily.csv" + query, headers=headers)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    header, *rows = read_csv(answer)
    assert header[:8] == [
        "date", "channel_id", "channel", "conversations_opened", "messages_in",
        "messages_out", "reply", "push",
    ]  # fmt: skip
    by_channel = {row[2]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_channel) == {"Shop A", "ร้าน B", "All channels"}
    shop_a = by_channel["Shop A"]
    assert shop_a["messages_in"] == "4" and shop_a["reply_share"] == "0.7500"
    assert (shop_a["first_response_median_s"], shop_a["first_response_p90_s"]) == ("252", "600")
    assert shop_a["resolution_median_s"] == "7200"
    assert by_channel["All channels"]["first_response_median_s"] == "120"

    answer = client.get(
        "/reports/agents.csv" + query + f"&channel={history['a'].id}", headers=headers
    )
    header, *rows = read_csv(answer)
    assert header[:4] == ["agent_id", "agent", "conversations_handled", "messages_sent"]
    assert [row[1:4] + row[5:6] for row in rows] == [
        ["น้องนก", "1", "2", "252"],
        ["ぷろい", "2", "2", "120"],
    ]


def test_page_shows_charts_to_supervisors_only(client, make, history) -> None:
    query = "/reports?from=2026-03-10&to=2026-03-10&tz=Asia/Bangkok"
    page = client.get(query, headers=make.auth_header(Role.SUPERVISOR))
    assert page.status_code == 200
    html = page.data.decode()
    assert html.count('<svg viewBox="0 0 720 240" role="img"') == 4
    assert "<desc" in html and "Show numbers" in html
    assert "Messages in and out per day" in html
    assert "2 min" in html and "10 min" in html  # all channels: median, p90
    assert "10 s" in html  # Nok's median first response
    assert "น้องนก" in html and "ぷろい" in html
    assert "/reports/daily.csv?" in html
    assert client.get(query, headers=make.auth_header(Role.AGENT)).status_code == 403
    assert (
        client.get(
            "/reports?from=2026-03-11&to=2026-03-10", headers=make.auth_header(Role.ADMIN)
        ).status_code
        == 400
    )
    assert (
        client.get("/reports?tz=Mars/Base", headers=make.auth_header(Role.ADMIN)).status_code == 400
    )


def episodes(conversation) -> list[tuple]:
    rows = db.session.scalars(
        sa.select(ConversationEpisode)
        .where(ConversationEpisode.conversation_id == conversation.id)
        .order_by(ConversationEpisode.id)
    )
    return [(row.opened_at, row.resolved_at) for row in rows]


def test_resolving_and_reopening_keep_episodes(client, make) -> None:
    shop = make.channel()
    agent_headers = make.auth_header(Role.AGENT)
    conversation = customer(client, shop, U1, at(2))
    customer(client, shop, U1, at(2, 5))
    assert episodes(conversation) == [(at(2), None)]
    path = f"/api/conversations/{conversation.id}"
    assert client.patch(path, json={"status": "resolved"}, headers=agent_headers).status_code == 200
    db.session.refresh(conversation)
    resolved_at = conversation.resolved_at
    assert resolved_at is not None and episodes(conversation) == [(at(2), resolved_at)]
    # Reopened by hand: the same request goes on.
    client.patch(path, json={"status": "open"}, headers=agent_headers)
    db.session.refresh(conversation)
    assert conversation.resolved_at is None and episodes(conversation) == [(at(2), None)]
    client.patch(path, json={"status": "resolved"}, headers=agent_headers)
    # The customer writes again: reopened, and a new episode starts at their message.
    later = datetime.now(UTC).replace(microsecond=0)
    customer(client, shop, U1, later)
    db.session.refresh(conversation)
    assert conversation.status is ConversationStatus.OPEN and conversation.resolved_at is None
    assert [opened for opened, _resolved in episodes(conversation)] == [at(2), later]
    assert episodes(conversation)[0][1] is not None


def test_a_turn_that_began_before_the_range_is_not_counted(client, make) -> None:
    shop, agent = make.channel(), make.user(Role.AGENT)
    conversation = customer(client, shop, U1, at(23, 50, day=9))
    customer(client, shop, U1, at(0, 10))  # still the same turn
    sent(conversation, agent, at(0, 20))
    inside = report_for("UTC", date(2026, 3, 10)).total()
    assert (inside.messages_in, inside.turns, inside.first_response.count) == (1, 0, 0)
    both = report_for("UTC", date(2026, 3, 9), date(2026, 3, 10)).total()
    assert (both.turns, both.first_response.median) == (1, 30 * 60)


def test_csv_downloads_neutralise_formulas_in_names(client, make, history) -> None:
    history["a"].name = '=HYPERLINK("https://evil.example","Shop")'
    history["nok"].display_name = "@SUM(1+1)*cmd|' /C calc'!A0"
    db.session.commit()
    headers = make.auth_header(Role.SUPERVISOR)
    query = "?from=2026-03-10&to=2026-03-10&tz=Asia/Bangkok"
    _header, *rows = read_csv(client.get("/reports/daily.csv" + query, headers=headers))
    assert {row[2] for row in rows} == {
        '\'=HYPERLINK("https://evil.example","Shop")',
        "ร้าน B",
        "All channels",
    }
    _header, *rows = read_csv(client.get("/reports/agents.csv" + query, headers=headers))
    assert sorted(row[1] for row in rows) == ["'@SUM(1+1)*cmd|' /C calc'!A0", "ぷろい"]
