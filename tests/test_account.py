"""Each person's own language, time zone and alerts: chosen on /account, used by every page."""

from __future__ import annotations

import sqlalchemy as sa

from inbox.auth.forms import ALERT_FIELDS
from inbox.extensions import db
from inbox.models import AuditEntry, Role, User
from tests.test_admin_users import csrf_of, sign_in

ALERTS_AS_THEY_ARE = dict.fromkeys(ALERT_FIELDS, "y")  # every box ticked, as for a new person


def save(client, alerts: dict[str, str] = ALERTS_AS_THEY_ARE, **fields: str):
    """Post the form as the browser does: ticked boxes are sent, unticked ones are not."""
    token = csrf_of(client, "/account")
    return client.post("/account", data={"csrf_token": token, **alerts, **fields})


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


def test_alert_settings_are_saved(client, make) -> None:
    agent = make.user(Role.AGENT)
    sign_in(client, agent.email)
    page = client.get("/account").get_data(as_text=True)
    assert "New messages in conversations assigned to me" in page
    assert 'id="allow-notifications"' in page  # permission is asked on a click, by the script
    person = db.session.get(User, agent.id)
    assert [getattr(person, name) for name in ALERT_FIELDS] == [True] * 5  # the defaults

    kept = {"alert_assigned_messages": "y", "alert_desktop": "y"}
    assert save(client, alerts=kept, locale="", timezone="").status_code == 302
    db.session.expire_all()
    person = db.session.get(User, agent.id)
    assert {name: getattr(person, name) for name in ALERT_FIELDS} == {
        "alert_new_conversations": False,
        "alert_assigned_messages": True,
        "alert_mentions": False,
        "alert_desktop": True,
        "alert_sound": False,
    }
    (entry,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "account.preferences_changed")
    ).all()
    assert entry.details == {
        "alert_new_conversations": False,
        "alert_mentions": False,
        "alert_sound": False,
    }
    boot = client.get("/").get_data(as_text=True)
    assert '"alerts": {"assigned_messages": true, "desktop": true, "mentions": false' in boot


def test_pages_tell_scripts_the_saved_zone_only(client, make) -> None:
    agent = make.user(Role.AGENT)
    sign_in(client, agent.email)
    client.set_cookie("tz", "America/New_York")  # the browser's: its scripts know it already
    assert "data-time-zone" not in client.get("/account").get_data(as_text=True)
    save(client, locale="", timezone="Asia/Bangkok")
    assert '<html lang="en" data-time-zone="Asia/Bangkok">' in client.get("/").get_data(
        as_text=True
    )
