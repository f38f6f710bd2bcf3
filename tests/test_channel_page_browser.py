"""A channel's page in headless Chromium at a laptop's 1440 px, in each language: the top bar's
areas stay on one line, the four status cards sit side by side inside the page's panel, and the
form shows only the credentials of the chosen token mode.

Screenshots: tests/screenshots/channel-page-<locale>.png.
"""

from __future__ import annotations

from inbox.models import Role
from tests.browser import ONE_BACKEND, SCREENSHOTS, expect, sign_in

pytestmark = ONE_BACKEND

LOCALES = ("en", "id", "ja", "th")


def boxes(page, selector: str) -> list[dict[str, float]]:
    return [element.bounding_box() for element in page.locator(selector).all()]


def inside(box: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        box["x"] >= outer["x"]
        and box["y"] >= outer["y"]
        and box["x"] + box["width"] <= outer["x"] + outer["width"]
        and box["y"] + box["height"] <= outer["y"] + outer["height"]
    )


def test_the_channel_page_keeps_its_tabs_and_cards_in_line_in_every_language(
    line_sandbox, make, page
) -> None:
    shop = line_sandbox.provision(name="ร้านขนม 東京")
    channel = line_sandbox.inbox_channel(shop)
    for locale in LOCALES:
        page.context.clear_cookies()
        sign_in(page, line_sandbox.base_url, make.user(Role.ADMIN, locale=locale).email)
        page.goto(f"{line_sandbox.base_url}/admin/channels/{channel.id}")
        expect(page.locator("html")).to_have_attribute("lang", locale)
        expect(page.locator("#bot-name")).to_have_text("ร้านขนม 東京")

        areas = boxes(page, "nav.areas a")
        assert len(areas) == 8  # Inbox, Saved replies … Users, and Phone with the sandbox on
        assert {round(box["y"]) for box in areas} == {round(areas[0]["y"])}, locale
        assert {round(box["height"]) for box in areas} == {round(areas[0]["height"])}, locale
        assert areas[0]["height"] < 40, locale  # one line of text each

        panel = page.locator("main > .panel").bounding_box()
        cards = boxes(page, ".status-card:not(.wide)")
        assert len(cards) == 4
        assert {round(card["y"]) for card in cards} == {round(cards[0]["y"])}, locale
        for card in [*cards, page.locator(".status-card.wide").bounding_box()]:
            assert inside(card, panel), locale
        assert page.evaluate("document.documentElement.scrollWidth") <= 1440, locale
        page.screenshot(path=SCREENSHOTS / f"channel-page-{locale}.png", full_page=True)


def test_the_form_shows_only_the_chosen_token_modes_credentials(
    line_sandbox, make, page, page_problems
) -> None:
    shop = line_sandbox.provision(name="Noodle shop")
    channel = line_sandbox.inbox_channel(shop)
    sign_in(page, line_sandbox.base_url, make.user(Role.ADMIN).email)
    page.goto(f"{line_sandbox.base_url}/admin/channels/{channel.id}")

    pasted_token = page.get_by_label("Long-lived channel access token")
    key_file = page.get_by_label("Assertion signing key: private key file (JWK)")
    key_text = page.get_by_label("…or paste the private key (JWK JSON)")
    kid = page.get_by_label("Key ID (kid)")
    nothing_to_enter = page.get_by_text("Nothing more to enter")
    expect(pasted_token).to_be_visible()
    for field in (key_file, key_text, kid, nothing_to_enter):
        expect(field).to_be_hidden()

    page.get_by_label("Automatic: v2.1 tokens issued with an assertion signing key").check()
    for field in (key_file, key_text, kid):
        expect(field).to_be_visible()
    expect(pasted_token).to_be_hidden()
    page.screenshot(path=SCREENSHOTS / "channel-form-v21-mode.png", full_page=True)

    page.get_by_label("Automatic: 30-day tokens issued with the channel ID and secret").check()
    expect(nothing_to_enter).to_be_visible()
    for field in (pasted_token, key_file, key_text, kid):
        expect(field).to_be_hidden()

    # The server still checks the chosen mode: v2.1 without a key is refused, and says why.
    page.get_by_label("Automatic: v2.1 tokens issued with an assertion signing key").check()
    page.get_by_role("button", name="Save channel").click()
    expect(page.locator(".flash-error")).to_contain_text("need the assertion signing key")
    expect(key_text).to_be_visible()  # the refused form comes back in the mode that was chosen
    refused = "console: Failed to load resource: the server responded with a status of 400"
    page_problems[:] = [problem for problem in page_problems if not problem.startswith(refused)]
