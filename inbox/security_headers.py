"""Headers every response carries, so a browser refuses what our pages never do: run inline
or foreign scripts, be framed by another site, guess a file's type, or fall back to http.

A small after_request hook rather than Flask-Talisman: it is a dozen lines the tests pin down,
and a new locked dependency would bring options we do not use (its cookie and https handling
are done by the session interface and ProxyFix already).
"""

from __future__ import annotations

from flask import Flask, Response, request

from inbox.profiles.pictures import picture_sources

# A year: browsers then refuse plain http for this host. Subdomains are left alone, as they
# may be other services of the operator.
HSTS = "max-age=31536000"


def content_security_policy() -> str:
    """Our pages load only their own scripts, styles, media and Socket.IO connection ('self'
    covers ws:/wss: of the same host); default-src 'self' also rules out inline scripts,
    inline styles and eval; it also covers the web app manifest and the service worker, both
    ours. Images may also come from LINE's picture hosts (a channel's bot picture) and `data:`
    (the tab's icon, drawn with the count of what waits); images and videos also from `blob:`,
    the agent's own file previewed before it is sent."""
    images = " ".join(["'self'", "data:", "blob:", *picture_sources()])
    return "; ".join(
        [
            "default-src 'self'",
            f"img-src {images}",
            "media-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def add_security_headers(response: Response) -> Response:
    # Media keeps its stricter policy (`default-src 'none'; sandbox`), set by /media itself.
    response.headers.setdefault("Content-Security-Policy", content_security_policy())
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
