"""Channel management for admins: credentials, automatic access tokens issued, renewed and
revoked against the sandbox over real HTTP, encryption at rest, masking, disabling."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from inbox.channels import flush_call_log, line_client
from inbox.channels.tokens import JOB_KIND, ensure_renewals
from inbox.crypto import EXTENSION_KEY, SecretBox, derive_key
from inbox.extensions import db
from inbox.jobs import run_due_jobs
from inbox.line.errors import LineBadRequest, LineUnauthorized
from inbox.models import AuditEntry, Channel, Job, JobState, Message, Role, TokenMode, utcnow
from tests.conftest import TEST_SECRET_KEY
from tests.line_events import deliver, text_event
from tests.sandbox_flows import eventually

SECRET = "0123456789abcdef0123456789abcdef"
LONG_LIVED = "long-lived-token-that-must-never-show-WXYZ"


def actions(channel_id: int | None = None) -> list[str]:
    query = sa.select(AuditEntry.action).order_by(AuditEntry.id)
    if channel_id is not None:
        query = query.where(AuditEntry.channel_id == channel_id)
    return list(db.session.scalars(query))


def channel_form(**fields: object) -> dict[str, object]:
    form = {
        "line_channel_id": "2001234567",
        "name": "ร้านค้า 東京",
        "secret": SECRET,
        "token_mode": "long_lived",
        "access_token": LONG_LIVED,
        "plan": "trial",
        "rate_limit": "",
    }
    return form | fields


def the_channel(line_channel_id: str) -> Channel:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Channel).where(Channel.line_channel_id == line_channel_id)
    ).one()


def renew_when_due(channel_id: int, old_token: str) -> bool:
    """Run due jobs (as the worker would) until the channel has a new token."""
    run_due_jobs()
    db.session.expire_all()
    return db.session.get(Channel, channel_id).access_token != old_token


@pytest.fixture
def admin(make):
    return make.auth_header(Role.ADMIN)


@pytest.fixture
def fast_tokens(app):
    """v2.1 tokens of three seconds (renewed 0.6 s before expiry), retries every 0.2 s."""
    app.config.update(
        CHANNEL_TOKEN_LIFETIME_SECONDS=3, CHANNEL_TOKEN_RETRY_SECONDS=0.2, LINE_RETRY_ATTEMPTS=1
    )


def test_v21_token_expires_is_renewed_and_the_old_one_revoked(
    app, client, admin, make, line_sandbox, fast_tokens
) -> None:
    shop = line_sandbox.provision(name="Token shop", register=False)
    jwk = line_sandbox.assertion_key(shop)
    upload = (io.BytesIO(json.dumps(jwk).encode()), "private.key.json")
    form = channel_form(
        line_channel_id=shop.channel_id,
        secret=shop.secret,
        token_mode="v21_jwt",
        access_token="",
        private_key_file=upload,
    )
    created = client.post("/admin/channels/new", data=form, headers=admin)
    assert created.status_code == 302, created.data
    channel = the_channel(shop.channel_id)
    first = channel.access_token
    assert channel.token_mode is TokenMode.V21_JWT and channel.assertion_kid == jwk["kid"]
    assert channel.token_key_id and channel.token_error is None
    assert channel.token_expires_at > utcnow()
    tokens = line_client(channel)
    assert tokens.verify_access_token_v21(first)["client_id"] == shop.channel_id
    assert line_client(channel).bot_info()["userId"] == shop.bot_user_id
    job = db.session.scalars(sa.select(Job).where(Job.kind == JOB_KIND)).one()
    assert job.run_after < channel.token_expires_at

    # No traffic: the renewal job comes due before the token expires and replaces it.
    eventually(lambda: renew_when_due(channel.id, first))
    channel = the_channel(shop.channel_id)
    second = channel.access_token
    assert second != first and channel.token_error is None
    with pytest.raises(LineBadRequest):
        tokens.verify_access_token_v21(first)  # revoked
    assert line_client(channel).bot_info()["userId"] == shop.bot_user_id  # the new one is used
    assert actions(channel.id) == [
        "channel.created",
        "channel.token_issued",
        "channel.token_issued",
        "channel.token_revoked",
    ]

    # The next renewal fails: admins see it loudly, the token runs out, the job keeps trying.
    line_sandbox.inject_fault("issue_v21", status=500, times=1000)
    eventually(lambda: run_due_jobs() >= 0 and the_channel(shop.channel_id).token_error)
    channel = the_channel(shop.channel_id)
    assert "500" in channel.token_error
    page = client.get("/admin/channels", headers=admin).get_data(as_text=True)
    assert 'role="alert"' in page and "Renewal failing" in page
    detail = client.get(f"/admin/channels/{channel.id}", headers=admin).get_data(as_text=True)
    assert "could not be renewed" in detail
    inbox_page = client.get("/", headers=admin).get_data(as_text=True)
    assert "not being renewed" in inbox_page and channel.name in inbox_page  # on every page
    agents_page = client.get("/", headers=make.auth_header(Role.AGENT)).get_data(as_text=True)
    assert "not being renewed" not in agents_page

    def expired() -> bool:
        try:
            line_client(the_channel(shop.channel_id)).bot_info()
        except LineUnauthorized:
            return True
        return False

    eventually(expired)
    assert the_channel(shop.channel_id).access_token == second
    with pytest.raises(LineUnauthorized):
        line_client(the_channel(shop.channel_id)).bot_info()

    line_sandbox.sandbox.faults.clear()
    eventually(lambda: renew_when_due(channel.id, second))
    channel = the_channel(shop.channel_id)
    assert channel.token_error is None
    assert line_client(channel).bot_info()["userId"] == shop.bot_user_id
    assert "channel.token_renewal_failed" in actions(channel.id)


def test_v2_short_lived_tokens_by_cli_renewed_and_revoked(app, runner, line_sandbox) -> None:
    app.config["LINE_RETRY_ATTEMPTS"] = 1
    shop = line_sandbox.provision(name="CLI shop", register=False)
    args = ["channels", "add", "--channel-id", shop.channel_id, "--name", "CLI shop"]
    added = runner.invoke(
        args=[
            *args,
            "--secret",
            shop.secret,
            "--token-mode",
            "v2_short_lived",
            "--plan",
            "standard",
        ]
    )
    assert added.exit_code == 0, added.output
    assert "expires" in added.output and shop.secret not in added.output
    channel = the_channel(shop.channel_id)
    first = channel.access_token
    assert (
        channel.token_mode is TokenMode.V2_SHORT_LIVED and channel.rate_limit_per_minute == 10_000
    )
    assert line_client(channel).verify_access_token(first)["client_id"] == shop.channel_id

    renewed = runner.invoke(args=["channels", "renew-token", shop.channel_id])
    assert renewed.exit_code == 0, renewed.output
    channel = the_channel(shop.channel_id)
    assert channel.access_token != first
    with pytest.raises(LineBadRequest):
        line_client(channel).verify_access_token(first)  # revoked
    assert line_client(channel).bot_info()["userId"] == shop.bot_user_id

    wrong = runner.invoke(args=["channels", "edit", shop.channel_id, "--secret", "f" * 32])
    assert wrong.exit_code != 0 and "invalid" in wrong.output.lower()
    assert the_channel(shop.channel_id).token_error
    edited = runner.invoke(
        args=["channels", "edit", shop.channel_id, "--secret", shop.secret, "--rate-limit", "500"]
    )
    assert edited.exit_code == 0, edited.output
    channel = the_channel(shop.channel_id)
    assert channel.token_error is None and channel.rate_limit_per_minute == 500
    assert channel.custom_rate_limit
    assert runner.invoke(args=["channels", "disable", shop.channel_id]).exit_code == 0
    assert the_channel(shop.channel_id).enabled is False
    assert runner.invoke(args=["channels", "enable", shop.channel_id]).exit_code == 0
    assert the_channel(shop.channel_id).enabled is True


def test_a_token_line_rejects_is_renewed_at_once(app, runner, line_sandbox) -> None:
    """Revoked in the console (or lost): the first 401 queues a renewal, not the schedule."""
    app.config["LINE_RETRY_ATTEMPTS"] = 1
    shop = line_sandbox.provision(name="Revoked shop", register=False)
    args = ["channels", "add", "--channel-id", shop.channel_id, "--name", "Revoked shop"]
    added = runner.invoke(args=[*args, "--secret", shop.secret, "--token-mode", "v2_short_lived"])
    assert added.exit_code == 0, added.output
    channel = the_channel(shop.channel_id)
    rejected = channel.access_token
    line_client(channel).revoke_token(rejected)  # as an admin pressing "revoke" at LINE
    with pytest.raises(LineUnauthorized):
        line_client(channel).bot_info()
    flush_call_log()  # the call log's writer queues the renewal with the 401's record
    (job,) = db.session.scalars(sa.select(Job).where(Job.key.endswith(":rejected"))).all()
    assert job.kind == JOB_KIND and job.state is JobState.QUEUED

    assert run_due_jobs() >= 1
    channel = the_channel(shop.channel_id)
    assert channel.access_token != rejected and channel.token_error is None
    assert line_client(channel).bot_info()["userId"] == shop.bot_user_id
    issued = [
        e for e in db.session.scalars(sa.select(AuditEntry)) if e.action == "channel.token_issued"
    ]
    assert issued[-1].details["reason"] == "rejected"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_database_file_holds_no_secret_in_clear(app, client, admin, line_sandbox) -> None:
    shop = line_sandbox.provision(name="Vault", register=False)
    jwk = line_sandbox.assertion_key(shop)
    form = channel_form(
        line_channel_id=shop.channel_id,
        secret=shop.secret,
        token_mode="v21_jwt",
        private_key=json.dumps(jwk),
    )
    assert client.post("/admin/channels/new", data=form, headers=admin).status_code == 302
    plain = channel_form(line_channel_id="2009999999")
    assert client.post("/admin/channels/new", data=plain, headers=admin).status_code == 302
    issued = the_channel(shop.channel_id).access_token
    db.session.commit()
    db.engine.dispose()  # checkpoint the WAL: every byte is in the database files now
    database = Path(db.engine.url.database)
    stored = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    for secret in (shop.secret, SECRET, LONG_LIVED, issued, jwk["d"], jwk["p"], jwk["qi"]):
        assert secret.encode() not in stored
    assert b"2009999999" in stored  # the right file: plain columns are there in clear


def test_pages_and_api_show_the_last_four_characters_only(app, client, admin, make) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    from inbox.line.assertion import private_jwk

    key = private_jwk(rsa.generate_private_key(public_exponent=65537, key_size=2048), "kid-1")
    channel = make.channel(secret=SECRET, access_token=LONG_LIVED)
    channel.private_key = json.dumps(key)
    db.session.commit()
    full = (SECRET, LONG_LIVED, key["d"], json.dumps(key))
    pages = [
        "/admin/channels",
        f"/admin/channels/{channel.id}",
        "/admin/api/channels",
        f"/admin/api/channels/{channel.id}",
        "/api/conversations",
    ]
    for url in pages:
        answer = client.get(url, headers=admin)
        assert answer.status_code == 200, url
        text = answer.get_data(as_text=True)
        for secret in full:
            assert secret not in text, url
    listed = client.get("/admin/api/channels", headers=admin).get_json()["channels"][0]
    assert listed["secret"] == "••••" + SECRET[-4:]
    assert listed["access_token"] == "••••WXYZ"
    page = client.get(f"/admin/channels/{channel.id}", headers=admin).get_data(as_text=True)
    assert "••••WXYZ" in page and "••••" + SECRET[-4:] in page
    audit = json.dumps([entry.details for entry in db.session.scalars(sa.select(AuditEntry))])
    assert SECRET not in audit and LONG_LIVED not in audit


def test_blank_secret_fields_keep_what_is_stored(app, client, admin) -> None:
    created = client.post("/admin/channels/new", data=channel_form(), headers=admin)
    assert created.status_code == 302
    channel = the_channel("2001234567")
    edit = channel_form(secret="", access_token="", name="Renamed", rate_limit="250")
    assert client.post(f"/admin/channels/{channel.id}", data=edit, headers=admin).status_code == 302
    channel = the_channel("2001234567")
    assert (channel.secret, channel.access_token) == (SECRET, LONG_LIVED)
    assert channel.name == "Renamed" and channel.rate_limit_per_minute == 250
    updated = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "channel.updated")
    ).one()
    assert set(updated.details["changed"]) == {"name", "rate_limit_per_minute"}

    refused = [
        channel_form(line_channel_id="2001111111", access_token=""),  # long-lived, no token
        channel_form(line_channel_id="2001111112", token_mode="v21_jwt", private_key="{}"),
        channel_form(line_channel_id="not-a-number"),
        channel_form(line_channel_id="2001234567"),  # taken
        channel_form(line_channel_id="2001111113", secret=""),
    ]
    for form in refused:
        answer = client.post("/admin/channels/new", data=form, headers=admin)
        assert answer.status_code == 400, form
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Channel)) == 1


def test_a_disabled_channel_keeps_its_conversations_and_refuses_sends(
    app, client, admin, make
) -> None:
    channel = make.channel()
    assert deliver(client, channel, [text_event("before")]).get_json()["stored"] == 1
    conversation_id = db.session.scalar(sa.select(Message.conversation_id))
    assert client.post(f"/admin/channels/{channel.id}/disable", headers=admin).status_code == 302
    db.session.expire_all()
    assert channel.enabled is False

    answer = deliver(client, channel, [text_event("after")])
    assert answer.status_code == 200 and answer.get_json()["channel_disabled"] is True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 1
    assert deliver(client, channel, [text_event("x")], signature="bad").status_code == 401

    agent = make.auth_header(Role.AGENT)
    readable = client.get(f"/api/conversations/{conversation_id}/messages", headers=agent)
    assert readable.status_code == 200
    sent = client.post(
        f"/api/conversations/{conversation_id}/messages", json={"text": "hi"}, headers=agent
    )
    assert sent.status_code == 409 and "disabled" in sent.get_json()["message"]

    assert client.post(f"/admin/channels/{channel.id}/enable", headers=admin).status_code == 302
    assert actions(channel.id) == ["channel.disabled", "channel.enabled"]
    assert deliver(client, channel, [text_event("again")]).get_json()["stored"] == 1


def test_start_up_queues_overdue_renewals(app, make) -> None:
    channel = make.channel(token_mode=TokenMode.V2_SHORT_LIVED)
    channel.token_issued_at = utcnow()
    channel.token_expires_at = utcnow()  # expired while the app was down
    db.session.commit()
    assert ensure_renewals() == 1
    job = db.session.scalars(sa.select(Job).where(Job.kind == JOB_KIND)).one()
    assert job.state is JobState.QUEUED and job.run_after <= utcnow()


def test_secrets_rotate_re_encrypts_with_the_first_key(app, runner, make) -> None:
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app.extensions[EXTENSION_KEY] = SecretBox([old])
    channel = make.channel(secret=SECRET)
    legacy = Fernet(derive_key(TEST_SECRET_KEY)).encrypt(b"written-by-an-older-version")
    db.session.execute(
        sa.text("UPDATE channels SET access_token = :value WHERE id = :id"),
        {"value": legacy.decode(), "id": channel.id},
    )
    db.session.commit()
    app.extensions[EXTENSION_KEY] = SecretBox([new, old], [derive_key(TEST_SECRET_KEY)])
    result = runner.invoke(args=["secrets", "rotate"])
    assert result.exit_code == 0, result.output
    app.extensions[EXTENSION_KEY] = SecretBox([new])  # the old keys can go now
    db.session.expire_all()
    channel = db.session.get(Channel, channel.id)
    assert (channel.secret, channel.access_token) == (SECRET, "written-by-an-older-version")
    assert "secrets.rotated" in actions()


def signed(jwk: dict, claims: dict) -> str:
    """An RS256 JWT of any claims (to make assertions LINE refuses)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from inbox.line.assertion import b64url, private_key

    def part(value: dict) -> str:
        return b64url(json.dumps(value).encode())

    head = part({"alg": "RS256", "typ": "JWT", "kid": jwk["kid"]}) + "." + part(claims)
    signature = private_key(jwk).sign(head.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{b64url(signature)}"


def test_sandbox_checks_jwt_assertions_as_line_does(app, runner, line_sandbox) -> None:
    import requests

    from inbox.line.assertion import ASSERTION_TYPE, b64url_decode, sign_assertion

    shop = line_sandbox.provision(name="JWT shop", register=False)
    printed = runner.invoke(args=["sandbox", "assertion-key", shop.channel_id])
    assert printed.exit_code == 0, printed.output
    jwk = json.loads(printed.output)
    assert jwk["kty"] == "RSA" and jwk["kid"] and jwk["d"]
    url = line_sandbox.api_base_url + "/oauth2/v2.1/token"

    def issue(assertion: str) -> requests.Response:
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        }
        return requests.post(url, data=form, timeout=10)

    good = sign_assertion(shop.channel_id, jwk, jwk["kid"], token_lifetime=60)
    assert issue(good).status_code == 200
    claims = json.loads(b64url_decode(good.split(".")[1]))
    header, payload, signature = good.split(".")
    refused = {
        "tampered": f"{header}.{payload}.{signature[:-4]}AAAA",
        "other kid": sign_assertion(shop.channel_id, jwk, "unknown", token_lifetime=60),
        "other channel": sign_assertion("1999999999", jwk, jwk["kid"], token_lifetime=60),
        "no token_exp": sign_assertion(shop.channel_id, jwk, jwk["kid"]),
        "over 30 days": signed(jwk, {**claims, "token_exp": 31 * 24 * 3600}),
        "wrong audience": signed(jwk, {**claims, "aud": "https://example.com/"}),
        "expired": sign_assertion(shop.channel_id, jwk, jwk["kid"], token_lifetime=60, now=0),
    }
    for case, assertion in refused.items():
        answer = issue(assertion)
        assert answer.status_code == 400, case
        assert set(answer.json()) == {"error", "error_description"}, case


