"""Labels in headless Chromium: an agent labels a conversation from the thread's header, sees
the line in the thread and the chip in the list, filters the list by the label (the address
carries it; a reload keeps it); an admin defines labels from the Channels page."""

from __future__ import annotations

import re

from inbox.labels import service
from inbox.models import Role
from tests.browser import LIVE, ONE_BACKEND, SCREENSHOTS, expect, sign_in

pytestmark = ONE_BACKEND


def test_agent_labels_a_conversation_and_filters_the_list_by_it(
    line_sandbox, make, worker, page
) -> None:
    shop = line_sandbox.provision(name="ร้านขนม")
    hana = line_sandbox.user("ฮานะ 花子", channel=shop)
    somsak = line_sandbox.user("Somsak", channel=shop)
    line_sandbox.say(shop, hana, "ส่งของวันไหนคะ")
    line_sandbox.say(shop, somsak, "Hello?")
    line_sandbox.wait_idle()
    agent = make.user(Role.AGENT, display_name="Somchai")
    vip = service.create_label(service.checked("VIP", "purple"))
    service.create_label(service.checked('Refund <img src=x onerror="alert(1)">', "red"))
    SCREENSHOTS.mkdir(exist_ok=True)

    sign_in(page, line_sandbox.base_url, agent.email)
    rows = page.locator("#conversation-list a")
    expect(rows).to_have_count(2, timeout=LIVE)
    rows.filter(has_text="ฮานะ 花子").click()
    expect(page.locator("#thread-title")).to_have_text("ฮานะ 花子")

    toggle = page.get_by_role("button", name="Labels")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    menu = page.get_by_role("group", name="Labels on this conversation")
    expect(menu.get_by_role("checkbox")).to_have_count(2)
    expect(menu).to_contain_text('Refund <img src=x onerror="alert(1)">')  # text, not markup
    menu.get_by_role("checkbox", name="VIP").check()
    expect(page.locator("#thread-labels")).to_have_text("VIP", timeout=LIVE)
    expect(
        page.locator("#thread .msg-activity", has_text="Somchai added the label VIP")
    ).to_be_visible(timeout=LIVE)
    row = rows.filter(has_text="ฮานะ 花子")
    expect(row.locator(".label-chip")).to_have_text("VIP")
    page.screenshot(path=SCREENSHOTS / "labels-menu.png")
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()

    page.get_by_label("Label", exact=True).select_option(label="VIP")
    expect(rows).to_have_count(1, timeout=LIVE)
    expect(rows.first).to_contain_text("ฮานะ 花子")
    expect(page).to_have_url(re.compile(rf"[?&]label={vip.id}\b"))
    page.get_by_label("Waiting time").select_option(label="Waiting over 5 min")
    expect(page).to_have_url(re.compile(r"[?&]waiting=5\b"))
    expect(page.locator("#list-status")).to_have_text("No conversations match these filters.")
    page.get_by_label("Waiting time").select_option("")
    expect(rows).to_have_count(1, timeout=LIVE)
    page.screenshot(path=SCREENSHOTS / "labels-filtered.png")

    page.reload()
    expect(page.get_by_label("Label", exact=True)).to_have_value(str(vip.id))
    expect(rows).to_have_count(1, timeout=LIVE)
    expect(rows.first).to_contain_text("ฮานะ 花子")

    page.get_by_role("button", name="Clear filters").click()
    expect(rows).to_have_count(2, timeout=LIVE)
    expect(page).not_to_have_url(re.compile(r"label="))


def test_admin_defines_labels_from_the_channels_page(
    line_sandbox, make, page, page_problems
) -> None:
    admin = make.user(Role.ADMIN, display_name="Boss")
    SCREENSHOTS.mkdir(exist_ok=True)
    sign_in(page, line_sandbox.base_url, admin.email)
    page.goto(line_sandbox.base_url + "/admin/channels")
    page.get_by_role("link", name="Labels for conversations").click()
    expect(page.get_by_role("heading", name="Labels", exact=True)).to_be_visible()
    new = page.locator("form.label-form").first
    new.get_by_label("Name").fill("ลูกค้า VIP <b>")
    new.get_by_label("Colour").select_option(label="Purple")
    new.get_by_role("button", name="Add").click()
    expect(page.locator(".flash")).to_contain_text("Saved the label")
    expect(page.locator(".labels-table .label-chip")).to_have_text("ลูกค้า VIP <b>")
    new = page.locator("form.label-form").first
    new.get_by_label("Name").fill("ลูกค้า vip <B>")
    new.get_by_role("button", name="Add").click()
    expect(page.locator("#new-label-error")).to_contain_text("There is already a label")
    refused = (
        "console: Failed to load resource: the server responded with a status of 409 (CONFLICT)"
    )
    page_problems.remove(refused)  # the browser logs the refusal the page shows
    page.screenshot(path=SCREENSHOTS / "labels-admin.png", full_page=True)
    page.goto(line_sandbox.base_url + "/reports")
    table = page.get_by_role("table", name="Labels")
    expect(table).to_contain_text("ลูกค้า VIP <b>")
    expect(table).to_contain_text("No label")
    table.screenshot(path=SCREENSHOTS / "labels-report.png")
