"""Extension objects, created unbound and wired to an app by the factory."""

from typing import Any

from flask import request
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep migrations reproducible on every backend (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class CookieOnlyCSRF(CSRFProtect):
    """CSRF checks protect cookie sessions. A request with an Authorization header never uses
    its cookies (inbox/auth refuses it unless the header holds a live API token, which
    browsers do not send on their own), so it needs no CSRF token."""

    def protect(self, *args: Any, **kwargs: Any) -> None:
        # Flask-WTF 1.3 passes `apply_exemptions=True` from its before_request hook.
        if "Authorization" in request.headers:
            return
        super().protect(*args, **kwargs)


class HeaderFirstLoginManager(LoginManager):
    """Who is asking: with an Authorization header, the header alone (the request loader);
    without one, the session or remember-me cookie. Every request and Socket.IO handshake
    loads its user here.

    Flask-Login itself reads the remember-me cookie before the request loader, so a made-up
    token beside an agent's cookie ran as the agent, and a supervisor's token as the agent."""

    def _load_user(self) -> None:
        if "Authorization" in request.headers:
            self._update_request_context_with_user(self._load_user_from_request(request))
        else:
            super()._load_user()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = HeaderFirstLoginManager()
babel = Babel()
csrf = CookieOnlyCSRF()
socketio = SocketIO()
