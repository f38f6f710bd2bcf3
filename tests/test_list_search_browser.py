"""The list's search and bulk actions in headless Chromium: an agent finds a resolved chat from
the Open tab by a Thai word of its messages (marked in the row, the status shown), and selects
three rows with Shift+click, then resolves them in one go."""

from __future__ import annotations

import sqlalchemy as sa

from inbox.extensions import db
from inbox.labels.service import checked, create_label
from inbox.models import Conversation, ConversationStatus, Role
from tests.browser import LIVE, ONE_BACKEND, SCREENSHOTS, expect, sign_in

pytestmark = ONE_BACKEND


def test_agent_finds_a_resolved_chat_by_a_word_of_its_messages(
    line_sandbox, make, worker, page
) -> None:
    shop = line_sandbox.provision(name="ร้านขนม")
    somchai = line_sandbox.user("คุณสมชาย", channel=shop, language="th")
    kenji = line_sandbox.user("健二", channel=shop, language="ja")
    line_sandbox.say(shop, somchai, "สวัสดีครับ ขอสอบถามเรื่องการจัดส่งครับ")
    line_sandbox.say(shop, kenji, "注文番号 A-20394 の配送はいつですか")
    line_sandbox.wait_idle()
    for conversation in db.session.scalars(sa.select(Conversation)):
        conversation.status = ConversationStatus.RESOLVED
    db.session.commit()
    agent = make.user(Role.AGENT, display_name="Nok")
    SCREENSHOTS.mkdir(exist_ok=True)

    sign_in(page, line_sandbox.base_url, agent.email)
    expect(page.locator("#list-status")).to_have_text("No conversations here.", timeout=LIVE)
    page.get_by_label("Search conversations by name, LINE id or message").fill("จัดส่ง")
    row = page.locator("#conversation-list li", has_text="คุณสมชาย")
    expect(row).to_be_visible(timeout=LIVE)
    expect(page.locator("#conversation-list li")).to_have_count(1)
    expect(row.locator("mark")).to_have_text("จัดส่ง")
    expect(row.locator(".status")).to_have_text("Resolved")
    expect(page.locator("#search-scope")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "list-search-thai.png")

    page.get_by_label("Search conversations by name, LINE id or message").fill("配送")
    row = page.locator("#conversation-list li", has_text="健二")
    expect(row.locator("mark")).to_have_text("配送", timeout=LIVE)
    expect(page.locator("#conversation-list li")).to_have_count(1)

    page.get_by_role("link", name="Resolved").click()  # a tab ends the search
    expect(page.locator("#search")).to_have_value("")
    expect(page.locator("#search-scope")).to_be_hidden()
    expect(page.locator("#conversation-list li")).to_have_count(2, timeout=LIVE)


def test_agent_resolves_three_conversations_selected_with_shift_click(
    line_sandbox, make, worker, page
) -> None:
    create_label(checked("ด่วน", "red"))
    shop = line_sandbox.provision(name="花屋")
    for number, name in enumerate(["มะลิ", "さくら", "Ana", "Budi"]):
        user = line_sandbox.user(name, channel=shop)
        line_sandbox.say(shop, user, f"hello {number}")
    line_sandbox.wait_idle()
    agent = make.user(Role.AGENT, display_name="Nok")
    SCREENSHOTS.mkdir(exist_ok=True)

    sign_in(page, line_sandbox.base_url, agent.email)
    rows = page.locator("#conversation-list li")
    expect(rows).to_have_count(4, timeout=LIVE)
    rows.nth(0).get_by_role("checkbox").click()
    rows.nth(2).get_by_role("checkbox").click(modifiers=["Shift"])
    expect(page.locator("#bulk-count")).to_have_text("3 selected")
    expect(rows.nth(1).get_by_role("checkbox")).to_be_checked()
    expect(rows.nth(3).get_by_role("checkbox")).not_to_be_checked()
    page.screenshot(path=SCREENSHOTS / "list-bulk-selected.png")

    # The keyboard too: X on the focused row toggles it.
    rows.nth(3).locator("a").focus()
    page.keyboard.press("x")
    expect(page.locator("#bulk-count")).to_have_text("4 selected")
    page.keyboard.press("x")
    expect(page.locator("#bulk-count")).to_have_text("3 selected")

    page.get_by_role("button", name="Resolve", exact=True).click()
    expect(page.locator("#bulk-done")).to_have_text("3 conversations resolved", timeout=LIVE)
    expect(rows).to_have_count(1)  # the Open tab keeps only the one left open
    expect(page.locator("#bulk-bar")).to_be_hidden()
    page.screenshot(path=SCREENSHOTS / "list-bulk-resolved.png")
    db.session.expire_all()
    statuses = sorted(s.value for s in db.session.scalars(sa.select(Conversation.status)))
    assert statuses == ["open", "resolved", "resolved", "resolved"]

    # The one left open: labelled, then snoozed from the same bar.
    rows.nth(0).get_by_role("checkbox").click()
    page.get_by_label("Put a label on the selected conversations").select_option(label="ด่วน")
    expect(page.locator("#bulk-done")).to_have_text("1 conversation labelled", timeout=LIVE)
    expect(rows.nth(0)).to_contain_text("ด่วน")
    rows.nth(0).get_by_role("checkbox").click()
    page.get_by_label("Snooze the selected conversations").select_option(value="hour")
    expect(page.locator("#bulk-done")).to_have_text("1 conversation snoozed", timeout=LIVE)
    expect(rows).to_have_count(0)  # snoozed conversations wait under Pending
    db.session.expire_all()
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Conversation.snoozed_until.is_not(None)))
        == 1
    )
