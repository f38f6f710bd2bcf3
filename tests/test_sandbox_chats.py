"""Profiles, groups and rooms, bot info, webhook settings and channel access tokens."""

from __future__ import annotations

import pytest
import requests

from tests.sandbox_helpers import call


@pytest.fixture
def shop(line_sandbox):
    return line_sandbox.provision(name="Noodle shop")


def test_profile_of_a_friend(line_sandbox, shop) -> None:
    alice = line_sandbox.user("อลิซ", channel=shop, status_message="สวัสดี", language="th")
    profile = call(line_sandbox, "GET", f"/v2/bot/profile/{alice}", shop).json()
    assert profile["displayName"] == "อลิซ" and profile["userId"] == alice
    assert profile["statusMessage"] == "สวัสดี" and profile["language"] == "th"
    picture = requests.get(profile["pictureUrl"], timeout=5)
    assert picture.status_code == 200 and picture.headers["Content-Type"] == "image/png"
    assert picture.content.startswith(b"\x89PNG")


def test_uploaded_picture_is_served(line_sandbox, shop) -> None:
    jpeg = b"\xff\xd8\xff\xe0fake-jpeg"
    bob = line_sandbox.user("Bob", channel=shop, picture=jpeg)
    url = call(line_sandbox, "GET", f"/v2/bot/profile/{bob}", shop).json()["pictureUrl"]
    assert requests.get(url, timeout=5).content == jpeg


def test_profile_of_a_stranger_or_blocker_is_404(line_sandbox, shop) -> None:
    stranger = line_sandbox.user("Stranger")
    blocker = line_sandbox.user("Blocker", channel=shop)
    line_sandbox.unfollow(shop, blocker)
    for user in (stranger, blocker, "U" + "f" * 32):
        answer = call(line_sandbox, "GET", f"/v2/bot/profile/{user}", shop)
        assert answer.status_code == 404 and answer.json() == {"message": "Not found"}


def test_group_summary_members_and_member_profiles(line_sandbox, shop) -> None:
    alice, bob = line_sandbox.user("Alice"), line_sandbox.user("Bob")
    group = line_sandbox.group([alice, bob], "チーム", channel=shop)

    summary = call(line_sandbox, "GET", f"/v2/bot/group/{group}/summary", shop).json()
    assert summary["groupId"] == group and summary["groupName"] == "チーム"
    assert requests.get(summary["pictureUrl"], timeout=5).status_code == 200
    count = call(line_sandbox, "GET", f"/v2/bot/group/{group}/members/count", shop).json()
    assert count == {"count": 2}
    ids = call(line_sandbox, "GET", f"/v2/bot/group/{group}/members/ids", shop).json()
    assert ids == {"memberIds": [alice, bob]}
    member = call(line_sandbox, "GET", f"/v2/bot/group/{group}/member/{bob}", shop).json()
    assert member["displayName"] == "Bob" and "statusMessage" not in member
    assert call(line_sandbox, "GET", f"/v2/bot/profile/{bob}", shop).status_code == 404


def test_member_ids_are_paged(line_sandbox, shop) -> None:
    members = [line_sandbox.user(f"Member {n}") for n in range(205)]
    group = line_sandbox.group(members, channel=shop)
    seen, start, pages = [], None, 0
    while True:
        params = {"start": start} if start else {}
        page = call(
            line_sandbox, "GET", f"/v2/bot/group/{group}/members/ids", shop, params=params
        ).json()
        seen += page["memberIds"]
        pages += 1
        assert len(page["memberIds"]) <= 100
        start = page.get("next")
        if not start:
            break
    assert pages == 3 and seen == members


def test_room_has_no_summary_but_members(line_sandbox, shop) -> None:
    alice, bob = line_sandbox.user("Alice"), line_sandbox.user("Bob")
    room = line_sandbox.room([alice, bob], channel=shop)
    assert call(line_sandbox, "GET", f"/v2/bot/room/{room}/members/count", shop).json() == {
        "count": 2
    }
    assert (
        call(line_sandbox, "GET", f"/v2/bot/room/{room}/member/{alice}", shop).json()["userId"]
        == alice
    )
    assert call(line_sandbox, "GET", f"/v2/bot/group/{room}/summary", shop).status_code == 404


def test_leaving_a_group_and_a_room(line_sandbox, shop) -> None:
    alice = line_sandbox.user("Alice")
    group = line_sandbox.group([alice], channel=shop)
    room = line_sandbox.room([alice], channel=shop)
    assert call(line_sandbox, "POST", f"/v2/bot/group/{group}/leave", shop).status_code == 200
    assert call(line_sandbox, "POST", f"/v2/bot/room/{room}/leave", shop).status_code == 200
    assert [e["source"] for e in line_sandbox.events(shop, "leave")] == [
        {"type": "group", "groupId": group},
        {"type": "room", "roomId": room},
    ]
    again = call(line_sandbox, "POST", f"/v2/bot/group/{group}/leave", shop)
    assert again.status_code == 404
    assert call(line_sandbox, "GET", f"/v2/bot/group/{group}/summary", shop).status_code == 404


