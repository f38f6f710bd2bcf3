"""Admins manage people: accounts, roles, passwords, API tokens; sign-in slows guessing down."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
import redis
import sqlalchemy as sa

from inbox.admin import users_service as service
from inbox.auth.routes import password_matches
from inbox.auth.throttle import WINDOW, RedisFailureLog
from inbox.extensions import db
from inbox.models import ApiToken, AuditEntry, Role, SignInFailure, User, utcnow
from inbox.models.user import hash_api_token
from tests.factories import DEFAULT_PASSWORD

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(client, path: str = "/login") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, email: str, password: str = DEFAULT_PASSWORD, **headers: str):
    token = csrf_of(client)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
    )


def admin_client(app, make):
    """A browser signed in as an admin; returns it with the admin and a CSRF token."""
    browser = app.test_client()
    admin = make.user(Role.ADMIN, email="boss@example.com")
    assert sign_in(browser, admin.email).status_code == 302
    return browser, admin, csrf_of(browser, "/admin/users")


def shown_once(page) -> str:
    return re.search(r'<code id="shown-once-value">([^<]+)</code>', page.get_data(as_text=True))[1]


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def test_admin_creates_a_user_with_several_roles_and_a_password_shown_once(app, client, make):
    browser, admin, csrf = admin_client(app, make)
    assert browser.get("/admin/users/new").status_code == 200
    created = browser.post(
        "/admin/users/new",
        data={
            "email": "Nok@Example.com",
            "display_name": "น้อย",
            "roles": ["agent", "supervisor"],
            "csrf_token": csrf,
        },
    )
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    password = shown_once(created)
    nok = db.session.scalar(sa.select(User).where(User.email == "nok@example.com"))
    assert nok.roles == {Role.AGENT, Role.SUPERVISOR} and nok.display_name == "น้อย"
    assert password not in nok.password_hash and nok.check_password(password)
    assert password not in browser.get(f"/admin/users/{nok.id}").get_data(as_text=True)

    listing = browser.get("/admin/users").get_data(as_text=True)
    assert "nok@example.com" in listing and "น้อย" in listing and "Supervisor" in listing

    [entry] = audit("user.created")
    assert entry.actor_user_id == admin.id and entry.target_id == str(nok.id)
    assert entry.details == {"email": "nok@example.com", "roles": ["agent", "supervisor"]}
    assert password not in str(entry.details)

    again = browser.post(
        "/admin/users/new",
        data={"email": "NOK@example.COM", "roles": ["agent"], "csrf_token": csrf},
    )
    assert again.status_code == 409 and "already exists" in again.get_data(as_text=True)
    no_role = browser.post("/admin/users/new", data={"email": "x@example.com", "csrf_token": csrf})
    assert no_role.status_code == 400 and "at least one role" in no_role.get_data(as_text=True)


def test_a_user_with_two_roles_gets_both_areas(client, make):
    both = make.user(Role.AGENT, Role.SUPERVISOR)
    header = {"Authorization": f"Bearer {make.token(both)}"}
    assert client.get("/api/history/search?q=hello", headers=header).status_code == 200
    assert both.has_role(Role.AGENT) and both.has_role(Role.SUPERVISOR)
    assert not both.has_role(Role.ADMIN)
    assert client.get("/admin/users", headers=header).status_code == 403
    agents = client.get("/api/agents", headers=header).json["agents"]
    assert [agent["roles"] for agent in agents] == [["agent", "supervisor"]]


def test_roles_and_name_change_through_the_user_page(app, client, make):
    browser, _admin, csrf = admin_client(app, make)
    agent = make.user(Role.AGENT)
    page = browser.get(f"/admin/users/{agent.id}").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="agent"', page)
    assert not re.search(r'<input checked[^>]*value="supervisor"', page)
    saved = browser.post(
        f"/admin/users/{agent.id}",
        data={"display_name": "ソムチャイ", "roles": ["supervisor", "admin"], "csrf_token": csrf},
    )
    assert saved.status_code == 302
    db.session.refresh(agent)
    assert agent.roles == {Role.SUPERVISOR, Role.ADMIN} and agent.display_name == "ソムチャイ"
    [entry] = audit("user.updated")
    assert entry.details == {
        "display_name": "ソムチャイ",
        "roles_added": ["supervisor", "admin"],
        "roles_removed": ["agent"],
    }
    refused = browser.post(f"/admin/users/{agent.id}", data={"csrf_token": csrf})
    assert refused.status_code == 400 and "at least one role" in refused.get_data(as_text=True)
    db.session.refresh(agent)
    assert agent.roles == {Role.SUPERVISOR, Role.ADMIN}


def test_disabling_ends_sessions_and_stops_tokens_until_enabled(app, client, make):
    browser, _admin, csrf = admin_client(app, make)
    agent = make.user(Role.AGENT)
    header = {"Authorization": f"Bearer {make.token(agent)}"}
    agents_browser = app.test_client()
    assert sign_in(agents_browser, agent.email).status_code == 302
    assert agents_browser.get("/").status_code == 200

    assert (
        browser.post(f"/admin/users/{agent.id}/disable", data={"csrf_token": csrf}).status_code
        == 302
    )
    assert agents_browser.get("/").status_code == 302  # back to the sign-in page
    assert client.get("/api/conversations", headers=header).status_code == 401
    assert sign_in(agents_browser, agent.email).status_code == 401
    assert [entry.target_id for entry in audit("user.disabled")] == [str(agent.id)]

    assert (
        browser.post(f"/admin/users/{agent.id}/enable", data={"csrf_token": csrf}).status_code
        == 302
    )
    assert client.get("/api/conversations", headers=header).status_code == 200
    assert len(audit("user.enabled")) == 1
    assert sign_in(agents_browser, agent.email).status_code == 302


def test_an_old_cookie_stops_working_when_the_session_version_moves_on(app, client, make):
    agent = make.user(Role.AGENT)
    assert sign_in(client, agent.email).status_code == 302
    assert client.get("/").status_code == 200
    service.reset_password(agent, "a brand new password")
    assert client.get("/").status_code == 302
    assert sign_in(client, agent.email, "a brand new password").status_code == 302
    assert client.get("/").status_code == 200


def test_the_last_active_admin_stays(app, client, make):
    browser, admin, csrf = admin_client(app, make)
    disable = browser.post(f"/admin/users/{admin.id}/disable", data={"csrf_token": csrf})
    assert disable.status_code == 409 and "last active admin" in disable.get_data(as_text=True)
    demote = browser.post(f"/admin/users/{admin.id}", data={"roles": ["agent"], "csrf_token": csrf})
    assert demote.status_code == 409
    db.session.refresh(admin)
    assert admin.active and admin.roles == {Role.ADMIN}
    assert audit("user.disabled") == [] and audit("user.updated") == []

    # A disabled admin does not count; an active second one does.
    make.user(Role.ADMIN, active=False)
    with pytest.raises(service.UserChangeRefused):
        service.set_active(admin, False)
    make.user(Role.ADMIN, Role.AGENT)
    service.update_user(admin, None, [Role.AGENT])
    assert admin.roles == {Role.AGENT}


def test_admin_resets_a_password(app, client, make):
    browser, _admin, csrf = admin_client(app, make)
    agent = make.user(Role.AGENT)
    path = f"/admin/users/{agent.id}/password"
    short = browser.post(path, data={"password": "short", "csrf_token": csrf})
    assert short.status_code == 409 and "at least 8 characters" in short.get_data(as_text=True)
    chosen = browser.post(path, data={"password": "ใหม่-password-1", "csrf_token": csrf})
    assert chosen.status_code == 302
    assert sign_in(app.test_client(), agent.email).status_code == 401
    assert sign_in(app.test_client(), agent.email, "ใหม่-password-1").status_code == 302

    generated = browser.post(path, data={"csrf_token": csrf})
    assert generated.status_code == 200
    password = shown_once(generated)
    assert sign_in(app.test_client(), agent.email, password).status_code == 302
    entries = audit("user.password_reset")
    assert [entry.details for entry in entries] == [{"generated": False}, {"generated": True}]
    assert browser.get("/admin/users").status_code == 200  # the admin is still signed in


def test_an_admin_resetting_their_own_password_stays_signed_in(app, client, make):
    browser, admin, csrf = admin_client(app, make)
    answer = browser.post(f"/admin/users/{admin.id}/password", data={"csrf_token": csrf})
    assert answer.status_code == 200 and shown_once(answer)
    assert browser.get("/admin/users").status_code == 200


def test_tokens_are_shown_once_stored_hashed_and_revocable(app, client, make):
    browser, _admin, csrf = admin_client(app, make)
    agent = make.user(Role.AGENT)
    issued = browser.post(
        f"/admin/users/{agent.id}/tokens", data={"name": "CRM sync", "csrf_token": csrf}
    )
    assert issued.status_code == 201 and issued.headers["Cache-Control"] == "no-store"
    token = shown_once(issued)
    [row] = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == agent.id))
    assert row.name == "CRM sync" and row.hint == token[-4:]
    assert row.token_hash == hash_api_token(token)
    assert all(token not in str(getattr(row, column.key)) for column in ApiToken.__table__.columns)

    header = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/conversations", headers=header).status_code == 200
    page = browser.get(f"/admin/users/{agent.id}").get_data(as_text=True)
    assert "CRM sync" in page and token not in page and f"…{token[-4:]}" in page

    revoke = f"/admin/users/{agent.id}/tokens/{row.id}/revoke"
    assert browser.post(revoke, data={"csrf_token": csrf}).status_code == 302
    assert client.get("/api/conversations", headers=header).status_code == 401
    other = make.user(Role.AGENT)
    wrong_owner = browser.post(
        f"/admin/users/{other.id}/tokens/{row.id}/revoke", data={"csrf_token": csrf}
    )
    assert wrong_owner.status_code == 404
    [issued_entry] = audit("user.token_issued")
    [revoked_entry] = audit("user.token_revoked")
    assert issued_entry.details == {"token_id": row.id, "name": "CRM sync", "hint": row.hint}
    assert revoked_entry.details == {"token_id": row.id, "name": "CRM sync"}


def test_only_admins_see_the_users_area(client, make):
    for role, visible in ((Role.ADMIN, True), (Role.SUPERVISOR, False), (Role.AGENT, False)):
        person = make.user(role)
        browser = client.application.test_client()
        sign_in(browser, person.email)
        page = browser.get("/").get_data(as_text=True)
        assert ('href="/admin/users"' in page) is visible, role


def test_the_sixth_bad_guess_is_refused_until_the_window_passes(client, make):
    agent = make.user(Role.AGENT)
    for _ in range(5):
        assert sign_in(client, agent.email, "wrong").status_code == 401
    refused = sign_in(client, agent.email.upper(), "wrong")
    assert refused.status_code == 429
    assert "Too many failed sign-in attempts. Try again in 15 minutes." in refused.get_data(
        as_text=True
    )
    assert 0 < int(refused.headers["Retry-After"]) <= WINDOW.total_seconds()
    assert sign_in(client, agent.email).status_code == 429  # even the right password

    db.session.execute(
        sa.update(SignInFailure).values(created_at=utcnow() - WINDOW - timedelta(seconds=1))
    )
    db.session.commit()
    assert sign_in(client, agent.email).status_code == 302
    remaining = db.session.scalars(
        sa.select(SignInFailure.scope).where(SignInFailure.key == agent.email)
    ).all()
    assert remaining == []  # the account's count starts again after a success


def test_one_address_guessing_many_accounts_is_slowed_too(client, make):
    for number in range(20):
        assert sign_in(client, f"nobody{number}@example.com", "guess").status_code == 401
    person = make.user(Role.AGENT)
    assert sign_in(client, person.email).status_code == 429


def test_behind_a_trusted_proxy_each_person_has_their_own_address(app_with, make):
    """TRUSTED_PROXIES=1: the proxy's X-Forwarded-For names the guesser, not the proxy."""
    browser = app_with(LINE_SANDBOX=False, TRUSTED_PROXIES=1).test_client()
    for number in range(20):
        guess = sign_in(
            browser, f"nobody{number}@example.com", "guess", **{"X-Forwarded-For": "203.0.113.9"}
        )
        assert guess.status_code == 401
    person = make.user(Role.AGENT)
    signed_in = sign_in(browser, person.email, **{"X-Forwarded-For": "198.51.100.4"})
    assert signed_in.status_code == 302  # a colleague behind the same proxy is not locked out
    addresses = db.session.scalars(sa.select(AuditEntry.ip_address)).all()
    assert set(addresses) == {"203.0.113.9", "198.51.100.4"}


