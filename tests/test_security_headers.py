"""What every response tells the browser: a strict Content-Security-Policy, no framing, no
type guessing, a referrer policy; over https also HSTS, and only `Secure` cookies. The
remember-me cookie is SameSite=Lax and lasts REMEMBER_ME_DAYS, not a year."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox.models import Role
from tests.test_api import sign_in

SESSION, REMEMBER_ME = "session", "remember_token"
HTTPS_PROXY = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_REFERER": "https://localhost/login"}


def assert_hardened(response, *, https: bool) -> None:
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"  # only our own scripts, styles and connections
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert ("Strict-Transport-Security" in response.headers) is https


def signed_in_cookies(client, make) -> dict:
    sign_in(client, make.user(Role.AGENT), remember=True)
    return {name: client.get_cookie(name) for name in (SESSION, REMEMBER_ME)}


def days_left(cookie) -> float:
    return (cookie.expires - datetime.now(UTC)) / timedelta(days=1)


@pytest.mark.parametrize("path", ["/login", "/api/conversations", "/no-such-page"])
def test_pages_the_api_and_errors_send_the_headers_over_plain_http(client, make, path) -> None:
    response = client.get(path, headers=make.auth_header())
    assert_hardened(response, https=False)


def test_over_plain_http_cookies_work_and_remember_me_is_lax_and_bounded(client, make) -> None:
    cookies = signed_in_cookies(client, make)
    for cookie in cookies.values():
        assert cookie.http_only and cookie.same_site == "Lax"
        assert not cookie.secure  # a developer's http://127.0.0.1 still signs in
    assert 13.9 < days_left(cookies[REMEMBER_ME]) <= 14
    assert_hardened(client.get("/"), https=False)


def test_remember_me_lasts_the_configured_days(app_with, make, monkeypatch) -> None:
    monkeypatch.setenv("REMEMBER_ME_DAYS", "30")
    cookies = signed_in_cookies(app_with(LINE_SANDBOX=False).test_client(), make)
    assert 29.9 < days_left(cookies[REMEMBER_ME]) <= 30


def test_behind_one_trusted_https_proxy_cookies_are_secure_and_hsts_is_on(app_with, make) -> None:
    browser = app_with(LINE_SANDBOX=False, TRUSTED_PROXIES=1).test_client()
    browser.environ_base.update(HTTPS_PROXY)
    cookies = signed_in_cookies(browser, make)
    for cookie in cookies.values():
        assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"
    page = browser.get("/")
    assert page.status_code == 200  # still signed in
    assert_hardened(page, https=True)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert_hardened(browser.get("/api/conversations", headers=make.auth_header()), https=True)


def test_a_forwarded_proto_from_an_untrusted_client_changes_nothing(client, make) -> None:
    client.environ_base.update(HTTPS_PROXY)
    cookies = signed_in_cookies(client, make)
    assert not any(cookie.secure for cookie in cookies.values())
    assert_hardened(client.get("/"), https=False)
