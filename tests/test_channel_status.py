"""A channel's status and health, against the sandbox over real HTTP: the buttons change what
the platform holds, the page shows what LINE says, and the health counts come from real
webhook requests, seeded events and the call log."""

from __future__ import annotations

import html
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from inbox.channels import flush_call_log, line_client
from inbox.channels.health import channel_health, channels_in_trouble
from inbox.extensions import db
from inbox.line.errors import LineServerError, LineUnauthorized
from inbox.line.ratelimit import LocalRateLimiter
from inbox.models import AuditEntry, EventState, Role, WebhookEvent, utcnow
from inbox.sandbox.models import PlatformChannel
from tests.sandbox_fixture import free_port
from tests.sandbox_flows import pooled_line_sessions
from tests.test_api import sign_in


@pytest.fixture
def shop(line_sandbox):
    with pooled_line_sessions():
        yield line_sandbox.provision(name="Noodle shop", quota=50)


@pytest.fixture
def channel(line_sandbox, shop):
    return line_sandbox.inbox_channel(shop)


@pytest.fixture
def admin(client, make):
    """The test client signed in as an admin (a session, so flashes survive the redirect)."""
    return sign_in(client, make.user(Role.ADMIN))


def press(client, csrf: str, channel, button: str) -> str:
    """POST a status-page button, follow the redirect, return the page's text."""
    path = f"/admin/channels/{channel.id}/{button}"
    response = client.post(path, data={"csrf_token": csrf}, follow_redirects=True)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def platform_endpoint(line_sandbox, shop) -> str | None:
    with line_sandbox.sandbox.session() as session:
        return session.get(PlatformChannel, shop.pk).webhook_endpoint


def audit_actions() -> list[str]:
    """What was done to channels (signing in is audited too, and not what these tests check)."""
    statement = sa.select(AuditEntry.action).where(AuditEntry.action.startswith("channel."))
    return list(db.session.scalars(statement.order_by(AuditEntry.id)))


def test_page_shows_account_info_quota_and_the_webhook_url(
    line_sandbox, shop, channel, client, admin
):
    page = client.get(f"/admin/channels/{channel.id}/status")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "LINE Official Account" in text and "Bot" not in text
    assert "Noodle shop" in text and shop.basic_id in text
    assert any(
        mode in text
        for mode in (
            "On (people can chat with agents)",
            "Off (Messaging API only)",
        )
    )
    expected = f"{line_sandbox.base_url}/webhooks/line/{shop.channel_id}"
    assert f'value="{expected}"' in text and "data-copy=" in text
    assert "0 of 50 sent; 50 left." in text
    picture = re.search(r'<img src="([^"]+)"', text)
    assert picture and picture.group(1).startswith(line_sandbox.base_url)
    assert shop.access_token not in text and f"…{shop.access_token[-4:]}" in text


def test_set_webhook_button_points_line_at_this_server(line_sandbox, shop, channel, client, admin):
    line_sandbox.set_webhook(shop, "https://elsewhere.example/hook")
    before = html.unescape(
        client.get(f"/admin/channels/{channel.id}/status").get_data(as_text=True)
    )
    assert "LINE sends this channel's webhooks somewhere else" in before

    text = press(client, admin, channel, "webhook")

    expected = f"{line_sandbox.base_url}/webhooks/line/{shop.channel_id}"
    assert platform_endpoint(line_sandbox, shop) == expected
    assert f"LINE will now send this channel's webhooks to {expected}." in text
    assert "somewhere else" not in text
    assert audit_actions() == ["channel.webhook_set"]


def test_webhook_test_reports_success(line_sandbox, shop, channel, client, admin):
    text = press(client, admin, channel, "webhook/test")
    assert "Webhook test succeeded: LINE got status 200" in text
    assert audit_actions() == ["channel.webhook_tested"]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "channel.webhook_tested")
    ).one()
    assert entry.details["success"] is True and entry.details["statusCode"] == 200