def test_unknown_emails_still_cost_a_password_check() -> None:
    assert password_matches(None, "anything") is False


def test_service_and_cli_create_people_with_several_roles(runner, make):
    result = runner.invoke(
        args=["users", "create", "both@example.com", "--role", "agent", "--role", "supervisor"]
    )
    assert result.exit_code == 0, result.output
    both = service.user_by_email("BOTH@example.com")
    assert both.roles == {Role.AGENT, Role.SUPERVISOR}
    [entry] = audit("user.created")
    assert entry.actor_label == "system"
    with pytest.raises(service.UserChangeRefused, match="not an email"):
        service.create_user("nobody", None, [Role.AGENT])


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_redis_failure_log_counts_and_forgets(app) -> None:
    try:
        failures = RedisFailureLog(REDIS_URL, prefix=f"test-{os.getpid()}:")
        failures.clear("email", "a@example.com")
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")
    now = utcnow()
    for seconds in (1000, 600, 3, 2, 1):  # the first is older than the window
        failures.add("email", "a@example.com", now - timedelta(seconds=seconds))
    recent = failures.recent("email", "a@example.com", now - WINDOW, limit=2)
    assert [round((now - moment).total_seconds()) for moment in recent] == [1, 2]
    assert len(failures.recent("email", "a@example.com", now - WINDOW, limit=10)) == 4
    newest_three = failures.recent("email", "a@example.com", now - timedelta(seconds=500), 10)
    assert [round((now - moment).total_seconds()) for moment in newest_three] == [1, 2, 3]
    failures.clear("email", "a@example.com")
    assert failures.recent("email", "a@example.com", now - WINDOW, limit=10) == []
    failures.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_without_redis_the_database_keeps_counting(app) -> None:
    failures = RedisFailureLog("redis://127.0.0.1:1/0")  # nothing listens there
    now = utcnow()
    failures.add("ip", "192.0.2.1", now)
    db.session.commit()
    assert failures.recent("ip", "192.0.2.1", now - WINDOW, limit=5) == [now]
    failures.clear("ip", "192.0.2.1")
    assert failures.recent("ip", "192.0.2.1", now - WINDOW, limit=5) == []
    failures.close()