def test_switching_back_to_long_lived_needs_a_pasted_token(app, client, admin, make) -> None:
    channel = make.channel(token_mode=TokenMode.V2_SHORT_LIVED, access_token="issued-token-1234")
    form = channel_form(line_channel_id=channel.line_channel_id, secret="", access_token="")
    answer = client.post(f"/admin/channels/{channel.id}", data=form, headers=admin)
    assert answer.status_code == 400
    assert the_channel(channel.line_channel_id).token_mode is TokenMode.V2_SHORT_LIVED


def test_the_form_marks_each_credential_with_the_token_mode_it_belongs_to(
    app, client, admin, make
) -> None:
    channel = make.channel()
    for path in ("/admin/channels/new", f"/admin/channels/{channel.id}"):
        page = client.get(path, headers=admin).get_data(as_text=True)
        assert 'src="/static/js/admin/token_mode.js"' in page  # hides the other modes' fields
        for field, mode in [
            ("access_token", "long_lived"),
            ("private_key_file", "v21_jwt"),
            ("private_key", "v21_jwt"),
            ("assertion_kid", "v21_jwt"),
        ]:
            group = page[: page.index(f'id="{field}"')].rsplit("data-token-mode=", 1)[1]
            assert group.startswith(f'"{mode}"'), field
        assert 'data-token-mode="v2_short_lived"' in page  # "nothing more to enter"


