"""The History area in headless Chromium: a supervisor searches Thai text across channels,
sees the hit marked between its neighbours, and opens the transcript at it, where what agents
cannot see (an unsent message's text) and how each answer went (reply, state) are shown."""

from __future__ import annotations

import re

from inbox.models import Role
from tests.browser import LIVE, ONE_BACKEND, SCREENSHOTS, agent_answers, expect, sign_in

pytestmark = ONE_BACKEND


def test_supervisor_finds_a_thai_message_and_reads_its_transcript(
    line_sandbox,
    make,
    worker,
    page,
) -> None:
    shop = line_sandbox.provision(name="ร้านขนม 東京")
    hana = line_sandbox.user("ฮานะ 花子", channel=shop)
    line_sandbox.say(shop, hana, "สวัสดีค่ะ")
    line_sandbox.say(shop, hana, "ขนมชิ้นนี้ราคาเท่าไหร่คะ")
    phone_number = line_sandbox.say(shop, hana, "เบอร์โทร 0812345678")
    line_sandbox.unsend(phone_number)
    line_sandbox.wait_idle()
    agent_answers(line_sandbox, make, "ราคา 120 บาทค่ะ")
    supervisor = make.user(Role.SUPERVISOR, display_name="Yuki")

    sign_in(page, line_sandbox.base_url, supervisor.email)
    page.get_by_role("link", name="History").click()
    expect(page.locator("#history-results")).to_contain_text("ฮานะ 花子", timeout=LIVE)
    page.get_by_label("Search messages").fill("ราคา")
    page.get_by_label("Direction").select_option("incoming")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=%E0%B8%A3"))
    hit = page.locator(".hit-card")
    expect(hit).to_have_count(1, timeout=LIVE)
    expect(hit.locator("mark.hit")).to_have_text("ราคา")
    expect(hit.locator(".is-context").first).to_contain_text("สวัสดีค่ะ")
    expect(page.locator("#export-csv")).to_have_attribute("href", re.compile("format=csv"))
    page.screenshot(path=SCREENSHOTS / "history-search.png")

    hit.get_by_role("link", name="Open the transcript here").click()
    expect(page).to_have_url(re.compile(r"/history/conversations/\d+\?at=\d+"))
    thread = page.locator("#thread")
    expect(thread.locator(".is-target")).to_contain_text("ขนมชิ้นนี้ราคาเท่าไหร่คะ", timeout=LIVE)
    unsent = thread.locator(".is-unsent")
    expect(unsent).to_contain_text("0812345678")  # what agents no longer see
    expect(unsent).to_contain_text("Message unsent")
    answered = thread.locator(".msg-outgoing", has_text="ราคา 120 บาทค่ะ")
    expect(answered.locator(".delivery-state")).to_have_text("Sent", timeout=LIVE)
    expect(answered).to_contain_text("reply (free)")
    expect(answered).to_contain_text("Somchai")
    page.screenshot(path=SCREENSHOTS / "history-transcript.png")
