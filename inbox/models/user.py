"""People who sign in: agents, supervisors, admins, and their API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from inbox.extensions import db
from inbox.models.base import CreatedAtMixin, enum_type
from inbox.models.types import UTCDateTime, utcnow

API_TOKEN_PREFIX = "lit_"


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class UserRole(db.Model):
    """One role a user holds; a user may hold several (an agent who also supervises)."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role), primary_key=True, index=True)


class User(UserMixin, CreatedAtMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    display_name: Mapped[str | None] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    # Alerts in the workspace: what is worth interrupting this person for, and how.
    alert_new_conversations: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    alert_assigned_messages: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    alert_mentions: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    alert_desktop: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    alert_sound: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Part of the id kept in session and remember-me cookies: bumping it signs out every
    # browser at once (on disable and on a password reset).
    session_version: Mapped[int] = mapped_column(default=1)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )
    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    @roles.setter
    def roles(self, wanted: Iterable[Role]) -> None:
        wanted = set(wanted)
        self.role_rows = [row for row in self.role_rows if row.role in wanted] + [
            UserRole(role=role) for role in sorted(wanted - self.roles)
        ]

    @property
    def is_active(self) -> bool:  # refused by the user loader and bearer tokens when False
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in cookies: the id and the session version."""
        return f"{self.id}:{self.session_version or 1}"

    def has_role(self, *roles: Role) -> bool:
        """May this user act as one of `roles`? Admins may do everything."""
        held = self.roles
        return Role.ADMIN in held or not held.isdisjoint(roles)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {sorted(self.roles)}>"


def holds_role(*roles: Role) -> sa.ColumnElement[bool]:
    """A WHERE clause: the user may act as one of `roles` (admins may do everything)."""
    return User.role_rows.any(UserRole.role.in_({*roles, Role.ADMIN}))


def active_agents() -> sa.Select[tuple[User]]:
    """Active users who can act as agents (the assign list), by name."""
    return (
        sa.select(User)
        .where(User.active.is_(True), holds_role(Role.AGENT))
        .order_by(User.display_name, User.email)
    )


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(CreatedAtMixin, db.Model):
    """A bearer token for API clients; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    hint: Mapped[str] = mapped_column(sa.String(16))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="api_tokens")

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        """Create a token row and return it with the clear token (never stored)."""
        clear = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = cls(user=user, name=name, token_hash=hash_api_token(clear), hint=clear[-4:])
        return row, clear


class SignInFailure(db.Model):
    """A failed sign-in, counted per account and per client address to slow down guessing.

    Without Redis these rows are the shared counter every process sees; rows older than the
    window are pruned as new ones arrive.
    """

    __tablename__ = "sign_in_failures"
    __table_args__ = (sa.Index("ix_sign_in_failures_key_time", "scope", "key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(8))  # "email" or "ip"
    key: Mapped[str] = mapped_column(sa.String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
