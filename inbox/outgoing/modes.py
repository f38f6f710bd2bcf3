"""How an agent asks for a message to go, and why it may not go at all."""

from __future__ import annotations

from enum import StrEnum


class SendMode(StrEnum):
    AUTO = "auto"  # the free reply while a fresh token exists, else push
    REPLY = "reply"
    PUSH = "push"


class CannotSend(Exception):
    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.code = code
