"""Rows for tests, with sensible defaults."""

from __future__ import annotations

import itertools

from inbox.extensions import db
from inbox.models import ApiToken, Channel, Plan, Role, User

_sequence = itertools.count(1)

DEFAULT_PASSWORD = "correct horse battery staple"


class Factory:
    def channel(self, *, secret: str | None = None, **fields: object) -> Channel:
        number = next(_sequence)
        channel = Channel(
            line_channel_id=str(fields.pop("line_channel_id", 1_650_000_000 + number)),
            name=str(fields.pop("name", f"Shop {number}")),
            secret=secret or f"channel-secret-{number:04d}-0123456789abcdef",
            access_token=str(fields.pop("access_token", f"access-token-{number}")),
            plan=fields.pop("plan", Plan.TRIAL),  # type: ignore[arg-type]
            **fields,
        )
        db.session.add(channel)
        db.session.commit()
        return channel

    def user(self, *roles: Role, **fields: object) -> User:
        """A user holding `roles` (an agent when none are given)."""
        number = next(_sequence)
        user = User(
            email=str(fields.pop("email", f"person{number}@example.com")),
            roles=roles or [Role.AGENT],
        )
        user.set_password(str(fields.pop("password", DEFAULT_PASSWORD)))
        for name, value in fields.items():
            setattr(user, name, value)
        db.session.add(user)
        db.session.commit()
        return user

    def token(self, user: User) -> str:
        row, clear = ApiToken.issue(user)
        db.session.add(row)
        db.session.commit()
        return clear

    def auth_header(self, role: Role = Role.AGENT) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(self.user(role))}"}
