"""Field rules for JSON request bodies, and the two ways a body can fail them.

A rule (`Text`, `Url`, `Integer`, `Object`, `Array`, `OneOf`, ...) says whether a field must be
there and what its value must look like. Failures come in LINE's two kinds:

- a value of the wrong JSON type cannot even be read (`Unreadable`), which stops the request.
  Like the Jackson reader behind LINE's answers, scalars are coerced where that is possible:
  `"packageId": 446` reads as "446" and `"duration": "60000"` as 60000;
- a readable value that breaks a rule adds one `details` entry
  (`{"message": ..., "property": "messages[0].text"}`), and all of them are reported together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

Details = list[dict[str, str]]

MAX_URL = 2_000
REQUIRED = "must be specified"
EMPTY = "May not be empty"
NOT_HTTPS = "must be a valid HTTPS URL"
# Hosts a local inbox serves its own media from: real LINE wants https only, but a developer's
# machine has no certificate, so the sandbox lets plain http through for loopback hosts.
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class Unreadable(Exception):
    """A value of the wrong JSON type: LINE cannot deserialise the body at all."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


def text_length(text: str) -> int:
    """Characters as LINE counts them: UTF-16 code units (an emoji outside the BMP is 2)."""
    return len(text.encode("utf-16-le")) // 2


def _as_text(value: Any, where: str) -> str:
    """A string field's value: a JSON scalar reads as its text; an object or array cannot."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    raise Unreadable(where)


def _as_number(value: Any, where: str) -> float:
    """A number field's value: a JSON number, or a string holding one."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            pass
    raise Unreadable(where)


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _problem(details: Details, message: str, where: str) -> None:
    details.append({"message": message, "property": where})


@dataclass(frozen=True)
class Rule:
    """One field: whether it must be there, and what its value must look like."""

    required: bool = False

    def check(self, value: Any, where: str, details: Details) -> None:
        if value is None:
            if self.required:
                _problem(details, REQUIRED, where)
            return
        self.check_value(value, where, details)

    def check_value(self, value: Any, where: str, details: Details) -> None:
        """Rules for a present value; the base accepts anything."""


@dataclass(frozen=True)
class Text(Rule):
    not_empty: bool = False
    max_length: int | None = None

    def check_value(self, value: Any, where: str, details: Details) -> None:
        value = _as_text(value, where)
        if self.not_empty and not value:
            _problem(details, EMPTY, where)
        elif self.max_length is not None and text_length(value) > self.max_length:
            _problem(details, f"Length must be between 0 and {self.max_length}", where)


@dataclass(frozen=True)
class Url(Text):
    """An HTTPS URL of at most 2,000 characters (LINE fetches it from its own servers)."""

    max_length: int | None = MAX_URL

    def check_value(self, value: Any, where: str, details: Details) -> None:
        value = _as_text(value, where)
        try:
            parts = urlsplit(value)
            secure = parts.scheme == "https" or (
                parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS
            )
        except ValueError:  # e.g. an unclosed IPv6 bracket
            secure = False
        if not secure or not parts.netloc:
            _problem(details, NOT_HTTPS, where)
        else:
            super().check_value(value, where, details)


@dataclass(frozen=True)
class ChatId(Text):
    """A user, group or room ID; anything not shaped like one is unreadable to LINE."""

    not_empty: bool = True
    pattern: re.Pattern[str] = re.compile(r"^[UCR][0-9a-f]{32}$")

    def check_value(self, value: Any, where: str, details: Details) -> None:
        super().check_value(value, where, details)
        text = _as_text(value, where)
        if text and not self.pattern.match(text):
            raise Unreadable(where)


@dataclass(frozen=True)
class Integer(Rule):
    minimum: int | None = None
    maximum: int | None = None

    def check_value(self, value: Any, where: str, details: Details) -> None:
        value = _as_number(value, where)
        if not float(value).is_integer():
            raise Unreadable(where)
        if self.minimum is not None and value < self.minimum:
            _problem(details, f"must be greater than or equal to {self.minimum}", where)
        elif self.maximum is not None and value > self.maximum:
            _problem(details, f"must be less than or equal to {self.maximum}", where)


@dataclass(frozen=True)
class Number(Rule):
    def check_value(self, value: Any, where: str, details: Details) -> None:
        _as_number(value, where)


@dataclass(frozen=True)
class Boolean(Rule):
    def check_value(self, value: Any, where: str, details: Details) -> None:
        if not isinstance(value, bool) and value not in ("true", "false"):
            raise Unreadable(where)


@dataclass(frozen=True)
class Object(Rule):
    """A JSON object whose named fields follow their rules; other fields are ignored."""

    fields: Mapping[str, Rule] = field(default_factory=dict)

    def check_value(self, value: Any, where: str, details: Details) -> None:
        if not isinstance(value, dict):
            raise Unreadable(where)
        for name, rule in self.fields.items():
            rule.check(value.get(name), _join(where, name), details)

    def extended(self, **more: Rule) -> Object:
        return Object(required=self.required, fields={**self.fields, **more})


@dataclass(frozen=True)
class Array(Rule):
    items: Rule = field(default_factory=Rule)
    min_items: int = 0
    max_items: int | None = None

    def check_value(self, value: Any, where: str, details: Details) -> None:
        if not isinstance(value, list):
            raise Unreadable(where)
        if len(value) < self.min_items or (
            self.max_items is not None and len(value) > self.max_items
        ):
            _problem(details, f"Size must be between {self.min_items} and {self.max_items}", where)
        for index, item in enumerate(value):
            item_where = f"{where}[{index}]"
            if item is None:
                _problem(details, REQUIRED, item_where)
            else:
                self.items.check_value(item, item_where, details)


@dataclass(frozen=True)
class KeyedObjects(Rule):
    """A JSON object used as a map: keys of a given shape, each value following one rule."""

    values: Rule = field(default_factory=Rule)
    key_pattern: re.Pattern[str] = re.compile(r".*")
    max_keys: int | None = None

    def check_value(self, value: Any, where: str, details: Details) -> None:
        if not isinstance(value, dict):
            raise Unreadable(where)
        if self.max_keys is not None and len(value) > self.max_keys:
            _problem(details, f"Size must be between 0 and {self.max_keys}", where)
        for key, item in value.items():
            item_where = _join(where, key)
            if not self.key_pattern.match(key):
                _problem(details, f"must match {self.key_pattern.pattern!r}", item_where)
            self.values.check(item, item_where, details)


@dataclass(frozen=True)
class OneOf(Rule):
    """An object whose `type` picks its table, as the spec's discriminators do."""

    kinds: Mapping[str, Object] = field(default_factory=dict)

    def check_value(self, value: Any, where: str, details: Details) -> None:
        if not isinstance(value, dict):
            raise Unreadable(where)
        kind = value.get("type")
        if kind is None:
            _problem(details, REQUIRED, _join(where, "type"))
        elif not isinstance(kind, str):
            raise Unreadable(_join(where, "type"))
        elif kind not in self.kinds:
            allowed = ", ".join(self.kinds)
            _problem(
                details,
                f"Must be one of the following values: [{allowed}]",
                _join(where, "type"),
            )
        else:
            self.kinds[kind].check_value(value, where, details)


def problems(rule: Rule, body: dict[str, Any]) -> Details:
    """The `details` a body earns under `rule` (raises Unreadable for a wrong JSON type)."""
    details: Details = []
    rule.check(body, "", details)
    return details
