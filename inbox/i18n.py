"""Locale and time-zone selection for Flask-Babel: the user's choice, then the browser's."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_datetime, get_locale, get_timezone
from flask_login import current_user
from markupsafe import Markup

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


def viewer_zone() -> ZoneInfo:
    """The viewer's zone as a tzinfo (Babel hands a pytz zone: no good as a tzinfo= here)."""
    return ZoneInfo(str(get_timezone() or "UTC"))


def saved_timezone() -> str | None:
    """The zone the viewer chose at /account, for the pages' scripts (None: the browser's)."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.timezone
    return None


def local_time(moment: datetime | None, format: str = "medium") -> Markup:
    """The one way pages show a moment: a <time> in the viewer's zone (the one saved at
    /account, else the browser's), in their language, with the exact instant for machines."""
    if moment is None:
        return Markup("")
    return Markup('<time datetime="{}">{}</time>').format(
        moment.isoformat(), format_datetime(moment, format)
    )


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    app.jinja_env.globals.update(
        get_locale=get_locale, format_datetime=format_datetime, saved_timezone=saved_timezone
    )
    app.jinja_env.filters["local_time"] = local_time
