"""The conversation's context stays true while an agent watches, in headless Chromium: the user
blocks the account on the sandbox phone and the profile says so without a reload (and the
conversation resolves itself), unblocks and it says "Friend" again; assignments show as lines
in the thread and in the supervisor's transcript, names kept as text."""

from __future__ import annotations

import re

from inbox.models import Role
from tests.browser import LIVE, ONE_BACKEND, SCREENSHOTS, expect, sign_in

pytestmark = ONE_BACKEND


def test_profile_and_thread_follow_what_happens(line_sandbox, make, worker, page) -> None:
    shop = line_sandbox.provision(name="ร้านดอกไม้ 花屋")
    line_sandbox.user("มะลิ 茉莉", channel=shop, language="th")
    line_sandbox.wait_idle()
    somchai = make.user(Role.AGENT, Role.SUPERVISOR, display_name="Somchai")
    make.user(Role.AGENT, display_name="<i>Nok</i>")
    reader = make.user(Role.SUPERVISOR, display_name="Malee")
    SCREENSHOTS.mkdir(exist_ok=True)

    sign_in(page, line_sandbox.base_url, somchai.email)
    row = page.locator("#conversation-list a", has_text="มะลิ 茉莉")
    expect(row).to_be_visible(timeout=LIVE)
    row.click()
    profile, thread = page.locator("#profile-body"), page.locator("#thread")
    friendship = profile.locator(".follow")
    expect(friendship).to_contain_text("Friend")

    # The user blocks the account on the phone, in another tab: no reload here.
    phone = page.context.new_page()
    phone.goto(line_sandbox.base_url + "/sandbox")
    phone.get_by_role("button", name="Block the account").click()
    expect(phone.get_by_role("button", name="Add the account as a friend")).to_be_visible()
    expect(friendship).to_contain_text("Blocked the account", timeout=LIVE)
    expect(friendship).not_to_contain_text("Friend")
    expect(thread.locator(".msg-activity")).to_have_text(
        re.compile("Resolved automatically: the user blocked the account"), timeout=LIVE
    )
    expect(page.locator("#status-select")).to_have_value("resolved")
    page.screenshot(path=SCREENSHOTS / "activity-blocked.png")

    phone.get_by_role("button", name="Add the account as a friend").click()
    expect(friendship).to_contain_text("Friend", timeout=LIVE)
    expect(friendship).not_to_contain_text("Blocked")
    expect(thread.locator(".msg-activity").last).to_contain_text(
        "Reopened: the user added the account as a friend again", timeout=LIVE
    )
    expect(page.locator("#status-select")).to_have_value("open")
    phone.close()

    # Assignments: who did it, from whom to whom, each a centred line in the thread.
    page.get_by_role("button", name="Assign to me").click()
    expect(thread).to_contain_text("Somchai assigned the conversation to themselves")
    page.locator("#assignee-select").select_option(label="<i>Nok</i>")
    line = thread.locator(".msg-activity", has_text="reassigned")
    expect(line).to_contain_text("Somchai reassigned the conversation from Somchai to <i>Nok</i>")
    expect(thread.locator("i")).to_have_count(0)  # a name is text, never markup
    page.screenshot(path=SCREENSHOTS / "activity-thread.png")

    # The supervisor's transcript tells the same story.
    conversation_id = re.search(r"/conversations/(\d+)", page.url).group(1)
    page.goto(f"{line_sandbox.base_url}/history/conversations/{conversation_id}")
    transcript = page.locator("#thread")
    expect(transcript).to_contain_text("Resolved automatically: the user blocked the account")
    expect(transcript).to_contain_text("from Somchai to <i>Nok</i>")
    expect(transcript.locator("i")).to_have_count(0)
    page.screenshot(path=SCREENSHOTS / "activity-transcript.png")

    # A supervisor reads: no composer to type into, no "Mine" tab of conversations nobody
    # can assign them.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, line_sandbox.base_url, reader.email)
    expect(page.locator("[data-view]")).to_have_count(4)
    expect(page.locator("[data-view=mine]")).to_have_count(0)
    page.locator("#conversation-list a", has_text="มะลิ 茉莉").click()
    expect(page.locator("#thread")).to_contain_text("from Somchai to <i>Nok</i>")
    expect(page.locator("#composer")).to_have_count(0)
    expect(page.locator(".answer")).to_contain_text("only agents answer customers")
    page.screenshot(path=SCREENSHOTS / "activity-supervisor.png")