def test_bot_info(line_sandbox, shop) -> None:
    info = call(line_sandbox, "GET", "/v2/bot/info", shop).json()
    assert info["userId"] == shop.bot_user_id and info["basicId"] == shop.basic_id
    assert info["displayName"] == "Noodle shop"
    assert info["chatMode"] == "bot" and info["markAsReadMode"] == "auto"


def test_webhook_endpoint_get_set_and_test(line_sandbox, shop) -> None:
    path = "/v2/bot/channel/webhook/endpoint"
    current = call(line_sandbox, "GET", path, shop).json()
    assert current == {
        "endpoint": f"{line_sandbox.base_url}/webhooks/line/{shop.channel_id}",
        "active": True,
    }

    tested = call(line_sandbox, "POST", "/v2/bot/channel/webhook/test", shop).json()
    assert tested["success"] is True and tested["statusCode"] == 200 and tested["detail"] == "200"
    assert tested["reason"] == "OK" and tested["timestamp"].endswith("Z")

    elsewhere = f"{line_sandbox.base_url}/webhooks/line/0000"
    assert call(line_sandbox, "PUT", path, shop, json={"endpoint": elsewhere}).status_code == 200
    assert call(line_sandbox, "GET", path, shop).json()["endpoint"] == elsewhere
    failing = call(line_sandbox, "POST", "/v2/bot/channel/webhook/test", shop).json()
    assert failing["success"] is False and failing["statusCode"] == 404

    closed = call(
        line_sandbox,
        "POST",
        "/v2/bot/channel/webhook/test",
        shop,
        json={"endpoint": "http://127.0.0.1:9/nothing"},
    ).json()
    assert closed["success"] is False and closed["statusCode"] == 0

    bad = call(line_sandbox, "PUT", path, shop, json={"endpoint": "not a url"})
    assert bad.status_code == 400 and bad.json()["details"][0]["property"] == "endpoint"


def test_short_lived_token_issue_verify_use_and_revoke(line_sandbox, shop) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": shop.channel_id,
        "client_secret": shop.secret,
    }
    issued = call(line_sandbox, "POST", "/v2/oauth/accessToken", data=form)
    assert issued.status_code == 200
    token = issued.json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == 2592000

    verified = call(
        line_sandbox, "POST", "/v2/oauth/verify", data={"access_token": token["access_token"]}
    ).json()
    assert verified["client_id"] == shop.channel_id and 0 < verified["expires_in"] <= 2592000
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert call(line_sandbox, "GET", "/v2/bot/info", headers=headers).status_code == 200

    assert (
        call(
            line_sandbox, "POST", "/v2/oauth/revoke", data={"access_token": token["access_token"]}
        ).status_code
        == 200
    )
    assert call(line_sandbox, "GET", "/v2/bot/info", headers=headers).status_code == 401


def test_stateless_token_expires_after_15_minutes(line_sandbox, shop) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": shop.channel_id,
        "client_secret": shop.secret,
    }
    token = call(line_sandbox, "POST", "/oauth2/v3/token", data=form).json()
    assert token["expires_in"] == 900
    check = call(
        line_sandbox, "GET", "/oauth2/v2.1/verify", params={"access_token": token["access_token"]}
    )
    assert check.status_code == 200 and check.json()["client_id"] == shop.channel_id
    line_sandbox.advance_clock(901)
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert call(line_sandbox, "GET", "/v2/bot/info", headers=headers).status_code == 401
    expired = call(
        line_sandbox, "GET", "/oauth2/v2.1/verify", params={"access_token": token["access_token"]}
    )
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("form", "error"),
    [
        (
            {"grant_type": "client_credentials", "client_id": "{id}", "client_secret": "wrong"},
            "invalid_client",
        ),
        (
            {"grant_type": "password", "client_id": "{id}", "client_secret": "{secret}"},
            "unsupported_grant_type",
        ),
        ({"grant_type": "client_credentials", "client_id": "{id}"}, "invalid_request"),
    ],
)
def test_token_errors_have_the_oauth_shape(line_sandbox, shop, form, error) -> None:
    form = {k: v.format(id=shop.channel_id, secret=shop.secret) for k, v in form.items()}
    answer = call(line_sandbox, "POST", "/v2/oauth/accessToken", data=form)
    assert answer.status_code == 400
    assert answer.json()["error"] == error and answer.json()["error_description"]
    assert answer.headers["X-Line-Request-Id"]
