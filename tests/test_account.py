"""Each person's own language and time zone: chosen on /account, used by every page."""

from __future__ import annotations

import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import AuditEntry, Role, User
from tests.test_admin_users import csrf_of, sign_in


def save(client, **fields: str):
    token = csrf_of(client, "/account")
    return client.post("/account", data={"csrf_token": token, **fields})


def test_choosing_a_language_and_time_zone(client, make) -> None:
    agent = make.user(Role.AGENT)
    assert sign_in(client, agent.email).status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "ไทย" in page and "日本語" in page and "Bahasa Indonesia" in page
    assert 'value="Asia/Bangkok"' in page and 'value="Etc/GMT+7"' not in page

    assert save(client, locale="th", timezone="Asia/Bangkok").status_code == 302
    db.session.expire_all()
    person = db.session.get(User, agent.id)
    assert (person.locale, person.timezone) == ("th", "Asia/Bangkok")
    assert (
        client.get("/account").get_data(as_text=True).startswith('<!doctype html>\n<html lang="th"')
    )
    (entry,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "account.preferences_changed")
    ).all()
    assert entry.details == {"locale": "th", "timezone": "Asia/Bangkok"}

    assert save(client, locale="", timezone="").status_code == 302  # back to the browser's
    db.session.expire_all()
    assert db.session.get(User, agent.id).locale is None


def test_made_up_choices_are_refused(client, make) -> None:
    agent = make.user(Role.AGENT)
    sign_in(client, agent.email)
    assert save(client, locale="xx", timezone="Asia/Bangkok").status_code == 400
    assert save(client, locale="ja", timezone="Mars/Olympus").status_code == 400
    db.session.expire_all()
    assert db.session.get(User, agent.id).locale is None
