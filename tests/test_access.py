"""Every route, with every role and with none: a table says who may do what, and a route
missing from the table fails the test, so no new page or API ships unguarded."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from inbox.models import Role

# Endpoint (or blueprint name + ".") -> who may use it.
PUBLIC = {"static", "auth.login", "sandbox_pictures.", "media.public"}  # CDN-like, signed links
# The installable app's manifest, service worker and offline page: static content with no one's
# data (the browser fetches the manifest without cookies, and the worker before any sign-in).
PUBLIC |= {"home.web_manifest", "home.service_worker", "home.offline"}
LINE_SIGNATURE = {"webhooks.receive_line"}  # X-Line-Signature, checked in its own tests
# LINE's token endpoints take the channel's id and secret in the form body; unknown paths 404.
CHANNEL_CREDENTIALS = {
    "sandbox_line_api.issue_short_lived",
    "sandbox_line_api.issue_stateless",
    "sandbox_line_api.verify_token",
    "sandbox_line_api.verify_token_v21",
    "sandbox_line_api.revoke_token",
    "sandbox_line_api.issue_v21",
    "sandbox_line_api.list_token_key_ids",
    "sandbox_line_api.revoke_token_v21",
    "sandbox_line_api.not_found",
    "sandbox_line_data.not_found",
}
CHANNEL_TOKEN = {"sandbox_line_api.", "sandbox_line_data."}  # LINE's bearer channel tokens
AGENTS_ONLY = {
    "api.update",
    "api.bulk",
    "api.leave",
    "api.send",
    "api.send_media",
    "api.note",
    "api.retry",
    "api.snooze_conversation",
    "api.unsnooze_conversation",
}
# Saved replies: agents insert them (admins also manage the team's); supervisors do not answer.
AGENTS_ONLY |= {
    "api.saved_replies",
    "api.create_saved_reply",
    "api.saved_reply",
    "api.update_saved_reply",
    "api.delete_saved_reply",
    "api.expand_saved_reply",
    "replies.",
}
# Labels: agents put them on conversations; admins define them.
AGENTS_ONLY |= {"api.add_conversation_label", "api.remove_conversation_label"}
# Supervisors and admins: every channel's history.
SUPERVISORS_ONLY = {
    "api.history_search",
    "api.history_export",
    "history.",
    "reports.",
    "api.audit_log",
    "audit.",
}
# Admins only: every page under /admin (channels, their status and buttons, users) and the
# admin APIs.
ADMINS_ONLY = {"admin.", "api.channel_health_json"}
ADMINS_ONLY |= {"api.create_label", "api.update_label", "api.delete_label"}
EVERY_ROLE = {
    "home.",
    "api.",
    "media.",
    "sandbox_phone.",
    "auth.logout",
    "auth.account",  # each person's own language and time zone
    "auth.tokens",  # each person's own API tokens
    "auth.revoke_own_token",
}


def classify(endpoint: str) -> str:
    for kind, table in (
        ("public", PUBLIC),
        ("signature", LINE_SIGNATURE),
        ("channel_credentials", CHANNEL_CREDENTIALS),
        ("channel_token", CHANNEL_TOKEN),
        ("agents", AGENTS_ONLY),
        ("supervisors", SUPERVISORS_ONLY),
        ("admins", ADMINS_ONLY),
        ("signed_in", EVERY_ROLE),
    ):
        if endpoint in table or any(p.endswith(".") and endpoint.startswith(p) for p in table):
            return kind
    raise AssertionError(f"{endpoint} is not in the access table: decide who may use it")


def routes(app: Flask) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<(?:int:)?[^>]*?(\w+)>", lambda m: "1", rule.rule)
        url = re.sub(r"<any\([^)]*\):\w+>", "user", url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_route_checks_who_is_asking(app, client, make) -> None:
    # User 1 and token 1 belong to a bystander: the admin's requests below disable, reset and
    # revoke whatever has id 1, and must not sign out the people the table relies on.
    make.token(make.user(Role.AGENT))
    tokens = {role: make.token(make.user(role)) for role in Role}
    if "line_sandbox" in app.extensions:  # mounted by default: give it its tables, as start-up does
        from inbox.sandbox import get_sandbox

        get_sandbox(app).create_tables()
    checked = 0
    for endpoint, method, url in routes(app):
        kind = classify(endpoint)
        if kind in ("public", "signature"):
            continue
        if kind == "channel_credentials":
            for headers in [{}, *({"Authorization": f"Bearer {t}"} for t in tokens.values())]:
                answer = client.open(url, method=method, headers=headers)
                assert 400 <= answer.status_code < 500, (endpoint, method, answer.status_code)
            continue
        anonymous = client.open(url, method=method)
        refused_by_csrf = anonymous.status_code == 400 and b"CSRF" in anonymous.data
        assert anonymous.status_code in (401, 302) or refused_by_csrf, (
            endpoint,
            method,
            anonymous.status_code,
        )
        if anonymous.status_code == 302:
            assert "/login" in anonymous.headers["Location"], endpoint
        for role, token in tokens.items():
            answer = client.open(url, method=method, headers={"Authorization": f"Bearer {token}"})
            if kind == "channel_token":  # a person's API token is not a LINE channel token
                assert answer.status_code == 401, (endpoint, role, answer.status_code)
                continue
            allowed = (
                kind == "signed_in"
                or role is Role.ADMIN
                or role is {"agents": Role.AGENT, "supervisors": Role.SUPERVISOR}.get(kind)
            )
            if allowed:
                assert answer.status_code not in (401, 403), (
                    endpoint,
                    method,
                    role,
                    answer.status_code,
                )
            else:
                assert answer.status_code == 403, (endpoint, method, role, answer.status_code)
        checked += 1
    assert checked > 30
    if "line_sandbox" in app.extensions:
        from inbox.sandbox import get_sandbox

        get_sandbox(app).close()
