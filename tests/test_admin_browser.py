"""The supervisors' and admins' areas in headless Chromium: an admin points LINE (the sandbox)
at the inbox and runs LINE's webhook test from the channel's status page, adds a colleague
with two roles (the password shown once), then reads the reports' charts and finds all of it
in the audit log."""

from __future__ import annotations

import re

from inbox.models import Role
from tests.browser import LIVE, ONE_BACKEND, SCREENSHOTS, agent_answers, expect, sign_in

pytestmark = ONE_BACKEND


def test_admin_sets_up_a_channel_adds_a_colleague_and_reads_reports(
    line_sandbox,
    make,
    worker,
    page,
) -> None:
    shop = line_sandbox.provision(name="ร้านขนม 東京")
    hana = line_sandbox.user("ฮานะ 花子", channel=shop)
    line_sandbox.say(shop, hana, "ขนมชิ้นนี้ราคาเท่าไหร่คะ")
    line_sandbox.wait_idle()
    line_sandbox.set_webhook(shop, "https://elsewhere.example/hook")  # as a new channel may be
    agent_answers(line_sandbox, make, "120 บาทค่ะ")
    admin = make.user(Role.ADMIN, display_name="Aiko")

    sign_in(page, line_sandbox.base_url, admin.email)
    page.get_by_role("link", name="Channels", exact=True).click()
    row = page.locator("tr", has_text="ร้านขนม 東京")
    expect(row).to_contain_text(shop.channel_id)
    expect(row).not_to_contain_text(shop.access_token)  # masked: the last four at most
    row.get_by_role("link", name="Status").click()
    current = page.locator("nav.areas [aria-current=page]")
    expect(current).to_have_text("Channels")  # one area at a time, even under /admin
    expect(page.get_by_text("LINE sends this channel's webhooks somewhere else")).to_be_visible()
    page.get_by_role("button", name="Set the webhook URL at LINE").click()
    expect(page.locator(".flash")).to_contain_text("LINE will now send this channel's webhooks to")
    page.get_by_role("button", name="Run LINE's webhook test").click()
    expect(page.locator(".flash")).to_contain_text("Webhook test succeeded", timeout=LIVE)
    page.screenshot(path=SCREENSHOTS / "admin-channel-status.png", full_page=True)

    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("link", name="Add a user").click()
    page.get_by_label("Email").fill("yuki@shop.example")
    page.get_by_label("Display name").fill("ゆき ยูกิ")
    page.get_by_label("Agent").check()
    page.get_by_label("Supervisor").check()
    page.get_by_role("button", name="Create user").click()
    expect(page.locator("#shown-once-value")).to_have_text(re.compile(r"\S{8,}"))
    page.get_by_role("link", name="All users").click()
    expect(page.locator("tr", has_text="yuki@shop.example")).to_contain_text("Supervisor")

    page.get_by_role("link", name="Reports", exact=True).click()
    charts = page.locator("figure.report-chart svg")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 3
    expect(page.locator("main")).to_contain_text("Somchai")  # the agent's row
    page.screenshot(path=SCREENSHOTS / "reports.png", full_page=True)

    page.get_by_role("link", name="Audit log", exact=True).click()
    log = page.locator("main table")
    expect(log).to_contain_text("Created a user")
    expect(log).to_contain_text("Set the channel's webhook URL at LINE")
    expect(log).to_contain_text("Ran LINE's webhook test")
    expect(log).to_contain_text("Sent a message")
    page.screenshot(path=SCREENSHOTS / "audit-log.png", full_page=True)
