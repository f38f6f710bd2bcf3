"""The workspace on a phone and from the keyboard, in headless Chromium: an agent with a
390×844 screen opens a chat from the list, reads and answers it and comes back; another never
touches the mouse (skip link, list, j, Enter, type, Enter); "?" lists the shortcuts.
"""

from __future__ import annotations

import re

import pytest

from inbox.models import Role
from tests.browser import LIVE, ONE_BACKEND, SCREENSHOTS, expect, sign_in

pytestmark = ONE_BACKEND

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
ONE_LINE = 48  # px: a control taller than this has wrapped its words


def test_an_agent_answers_from_a_phone(line_sandbox, make, worker, page) -> None:
    shop = line_sandbox.provision(name="ร้านขนม")
    hana = line_sandbox.user("ฮานะ", channel=shop)
    line_sandbox.user("Somsak", channel=shop)
    line_sandbox.say(shop, hana, "ขนมชิ้นนี้ราคาเท่าไหร่คะ")
    line_sandbox.wait_idle()
    agent = make.user(Role.AGENT, display_name="Somchai")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.set_viewport_size(PHONE)

    sign_in(page, line_sandbox.base_url, agent.email)
    row = page.locator("#conversation-list [role=option]", has_text="ฮานะ")
    expect(row).to_be_visible(timeout=LIVE)
    expect(page.locator(".ws-thread")).to_be_hidden()  # the list is the whole screen
    expect(page.get_by_text(re.compile("on the left"))).to_have_count(0)
    page.screenshot(path=SCREENSHOTS / "phone-list-en.png")

    row.click()
    expect(page).to_have_url(re.compile(r"/conversations/\d+$"))
    expect(page.locator(".ws-list")).to_be_hidden()
    thread = page.locator("#thread")
    expect(thread).to_contain_text("ขนมชิ้นนี้ราคาเท่าไหร่คะ")
    scroller = page.locator("#thread-scroller").bounding_box()
    assert scroller and scroller["height"] >= 0.6 * PHONE["height"], scroller
    for control in ["#send", "label.attach", "#send-mode", "#status-select", "#assign-me"]:
        box = page.locator(control).bounding_box()
        assert box and box["height"] <= ONE_LINE and box["width"] >= 32, (control, box)
    composer = page.get_by_label("Reply to the customer on LINE")
    one_line = composer.bounding_box()
    assert one_line and one_line["height"] <= ONE_LINE, one_line

    # The reply box grows with its text; Enter sends it, by the free reply.
    expect(page.locator("#composer-hint")).to_contain_text("Free reply", timeout=LIVE)
    composer.fill("ราคา 120 บาทค่ะ\nส่งพรุ่งนี้\nขอบคุณค่ะ")
    grown = composer.bounding_box()
    assert grown and grown["height"] > one_line["height"] + 20, grown
    page.get_by_role("button", name="Send").click()
    sent = thread.locator(".msg-outgoing", has_text="ราคา 120 บาทค่ะ")
    expect(sent.locator(".delivery-state")).to_have_text("Sent", timeout=LIVE)
    assert [m["text"] for m in line_sandbox.received(shop, hana)] == [
        "ราคา 120 บาทค่ะ\nส่งพรุ่งนี้\nขอบคุณค่ะ"
    ]
    assert composer.bounding_box()["height"] == pytest.approx(one_line["height"], abs=2)
    page.screenshot(path=SCREENSHOTS / "phone-thread-en.png")

    # The profile is a drawer: it opens over the thread, and Escape gives focus back.
    page.emulate_media(reduced_motion="reduce")  # no slide: the screenshot shows it in place
    toggle = page.get_by_role("button", name="Profile", exact=True)
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#profile-body")).to_be_visible()
    expect(page.locator("#profile-body")).to_contain_text("ฮานะ")
    page.screenshot(path=SCREENSHOTS / "phone-profile-en.png")
    page.keyboard.press("Escape")
    expect(page.locator("#profile-body")).to_be_hidden()
    expect(toggle).to_be_focused()

    # Back to the list with the back control, on the row just read; the browser's Forward
    # and Back go between the two screens too.
    page.get_by_role("button", name="Back to the conversations").click()
    expect(page).to_have_url(line_sandbox.base_url + "/")
    expect(row).to_be_visible()
    expect(row).to_be_focused()
    expect(row).to_have_attribute("aria-selected", "false")
    page.go_forward()
    expect(thread).to_contain_text("ราคา 120 บาทค่ะ")
    expect(page.locator(".ws-list")).to_be_hidden()
    page.go_back()
    expect(row).to_be_visible()
    expect(page.locator(".ws-thread")).to_be_hidden()


