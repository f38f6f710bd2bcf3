"""Report figures for supervisors, computed by streaming rows (see docs/REPORTS.md).

Messages are read in batches ordered by conversation and time, one conversation's state held at
a time; durations are kept as counts per whole second, so memory grows with the number of days,
channels and agents shown, never with the number of messages. Only plain SQL (no window
functions, no date functions) is used: days are cut in Python, in the viewer's time zone, the
same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import (
    Channel,
    Conversation,
    ConversationEpisode,
    DeliveryState,
    Direction,
    Message,
    SendMode,
    User,
)

BATCH = 1000


@dataclass(frozen=True)
class ReportFilters:
    start: date  # first day shown, in `tz`
    end: date  # last day shown (inclusive)
    tz: ZoneInfo
    channel_id: int | None = None

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=self.tz)

    @property
    def until(self) -> datetime:  # exclusive
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=self.tz)

    def day_of(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def in_range(self, moment: datetime) -> bool:
        return self.since <= moment < self.until


class Durations(Counter[int]):
    """Durations in whole seconds, counted by value."""

    def add(self, start: datetime, end: datetime) -> None:
        self[max(0, int((end - start).total_seconds()))] += 1

    @property
    def count(self) -> int:
        return sum(self.values())

    def percentile(self, p: int) -> int | None:
        """Nearest rank: the smallest value with at least p% of all values at or below it."""
        total = self.count
        if not total:
            return None
        rank = max(1, math.ceil(p * total / 100))
        seen = 0
        for value in sorted(self):
            seen += self[value]
            if seen >= rank:
                return value
        raise AssertionError("unreachable")

    @property
    def median(self) -> int | None:
        return self.percentile(50)

    @property
    def p90(self) -> int | None:
        return self.percentile(90)


@dataclass
class DayFigures:
    opened: int = 0
    messages_in: int = 0
    messages_out: int = 0  # sent (not pending, not failed)
    reply: int = 0
    push: int = 0
    turns: int = 0  # customer turns that started this day
    first_response: Durations = field(default_factory=Durations)  # the answered turns
    resolution: Durations = field(default_factory=Durations)  # episodes resolved this day

    @property
    def reply_share(self) -> float | None:
        return self.reply / self.messages_out if self.messages_out else None

    @property
    def push_share(self) -> float | None:
        return self.push / self.messages_out if self.messages_out else None

    def __iadd__(self, other: DayFigures) -> DayFigures:
        for name in ("opened", "messages_in", "messages_out", "reply", "push", "turns"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.first_response.update(other.first_response)
        self.resolution.update(other.resolution)
        return self


@dataclass
class AgentFigures:
    user_id: int
    name: str = ""
    conversations: int = 0  # conversations the agent sent at least one message in
    messages_sent: int = 0
    first_response: Durations = field(default_factory=Durations)  # turns the agent answered


@dataclass
class Report:
    filters: ReportFilters
    figures: dict[tuple[date, int], DayFigures] = field(default_factory=dict)
    agents: dict[int, AgentFigures] = field(default_factory=dict)
    channels: dict[int, str] = field(default_factory=dict)  # id -> name, those shown

    def day(self, moment: datetime, channel_id: int) -> DayFigures:
        key = (self.filters.day_of(moment), channel_id)
        if key not in self.figures:
            self.figures[key] = DayFigures()
        return self.figures[key]

    def agent(self, user_id: int) -> AgentFigures:
        if user_id not in self.agents:
            self.agents[user_id] = AgentFigures(user_id)
        return self.agents[user_id]

    def by_channel(self) -> Iterator[tuple[date, int, DayFigures]]:
        """Every day for every channel shown, empty days included."""
        for day in self.filters.days():
            for channel_id in self.channels:
                yield day, channel_id, self.figures.get((day, channel_id)) or DayFigures()

    def by_day(self) -> list[tuple[date, DayFigures]]:
        """Every day, all channels shown together."""
        totals = {day: DayFigures() for day in self.filters.days()}
        for (day, _channel_id), figures in self.figures.items():
            totals[day] += figures
        return list(totals.items())

    def total(self) -> DayFigures:
        overall = DayFigures()
        for figures in self.figures.values():
            overall += figures
        return overall


def _stream(statement: sa.Select) -> Iterator[sa.Row]:
    yield from db.session.execute(statement.execution_options(yield_per=BATCH))


def _with_channel(statement: sa.Select, column: sa.ColumnElement, filters: ReportFilters):
    return (
        statement if filters.channel_id is None else statement.where(column == filters.channel_id)
    )


# An agent's answer: an outgoing message a person sent that reached LINE.
_ANSWER = sa.and_(
    Message.direction == Direction.OUTGOING,
    Message.sent_by_user_id.is_not(None),
    Message.delivery_state == DeliveryState.SENT,
)


CHUNK = 2000  # conversation ids per lookup: well under every database's parameter limit


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _waiting_at_start(filters: ReportFilters) -> set[int]:
    """Conversations whose customer was still waiting when the range began: their last
    message before it was the customer's, not an agent's answer. A few statements in all
    (one indexed lookup per conversation inside each), not one round trip per conversation."""
    written = sa.select(Message.conversation_id).where(
        Message.sent_at >= filters.since,
        Message.sent_at < filters.until,
        Message.direction == Direction.INCOMING,
    )
    ids = list(db.session.scalars(_with_channel(written, Message.channel_id, filters).distinct()))
    last_before = (
        sa.select(Message.direction)
        .where(
            Message.conversation_id == Conversation.id,
            Message.sent_at < filters.since,
            sa.or_(Message.direction == Direction.INCOMING, _ANSWER),
        )
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(1)
        .correlate(Conversation)
        .scalar_subquery()
    )
    waiting: set[int] = set()
    for chunk in _chunks(ids):
        rows = db.session.execute(
            sa.select(Conversation.id, last_before).where(Conversation.id.in_(chunk))
        )
        waiting.update(row[0] for row in rows if row[1] in (Direction.INCOMING, "incoming"))
    return waiting


def _answers_after_range(ids: list[int], filters: ReportFilters) -> dict[int, tuple[datetime, int]]:
    """For turns still waiting when the range ended: each conversation's first answer after."""
    first_after = (
        sa.select(Message.id)
        .where(
            Message.conversation_id == Conversation.id, Message.sent_at >= filters.until, _ANSWER
        )
        .order_by(Message.sent_at, Message.id)
        .limit(1)
        .correlate(Conversation)
        .scalar_subquery()
    )
    answers: dict[int, tuple[datetime, int]] = {}
    for chunk in _chunks(ids):
        found = sa.select(first_after).where(Conversation.id.in_(chunk))
        rows = db.session.execute(
            sa.select(Message.conversation_id, Message.sent_at, Message.sent_by_user_id).where(
                Message.id.in_(found.scalar_subquery())
            )
        )
        answers.update({row.conversation_id: (row.sent_at, row.sent_by_user_id) for row in rows})
    return answers


