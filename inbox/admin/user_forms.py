"""The forms on the users pages (each carries its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from inbox.auth import ROLE_LABELS
from inbox.models import Role


class RoleChoices(SelectMultipleField):
    """One checkbox per role."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: str, **kwargs: object) -> None:
        super().__init__(
            label,
            choices=[SelectChoice(role.value, ROLE_LABELS[role]) for role in Role],
            coerce=Role,
            **kwargs,
        )


def at_least_one_role(_form: FlaskForm, field: RoleChoices) -> None:
    # Nothing is ticked for the admin: a role given by default is a role nobody chose.
    if not field.data:
        raise ValidationError(_l("Choose at least one role."))


class UserForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=120)])
    roles = RoleChoices(_l("Roles"), validators=[at_least_one_role])


class NewUserForm(UserForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(
        _l("Password (leave empty to generate one)"), validators=[Optional(), Length(max=1024)]
    )


class PasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password (leave empty to generate one)"),
        validators=[Optional(), Length(max=1024)],
    )


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[Optional(), Length(max=120)])
