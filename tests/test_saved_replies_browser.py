"""Saved replies in the composer, in headless Chromium: the agent types /thx, picks the team's
reply, sees the customer's name filled in, edits it and sends it (the phone receives it); then
saves what they wrote as a reply of their own and finds it with "/"."""

from __future__ import annotations

import re

import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import Role, SavedReply
from inbox.replies import service
from tests.browser import LIVE, ONE_BACKEND, SCREENSHOTS, expect, sign_in

pytestmark = ONE_BACKEND


def test_agent_inserts_edits_sends_and_saves_replies(
    line_sandbox, make, worker, page, page_problems
) -> None:
    shop = line_sandbox.provision(name="ร้านขนม")
    hana = line_sandbox.user("ฮานะ 花子", channel=shop)
    line_sandbox.say(shop, hana, "ส่งของวันไหนคะ")
    line_sandbox.wait_idle()
    agent = make.user(Role.AGENT, display_name="Somchai")
    for shortcut, title, body in [
        ("thx", "ขอบคุณ", "ขอบคุณค่ะ คุณ{{customer.name}} — {{agent.name}}, {{channel.name}}"),
        ("hello", "Greeting", "Hello {{customer.name}}! Order {{order.id}} is on its way."),
        ("hours", "Opening hours", "We are open 9:00–18:00."),
    ]:
        service.create_reply(None, service.checked(title, shortcut, body))
    SCREENSHOTS.mkdir(exist_ok=True)

    sign_in(page, line_sandbox.base_url, agent.email)
    page.locator("#conversation-list a", has_text="ฮานะ 花子").click(timeout=LIVE)
    expect(page.locator("#composer-hint")).to_contain_text("Free reply", timeout=LIVE)
    composer = page.get_by_label("Reply to the customer on LINE")
    listbox = page.get_by_role("listbox", name="Saved replies")

    # "/" opens the list; typing filters it; arrows move; Escape closes without a trace.
    composer.press_sequentially("/")
    expect(listbox.get_by_role("option")).to_have_count(3)
    composer.press_sequentially("h")
    expect(listbox.get_by_role("option")).to_have_count(3)  # thx, hello and hours contain "h"
    composer.press_sequentially("o")
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(listbox.get_by_role("option", selected=True)).to_contain_text("/hours")
    composer.press("Escape")
    expect(listbox).to_be_hidden()
    expect(composer).to_have_value("/ho")
    composer.fill("")

    # /thx + Enter: the reply, filled in, replaces "/thx" for editing; nothing is sent yet.
    composer.press_sequentially("/th")
    option = listbox.get_by_role("option", selected=True)
    expect(option).to_contain_text("/thx")
    expect(composer).to_have_attribute("aria-activedescendant", re.compile(r"^saved-reply-\d+$"))
    page.screenshot(path=SCREENSHOTS / "saved-replies-list.png")
    composer.press("Enter")
    expected = "ขอบคุณค่ะ คุณฮานะ 花子 — Somchai, ร้านขนม"
    expect(composer).to_have_value(expected)
    expect(listbox).to_be_hidden()
    assert line_sandbox.received(shop, hana) == []
    composer.press("End")
    composer.press_sequentially(" 🙏")
    page.screenshot(path=SCREENSHOTS / "saved-replies-inserted.png")
    composer.press("Enter")
    thread = page.locator("#thread")
    sent = thread.locator(".msg-outgoing", has_text=expected)
    expect(sent.locator(".delivery-state")).to_have_text("Sent", timeout=LIVE)
    assert [m["text"] for m in line_sandbox.received(shop, hana)] == [expected + " 🙏"]

    # A click picks too, after words; an unknown variable stays, selected, and is pointed out.
    composer.press_sequentially("Hi! /hel")
    listbox.get_by_role("option").filter(has_text="/hello").click()
    expect(composer).to_have_value("Hi! Hello ฮานะ 花子! Order {{order.id}} is on its way.")
    expect(page.locator("#saved-reply-note")).to_contain_text("{{order.id}}")
    composer.press_sequentially("A-1029")  # typed over the selected {{order.id}}
    expect(composer).to_have_value("Hi! Hello ฮานะ 花子! Order A-1029 is on its way.")

    # What the agent wrote becomes a reply of their own, found with "/" from then on.
    page.get_by_role("button", name="Save as reply").click()
    dialog = page.get_by_role("dialog", name="Save as one of your replies")
    expect(dialog.get_by_label("Text")).to_have_value(
        "Hi! Hello ฮานะ 花子! Order A-1029 is on its way."
    )
    dialog.get_by_label("Title").fill("ส่งของ 発送")
    dialog.get_by_label("Shortcut").fill("ส่งของ")
    dialog.get_by_label("Text").fill("Hello {{customer.name}}, it ships today. 本日発送します。")
    page.screenshot(path=SCREENSHOTS / "saved-replies-save-dialog.png")
    dialog.get_by_role("button", name="Save reply").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#saved-reply-note")).to_contain_text("Saved as /ส่งของ")
    mine = db.session.scalar(sa.select(SavedReply).where(SavedReply.owner_id == agent.id))
    assert mine.shortcut == "ส่งของ" and mine.title == "ส่งของ 発送"

    composer.fill("")
    composer.press_sequentially("/ส่ง")
    option = listbox.get_by_role("option", selected=True)
    expect(option).to_contain_text("ส่งของ 発送")
    expect(option).to_contain_text("Yours")
    page.screenshot(path=SCREENSHOTS / "saved-replies-own.png")
    composer.press("Enter")
    expect(composer).to_have_value("Hello ฮานะ 花子, it ships today. 本日発送します。")

    # The same shortcut again is refused in the dialog, in words.
    page.get_by_role("button", name="Save as reply").click()
    dialog.get_by_label("Title").fill("again")
    dialog.get_by_label("Shortcut").fill("/ส่งของ")
    dialog.get_by_role("button", name="Save reply").click()
    expect(dialog.locator("#save-reply-error")).to_contain_text("already have a reply")
    refused = (
        "console: Failed to load resource: the server responded with a status of 409 (CONFLICT)"
    )
    page_problems.remove(refused)  # the browser logs the refusal the dialog shows
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()

    # Their page lists it, with the team's replies they can use beside it.
    page.goto(line_sandbox.base_url + "/replies/")
    expect(page.get_by_role("heading", name="Your saved replies")).to_be_visible()
    expect(page.locator("table.saved-replies").first).to_contain_text("/ส่งของ")
    expect(page.locator("table.saved-replies").nth(1)).to_contain_text("/thx")
    page.screenshot(path=SCREENSHOTS / "saved-replies-page.png", full_page=True)


