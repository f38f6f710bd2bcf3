"""The sign-in form and each person's own preferences."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, Length


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me signed in on this device"))


# Each language named in itself: someone who cannot read the current one still finds theirs.
LANGUAGE_NAMES = {"en": "English", "id": "Bahasa Indonesia", "ja": "日本語", "th": "ไทย"}


def _time_zones() -> list[str]:
    """Places people live (Asia/Bangkok), not aliases such as Etc/GMT+7 or US/Pacific."""
    prefixes = (
        "Africa/",
        "America/",
        "Antarctica/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Indian/",
        "Pacific/",
    )
    return [*sorted(zone for zone in available_timezones() if zone.startswith(prefixes)), "UTC"]


# The alert settings on User, in the order /account shows them.
ALERT_FIELDS = (
    "alert_new_conversations",
    "alert_assigned_messages",
    "alert_mentions",
    "alert_desktop",
    "alert_sound",
)


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Language"))
    timezone = SelectField(_l("Time zone"))
    alert_new_conversations = BooleanField(
        _l("New conversations: a customer starts waiting and nobody is assigned")
    )
    alert_assigned_messages = BooleanField(_l("New messages in conversations assigned to me"))
    alert_mentions = BooleanField(_l("Mentions of me in colleagues' private notes (@ and my name)"))
    alert_desktop = BooleanField(_l("Show a desktop notification"))
    alert_sound = BooleanField(_l("Play a sound"))

    def __init__(self, languages: list[str], **kwargs: object) -> None:
        super().__init__(**kwargs)
        automatic = ("", _l("As my browser says"))
        self.locale.choices = [
            automatic,
            *((code, LANGUAGE_NAMES.get(code, code)) for code in languages),
        ]
        self.timezone.choices = [
            automatic,
            *((zone, zone.replace("_", " ")) for zone in _time_zones()),
        ]
