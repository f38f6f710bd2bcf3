"""Error pages and JSON errors, registered in one loop."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from inbox.extensions import db, login_manager

log = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/webhooks/")


def wants_json() -> bool:
    if request.path.startswith(JSON_PREFIXES) or "Authorization" in request.headers:
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _default_message(error: HTTPException) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Please sign in first."),
        403: _("You do not have permission to do this."),
        404: _("That page or item does not exist."),
        405: _("That method is not allowed here."),
        413: _("The request is too large."),
        429: _("Too many requests; please slow down."),
        500: _("Something went wrong on our side. It has been logged."),
        503: _("The service is briefly unavailable; please try again."),
    }
    return messages.get(error.code or 500, error.name)


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    if (error.code or 500) >= 500:
        db.session.rollback()
    # Werkzeug's stock descriptions are English prose for browsers; ours are translated.
    stock = type(error).description
    message = error.description if error.description != stock else _default_message(error)
    if wants_json():
        body = {"error": error.name, "message": message, "status": error.code}
        response = jsonify(body)
        response.status_code = error.code or 500
        if error.code == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response
    return render_template("error.html", error=error, message=message), error.code or 500


def handle_unexpected(error: Exception) -> ResponseReturnValue:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return handle_http_error(InternalServerError())


def handle_database_unavailable(error: OperationalError) -> ResponseReturnValue:
    """The database is down, unreachable or (SQLite) busy past its wait: nothing the person
    did wrong, and trying again shortly works. A 503 says so; a 500 would call it a bug."""
    log.warning("database unavailable on %s %s: %s", request.method, request.path, error.orig)
    # Who is asking cannot be read now either: answer as to anyone (the language from the
    # browser), rather than fail again while choosing the answer's language.
    g._login_user = login_manager.anonymous_user()
    return handle_http_error(ServiceUnavailable())


def init_app(app: Flask) -> None:
    for handled, handler in (
        (HTTPException, handle_http_error),
        (OperationalError, handle_database_unavailable),
        (Exception, handle_unexpected),
    ):
        app.register_error_handler(handled, handler)