def test_credentials_for_another_token_mode_are_ignored(app, client, admin, line_sandbox) -> None:
    """A browser without scripts shows every field: what was typed in another mode's fields
    neither blocks the save nor is kept."""
    long_lived = channel_form(private_key="{not a key}", assertion_kid="stray-kid")
    assert client.post("/admin/channels/new", data=long_lived, headers=admin).status_code == 302
    channel = the_channel("2001234567")
    assert (channel.access_token, channel.private_key, channel.assertion_kid) == (
        LONG_LIVED,
        None,
        None,
    )

    shop = line_sandbox.provision(register=False)
    automatic = channel_form(
        line_channel_id=shop.channel_id,
        secret=shop.secret,
        token_mode="v2_short_lived",
        access_token="typed-into-the-long-lived-field",
        private_key="{not a key}",
    )
    assert client.post("/admin/channels/new", data=automatic, headers=admin).status_code == 302
    issued = the_channel(shop.channel_id)
    assert issued.token_mode is TokenMode.V2_SHORT_LIVED and issued.private_key is None
    assert issued.access_token and issued.access_token != "typed-into-the-long-lived-field"

    refused = channel_form(line_channel_id="2001111119", token_mode="v21_jwt", private_key="")
    answer = client.post("/admin/channels/new", data=refused, headers=admin)
    assert answer.status_code == 400  # the server still checks what the chosen mode needs
    assert "need the assertion signing key" in answer.get_data(as_text=True)


