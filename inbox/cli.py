"""Command-line administration: `flask --app app users|channels|events|replies ...`."""

from __future__ import annotations

import sys
import threading
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from inbox.admin import users_service
from inbox.api.input import zoned_moment
from inbox.history.export import FORMATS, export_rows, record_export
from inbox.history.search import SearchFilters
from inbox.ingest import reprocess as reprocess_events
from inbox.ingest import start_event_worker
from inbox.jobs import run_due_jobs, start_worker
from inbox.jobs.redis_queue import run_worker
from inbox.models import ConversationStatus, Direction, Role, User
from inbox.replies import service as replies_service

users = AppGroup("users", help="Manage people who sign in.")
events = AppGroup("events", help="Inspect and reprocess stored webhook events.")
jobs = AppGroup("jobs", help="Background work: media and profile fetches, sends.")
history = AppGroup("history", help="Search and export message history.")
replies = AppGroup("replies", help="The team's saved replies (agents insert them with /shortcut).")


def _user_by_email(email: str) -> User:
    user = users_service.user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    return user


@users.command("create")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    type=click.Choice([role.value for role in Role]),
    multiple=True,
    help="Repeat for several roles (default: agent).",
)
@click.option("--password", help="Leave out to generate one (printed once).")
@click.option("--name", "display_name", help="Display name shown to colleagues.")
def create_user(
    email: str, roles: tuple[str, ...], password: str | None, display_name: str | None
) -> None:
    """Create a user who can sign in."""
    try:
        user, generated = users_service.create_user(
            email, display_name, [Role(role) for role in roles or ["agent"]], password
        )
    except users_service.UserChangeRefused as refusal:
        raise click.ClickException(str(refusal)) from refusal
    click.echo(f"Created {', '.join(sorted(user.roles))} {user.email}.")
    if generated:
        click.echo(f"Password (shown once): {generated}")


@users.command("token")
@click.argument("email")
@click.option("--name", default="", help="What the token is for, to recognise it later.")
def issue_token(email: str, name: str) -> None:
    """Print a new API token for EMAIL (only its hash is stored)."""
    _row, clear = users_service.issue_token(_user_by_email(email), name)
    click.echo(clear)


@events.command("reprocess")
@click.option(
    "--failed/--no-failed",
    "include_failed",
    default=True,
    help="Also retry events marked failed (default), not only ones never processed.",
)
def reprocess(include_failed: bool) -> None:
    """Process stored events that failed (past their retry limit too) or are still waiting."""
    done = reprocess_events(include_failed=include_failed)
    click.echo(f"Processed {done.processed} event(s); {done.failed} failed.")
    if done.failed:
        raise SystemExit(1)


@jobs.command("run")
def run_jobs() -> None:
    """Run every job that is due now, then exit."""
    click.echo(f"Ran {run_due_jobs()} job(s).")


@jobs.command("worker")
@click.option("--threads", default=2, show_default=True, help="Without REDIS_URL: worker threads.")
@click.option("--burst", is_flag=True, help="With REDIS_URL: exit when the queue is empty.")
def jobs_worker(threads: int, burst: bool) -> None:
    """Run jobs and derive webhook events until stopped: an RQ worker when REDIS_URL is set,
    else worker threads; the event worker runs beside either."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    events_worker = start_event_worker(app)
    try:
        if app.config.get("REDIS_URL"):
            run_worker(app, burst=burst)
            return
        worker = start_worker(app, threads=threads)
        click.echo(f"Running jobs with {threads} thread(s); Ctrl+C stops.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            worker.stop()
    finally:
        events_worker.stop()


def _moment(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return zoned_moment(value, name)
    except ValueError as problem:
        raise click.BadParameter(str(problem)) from problem


@history.command("export")
@click.option("--query", "-q", default="", help="Search words (Thai and Japanese work).")
@click.option("--conversation", type=int, help="Only this conversation (alone: its transcript).")
@click.option("--channel", type=int, help="Only this channel (numeric id).")
@click.option("--agent", type=int, help="Only messages this user sent (numeric id).")
@click.option("--direction", type=click.Choice([item.value for item in Direction]))
@click.option("--type", "message_type", help="Only this message type (text, image, note...).")
@click.option("--status", type=click.Choice([item.value for item in ConversationStatus]))
@click.option("--since", help="From this moment (ISO 8601 with a time zone).")
@click.option("--until", help="Until this moment (ISO 8601 with a time zone).")
@click.option("--format", "export_format", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
def export_history(
    query: str,
    conversation: int | None,
    channel: int | None,
    agent: int | None,
    direction: str | None,
    message_type: str | None,
    status: str | None,
    since: str | None,
    until: str | None,
    export_format: str,
    output: click.utils.LazyFile,
) -> None:
    """Export a search result or a transcript as CSV or JSON, streamed."""
    filters = SearchFilters(
        query=query,
        conversation_id=conversation,
        channel_id=channel,
        agent_id=agent,
        direction=Direction(direction) if direction else None,
        message_type=message_type or None,
        status=ConversationStatus(status) if status else None,
        since=_moment(since, "--since"),
        until=_moment(until, "--until"),
    )
    if filters.is_empty:
        raise click.UsageError("Give --query or a filter (--conversation for a transcript).")
    record_export(filters, export_format)
    writer, _mimetype = FORMATS[export_format]
    for chunk in writer(export_rows(filters)):
        output.write(chunk)


@replies.command("list")
@click.option("--query", "-q", default="", help="Only replies with this text (any case).")
def list_replies(query: str) -> None:
    """List the team's saved replies: shortcut, title, then the text indented."""
    found = replies_service.team_replies(query)
    for reply in found:
        click.echo(f"/{reply.shortcut}\t{reply.title}")
        for line in reply.body.splitlines():
            click.echo(f"    {line}")
    click.echo(f"{len(found)} team repl{'y' if len(found) == 1 else 'ies'}.")


@replies.command("add")
@click.option("--shortcut", required=True, help="Typed after / in the composer, e.g. thx.")
@click.option("--title", required=True, help="What the list shows.")
@click.option(
    "--body",
    required=True,
    help="The text; {{customer.name}}, {{agent.name}} and {{channel.name}} are filled in. "
    "Give - to read it from standard input.",
)
def add_reply(shortcut: str, title: str, body: str) -> None:
    """Add a saved reply every agent can use."""
    if body == "-":
        body = sys.stdin.read()
    try:
        reply = replies_service.create_reply(None, replies_service.checked(title, shortcut, body))
    except replies_service.ReplyRefused as refusal:
        raise click.ClickException(str(refusal)) from refusal
    click.echo(f"Added /{reply.shortcut} ({reply.title}).")


@replies.command("remove")
@click.argument("shortcut")
def remove_reply(shortcut: str) -> None:
    """Remove the team's saved reply with this SHORTCUT."""
    reply = replies_service.team_reply(shortcut)
    if reply is None:
        raise click.ClickException(f"The team has no saved reply /{shortcut.lstrip('/')}.")
    replies_service.delete_reply(reply)
    click.echo(f"Removed /{reply.shortcut} ({reply.title}).")


def init_app(app: Flask) -> None:
    from inbox.admin.channels_cli import channels, secrets

    for group in (users, channels, secrets, events, jobs, history, replies):
        app.cli.add_command(group)