def test_admin_adds_a_team_reply_from_the_admin_page(line_sandbox, make, page) -> None:
    admin = make.user(Role.ADMIN, display_name="Boss")
    SCREENSHOTS.mkdir(exist_ok=True)
    sign_in(page, line_sandbox.base_url, admin.email)
    page.get_by_role("link", name="Saved replies", exact=True).click()
    page.get_by_role("link", name="Manage team replies").click()
    expect(page.get_by_role("heading", name="Team replies")).to_be_visible()
    page.get_by_role("link", name="Add a reply").click()
    page.get_by_label("Title").fill('お礼 <img src=x onerror="alert(1)">')
    page.get_by_label("Shortcut").fill("ありがとう")
    page.get_by_label("Text").fill(
        "{{customer.name}}様、ありがとうございます。<b>{{agent.name}}</b>"
    )
    page.screenshot(path=SCREENSHOTS / "saved-replies-admin-form.png", full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Saved /ありがとう")
    row = page.locator("table.saved-replies tbody tr")
    expect(row).to_contain_text('お礼 <img src=x onerror="alert(1)">')  # shown as text
    expect(row).to_contain_text("<b>{{agent.name}}</b>")
    page.get_by_label("Find a reply").fill("ありがとうござ")
    page.get_by_role("button", name="Search").click()
    expect(row).to_have_count(1)
    page.screenshot(path=SCREENSHOTS / "saved-replies-admin.png", full_page=True)
    reply = db.session.scalar(sa.select(SavedReply))
    assert reply.is_team and reply.shortcut == "ありがとう"