@pytest.mark.parametrize("where", ["unreachable", "wrong_path"])
def test_webhook_test_reports_failure(line_sandbox, shop, channel, client, admin, where):
    url = {
        "unreachable": f"http://127.0.0.1:{free_port()}/webhooks/line/{shop.channel_id}",
        "wrong_path": f"{line_sandbox.base_url}/webhooks/line/0000000000",
    }[where]
    line_sandbox.set_webhook(shop, url)
    text = press(client, admin, channel, "webhook/test")
    status = {"unreachable": "0", "wrong_path": "404"}[where]
    assert f"Webhook test failed: status {status}" in text


def test_verify_names_the_scopes_in_words_never_the_token(
    line_sandbox, shop, channel, client, admin
):
    text = press(client, admin, channel, "verify")
    hint = f"…{shop.access_token[-4:]}"
    assert f"The access token {hint} is valid and gives access to user profiles and messaging;" in (
        text
    )
    assert "P CM" not in text and shop.access_token not in text
    assert audit_actions() == ["channel.token_verified"]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "channel.token_verified")
    ).one()
    assert entry.details["scope"] == "P CM"  # the audit log keeps LINE's own codes


@pytest.mark.parametrize(
    ("scope", "shown"),
    [
        ("P CM", "user profiles and messaging"),
        ("CM", "messaging"),
        ("P CM <b>NEW</b>", "user profiles, messaging, and &lt;b&gt;NEW&lt;/b&gt;"),
    ],
)
def test_verify_shows_unknown_scope_codes_as_line_wrote_them_escaped(
    line_sandbox, channel, client, admin, monkeypatch, scope, shown
):
    from inbox.admin import channel_status
    from inbox.admin.status import TokenCheck

    check = TokenCheck(scope, 10**9, utcnow(), True, channel.line_channel_id)
    monkeypatch.setattr(channel_status, "verify_token", lambda _channel: check)
    answer = client.post(
        f"/admin/channels/{channel.id}/verify", data={"csrf_token": admin}, follow_redirects=True
    )
    page = answer.get_data(as_text=True)
    assert f"is valid and gives access to {shown}; it does not expire." in page
    assert "<b>NEW</b>" not in page


def test_verify_shows_lines_refusal_with_request_id(line_sandbox, shop, channel, client, admin):
    channel.access_token = "revoked-token-that-line-does-not-know"
    db.session.commit()
    text = press(client, admin, channel, "verify")
    assert "LINE did not accept the access token …know." in text
    assert "LINE said: invalid access token" in text
    assert re.search(r"Request ID: [0-9a-f-]{8,}", text)
    assert "revoked-token-that-line-does-not-know" not in text


def test_health_counts_events_redeliveries_failures_and_bad_signatures(
    line_sandbox, shop, channel, client, make
):
    now = utcnow()
    for number, (redelivered, state, age) in enumerate(
        [
            (False, EventState.PROCESSED, timedelta(minutes=5)),
            (True, EventState.PROCESSED, timedelta(hours=2)),
            (False, EventState.FAILED, timedelta(hours=3)),
            (False, EventState.PROCESSED, timedelta(hours=30)),  # outside the window
        ]
    ):
        db.session.add(
            WebhookEvent(
                channel_id=channel.id,
                webhook_event_id=f"01HEALTH{number:018d}",
                event_type="message",
                is_redelivery=redelivered,
                event_at=now - age,
                received_at=now - age,
                payload={"type": "message"},
                state=state,
                error="KeyError: 'message'" if state is EventState.FAILED else None,
            )
        )
    db.session.commit()
    url = f"{line_sandbox.base_url}/webhooks/line/{shop.channel_id}"
    with ThreadPoolExecutor(4) as pool:  # concurrent refusals must each be counted
        answers = list(
            pool.map(
                lambda n: (
                    requests.post(
                        url,
                        data=b'{"events":[]}',
                        headers={"X-Line-Signature": f"forged{n}"},
                        timeout=10,
                    ).status_code
                ),
                range(6),
            )
        )
    assert answers == [401] * 6

    answer = client.get(
        f"/api/admin/channels/{channel.id}/health", headers=make.auth_header(Role.ADMIN)
    )
    health = answer.get_json()
    assert (
        health["webhooks_received"],
        health["redeliveries"],
        health["processing_failures"],
        health["signature_failures"],
    ) == (3, 1, 1, 6)
    assert health["failed_events"][0]["error"] == "KeyError: 'message'"
    assert health["trouble"] is True
    codes = {reason["code"] for reason in health["reasons"]}
    assert codes == {"signature", "processing"}
    assert shop.access_token not in answer.get_data(as_text=True)
    assert shop.secret not in answer.get_data(as_text=True)


