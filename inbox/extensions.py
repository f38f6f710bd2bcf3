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


class BearerExemptCSRF(CSRFProtect):
    """CSRF checks protect cookie sessions; a bearer token is not sent by browsers on their
    own, so requests carrying one need no CSRF token."""

    def protect(self, *args: Any, **kwargs: Any) -> None:
        # Flask-WTF 1.3 passes `apply_exemptions=True` from its before_request hook.
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            return
        super().protect(*args, **kwargs)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = BearerExemptCSRF()
socketio = SocketIO()