def test_tokens_in_query_strings_never_reach_the_call_log(app, make) -> None:
    from inbox.line.errors import LineUnavailable
    from inbox.models import LineApiCall
    from tests.sandbox_fixture import free_port

    app.config.update(LINE_API_BASE_URL=f"http://127.0.0.1:{free_port()}", LINE_RETRY_ATTEMPTS=1)
    channel = make.channel()
    with pytest.raises(LineUnavailable):
        line_client(channel).verify_access_token_v21("query-token-never-logged-9876")
    flush_call_log()
    logged = db.session.scalars(sa.select(LineApiCall)).one()
    assert logged.error and "query-token-never-logged" not in logged.error


def test_tokens_in_query_strings_never_reach_the_server_log(
    app, make, line_sandbox, caplog
) -> None:
    """The sandbox answers LINE's v2.1 verify (token in the query) in this process: the access
    log line it prints has the token redacted."""
    shop = line_sandbox.provision(name="Logged shop")
    caplog.set_level(logging.INFO, logger="werkzeug")
    with pytest.raises(LineBadRequest):
        line_client(line_sandbox.inbox_channel(shop)).verify_access_token_v21("never-logged-5432")
    request_lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/oauth2/v2.1/verify?access_token=[redacted]" in line for line in request_lines)
    assert "never-logged-5432" not in caplog.text