@pytest.mark.parametrize("locale", ["en", "th"])
def test_the_workspace_at_phone_and_desktop_widths(
    line_sandbox, make, worker, page, locale: str
) -> None:
    """Screenshots for people to look at, in a short language and a long one."""
    shop = line_sandbox.provision(name="ร้านขนม 東京")
    hana = line_sandbox.user("ฮานะ 花子", channel=shop, status_message="ชอบขนมไทย")
    line_sandbox.say(shop, hana, "สวัสดีค่ะ ขนมชิ้นนี้ราคาเท่าไหร่คะ 今日届きますか")
    line_sandbox.wait_idle()
    agent = make.user(Role.AGENT, display_name="สมชาย ใจดี", locale=locale)
    SCREENSHOTS.mkdir(exist_ok=True)

    sign_in(page, line_sandbox.base_url, agent.email)
    row = page.locator("#conversation-list [role=option]", has_text="ฮานะ 花子")
    expect(row).to_be_visible(timeout=LIVE)
    page.screenshot(path=SCREENSHOTS / f"desktop-empty-{locale}.png")
    row.click()
    expect(page.locator("#thread")).to_contain_text("ขนมชิ้นนี้", timeout=LIVE)
    expect(page.locator("#profile-body")).to_contain_text("ชอบขนมไทย")
    expect(page.locator("#composer-hint")).not_to_be_empty(timeout=LIVE)
    page.screenshot(path=SCREENSHOTS / f"desktop-thread-{locale}.png")
    for control in ["#send", "label.attach", "#send-mode"]:
        box = page.locator(control).bounding_box()
        assert box and box["height"] <= ONE_LINE, (control, box)

    # A small laptop or a tablet: list and thread, the profile a drawer over the thread.
    page.set_viewport_size({"width": 1024, "height": 768})
    expect(page.locator("#profile-body")).to_be_hidden()
    page.locator("#profile-toggle").click()
    expect(page.locator("#profile-body")).to_contain_text("ชอบขนมไทย")
    page.wait_for_timeout(300)  # the drawer's slide
    page.screenshot(path=SCREENSHOTS / f"tablet-profile-{locale}.png")
    page.keyboard.press("Escape")
    expect(page.locator("#profile-body")).to_be_hidden()

    page.set_viewport_size(PHONE)
    expect(page.locator(".ws-list")).to_be_hidden()
    for control in ["#send", "label.attach", "#send-mode", "#status-select", "#assign-me"]:
        box = page.locator(control).bounding_box()
        assert box and box["height"] <= ONE_LINE, (control, box)
    page.screenshot(path=SCREENSHOTS / f"phone-thread-{locale}.png")
    page.locator("#thread-back").click()
    expect(row).to_be_visible()
    page.screenshot(path=SCREENSHOTS / f"phone-list-{locale}.png")


