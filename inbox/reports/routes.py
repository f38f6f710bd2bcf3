"""The reports page and its CSV files, for supervisors and admins."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_timezone
from flask_babel import gettext as _

from inbox.auth import roles_required
from inbox.extensions import db
from inbox.i18n import valid_timezone
from inbox.models import Channel, Role
from inbox.reports.display import agent_rows, charts, csv_text, daily_rows, duration, share
from inbox.reports.labels import label_breakdown, label_rows
from inbox.reports.metrics import ReportFilters, build_report

bp = Blueprint("reports", __name__, url_prefix="/reports")

DEFAULT_DAYS = 30
MAX_DAYS = 366


def _date(name: str, default: date) -> date:
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, _("%(name)s must be a date like 2026-11-24.", name=name))


def filters() -> ReportFilters:
    """`from` and `to` (days, inclusive; the last 30 days by default), `channel`, `tz`."""
    tz_name = request.args.get("tz") or str(get_timezone() or "UTC")
    if not valid_timezone(tz_name):
        abort(400, _("tz must be a time zone like Asia/Bangkok."))
    tz = ZoneInfo(tz_name)
    end = _date("to", datetime.now(tz).date())
    start = _date("from", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        abort(400, _("The first day must not be after the last day."))
    if (end - start).days >= MAX_DAYS:
        abort(400, _("Choose at most %(days)d days.", days=MAX_DAYS))
    channel = request.args.get("channel")
    if channel and not channel.isdigit():
        abort(400, _("channel must be a channel's numeric id."))
    return ReportFilters(start, end, tz, int(channel) if channel else None)


def _csv(rows: list, name: str, chosen: ReportFilters) -> Response:
    filename = f"line-inbox-{name}-{chosen.start.isoformat()}-{chosen.end.isoformat()}.csv"
    return Response(
        csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("")
@roles_required(Role.SUPERVISOR)
def index() -> ResponseReturnValue:
    """Charts of messages, reply vs push, first response and resolution, a table per agent
    and one per label, for `from`..`to` (days in `tz`) and optionally one `channel`."""
    chosen = filters()
    report = build_report(chosen)
    return render_template(
        "reports/index.html",
        filters=chosen,
        tz_name=chosen.tz.key,
        report=report,
        total=report.total(),
        charts=charts(report),
        labels=label_breakdown(chosen),
        channels=db.session.scalars(sa.select(Channel).order_by(Channel.name)).all(),
        duration=duration,
        share=share,
        query={k: v for k, v in request.args.items() if k in ("from", "to", "channel", "tz")},
    )


@bp.get("/daily.csv")
@roles_required(Role.SUPERVISOR)
def daily_csv() -> ResponseReturnValue:
    """Per day and channel: the numbers behind the charts, with the page's filters."""
    chosen = filters()
    return _csv(list(daily_rows(build_report(chosen))), "daily", chosen)


@bp.get("/agents.csv")
@roles_required(Role.SUPERVISOR)
def agents_csv() -> ResponseReturnValue:
    """Per agent: conversations handled, messages sent, first response, with the page's filters."""
    chosen = filters()
    return _csv(list(agent_rows(build_report(chosen))), "agents", chosen)


@bp.get("/labels.csv")
@roles_required(Role.SUPERVISOR)
def labels_csv() -> ResponseReturnValue:
    """Per label: requests opened and resolved, resolution times, with the page's filters."""
    chosen = filters()
    return _csv(list(label_rows(label_breakdown(chosen), _("No label"))), "labels", chosen)
