"""How report figures read: durations in words, the page's charts, the CSV files' rows."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from babel.dates import format_skeleton
from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _

from inbox.reports.charts import DURATION_STEPS, Chart, Series, bar_chart, line_chart
from inbox.reports.metrics import DayFigures, Report
from inbox.spreadsheet import BYTE_ORDER_MARK, SpreadsheetSafeWriter


def duration(seconds: float | None) -> str:
    """ "4 min 12 s", "3 h 5 min", "2 d 4 h"; an empty value reads as a dash."""
    if seconds is None:
        return "–"
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        if hours:
            return _("%(days)d d %(hours)d h", days=days, hours=hours)
        return _("%(days)d d", days=days)
    if hours:
        if minutes:
            return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
        return _("%(hours)d h", hours=hours)
    if minutes:
        if secs:
            return _("%(minutes)d min %(seconds)d s", minutes=minutes, seconds=secs)
        return _("%(minutes)d min", minutes=minutes)
    return _("%(seconds)d s", seconds=secs)


def share(part: float | None) -> str:
    return "–" if part is None else format_percent(part)


def day_label(day: date) -> str:
    return format_skeleton("MMMd", day, locale=get_locale())


def _number(value: float) -> str:
    return format_decimal(value)


def _counts(name: str, css: str, values: list[int]) -> Series:
    return Series(name, css, list(values), [_number(v) for v in values])


def _durations(name: str, css: str, values: list[int | None]) -> Series:
    return Series(name, css, list(values), [duration(v) for v in values])


def charts(report: Report) -> list[Chart]:
    """The page's charts, all channels shown added together."""
    rows = report.by_day()
    days = [day for day, _figures in rows]
    figures = [f for _day, f in rows]
    labels = [day_label(day) for day in days]

    def chart(chart_id: str, title: str, description: str, y_label: str, *series: Series) -> Chart:
        return Chart(chart_id, title, description, y_label, list(series), labels)

    volume = chart(
        "chart-messages",
        _("Messages in and out per day"),
        _("Bars per day: messages customers sent, and messages we sent that reached LINE."),
        _("Messages"),
        _counts(_("In"), "series-in", [f.messages_in for f in figures]),
        _counts(_("Out"), "series-out", [f.messages_out for f in figures]),
    )
    shares = chart(
        "chart-share",
        _("Reply vs push per day"),
        _("Stacked bars per day: the share of sent messages that were free replies or paid push."),
        _("Share of sent messages"),
        Series(
            _("Reply"),
            "series-reply",
            [_pct(f.reply_share) for f in figures],
            [_share_label(f.reply_share, f.reply) for f in figures],
        ),
        Series(
            _("Push"),
            "series-push",
            [_pct(f.push_share) for f in figures],
            [_share_label(f.push_share, f.push) for f in figures],
        ),
    )
    response = chart(
        "chart-first-response",
        _("First response time per day"),
        _("Lines per day: median and 90th percentile of the wait for an agent's first answer."),
        _("Time to first response"),
        _durations(_("Median"), "series-median", [f.first_response.median for f in figures]),
        _durations(_("90th percentile"), "series-p90", [f.first_response.p90 for f in figures]),
    )
    opened = chart(
        "chart-opened",
        _("Conversations opened and resolved per day"),
        _("Bars per day: customer requests that started, and those agents resolved."),
        _("Conversations"),
        _counts(_("Opened"), "series-opened", [f.opened for f in figures]),
        _counts(_("Resolved"), "series-resolved", [f.resolution.count for f in figures]),
    )
    return [
        bar_chart(volume, days, stacked=False, fmt=_number),
        bar_chart(shares, days, stacked=True, fmt=lambda v: f"{v:g} %", step=25),
        line_chart(response, days, fmt=duration, steps=DURATION_STEPS),
        bar_chart(opened, days, stacked=False, fmt=_number),
    ]


def _pct(part: float | None) -> float | None:
    return None if part is None else part * 100


def _share_label(part: float | None, count: int) -> str:
    return "–" if part is None else f"{share(part)} ({_number(count)})"


DAILY_COLUMNS = (
    "date", "channel_id", "channel", "conversations_opened", "messages_in", "messages_out",
    "reply", "push", "reply_share", "push_share", "customer_turns", "turns_answered",
    "first_response_median_s", "first_response_p90_s", "resolved",
    "resolution_median_s", "resolution_p90_s",
)  # fmt: skip
AGENT_COLUMNS = (
    "agent_id", "agent", "conversations_handled", "messages_sent",
    "turns_answered", "first_response_median_s", "first_response_p90_s",
)  # fmt: skip


def _ratio(part: float | None) -> str:
    return "" if part is None else f"{part:.4f}"


def _blank(value: int | None) -> Any:
    return "" if value is None else value


def _daily_row(day: date, channel_id: Any, channel: str, f: DayFigures) -> list[Any]:
    return [
        day.isoformat(), channel_id, channel, f.opened, f.messages_in, f.messages_out,
        f.reply, f.push, _ratio(f.reply_share), _ratio(f.push_share), f.turns,
        f.first_response.count, _blank(f.first_response.median), _blank(f.first_response.p90),
        f.resolution.count, _blank(f.resolution.median), _blank(f.resolution.p90),
    ]  # fmt: skip


def daily_rows(report: Report) -> Iterator[list[Any]]:
    """A row per day and channel, then (for more than one channel) a row per day for all."""
    yield list(DAILY_COLUMNS)
    for day, channel_id, figures in report.by_channel():
        yield _daily_row(day, channel_id, report.channels[channel_id], figures)
    if len(report.channels) != 1:
        for day, figures in report.by_day():
            yield _daily_row(day, "", _("All channels"), figures)


def agent_rows(report: Report) -> Iterator[list[Any]]:
    yield list(AGENT_COLUMNS)
    for agent in report.agents.values():
        yield [
            agent.user_id, agent.name, agent.conversations, agent.messages_sent,
            agent.first_response.count, _blank(agent.first_response.median),
            _blank(agent.first_response.p90),
        ]  # fmt: skip


def csv_text(rows: Iterable[list[Any]]) -> str:
    """UTF-8 with a byte-order mark, so Excel shows Thai and Japanese names."""
    buffer = io.StringIO()
    SpreadsheetSafeWriter(buffer).writerows(rows)
    return BYTE_ORDER_MARK + buffer.getvalue()
