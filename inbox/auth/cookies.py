"""Session and remember-me cookies: when they are read, and how they are sent."""

from __future__ import annotations

from flask import Flask, Request, Response, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_login import user_loaded_from_cookie

from inbox.extensions import login_manager
from inbox.models import User


def has_authorization_header(req: Request) -> bool:
    return "Authorization" in req.headers


def mark_cookies_secure(response: Response) -> None:
    """Add `Secure` to every cookie the response sets without it."""
    cookies = response.headers.getlist("Set-Cookie")
    response.headers.remove("Set-Cookie")
    for cookie in cookies:
        attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
        response.headers.add(
            "Set-Cookie", cookie if "secure" in attributes else f"{cookie}; Secure"
        )


class RequestAwareSessionInterface(SecureCookieSessionInterface):
    """Cookies follow the request they answer.

    A request with an Authorization header is stateless: no cookie is read (the header alone
    decides who it is) and none is set. A request made over https, directly or through
    TRUSTED_PROXIES, gets only `Secure` cookies; plain http still works for development.
    Saving the session is the last step of a response, after every after_request hook
    (Flask-Login sets the remember-me cookie in one), so every cookie passes through here.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if has_authorization_header(request):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if has_authorization_header(request):
            response.headers.remove("Set-Cookie")
            return
        super().save_session(app, session, response)
        if request.is_secure:
            mark_cookies_secure(response)


@user_loaded_from_cookie.connect
def bind_remembered_session_to_browser(sender: Flask, user: User) -> None:
    # "Strong" session protection checks each request against the browser fingerprint stamped
    # at sign-in; a session rebuilt from the remember-me cookie had none, so its next request
    # looked stolen and signed the person out (deleting the remember-me cookie too).
    session["_id"] = login_manager._session_identifier_generator()