def test_everyone_manages_their_own_tokens(app, client, make):
    agent, other = make.user(Role.AGENT), make.user(Role.SUPERVISOR)
    others_token = make.token(other)
    assert sign_in(client, agent.email).status_code == 302
    csrf = csrf_of(client, "/account/tokens")
    issued = client.post("/account/tokens", data={"name": "my script", "csrf_token": csrf})
    assert issued.status_code == 201 and issued.headers["Cache-Control"] == "no-store"
    token = shown_once(issued)
    header = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/conversations", headers=header).status_code == 200
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "my script" in page and token not in page and others_token[-4:] not in page

    [own] = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == agent.id))
    [foreign] = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == other.id))
    refused = client.post(f"/account/tokens/{foreign.id}/revoke", data={"csrf_token": csrf})
    assert refused.status_code == 404
    revoked = client.post(f"/account/tokens/{own.id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 302
    assert client.get("/api/conversations", headers=header).status_code == 401
    assert [entry.actor_user_id for entry in audit("user.token_revoked")] == [agent.id]


def test_a_new_user_gets_only_the_roles_ticked(app, client, make):
    browser, _admin, csrf = admin_client(app, make)
    page = browser.get("/admin/users/new").get_data(as_text=True)
    assert 'value="agent"' in page and "checked" not in page  # no role is given by default

    refused = browser.post(
        "/admin/users/new",
        data={"email": "mali@example.com", "display_name": "มะลิ", "csrf_token": csrf},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Choose at least one role." in page
    assert 'value="mali@example.com"' in page and 'value="มะลิ"' in page  # nothing retyped
    assert db.session.scalar(sa.select(User).where(User.email == "mali@example.com")) is None

    created = browser.post(
        "/admin/users/new",
        data={"email": "mali@example.com", "roles": ["supervisor"], "csrf_token": csrf},
    )
    assert created.status_code == 201
    mali = db.session.scalar(sa.select(User).where(User.email == "mali@example.com"))
    assert mali.roles == {Role.SUPERVISOR}
    # A supervisor reads; sending (and its push quota) stays with agents.
    make.channel()
    header = {"Authorization": f"Bearer {make.token(mali)}"}
    sent = client.post("/api/conversations/1/messages", json={"text": "hi"}, headers=header)
    assert sent.status_code == 403
