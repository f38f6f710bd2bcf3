"""Snoozing from the thread's header in headless Chromium: an hour later, out of Open, with its
line in the thread and its time in the header.

Screenshots: tests/screenshots/snooze-menu.png, tests/screenshots/snoozed.png.
"""

from __future__ import annotations

from inbox.models import Role
from tests.browser import LIVE, ONE_BACKEND, SCREENSHOTS, expect, sign_in

pytestmark = ONE_BACKEND


def test_an_agent_snoozes_for_an_hour_and_it_leaves_open(line_sandbox, make, worker, page) -> None:
    shop = line_sandbox.provision(name="ร้านดอกไม้ 花屋")
    line_sandbox.user("มะลิ 茉莉", channel=shop, language="th")
    line_sandbox.wait_idle()
    agent = make.user(Role.AGENT, display_name="Somchai")
    SCREENSHOTS.mkdir(exist_ok=True)

    sign_in(page, line_sandbox.base_url, agent.email)
    row = page.locator("#conversation-list a", has_text="มะลิ 茉莉")
    expect(row).to_be_visible(timeout=LIVE)
    row.click()
    page.get_by_role("button", name="Snooze", exact=True).click()
    expect(page.locator("#snooze-menu")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "snooze-menu.png")
    page.get_by_role("button", name="For 1 hour").click()

    expect(page.locator("#status-select")).to_have_value("pending")
    expect(page.locator("#snooze-until")).to_contain_text("Snoozed until")
    expect(page.locator("#thread .msg-activity").last).to_contain_text(
        "Somchai snoozed the conversation until"
    )
    expect(row).to_have_count(0)  # the Open view no longer lists it
    page.screenshot(path=SCREENSHOTS / "snoozed.png")
    page.locator("ul.tabs a[data-view='pending']").click()
    expect(page.locator("#conversation-list a", has_text="มะลิ 茉莉")).to_be_visible()
