"""The sandbox phone in headless Chromium: the account's "typing…" (LINE's loading animation)
shows while an agent writes, and goes as soon as the answer arrives, not when its seconds run
out.

Screenshots: tests/screenshots/sandbox-phone-typing.png, sandbox-phone-answered.png,
sandbox-phone-emoji.png.
"""

from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from inbox.models import Role
from tests.browser import ONE_BACKEND, SCREENSHOTS, expect, sign_in
from tests.sandbox_helpers import call, push, text

pytestmark = ONE_BACKEND


def start_typing(line_sandbox, shop, chat_id: str, page) -> None:
    """LINE's loading animation for 60 s, asked until the page shows it (the page's socket may
    still be connecting when the first one is sent)."""
    indicator = page.locator("#typing")
    for _ in range(20):
        body = {"chatId": chat_id, "loadingSeconds": 60}
        answer = call(line_sandbox, "POST", "/v2/bot/chat/loading/start", shop, json=body)
        assert answer.status_code == 202, answer.text
        try:
            indicator.wait_for(state="visible", timeout=500)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("the phone never showed the account typing")


def test_the_typing_indicator_goes_when_the_answer_arrives(line_sandbox, make, page) -> None:
    shop = line_sandbox.provision(name="Phone shop")
    mali = line_sandbox.user("มะลิ", channel=shop)
    line_sandbox.say(shop, mali, "มีเค้กช็อกโกแลตไหมคะ")
    line_sandbox.wait_idle()
    sign_in(page, line_sandbox.base_url, make.user(Role.AGENT).email)
    page.get_by_role("link", name="Phone", exact=True).click()  # the top bar's link
    expect(page.locator("#messages")).to_contain_text("มีเค้กช็อกโกแลตไหมคะ")

    start_typing(line_sandbox, shop, mali, page)
    expect(page.locator("#typing")).to_have_text("The account is typing…")
    page.screenshot(path=SCREENSHOTS / "sandbox-phone-typing.png")

    assert push(line_sandbox, shop, mali, text("มีค่ะ ชิ้นละ 85 บาท")).status_code == 200
    expect(page.locator("#messages")).to_contain_text("มีค่ะ ชิ้นละ 85 บาท")
    expect(page.locator("#typing")).to_be_hidden()  # long before its 60 seconds
    page.screenshot(path=SCREENSHOTS / "sandbox-phone-answered.png")


def test_a_text_with_line_emoji_and_a_sticker_from_the_phone(line_sandbox, make, page) -> None:
    shop = line_sandbox.provision(name="Emoji shop")
    nid = line_sandbox.user("Nid", channel=shop)
    line_sandbox.say(shop, nid, "hello")
    sign_in(page, line_sandbox.base_url, make.user(Role.AGENT).email)
    page.get_by_role("link", name="Phone", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("hello")

    page.locator("#text").fill("thank you ")
    page.get_by_role("button", name="LINE emoji", exact=True).click()
    page.get_by_role("button", name="LINE emoji (love)").click()
    expect(page.locator("#text")).to_have_value("thank you (love)")
    page.locator("#text").press("Enter")
    expect(page.get_by_role("img", name="(love)")).to_have_text("🥰")
    page.get_by_role("button", name="Stickers", exact=True).click()
    page.get_by_role("button", name="Sticker 1997").click()
    expect(page.locator("#messages .sticker").last).to_have_text("🎉")
    page.screenshot(path=SCREENSHOTS / "sandbox-phone-emoji.png")

    sent = [e["message"] for e in line_sandbox.events(shop, "message")]
    assert sent[-2]["text"] == "thank you (love)"
    assert sent[-2]["emojis"] == [
        {"index": 10, "length": 6, "productId": "5ac1bfd5040ab15980c9b435", "emojiId": "001"}
    ]
    assert (sent[-1]["type"], sent[-1]["stickerId"]) == ("sticker", "1997")