def test_call_log_errors_show_lines_words_and_request_ids(
    line_sandbox, shop, channel, client, admin
):
    line_sandbox.inject_fault("bot_info", status=500, times=10)
    app = line_sandbox.app
    app.config["LINE_RETRY_ATTEMPTS"] = 1
    for _ in range(5):
        with pytest.raises(LineServerError):
            line_client(channel).bot_info()

    flush_call_log()
    health = channel_health(channel)
    assert (health.calls_by_status, health.checks_by_status) == ({}, {"500": 5})
    assert len(health.last_errors) == 5
    assert all(error.request_id and error.endpoint == "getBotInfo" for error in health.last_errors)
    assert [reason.code for reason in health.reasons] == ["line_errors"]

    page = client.get(f"/admin/channels/{channel.id}/status").get_data(as_text=True)
    assert health.last_errors[0].request_id in page
    assert "LINE had a problem on its side" in page


def test_a_rejected_token_flags_the_channel_for_agents(line_sandbox, shop, channel, client, make):
    channel.access_token = "a-token-line-rejects-0000"
    db.session.commit()
    with pytest.raises(LineUnauthorized):
        line_client(channel).bot_info()
    flush_call_log()
    assert [found.id for found, _ in channels_in_trouble()] == [channel.id]

    sign_in(client, make.user(Role.AGENT))
    page = html.unescape(client.get("/").get_data(as_text=True))
    assert "Channel Noodle shop has a problem: LINE rejected the channel access token." in page
    assert "An admin has been told." in page
    assert "a-token-line-rejects-0000" not in page and shop.secret not in page
    assert "/admin/channels/" not in page  # agents get no link to the admin page
    as_admin = make.auth_header(Role.ADMIN)
    listing = html.unescape(client.get("/admin/channels", headers=as_admin).get_data(as_text=True))
    assert 'class="row-error"' in listing
    assert "LINE rejected the channel access token." in listing
    assert "a-token-line-rejects-0000" not in listing

    # A call that works again clears the flag.
    channel.access_token = shop.access_token
    db.session.commit()
    line_client(channel).bot_info()
    flush_call_log()
    assert channels_in_trouble() == []
    assert "has a problem" not in client.get("/").get_data(as_text=True)


def test_a_healthy_channel_is_not_flagged(line_sandbox, shop, channel, client, make):
    line_client(channel).bot_info()
    flush_call_log()
    health = channel_health(channel)
    assert not health.trouble and health.checks_by_status == {"200": 1}
    assert health.headroom.used_last_minute == 1
    assert health.headroom.left == channel.rate_limit_per_minute - 1


def test_the_status_page_does_not_count_its_own_calls(line_sandbox, shop, channel, client, admin):
    mali = line_sandbox.user("Mali", channel=shop)
    for _ in range(3):
        assert client.get(f"/admin/channels/{channel.id}/status").status_code == 200
    press(client, admin, channel, "verify")
    line_client(channel).profile(mali)  # work the inbox does for a chat
    flush_call_log()

    health = channel_health(channel)
    assert health.calls_by_status == {"200": 1}
    page_loads = 3 + 1  # the verify button returns to the status page
    assert health.checks_by_status == {"200": 4 * page_loads + 1}
    assert health.headroom.used_last_minute == 4 * page_loads + 2  # LINE's limit counts all

    text = html.unescape(client.get(f"/admin/channels/{channel.id}/status").get_data(as_text=True))
    counted = re.search(r'id="calls-by-status">(.*?)</ul>', text, re.S).group(1)
    assert re.sub(r"<[^>]+>|\s+", " ", counted).split() == ["200", "1"]
    assert (
        "Not counted above: 17 checks of the channel itself (account details, webhook, push quota,"
        " token) made by this status page" in " ".join(text.split())
    )


