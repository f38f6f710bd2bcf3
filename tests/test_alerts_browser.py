"""An agent who is not looking at the inbox hears about customers (desktop notification, a
count in the tab's title), sees how long each has waited, and reads every time in the zone
saved at /account, not the browser's. Headless Chromium, its clock in New York, the agent in
Bangkok."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import Contact, Conversation, Message, Role, utcnow
from tests.browser import LIVE, ONE_BACKEND, SCREENSHOTS, expect, sign_in

pytestmark = ONE_BACKEND

BANGKOK = ZoneInfo("Asia/Bangkok")

# Stands in for the browser's Notification (recording what would be shown) and for a tab the
# agent is not looking at (`__hide(true)`), before any of the page's scripts run.
RECORDER = """
(() => {
  const shown = [];
  class RecordedNotification {
    constructor(title, options = {}) {
      this.title = title;
      shown.push({ title, body: options.body, tag: options.tag, self: this });
    }
    close() {}
    static get permission() { return "granted"; }
    static requestPermission() { return Promise.resolve("granted"); }
  }
  window.Notification = RecordedNotification;
  window.__notifications = shown;
  let hidden = false;
  const state = () => (hidden ? "hidden" : "visible");
  Object.defineProperty(document, "visibilityState", { get: state });
  Object.defineProperty(document, "hidden", { get: () => hidden });
  document.hasFocus = () => !hidden;
  window.__hide = (value) => {
    hidden = value;
    document.dispatchEvent(new Event("visibilitychange"));
  };
})();
"""


@pytest.fixture
def context_options() -> dict[str, object]:
    return {"timezone_id": "America/New_York", "permissions": ["notifications"]}


def conversation_of(name: str) -> Conversation:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Conversation).join(Contact).where(Contact.display_name == name)
    ).one()


def bangkok_clock(text: str) -> str:
    """Where the customer's message `text` sits on a Bangkok clock (in English: 2:05 PM)."""
    db.session.expire_all()
    message = db.session.scalars(sa.select(Message).where(Message.text == text)).one()
    return message.sent_at.astimezone(BANGKOK).strftime("%-I:%M %p")


def notifications(page) -> list[dict]:
    return page.evaluate("window.__notifications.map(({ self, ...shown }) => shown)")


