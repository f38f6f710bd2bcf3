"""Every real-world conversation (tests/real_world.py) opened in headless Chromium: the thread
shows its messages, the profile panel says what is known, and the page raises no error. Then
one part of the page is fed data it cannot draw: that part says so, and the rest still works.

Screenshots: tests/screenshots/real-world-<case>.png.
"""

from __future__ import annotations

import json
import re

from inbox.models import Role
from tests.browser import ONE_BACKEND, SCREENSHOTS, expect, sign_in
from tests.real_world import build_real_world
from tests.sandbox_flows import AVATAR, pooled_line_sessions

pytestmark = ONE_BACKEND

COULD_NOT_DISPLAY = "Could not display this."


def open_conversation(page, conversation_id: int) -> None:
    page.locator(f'#conversation-list a[data-conversation="{conversation_id}"]').click()
    expect(page).to_have_url(re.compile(rf"/conversations/{conversation_id}$"))


def test_every_real_world_conversation_opens_in_full(line_sandbox, make, page) -> None:
    with pooled_line_sessions():
        cases = build_real_world(line_sandbox)
    agent = make.user(Role.AGENT, display_name="Somchai")
    SCREENSHOTS.mkdir(exist_ok=True)
    sign_in(page, line_sandbox.base_url, agent.email)
    thread, profile = page.locator("#thread"), page.locator("#profile-body")

    for case in cases.values():
        open_conversation(page, case.conversation.id)
        for text in case.thread:
            expect(thread, case.key).to_contain_text(text)
        for text in case.profile:
            expect(profile, case.key).to_contain_text(text)
        expect(page.locator(".render-failed"), case.key).to_have_count(0)
        page.screenshot(path=SCREENSHOTS / f"real-world-{case.key}.png")


def test_a_part_that_cannot_be_drawn_does_not_blank_the_rest(
    line_sandbox, make, page, page_problems
) -> None:
    with pooled_line_sessions():
        case = build_real_world(line_sandbox)["friend_before_inbox"]
    conversation_id = case.conversation.id

    def broken_detail(route) -> None:
        detail = route.fetch().json()
        detail["contact"]["display_name"] = 12345  # not a string: the profile cannot draw it
        detail["contact"]["picture_url"] = None
        route.fulfill(json=detail)

    def broken_messages(route) -> None:
        page_json = route.fetch().json()
        odd = dict(page_json["messages"][0], id=10**9, type="text", text="@all hello")
        odd["payload"] = {"mention": {"mentionees": 7}}  # not a list: the message cannot draw
        page_json["messages"].insert(0, odd)
        route.fulfill(body=json.dumps(page_json), content_type="application/json")

    page.route(re.compile(rf"/api/conversations/{conversation_id}$"), broken_detail)
    page.route(re.compile(rf"/api/conversations/{conversation_id}/messages\?"), broken_messages)
    sign_in(page, line_sandbox.base_url, make.user(Role.AGENT).email)
    open_conversation(page, conversation_id)

    thread = page.locator("#thread")
    expect(thread).to_contain_text("前から友だちです。注文の件で連絡しました")
    expect(thread.locator(".render-failed")).to_have_text(COULD_NOT_DISPLAY)
    expect(page.locator("#profile-body .render-failed")).to_have_text(COULD_NOT_DISPLAY)
    expect(page.locator("#profile-body")).to_contain_text("Real shop 本物")  # the channel line
    expect(page.get_by_label("Reply to the customer on LINE")).to_be_enabled()
    page.screenshot(path=SCREENSHOTS / "real-world-part-failed.png")

    logged = [re.search(r"could not display (\w+)", problem) for problem in page_problems]
    assert {found.group(1) for found in logged if found} == {"profile", "message"}
    page_problems[:] = [
        problem for problem, found in zip(page_problems, logged, strict=True) if not found
    ]


def test_a_newcomer_makes_these_states_on_the_sandbox_phone(line_sandbox, make, page) -> None:
    shop = line_sandbox.provision(name="Phone shop")
    sign_in(page, line_sandbox.base_url, make.user(Role.AGENT).email)
    page.goto(line_sandbox.base_url + "/sandbox")
    page.get_by_text("New LINE user").click()
    page.get_by_label("Display name").fill("Kenji 健二")
    page.get_by_label("Already a friend before the inbox was connected").check()
    page.get_by_role("button", name="Create user").click()
    hide = page.get_by_role("button", name="Make Get Profile answer 404")
    expect(hide).to_be_visible()
    line_sandbox.sandbox.worker.wait_idle(10)
    assert line_sandbox.events(shop) == []  # a friend already: no follow event

    hide.click()
    expect(page.get_by_role("button", name="Let Get Profile answer again")).to_be_visible()
    page.set_input_files(
        "#file", files=[{"name": "receipt.png", "mimeType": "image/png", "buffer": AVATAR}]
    )
    page.get_by_role("button", name="Expire at LINE now").click()
    expect(page.locator("#messages")).to_contain_text("Deleted at LINE")
    page.screenshot(path=SCREENSHOTS / "real-world-sandbox-phone.png")
    assert shop