@dataclass
class _Thread:
    """One conversation's state while its messages stream by."""

    conversation_id: int
    channel_id: int
    waiting_since: datetime | None = None  # the customer's turn that is not answered yet
    waiting_before_range: bool = False
    agents: set[int] = field(default_factory=set)


def _answered(report: Report, thread: _Thread, at: datetime, user_id: int) -> None:
    if thread.waiting_since is not None and not thread.waiting_before_range:
        report.day(thread.waiting_since, thread.channel_id).first_response.add(
            thread.waiting_since, at
        )
        report.agent(user_id).first_response.add(thread.waiting_since, at)
    thread.waiting_since, thread.waiting_before_range = None, False


def _finish(report: Report, thread: _Thread, unanswered: list[_Thread]) -> None:
    for user_id in thread.agents:
        report.agent(user_id).conversations += 1
    if thread.waiting_since is not None and not thread.waiting_before_range:
        unanswered.append(thread)  # its answer, if any, came after the range: looked up at the end


def _message(report: Report, thread: _Thread, row: sa.Row) -> None:
    if row.direction is Direction.INCOMING:
        report.day(row.sent_at, row.channel_id).messages_in += 1
        if thread.waiting_since is None:
            thread.waiting_since = row.sent_at
            report.day(row.sent_at, row.channel_id).turns += 1
        return
    if row.delivery_state is not DeliveryState.SENT:
        return
    figures = report.day(row.sent_at, row.channel_id)
    figures.messages_out += 1
    if row.send_mode is SendMode.REPLY:
        figures.reply += 1
    elif row.send_mode is SendMode.PUSH:
        figures.push += 1
    if row.sent_by_user_id is not None:
        report.agent(row.sent_by_user_id).messages_sent += 1
        thread.agents.add(row.sent_by_user_id)
        _answered(report, thread, row.sent_at, row.sent_by_user_id)


