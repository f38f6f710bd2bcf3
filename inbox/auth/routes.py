"""Sign in and out (slowed down after failed guesses); each person's own API tokens."""

from __future__ import annotations

import math
import secrets
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext, refresh
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from inbox.admin.user_forms import TokenForm
from inbox.admin.users_service import issue_token, note_sign_in, revoke_token, user_by_email
from inbox.audit import record
from inbox.auth import throttle
from inbox.auth.access import ANY_ROLE, roles_required
from inbox.auth.forms import ALERT_FIELDS, PreferencesForm, SignInForm
from inbox.extensions import db
from inbox.models import ApiToken, User

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after sign-in is a phishing tool."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The sign-in page; a wrong email or password gets one message for both."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = SignInForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        wait = throttle.retry_after(email, request.remote_addr)
        if wait is not None:
            return _too_many_attempts(form, wait)
        user = user_by_email(email)
        if password_matches(user, form.password.data or "") and user.is_active:
            throttle.note_success(email)
            note_sign_in(user)
            login_user(user, remember=bool(form.remember.data))
            record("auth.signed_in", actor=user, target=user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        throttle.note_failure(email, request.remote_addr)
        # The email tried, never the password: someone may have typed it in the wrong box.
        record(
            "auth.sign_in_failed",
            actor_label="anonymous",
            target=user,
            details={"email": email[:320]},
        )
        db.session.commit()
        flash(_("That email and password do not match an active account."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


def password_matches(user: User | None, password: str) -> bool:
    """Check against a stand-in hash when there is no such user, so the answer takes as long
    and the timing does not tell which emails have accounts."""
    if user is None or not user.password_hash:
        check_password_hash(_stand_in_hash(), password)
        return False
    return user.check_password(password)


@cache
def _stand_in_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def _too_many_attempts(form: SignInForm, wait: int) -> ResponseReturnValue:
    minutes = max(1, math.ceil(wait / 60))
    flash(
        ngettext(
            "Too many failed sign-in attempts. Try again in %(num)d minute.",
            "Too many failed sign-in attempts. Try again in %(num)d minutes.",
            minutes,
        ),
        "error",
    )
    page = render_template("auth/login.html", form=form)
    return page, 429, {"Retry-After": str(wait)}


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out (a POST with the CSRF token, so a link on another site cannot do it)."""
    record("auth.signed_out", target=current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@roles_required(*ANY_ROLE)
def account() -> ResponseReturnValue:
    """Your own preferences: the language and the time zone the pages use, and alerts."""
    user = current_user._get_current_object()
    form = PreferencesForm(current_app.config["LANGUAGES"], obj=user)
    if not form.is_submitted():
        return render_template("auth/account.html", form=form)
    if not form.validate():
        return render_template("auth/account.html", form=form), 400
    chosen = {"locale": form.locale.data or None, "timezone": form.timezone.data or None}
    chosen |= {name: bool(getattr(form, name).data) for name in ALERT_FIELDS}
    changes = {name: value for name, value in chosen.items() if value != getattr(user, name)}
    for name, value in changes.items():
        setattr(user, name, value)
    if changes:
        record("account.preferences_changed", target=user, details=changes)
    db.session.commit()
    refresh()  # this very answer already speaks the new language
    flash(_("Your preferences are saved."), "success")
    return redirect(url_for("auth.account"))


def _own_tokens_page(status: int = 200, **context: Any) -> ResponseReturnValue:
    context.setdefault("token_form", TokenForm(formdata=None))
    tokens = sorted(current_user.api_tokens, key=lambda token: token.created_at, reverse=True)
    page = render_template("auth/tokens.html", tokens=tokens, **context)
    return page, status, {"Cache-Control": "no-store"}


@bp.route("/account/tokens", methods=["GET", "POST"])
@roles_required(*ANY_ROLE)
def tokens() -> ResponseReturnValue:
    """Your own API tokens; POST issues one, shown once (admins manage everyone's)."""
    form = TokenForm()
    if not form.is_submitted():
        return _own_tokens_page()
    if not form.validate():
        return _own_tokens_page(400, token_form=form)
    _row, clear = issue_token(current_user._get_current_object(), form.name.data or "")
    return _own_tokens_page(201, shown_once={"label": _("API token"), "value": clear})


@bp.post("/account/tokens/<int:token_id>/revoke")
@roles_required(*ANY_ROLE)
def revoke_own_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of your own API tokens."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    revoke_token(token)
    flash(_("The token ending in %(hint)s is revoked.", hint=token.hint), "info")
    return redirect(url_for("auth.tokens"))
