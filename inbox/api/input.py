"""Reading what clients send to the API and the supervisors' pages: the JSON body, its fields
and the query string, each checked for type and for what the database can store, so a value
no client should send is a 400 naming its field, never a database error or a 500.

`guard(blueprint)` puts the query-string check and the 400 answer on a blueprint; views read
JSON fields through the helpers below and raise `BadInput` for anything else they refuse.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

from flask import Blueprint, Flask, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import IntegerConverter

from inbox.database import UNSTORABLE_TEXT
from inbox.errors import handle_http_error

# Ids are INTEGER columns: 32-bit in PostgreSQL, which refuses a larger number in a query
# ("integer out of range"); SQLite's driver overflows past 64 bits. No row has a larger id.
LARGEST_ID = 2**31 - 1

Choice = TypeVar("Choice", bound=Enum)


def is_row_id(raw: str) -> bool:
    """Whether query-string text can name a row: ASCII digits (str.isdigit also takes "²",
    which int() refuses) of a number the database can hold."""
    return raw.isascii() and raw.isdigit() and int(raw) <= LARGEST_ID


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: a number past LARGEST_ID names no row (and is an error to
    the database), so it is a 404 like any other missing row.

    NotFound rather than werkzeug's ValidationError: a rule refused by validation still lends
    its methods to the answer, and a PATCH beside a GET route would get a 405.
    """

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > LARGEST_ID:
            raise NotFound()
        return number


class BadInput(ValueError):
    """A value the request cannot use; the message names the field and says what to send."""


def storable(value: str, name: str) -> str:
    """The text unchanged, or BadInput when it holds NUL or half of a UTF-16 pair (PostgreSQL
    refuses both; such code points reach us only as JSON's \\u escapes or %00)."""
    if UNSTORABLE_TEXT.search(value):
        raise BadInput(
            _(
                "%(name)s contains a character that cannot be stored "
                "(NUL, or half of a UTF-16 surrogate pair).",
                name=name,
            )
        )
    return value


def _check_storable(value: Any, name: str) -> None:
    if isinstance(value, str):
        storable(value, name)
    elif isinstance(value, dict):
        for key, item in value.items():
            storable(key, name)
            _check_storable(item, f"{name}.{key}" if name else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_storable(item, f"{name}[{index}]")


def json_object() -> dict[str, Any]:
    """The request's JSON object, every string in it storable."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInput(_("Send a JSON object."))
    _check_storable(body, "")
    return body


def text_field(body: dict[str, Any], name: str, refusal: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise BadInput(refusal)
    return value


def text_list_field(body: dict[str, Any], name: str, refusal: str) -> list[str]:
    value = body.get(name)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadInput(refusal)
    return value


def choice_field(
    body: dict[str, Any], name: str, choices: type[Choice], default: Choice | None, refusal: str
) -> Choice | None:
    """One of an enum's values, given as its string; `default` when the field is absent."""
    if name not in body:
        return default
    value = body[name]
    if not isinstance(value, str) or value not in {choice.value for choice in choices}:
        raise BadInput(refusal)
    return choices(value)


def id_or_null_field(body: dict[str, Any], name: str, refusal: str) -> int | None:
    """A row id or null. JSON's true and false are no ids, though Python counts them as ints."""
    value = body[name]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= LARGEST_ID:
        raise BadInput(refusal)
    return value


def in_utc(moment: datetime, name: str) -> datetime:
    """The moment in UTC, or BadInput when that falls outside the years 1 to 9999
    (0001-01-01T00:00:00+14:00 is a valid time whose UTC is not)."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise BadInput(_("%(name)s must be between the years 1 and 9999.", name=name)) from None


def zoned_moment(raw: str, name: str) -> datetime:
    """An ISO 8601 time with its zone ("Z" for UTC), as API filters take them, in UTC."""
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        message = _("%(name)s must be a date or time like 2026-11-24T09:00:00Z.", name=name)
        raise BadInput(message) from None
    if moment.tzinfo is None:
        raise BadInput(_("%(name)s needs a time zone, e.g. a trailing Z for UTC.", name=name))
    return in_utc(moment, name)


def _refuse_unstorable_query() -> None:
    for name, value in request.args.items(multi=True):
        storable(name, name)
        storable(value, name)


def _bad_input(error: BadInput) -> ResponseReturnValue:
    return handle_http_error(BadRequest(str(error)))


def guard(blueprint: Blueprint) -> None:
    """Refuse unstorable query strings before the blueprint's views run, and answer BadInput
    from any of them as a 400 (JSON under /api, the error page elsewhere)."""
    blueprint.before_request(_refuse_unstorable_query)
    blueprint.register_error_handler(BadInput, _bad_input)


def init_app(app: Flask) -> None:
    """Bound every route's `<int:...>` ids; before the blueprints, whose rules use it."""
    app.url_map.converters["int"] = RowIdConverter