def test_an_agent_answers_without_the_mouse(line_sandbox, make, worker, page) -> None:
    shop = line_sandbox.provision(name="Keyboard shop")
    first = line_sandbox.user("Arun", channel=shop)
    second = line_sandbox.user("Busaba", channel=shop)
    line_sandbox.say(shop, first, "hello from Arun")
    line_sandbox.wait_idle()
    line_sandbox.say(shop, second, "hello from Busaba")  # the newest: the list's first row
    line_sandbox.wait_idle()
    agent = make.user(Role.AGENT, display_name="Somchai")
    page.set_viewport_size(DESKTOP)

    sign_in(page, line_sandbox.base_url, agent.email)
    listbox = page.get_by_role("listbox", name="Conversations")
    options = page.locator("#conversation-list [role=option]")
    busaba, arun = options.filter(has_text="Busaba"), options.filter(has_text="Arun")
    expect(options).to_have_count(2, timeout=LIVE)
    expect(options.first).to_contain_text("Busaba", timeout=LIVE)
    expect(options.nth(1)).to_contain_text("Arun", timeout=LIVE)

    # The skip link lands on the list's first row, the only one Tab stops at.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(busaba).to_be_focused()
    assert [busaba.get_attribute("tabindex"), arun.get_attribute("tabindex")] == ["0", "-1"]
    page.keyboard.press("j")
    expect(arun).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(busaba).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(arun).to_be_focused()

    # Enter opens the conversation and puts the agent in the reply box.
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/conversations/\d+$"))
    composer = page.get_by_label("Reply to the customer on LINE")
    expect(composer).to_be_focused()
    expect(arun).to_have_attribute("aria-selected", "true")
    expect(busaba).to_have_attribute("aria-selected", "false")
    thread = page.locator("#thread")
    expect(thread).to_contain_text("hello from Arun")
    expect(page.locator("#composer-hint")).to_contain_text("Free reply", timeout=LIVE)
    page.keyboard.type("typed, not clicked: j k e a")  # letters in the box are text
    page.keyboard.press("Enter")
    sent = thread.locator(".msg-outgoing", has_text="typed, not clicked: j k e a")
    expect(sent.locator(".delivery-state")).to_have_text("Sent", timeout=LIVE)
    assert [m["text"] for m in line_sandbox.received(shop, first)] == [
        "typed, not clicked: j k e a"
    ]
    expect(page.locator("#status-select")).to_have_value("open")

    # Escape leaves the box, back on the open conversation's row; then a assigns, e resolves.
    page.keyboard.press("Escape")
    expect(arun).to_be_focused()
    page.keyboard.press("a")
    expect(page.locator("#assignee-select")).to_have_value(str(agent.id))
    expect(page.locator("#announcer")).to_have_text("Assigned to you")
    page.keyboard.press("e")
    expect(page.locator("#status-select")).to_have_value("resolved")
    expect(page.locator("#announcer")).to_have_text("Conversation resolved")
    expect(listbox).not_to_contain_text("Arun")  # the Open tab no longer lists it

    # / goes to the search box, r back to the reply box.
    page.keyboard.press("Escape")
    page.keyboard.press("/")
    expect(page.locator("#search")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(composer).to_be_focused()


def test_question_mark_lists_the_shortcuts(line_sandbox, make, page) -> None:
    agent = make.user(Role.AGENT)
    page.set_viewport_size(DESKTOP)
    sign_in(page, line_sandbox.base_url, agent.email)
    # A page controlled by the service worker an earlier test installed misses keys now and
    # then (not understood yet; see the session note): this test starts without it.
    page.evaluate(
        "navigator.serviceWorker.getRegistrations()"
        ".then((all) => Promise.all(all.map((one) => one.unregister())))"
    )
    page.reload()
    # Shown once the page's keys work: pressing them before that would go nowhere.
    expect(page.locator("#shortcuts-hint")).to_have_text("Press ? for keyboard shortcuts.")
    search = page.locator("#search")
    search.focus()
    page.keyboard.press("?")  # typed into the search box, not a shortcut
    expect(search).to_have_value("?")
    search.fill("")
    # Out of the box (Escape leaving a field is the keyboard walk's to show).
    page.evaluate("document.activeElement.blur()")
    expect(search).not_to_be_focused()

    opener = page.evaluate("document.activeElement.id")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    expect(dialog).to_contain_text("Next conversation in the list")
    expect(dialog).to_contain_text("Mark the conversation resolved")
    close = dialog.get_by_role("button", name="Close")
    expect(close).to_be_focused()
    for _ in range(3):  # Tab stays inside the dialog
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('#shortcuts-dialog')")
    page.screenshot(path=SCREENSHOTS / "shortcuts-dialog.png")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == opener

    # The button beside the search opens it too, and focus returns to the button.
    button = page.get_by_role("button", name="Keyboard shortcuts")
    button.click()
    expect(dialog).to_be_visible()
    close.click()
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()


def test_a_supervisor_reads_with_the_keyboard_and_changes_nothing(
    line_sandbox, make, worker, page
) -> None:
    shop = line_sandbox.provision(name="Read-only shop")
    line_sandbox.say(shop, line_sandbox.user("Chai", channel=shop), "hello")
    line_sandbox.wait_idle()
    supervisor = make.user(Role.SUPERVISOR)
    page.set_viewport_size(DESKTOP)

    sign_in(page, line_sandbox.base_url, supervisor.email)
    row = page.locator("#conversation-list [role=option]", has_text="Chai")
    expect(row).to_be_visible(timeout=LIVE)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(row).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#thread")).to_contain_text("hello")
    expect(page.locator("#thread-title")).to_be_focused()  # no reply box to type in
    page.keyboard.press("e")
    page.keyboard.press("a")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).not_to_contain_text("Mark the conversation resolved")
    page.keyboard.press("Escape")
    expect(page.locator("#status-select")).to_have_value("open")
    expect(page.locator("#assignee-select")).to_have_value("")
