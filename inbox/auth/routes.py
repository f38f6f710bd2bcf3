"""Sign in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from inbox.audit import record
from inbox.auth.forms import SignInForm
from inbox.extensions import db
from inbox.models import User

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
        user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))
        if user is not None and user.is_active and user.check_password(form.password.data or ""):
            login_user(user, remember=bool(form.remember.data))
            record("auth.signed_in", actor=user, target=user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
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


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out (a POST with the CSRF token, so a link on another site cannot do it)."""
    record("auth.signed_out", target=current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
