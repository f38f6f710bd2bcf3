"""Admins' users pages: accounts, roles, passwords and API tokens (under /admin/users)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user

from inbox.admin import users_service as service
from inbox.admin.blueprint import bp
from inbox.admin.user_forms import NewUserForm, PasswordForm, TokenForm, UserForm
from inbox.auth import ROLE_LABELS, roles_required
from inbox.extensions import db
from inbox.models import ApiToken, Role, User


def user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def _shown_once(page: str, status: int = 200) -> ResponseReturnValue:
    """A page holding a password or token in the clear: no cache may keep it."""
    return page, status, {"Cache-Control": "no-store"}


def _user_page(user: User, status: int = 200, **context: Any) -> ResponseReturnValue:
    context.setdefault("form", UserForm(formdata=None, obj=user))
    context.setdefault("password_form", PasswordForm(formdata=None))
    context.setdefault("token_form", TokenForm(formdata=None))
    tokens = sorted(user.api_tokens, key=lambda token: token.created_at, reverse=True)
    page = render_template(
        "admin/user.html",
        user=user,
        tokens=tokens,
        role_labels=ROLE_LABELS,
        last_admin=service.is_last_active_admin(user),
        **context,
    )
    return _shown_once(page, status)


def _refused(user: User, refusal: service.UserChangeRefused, **context: Any) -> ResponseReturnValue:
    flash(str(refusal), "error")
    return _user_page(user, 409, **context)


@bp.get("/users")
@roles_required(Role.ADMIN)
def users() -> ResponseReturnValue:
    """Everyone who can sign in, with their roles and when they last did."""
    people = db.session.scalars(sa.select(User).order_by(User.active.desc(), User.email))
    return render_template("admin/users.html", people=people, role_labels=ROLE_LABELS, Role=Role)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user() -> ResponseReturnValue:
    """Create an account; a generated password is shown once, on the next page."""
    form = NewUserForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("admin/user_new.html", form=form), status
    try:
        user, generated = service.create_user(
            form.email.data or "", form.display_name.data, form.roles.data or [], form.password.data
        )
    except service.UserChangeRefused as refusal:
        flash(str(refusal), "error")
        return render_template("admin/user_new.html", form=form), 409
    flash(_("%(email)s can now sign in.", email=user.email), "info")
    if generated is None:
        return redirect(url_for("admin.user", user_id=user.id))
    return _user_page(user, 201, shown_once={"label": _("Password"), "value": generated})


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user(user_id: int) -> ResponseReturnValue:
    """One person: name and roles (POST saves them), account state, password, API tokens."""
    person = user_or_404(user_id)
    form = UserForm()
    if not form.is_submitted():
        return _user_page(person)
    if not form.validate():
        return _user_page(person, 400, form=form)
    try:
        service.update_user(person, form.display_name.data, form.roles.data or [])
    except service.UserChangeRefused as refusal:
        return _refused(person, refusal, form=form)
    flash(_("Saved."), "info")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.post("/users/<int:user_id>/disable")
@roles_required(Role.ADMIN)
def disable_user(user_id: int) -> ResponseReturnValue:
    """Disable an account: its sessions end and its API tokens stop working."""
    return _set_active(user_or_404(user_id), False)


@bp.post("/users/<int:user_id>/enable")
@roles_required(Role.ADMIN)
def enable_user(user_id: int) -> ResponseReturnValue:
    """Let a disabled account sign in again (its unrevoked tokens work again too)."""
    return _set_active(user_or_404(user_id), True)


def _set_active(person: User, active: bool) -> ResponseReturnValue:
    try:
        service.set_active(person, active)
    except service.UserChangeRefused as refusal:
        return _refused(person, refusal)
    if active:
        flash(_("%(email)s can sign in again.", email=person.email), "info")
    else:
        flash(_("%(email)s is disabled and signed out.", email=person.email), "info")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.post("/users/<int:user_id>/password")
@roles_required(Role.ADMIN)
def reset_password(user_id: int) -> ResponseReturnValue:
    """Set a new password, or generate one shown once; the user's other sessions end."""
    person = user_or_404(user_id)
    form = PasswordForm()
    if not form.validate_on_submit():
        return _user_page(person, 400, password_form=form)
    try:
        generated = service.reset_password(person, form.password.data or None)
    except service.UserChangeRefused as refusal:
        return _refused(person, refusal, password_form=form)
    if person.id == current_user.id:  # the version moved on: keep this browser signed in
        login_user(person)
    flash(_("The password is changed; %(email)s was signed out.", email=person.email), "info")
    if generated is None:
        return redirect(url_for("admin.user", user_id=person.id))
    return _user_page(person, shown_once={"label": _("New password"), "value": generated})


@bp.post("/users/<int:user_id>/tokens")
@roles_required(Role.ADMIN)
def issue_token(user_id: int) -> ResponseReturnValue:
    """Issue a personal API token; it is shown once, only its hash is kept."""
    person = user_or_404(user_id)
    form = TokenForm()
    if not form.validate_on_submit():
        return _user_page(person, 400, token_form=form)
    _row, clear = service.issue_token(person, form.name.data or "")
    flash(_("Copy the token now: it will not be shown again."), "info")
    return _user_page(person, 201, shown_once={"label": _("API token"), "value": clear})


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
@roles_required(Role.ADMIN)
def revoke_token(user_id: int, token_id: int) -> ResponseReturnValue:
    """Revoke one of the user's API tokens; requests carrying it are refused from now on."""
    person = user_or_404(user_id)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != person.id:
        abort(404)
    service.revoke_token(token)
    flash(_("The token ending in %(hint)s is revoked.", hint=token.hint), "info")
    return redirect(url_for("admin.user", user_id=person.id))
