"""The conversation list's views (Open, Mine, Unassigned, Pending, Resolved) in headless
Chromium: on one line, every one in sight, at a laptop's 1440 px in each language; on a
tablet they scroll sideways and keep the chosen one in sight, never wrap.

Screenshots: tests/screenshots/workspace-tabs-<locale>.png.
"""

from __future__ import annotations

from inbox.models import Role
from tests.browser import ONE_BACKEND, SCREENSHOTS, expect, sign_in

pytestmark = ONE_BACKEND


def tab_boxes(page) -> tuple[dict[str, float], list[dict[str, float]]]:
    strip = page.locator("ul.tabs").bounding_box()
    return strip, [tab.bounding_box() for tab in page.locator("ul.tabs a").all()]


def test_the_views_sit_on_one_line_in_every_language_at_1440(line_sandbox, make, page) -> None:
    line_sandbox.provision(name="ร้านขนม 東京")
    for locale in ("en", "id", "ja", "th"):
        page.context.clear_cookies()
        sign_in(page, line_sandbox.base_url, make.user(Role.AGENT, locale=locale).email)
        expect(page.locator("html")).to_have_attribute("lang", locale)
        page.evaluate("document.fonts.ready")
        strip, tabs = tab_boxes(page)
        assert len(tabs) == 5
        assert {round(tab["y"]) for tab in tabs} == {round(tabs[0]["y"])}, locale
        for tab in tabs:  # each whole, none scrolled out of sight
            assert strip["x"] <= tab["x"] and tab["x"] + tab["width"] <= strip["x"] + strip["width"]
        page.screenshot(path=SCREENSHOTS / f"workspace-tabs-{locale}.png")


def test_on_a_tablet_the_views_scroll_and_keep_the_chosen_one_in_sight(
    line_sandbox, make, page
) -> None:
    line_sandbox.provision(name="ร้านขนม 東京")
    page.set_viewport_size({"width": 1000, "height": 800})
    sign_in(page, line_sandbox.base_url, make.user(Role.AGENT, locale="id").email)
    page.goto(line_sandbox.base_url + "/?view=resolved")  # opened there: no click scrolls it
    expect(page.locator("ul.tabs a[aria-current]")).to_have_attribute("data-view", "resolved")
    strip, tabs = tab_boxes(page)
    assert {round(tab["y"]) for tab in tabs} == {round(tabs[0]["y"])}
    chosen = tabs[-1]
    assert chosen["x"] + chosen["width"] <= strip["x"] + strip["width"] + 1
