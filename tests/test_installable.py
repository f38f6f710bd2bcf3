"""The inbox as an installable app: the manifest, the service worker and the offline page are
served to anyone (they hold no one's data), and the worker keeps only the app shell."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from inbox.models import Role
from tests.test_api import sign_in

STATIC = Path(__file__).parent.parent / "static"
WORKER = STATIC / "js" / "service-worker.js"


def test_the_manifest_names_the_app_and_its_icons(client) -> None:
    answer = client.get("/manifest.webmanifest", headers={"Accept-Language": "th"})
    assert answer.status_code == 200
    assert answer.mimetype == "application/manifest+json"
    manifest = json.loads(answer.data)
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert manifest["name"]
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon["purpose"] == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        served = client.get(icon["src"])
        assert served.status_code == 200 and served.mimetype == "image/png", icon


def test_every_page_links_the_manifest(client, make) -> None:
    for path in ["/login", "/"]:
        if path == "/":
            sign_in(client, make.user(Role.AGENT))
        html = client.get(path).get_data(as_text=True)
        assert '<link rel="manifest" href="/manifest.webmanifest">' in html
        assert '<meta name="theme-color"' in html
        assert 'src="/static/js/pwa.js"' in html  # registers the worker; CSP allows no inline


def test_the_service_worker_is_served_from_the_root_as_javascript(client) -> None:
    answer = client.get("/service-worker.js")
    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    assert answer.headers["Cache-Control"] == "no-cache"
    assert answer.data == WORKER.read_bytes()


def test_the_service_worker_keeps_the_shell_and_nothing_else() -> None:
    source = WORKER.read_text()
    shell = json.loads(
        "["
        + re.search(r"const SHELL = \[(.*?)\];", source, re.S)
        .group(1)
        .replace("OFFLINE_PAGE", '"/offline"')
        .rstrip()
        .rstrip(",")
        + "]"
    )
    for path in shell:
        if path.startswith("/static/"):
            assert (STATIC / path.removeprefix("/static/")).is_file(), path
    assert {path for path in shell if not path.startswith("/static/")} == {"/offline"}
    # Only /static responses are ever put in the cache; pages are only read back from it.
    assert source.count("cache.put(") == 1
    assert 'url.pathname.startsWith("/static/")) event.respondWith(shellFile' in source
    assert source.count("event.respondWith(") == 2  # the shell, and pages' offline fallback


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_offline_page_holds_no_ones_data(client, make, signed_in: bool) -> None:
    user = make.user(Role.AGENT, display_name="ソムチャイ", email="somchai@example.com")
    if signed_in:
        sign_in(client, user)
    answer = client.get("/offline")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "No connection" in html
    assert "ソムチャイ" not in html and "somchai@example.com" not in html
    assert "csrf" not in html.lower()