def test_only_checks_say_so_rather_than_no_calls(line_sandbox, shop, channel, client, admin):
    text = html.unescape(client.get(f"/admin/channels/{channel.id}/status").get_data(as_text=True))
    assert "No calls to LINE in the last 24 hours." in text  # the page's own are logged after
    text = html.unescape(client.get(f"/admin/channels/{channel.id}/status").get_data(as_text=True))
    assert "None in the last 24 hours apart from the checks below." in text
    assert "Not counted above: 4 checks of the channel itself" in " ".join(text.split())


def test_events_waiting_too_long_flag_the_channel(line_sandbox, shop, channel, client, admin):
    user = line_sandbox.user("Mali", channel=shop)
    line_sandbox.sandbox.worker.wait_idle(10)  # delivered and stored, but no worker derived it
    db.session.execute(sa.update(WebhookEvent).values(received_at=utcnow() - timedelta(minutes=3)))
    db.session.commit()
    health = channel_health(channel)
    assert health.events_waiting == 1 and health.oldest_waiting_at is not None
    assert [reason.code for reason in health.reasons] == ["backlog"]
    page = client.get(f"/admin/channels/{channel.id}/status").get_data(as_text=True)
    assert "1 received event is waiting to be processed." in page
    assert re.search(r'data-count="events_waiting">1 ', page)
    line_sandbox.wait_idle()  # the event worker's turn
    assert channel_health(channel).reasons == [] and user


def test_local_limiter_reports_its_backlog() -> None:
    now = [100.0]
    limiter = LocalRateLimiter(clock=lambda: now[0])
    assert limiter.backlog("shop") == 0.0
    for _ in range(3):
        limiter.reserve("shop", per_minute=60, max_wait=10)
    assert limiter.backlog("shop") == pytest.approx(3.0)
    now[0] += 5
    assert limiter.backlog("shop") == 0.0


def test_the_partial_renders_for_a_page_that_passes_only_the_channel(line_sandbox, shop, channel):
    from flask import render_template_string

    with line_sandbox.app.test_request_context(f"/admin/channels/{channel.id}"):
        text = html.unescape(
            render_template_string('{% include "admin/_channel_status.html" %}', channel=channel)
        )
    assert "Noodle shop" in text and "0 of 50 sent" in text
    assert f'name="next" value="/admin/channels/{channel.id}"' in text
    assert shop.access_token not in text


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/admin/channels/{id}", "/admin/channels/{id}"),  # the channel page that includes it
        ("https://evil.example/admin/", "/admin/channels/{id}/status"),
        ("//evil.example/admin/", "/admin/channels/{id}/status"),
        ("/admin//evil.example", "/admin/channels/{id}/status"),
    ],
)
def test_buttons_return_only_to_admin_pages(line_sandbox, channel, client, admin, given, expected):
    answer = client.post(
        f"/admin/channels/{channel.id}/webhook/test",
        data={"csrf_token": admin, "next": given.format(id=channel.id)},
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == expected.format(id=channel.id)


def test_buttons_need_the_csrf_token(line_sandbox, shop, channel, client, admin):
    line_sandbox.set_webhook(shop, "https://elsewhere.example/hook")
    answer = client.post(f"/admin/channels/{channel.id}/webhook")
    assert answer.status_code == 400
    assert platform_endpoint(line_sandbox, shop) == "https://elsewhere.example/hook"


def test_a_refused_webhook_test_shows_lines_details(line_sandbox, shop, channel, client, admin):
    line_sandbox.set_webhook(shop, None)
    text = press(client, admin, channel, "webhook/test")
    assert "LINE did not run the webhook test." in text
    assert "endpoint: must be specified" in text
    assert re.search(r"Request ID: [0-9a-f-]{8,}", text)
