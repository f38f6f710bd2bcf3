"""Locale and time-zone selection for Flask-Babel: the user's choice, then the browser's."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_datetime, get_locale
from flask_login import current_user

from inbox.extensions import babel

TIMEZONE_COOKIE = "tz"  # set by the pages' script from Intl.DateTimeFormat().resolvedOptions()


def valid_timezone(name: str | None) -> str | None:
    if not name or len(name) > 64:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def select_locale() -> str | None:
    if not has_request_context():  # jobs and CLI: the default locale
        return None
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    return request.accept_languages.best_match(current_app.config["LANGUAGES"])


def select_timezone() -> str | None:
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return valid_timezone(request.cookies.get(TIMEZONE_COOKIE))


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    app.jinja_env.globals.update(get_locale=get_locale, format_datetime=format_datetime)
