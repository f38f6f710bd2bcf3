"""Checks that a webhook body has LINE's shape before anything is stored.

Only what storing and deduplicating need is enforced: a body with `destination` and an `events`
list whose items carry `type`, `timestamp`, `webhookEventId` and `deliveryContext`. Anything
else an event carries, including types we do not know, is kept as LINE sent it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


class EnvelopeError(ValueError):
    """The body is not JSON or not LINE's webhook shape; the message says what is wrong."""


@dataclass(frozen=True)
class Envelope:
    destination: str
    events: list[dict[str, Any]]
    # The body escapes NUL or a UTF-16 half: some text may need making storable. (Such code
    # points reach JSON only as \u escapes; valid UTF-8 cannot carry them.)
    has_unstorable_text: bool = False


_UNSTORABLE_ESCAPE = re.compile(
    rb"\\u(?:0000|[dD][89abAB][0-9a-fA-F]{2}|[dD][c-fC-F][0-9a-fA-F]{2})"
)


# LINE's bodies nest about six levels. Far deeper is no LINE event, and would overflow the
# recursion that makes text storable or writes the JSON column: refused before anything.
DEEPEST_NESTING = 64

LATEST_TIMESTAMP = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z in milliseconds

_REQUIRED_EVENT_FIELDS: tuple[tuple[str, type | tuple[type, ...]], ...] = (
    ("type", str),
    ("timestamp", int),
    ("webhookEventId", str),
    ("deliveryContext", dict),
)


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", dict: "an object", bool: "true or false"}
    if isinstance(expected, tuple):
        return " or ".join(names[t] for t in expected)
    return names[expected]


def _check_event(index: int, event: Any) -> None:
    where = f"events[{index}]"
    if not isinstance(event, dict):
        raise EnvelopeError(f"{where} must be an object")
    for field, expected in _REQUIRED_EVENT_FIELDS:
        value = event.get(field)
        # bool is an int subclass in Python; a boolean timestamp is not LINE's shape.
        if value is None or isinstance(value, bool) or not isinstance(value, expected):
            problem = "is missing" if value is None else f"must be {_type_name(expected)}"
            raise EnvelopeError(f"{where}.{field} {problem}")
    if not event["webhookEventId"].strip() or len(event["webhookEventId"]) > 64:
        raise EnvelopeError(f"{where}.webhookEventId must be 1 to 64 characters")
    if not event["type"].strip() or len(event["type"]) > 64:
        raise EnvelopeError(f"{where}.type must be 1 to 64 characters")
    if not 0 <= event["timestamp"] <= LATEST_TIMESTAMP:
        raise EnvelopeError(f"{where}.timestamp must be milliseconds since 1970, before 9999")
    if not isinstance(event["deliveryContext"].get("isRedelivery"), bool):
        raise EnvelopeError(f"{where}.deliveryContext.isRedelivery must be true or false")
    source = event.get("source")
    if source is not None and not isinstance(source, dict):
        raise EnvelopeError(f"{where}.source must be an object")


def _nesting_exceeds(data: Any, limit: int) -> bool:
    """Whether objects and lists nest deeper than `limit` (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        items = value.values() if isinstance(value, dict) else value
        if depth > limit:
            return True
        stack.extend((item, depth + 1) for item in items if isinstance(item, dict | list))
    return False


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")  # Python's json takes it; JSON does not


def parse_envelope(body: bytes) -> Envelope:
    """Parse and check a webhook body; raise EnvelopeError naming the first problem."""
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except RecursionError as exc:
        raise EnvelopeError("The body is nested too deeply") from exc
    except ValueError as exc:  # bad JSON or UTF-8, NaN, a number of thousands of digits
        raise EnvelopeError(f"The body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise EnvelopeError("The body must be a JSON object with 'destination' and 'events'")
    if _nesting_exceeds(data, DEEPEST_NESTING):
        raise EnvelopeError(f"The body nests more than {DEEPEST_NESTING} levels deep")
    destination = data.get("destination")
    if not isinstance(destination, str) or not destination:
        raise EnvelopeError("'destination' is missing or not a string")
    if len(destination) > 64:  # a bot's user id: U and 32 hex digits
        raise EnvelopeError("'destination' must be at most 64 characters")
    events = data.get("events")
    if not isinstance(events, list):
        raise EnvelopeError("'events' is missing or not a list")
    for index, event in enumerate(events):
        _check_event(index, event)
    return Envelope(destination, events, bool(_UNSTORABLE_ESCAPE.search(body)))
