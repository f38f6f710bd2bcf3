"""Admins manage people: accounts, roles, passwords and API tokens, each change audited.

Every function commits its change together with its audit entry. Passwords and tokens in the
clear are returned to the caller to show once and never stored or logged.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from inbox.audit import record
from inbox.auth.sessions import lock_out, revoke, roles_changed, sign_out_everywhere
from inbox.extensions import db
from inbox.models import ApiToken, Role, User, UserRole, utcnow

MIN_PASSWORD_LENGTH = 8


class UserChangeRefused(Exception):
    """The change would break a rule; the message says which, in the viewer's language."""


def _generated_password() -> str:
    return secrets.token_urlsafe(12)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserChangeRefused(
            _("A password needs at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)
        )


def _check_roles(roles: Iterable[Role]) -> set[Role]:
    chosen = set(roles)
    if not chosen:
        raise UserChangeRefused(_("Choose at least one role."))
    return chosen


def _ordered(roles: Iterable[Role]) -> list[str]:
    return [role.value for role in Role if role in set(roles)]


def user_by_email(email: str) -> User | None:
    """Emails match whatever their case."""
    return db.session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == email.strip().lower())
    )


def is_last_active_admin(user: User, *, lock: bool = False) -> bool:
    """Is this the only active admin left? Then someone must still be able to manage users.

    With `lock`, the active admins' rows are locked first (PostgreSQL) and counted in a later
    statement, which sees any demotion that committed meanwhile: two admins cannot each remove
    the other at the same moment.
    """
    if not (user.active and Role.ADMIN in user.roles):
        return False
    admins = sa.select(User.id).where(
        User.active.is_(True), User.role_rows.any(UserRole.role == Role.ADMIN)
    )
    if lock:  # every active admin, this one too, so concurrent changes queue up here
        db.session.execute(admins.with_for_update(of=User))
    others = admins.where(User.id != user.id).subquery()
    return not db.session.scalar(sa.select(sa.func.count()).select_from(others))


def _refuse_if_last_admin(user: User) -> None:
    if is_last_active_admin(user, lock=True):
        raise UserChangeRefused(
            _(
                "%(email)s is the last active admin: make someone else an admin first.",
                email=user.email,
            )
        )


def create_user(
    email: str, display_name: str | None, roles: Iterable[Role], password: str | None = None
) -> tuple[User, str | None]:
    """Create an account; returns it with the generated password when none was given."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise UserChangeRefused(_("That is not an email address."))
    if user_by_email(email) is not None:
        raise UserChangeRefused(_("A user with email %(email)s already exists.", email=email))
    chosen = _check_roles(roles)
    generated = None if password else _generated_password()
    password = password or generated or ""
    _check_password(password)
    user = User(email=email, display_name=(display_name or "").strip() or None, roles=chosen)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user.created", target=user, details={"email": email, "roles": _ordered(chosen)})
    try:
        db.session.commit()
    except sa.exc.IntegrityError as clash:  # created by someone else a moment ago
        db.session.rollback()
        raise UserChangeRefused(
            _("A user with email %(email)s already exists.", email=email)
        ) from clash
    return user, generated


def update_user(user: User, display_name: str | None, roles: Iterable[Role]) -> None:
    """Rename and set the roles; the last active admin keeps the admin role."""
    chosen = _check_roles(roles)
    if Role.ADMIN not in chosen:
        _refuse_if_last_admin(user)
    changes: dict[str, object] = {}
    display_name = (display_name or "").strip() or None
    if display_name != user.display_name:
        changes["display_name"] = display_name
        user.display_name = display_name
    if chosen != user.roles:
        changes["roles_added"] = _ordered(chosen - user.roles)
        changes["roles_removed"] = _ordered(user.roles - chosen)
        user.roles = chosen
        roles_changed(user)
    if changes:
        record("user.updated", target=user, details=changes)
    db.session.commit()


def set_active(user: User, active: bool) -> None:
    """Disable (signing the user out everywhere) or re-enable an account."""
    if active == user.active:
        return
    if not active:
        _refuse_if_last_admin(user)
        lock_out(user)
    user.active = active
    record("user.enabled" if active else "user.disabled", target=user)
    db.session.commit()


def reset_password(user: User, password: str | None = None) -> str | None:
    """Set a new password (or generate one, returned to show once); other sessions end."""
    generated = None if password else _generated_password()
    password = password or generated or ""
    _check_password(password)
    user.set_password(password)
    sign_out_everywhere(user)
    record("user.password_reset", target=user, details={"generated": generated is not None})
    db.session.commit()
    return generated


def issue_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token; the clear token is returned once, only its hash is kept."""
    row, clear = ApiToken.issue(user, name=name.strip()[:120])
    db.session.add(row)
    db.session.flush()
    details = {"token_id": row.id, "name": row.name, "hint": row.hint}
    record("user.token_issued", target=user, details=details)
    db.session.commit()
    return row, clear


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is not None:
        return
    revoke(token)
    record(
        "user.token_revoked",
        target=token.user,
        details={"token_id": token.id, "name": token.name},
    )
    db.session.commit()


def note_sign_in(user: User) -> None:
    """Remember when the user last signed in (shown on the users list)."""
    user.last_sign_in_at = utcnow()
    db.session.commit()
