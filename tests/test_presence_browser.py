"""Two agents on one conversation, in two headless Chromium sessions: each sees the other's
initials in the thread's header, one sees the other typing, sending over a colleague's reply asks
first, and an agent who leaves the page alone shows as away."""

from __future__ import annotations

import re

from inbox.models import Role
from tests.browser import LIVE, ONE_BACKEND, SCREENSHOTS, expect, sign_in

pytestmark = ONE_BACKEND


def second_agent_page(page, page_problems: list[str]):
    """Another browser session (its own cookies) in the same browser, watched like `page`."""
    context = page.context.browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="en-GB", timezone_id="Asia/Bangkok"
    )
    other = context.new_page()
    other.on("pageerror", lambda error: page_problems.append(f"page error: {error}"))
    other.on(
        "console",
        lambda message: (
            page_problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    return other


def opens_the_chat(page, base_url: str, email: str, name: str) -> None:
    sign_in(page, base_url, email)
    row = page.locator("#conversation-list a", has_text=name)
    expect(row).to_be_visible(timeout=LIVE)
    row.click()
    expect(page).to_have_url(re.compile(r"/conversations/\d+$"))


def test_two_agents_see_each_other_and_do_not_answer_over_each_other(
    line_sandbox, make, worker, page, page_problems
) -> None:
    shop = line_sandbox.provision(name="ร้านขนม")
    hana = line_sandbox.user("ฮานะ 花子", channel=shop)
    line_sandbox.say(shop, hana, "ของถึงเมื่อไหร่คะ")
    line_sandbox.wait_idle()
    # Away after 6 seconds without a touch, so that the test can watch it happen.
    line_sandbox.app.config["PRESENCE_AWAY_MINUTES"] = 0.1
    anna = make.user(Role.AGENT, display_name="Anna Lee")
    # A name is the user's own text: it must show as text, never as markup.
    ben = make.user(Role.AGENT, display_name="<b>Ben</b> Somchai")
    SCREENSHOTS.mkdir(exist_ok=True)

    opens_the_chat(page, line_sandbox.base_url, anna.email, "ฮานะ 花子")
    bens_page = second_agent_page(page, page_problems)
    opens_the_chat(bens_page, line_sandbox.base_url, ben.email, "ฮานะ 花子")

    # Each sees the other (and not themselves) in the thread's header.
    seen_by_anna = page.locator("#thread-viewers .viewer")
    expect(seen_by_anna).to_have_count(1, timeout=LIVE)
    expect(seen_by_anna).to_have_attribute("title", "<b>Ben</b> Somchai has this conversation open")
    expect(seen_by_anna.locator(".avatar")).to_have_text("<S")
    assert page.locator("#thread-viewers b").count() == 0
    seen_by_ben = bens_page.locator("#thread-viewers .viewer")
    expect(seen_by_ben).to_have_count(1, timeout=LIVE)
    expect(seen_by_ben.locator(".avatar")).to_have_text("AL")
    expect(seen_by_ben).to_have_attribute("title", "Anna Lee has this conversation open")

    # Anna starts a reply; Ben sees it.
    annas_composer = page.get_by_label("Reply to the customer on LINE")
    annas_composer.press_sequentially("พรุ่งนี้ค่ะ", delay=30)
    expect(bens_page.locator("#typing")).to_have_text("Anna Lee is typing…", timeout=LIVE)
    bens_page.screenshot(path=SCREENSHOTS / "presence-typing.png")

    # Ben answers too: the page asks first, and "Don't send" keeps his draft.
    bens_composer = bens_page.get_by_label("Reply to the customer on LINE")
    bens_composer.fill("ส่งพรุ่งนี้ครับ")
    bens_composer.press("Enter")
    dialog = bens_page.locator("#collision-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Anna Lee was typing a reply here a moment ago.")
    expect(bens_page.get_by_role("button", name="Don't send")).to_be_focused()
    bens_page.screenshot(path=SCREENSHOTS / "presence-confirm.png")
    bens_page.get_by_role("button", name="Don't send").click()
    expect(dialog).to_be_hidden()
    expect(bens_composer).to_have_value("ส่งพรุ่งนี้ครับ")
    expect(bens_composer).to_be_focused()
    assert line_sandbox.received(shop, hana) == []

    # Anna is still typing; this time Ben sends anyway.
    annas_composer.press_sequentially(" นะคะ", delay=30)
    expect(bens_page.locator("#typing")).to_be_visible(timeout=LIVE)
    bens_composer.press("Enter")
    bens_page.get_by_role("button", name="Send anyway").click()
    sent = bens_page.locator("#thread .msg-outgoing", has_text="ส่งพรุ่งนี้ครับ")
    expect(sent.locator(".delivery-state")).to_have_text("Sent", timeout=LIVE)
    expect(bens_composer).to_have_value("")

    # Anna leaves her page alone: Ben sees her as away; she moves the mouse: back.
    expect(seen_by_ben).to_have_class(re.compile(r"\bis-away\b"), timeout=LIVE)
    expect(seen_by_ben).to_have_attribute("title", "Anna Lee has this conversation open (away)")
    bens_page.screenshot(path=SCREENSHOTS / "presence-away.png")
    bens_page.set_viewport_size({"width": 390, "height": 844})  # a phone: the header is tight
    expect(bens_page.locator("#profile-panel")).to_be_hidden()  # now a drawer, slid away
    expect(seen_by_ben).to_be_visible()
    bens_page.screenshot(path=SCREENSHOTS / "presence-phone.png")
    page.mouse.move(300, 300)
    page.mouse.move(320, 310)
    expect(seen_by_ben).not_to_have_class(re.compile(r"\bis-away\b"), timeout=LIVE)

    # Anna closes her tab: she is gone from Ben's header.
    page.close()
    expect(bens_page.locator("#thread-viewers")).to_be_hidden(timeout=LIVE)
    bens_page.context.close()