def _messages(report: Report) -> None:
    filters = report.filters
    statement = sa.select(
        Message.conversation_id,
        Message.channel_id,
        Message.direction,
        Message.sent_at,
        Message.sent_by_user_id,
        Message.delivery_state,
        Message.send_mode,
    ).where(
        Message.sent_at >= filters.since,
        Message.sent_at < filters.until,
        Message.direction.in_([Direction.INCOMING, Direction.OUTGOING]),
    )
    statement = _with_channel(statement, Message.channel_id, filters).order_by(
        Message.conversation_id, Message.sent_at, Message.id
    )
    waiting_at_start = _waiting_at_start(filters)
    unanswered: list[_Thread] = []
    thread: _Thread | None = None
    for row in _stream(statement):
        if thread is None or thread.conversation_id != row.conversation_id:
            if thread is not None:
                _finish(report, thread, unanswered)
            thread = _Thread(row.conversation_id, row.channel_id)
            if row.conversation_id in waiting_at_start:  # their turn began before the range
                thread.waiting_since, thread.waiting_before_range = filters.since, True
        report.channels.setdefault(row.channel_id, "")
        _message(report, thread, row)
    if thread is not None:
        _finish(report, thread, unanswered)
    answers = _answers_after_range([waiting.conversation_id for waiting in unanswered], filters)
    for waiting in unanswered:
        if waiting.conversation_id in answers:
            _answered(report, waiting, *answers[waiting.conversation_id])


def _episodes(report: Report) -> None:
    filters = report.filters
    Episode = ConversationEpisode
    opened = sa.select(Episode.channel_id, Episode.opened_at).where(
        Episode.opened_at >= filters.since, Episode.opened_at < filters.until
    )
    for row in _stream(_with_channel(opened, Episode.channel_id, filters).order_by(Episode.id)):
        report.channels.setdefault(row.channel_id, "")
        report.day(row.opened_at, row.channel_id).opened += 1
    resolved = sa.select(Episode.channel_id, Episode.opened_at, Episode.resolved_at).where(
        Episode.resolved_at >= filters.since, Episode.resolved_at < filters.until
    )
    for row in _stream(_with_channel(resolved, Episode.channel_id, filters).order_by(Episode.id)):
        report.channels.setdefault(row.channel_id, "")
        report.day(row.resolved_at, row.channel_id).resolution.add(row.opened_at, row.resolved_at)


def build_report(filters: ReportFilters) -> Report:
    """Every figure for the days and channel in `filters`."""
    report = Report(filters)
    if filters.channel_id is not None:
        report.channels[filters.channel_id] = ""
    _messages(report)
    _episodes(report)
    named = sa.select(Channel.id, Channel.name).where(Channel.id.in_(report.channels))
    for channel_id, name in db.session.execute(named):  # never the secrets: no decrypting
        report.channels[channel_id] = name
    report.channels = dict(sorted(report.channels.items(), key=lambda item: item[1]))
    for user in db.session.scalars(sa.select(User).where(User.id.in_(report.agents))):
        report.agents[user.id].name = user.display_name or user.email
    report.agents = dict(
        sorted(report.agents.items(), key=lambda item: (-item[1].messages_sent, item[1].name))
    )
    return report
