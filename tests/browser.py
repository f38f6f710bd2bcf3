"""Headless Chromium for the browser tests: the `page` (failing its test on any page error or
console error), the `worker` that derives events and runs jobs while a test watches, signing in.

Loaded as a pytest plugin by conftest.py, so browser test modules use the fixtures by name.
Screenshots land in tests/screenshots/ (gitignored) for people to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from playwright import sync_api

from inbox.extensions import db
from inbox.ingest import start_event_worker
from inbox.jobs import start_worker
from inbox.line import line_platform
from inbox.models import Conversation, Role
from tests.conftest import IN_CI
from tests.factories import DEFAULT_PASSWORD

expect = sync_api.expect

# One browser run is enough: the database backend is covered by the rest of the suite.
ONE_BACKEND = pytest.mark.parametrize("backend", ["sqlite"])

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
LIVE = 20_000  # ms: webhooks, jobs and Socket.IO all sit between the phone and the page


@pytest.fixture
def worker(app) -> Iterator[None]:
    """The event worker and the job threads (media, profiles, sends) run while the test
    watches, as in `python app.py`."""
    events = start_event_worker(app)
    running = start_worker(app, threads=2)
    yield
    running.stop()
    events.stop()
    line_platform().close()


@pytest.fixture
def page_problems() -> list[str]:
    """Page errors and console errors the `page` raised; a test that provokes one on purpose
    takes it out of this list, and any left over fails the test."""
    return []


@pytest.fixture
def context_options() -> dict[str, object]:
    """Browser context options a test module overrides (time zone, permissions...)."""
    return {}


@pytest.fixture
def page(page_problems: list[str], context_options: dict[str, object]) -> Iterator[sync_api.Page]:
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM} (.ci/run installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(
            **{
                "viewport": {"width": 1440, "height": 900},
                "locale": "en-GB",
                "timezone_id": "Asia/Bangkok",
                **context_options,
            }
        )
        tab = context.new_page()
        problems = page_problems
        tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        tab.on(
            "console",
            lambda message: (
                problems.append(f"console: {message.text}") if message.type == "error" else None
            ),
        )
        try:
            yield tab
        finally:
            context.close()
            browser.close()
        assert not problems, problems


def sign_in(page: sync_api.Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base_url + "/")


def agent_answers(line_sandbox, make, text: str) -> None:
    """An agent, Somchai, answers the only conversation through the API (as the composer does)."""
    conversation = db.session.scalar(sa.select(Conversation))
    agent = make.user(Role.AGENT, display_name="Somchai")
    answer = requests.post(
        f"{line_sandbox.base_url}/api/conversations/{conversation.id}/messages",
        json={"text": text},
        headers={"Authorization": f"Bearer {make.token(agent)}"},
        timeout=10,
    )
    assert answer.status_code == 202, answer.text