def test_a_hidden_tab_hears_customers_in_the_saved_zone(line_sandbox, make, worker, page):
    shop = line_sandbox.provision(name="ร้านขนม")
    hana = line_sandbox.user("Hana", channel=shop)
    line_sandbox.wait_idle()
    agent = make.user(Role.AGENT, Role.SUPERVISOR, display_name="Somchai", timezone="Asia/Bangkok")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.add_init_script(RECORDER)
    sign_in(page, line_sandbox.base_url, agent.email)
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "America/New_York"

    # The thread shows Bangkok times although the browser lives in New York.
    question = "Is the mango cake ready?"
    line_sandbox.say(shop, hana, question)
    row = page.locator("#conversation-list a", has_text="Hana")
    expect(row).to_contain_text(question, timeout=LIVE)
    row.click()
    said = page.locator("#thread .msg", has_text=question)
    expect(said.locator("time")).to_have_text(bangkok_clock(question), timeout=LIVE)
    page.get_by_role("button", name="Assign to me").click()
    expect(row).to_contain_text("Assigned to you")
    expect(row.locator(".waiting")).to_contain_text(re.compile(r"Waiting (under a minute|1 min)"))

    # The agent looks away. Hana writes in their conversation; Ken writes for the first time.
    page.evaluate("__hide(true)")
    line_sandbox.say(shop, hana, "Hello?\nI would like two of them.")
    ken = line_sandbox.user("Ken", channel=shop)  # he adds the account: a row, no message yet
    expect(page.locator("#conversation-list a", has_text="Ken")).to_be_visible(timeout=LIVE)
    line_sandbox.say(shop, ken, "Do you deliver to Sukhumvit?")
    # A colleague's note names the agent with an @ (and another note names nobody).
    mali = make.user(Role.AGENT, display_name="Mali")
    for text in ("@Somchai can you call her back?\nShe prefers mornings.", "Checked stock"):
        noted = requests.post(
            f"{line_sandbox.base_url}/api/conversations/{conversation_of('Hana').id}/notes",
            json={"text": text},
            headers={"Authorization": f"Bearer {make.token(mali)}"},
            timeout=10,
        )
        assert noted.status_code == 201, noted.text
    page.wait_for_function("() => window.__notifications.length >= 3", timeout=LIVE)
    shown = notifications(page)
    assert {(item["title"], item["body"]) for item in shown} == {
        ("Hana", "Hello?"),
        ("Ken", "Do you deliver to Sukhumvit?"),
        ("Hana", "Note by Mali: @Somchai can you call her back?"),
    }
    expect(page).to_have_title("(3) Hana · Inbox · LINE Inbox")
    icon = page.locator("#favicon").get_attribute("href")
    assert icon.startswith("data:image/png;base64,")
    (SCREENSHOTS / "alerts-favicon.png").write_bytes(base64.b64decode(icon.split(",", 1)[1]))

    # Clicking Ken's notification opens his conversation; back in front, the count goes.
    page.evaluate("window.__notifications.find((item) => item.title === 'Ken').self.onclick()")
    ken_id = conversation_of("Ken").id
    expect(page).to_have_url(re.compile(rf"/conversations/{ken_id}$"))
    page.evaluate("__hide(false)")
    expect(page).to_have_title("Ken · Inbox · LINE Inbox")

    # Mali hands Hana's conversation to the agent while they look away: they hear of it.
    page.evaluate("__hide(true)")
    handed = requests.patch(
        f"{line_sandbox.base_url}/api/conversations/{conversation_of('Hana').id}",
        json={"assignee_id": None},
        headers={"Authorization": f"Bearer {make.token(mali)}"},
        timeout=10,
    )
    assert handed.status_code == 200, handed.text
    handed = requests.patch(
        f"{line_sandbox.base_url}/api/conversations/{conversation_of('Hana').id}",
        json={"assignee_id": agent.id},
        headers={"Authorization": f"Bearer {make.token(mali)}"},
        timeout=10,
    )
    assert handed.status_code == 200, handed.text
    page.wait_for_function("() => window.__notifications.length >= 4", timeout=LIVE)
    assert notifications(page)[-1]["title"] == "Hana"
    assert "Mali" in notifications(page)[-1]["body"]
    page.evaluate("__hide(false)")

    # Waiting customers turn amber and red by the channel's thresholds (5 and 15 minutes).
    hana_conversation, ken_conversation = conversation_of("Hana"), conversation_of("Ken")
    hana_conversation.waiting_since = utcnow() - timedelta(minutes=20)
    # Ken is 20 s from red: the page's clock (one tick each 30 s) turns him red by itself.
    ken_conversation.waiting_since = utcnow() - timedelta(minutes=14, seconds=40)
    db.session.commit()
    page.reload()
    hana_row = page.locator("#conversation-list a", has_text="Hana")
    ken_row = page.locator("#conversation-list a", has_text="Ken")
    expect(hana_row.locator(".waiting")).to_have_class("waiting waiting-red")
    expect(hana_row.locator(".waiting")).to_have_text("Waiting 20 min")
    expect(ken_row.locator(".waiting")).to_have_class("waiting waiting-amber")
    expect(ken_row.locator(".waiting")).to_have_text("Waiting 14 min")
    page.screenshot(path=SCREENSHOTS / "alerts-waiting.png")
    expect(ken_row.locator(".waiting")).to_have_class("waiting waiting-red", timeout=45_000)
    expect(ken_row.locator(".waiting")).to_have_text("Waiting 15 min")

    # The transcript, in History, keeps to Bangkok too.
    page.goto(f"{line_sandbox.base_url}/history/conversations/{hana_conversation.id}")
    said = page.locator("#thread .msg", has_text=question)
    expect(said.locator("time")).to_have_text(bangkok_clock(question), timeout=LIVE)
    page.screenshot(path=SCREENSHOTS / "alerts-transcript-bangkok.png")

    # The settings behind all this, on /account: this browser already allows notifications.
    page.goto(f"{line_sandbox.base_url}/account")
    expect(page.locator("#notification-state")).to_have_text(
        "This browser shows the inbox's desktop notifications."
    )
    expect(page.get_by_label("New messages in conversations assigned to me")).to_be_checked()
    page.screenshot(path=SCREENSHOTS / "alerts-account.png", full_page=True)
