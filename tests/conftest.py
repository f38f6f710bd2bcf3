"""Fixtures: an app per test on SQLite and on PostgreSQL, each schema built by the migrations."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

from inbox import create_app
from inbox.background import flush_background
from inbox.extensions import db
from tests.factories import Factory

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEST_SECRET_KEY = "test-secret-key-not-for-production"

pytest_plugins = ["tests.browser"]  # the browser tests' Chromium `page`, `worker` and helpers


def _app_config(database_url: str, instance: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "MEDIA_DIR": str(instance / "media"),
        "REDIS_URL": None,
    }


def _migrate(database_url: str, instance: Path) -> None:
    migrating = create_app(_app_config(database_url, instance))
    with migrating.app_context():
        upgrade()
        db.engine.dispose()


@contextmanager
def fresh_postgres_database(label: str = "test") -> Iterator[str]:
    """A PostgreSQL database made for this block and dropped after it (skipped without the
    server, failed under CI)."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    name = f"inbox_{label}_{os.getpid()}_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A PostgreSQL database made for this run and dropped after it."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def migrated_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Return a function giving a migrated database URL for a backend, built once per run."""
    built: dict[str, str] = {}

    def for_backend(backend: str) -> str:
        if backend not in built:
            instance = tmp_path_factory.mktemp(f"{backend}-migrate")
            if backend == "sqlite":
                url = f"sqlite:///{instance / 'inbox.sqlite3'}"
            else:
                url = request.getfixturevalue("postgres_server_url")
            _migrate(url, instance)
            built[backend] = url
        return built[backend]

    return for_backend


def _empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app(backend: str, migrated_database, tmp_path: Path) -> Iterator[Flask]:
    """The app on a clean, migrated database of the parametrised backend."""
    application = create_app(_app_config(migrated_database(backend), tmp_path / "instance"))
    with application.app_context():
        try:
            yield application
        finally:
            flush_background(application)  # call logs and live updates of this test land now
            db.session.rollback()
            _empty_all_tables()
            db.session.remove()
            db.engine.dispose()


class RequestIsolatedClient(FlaskClient):
    """Each request gets its own app context, `g` and database session, as on a real server.

    Without this, requests would share the test's context: Flask-Login's cached user and the
    test's session would leak between requests and hide real bugs. Afterwards the test's own
    session is expired so it reads what the request committed.
    """

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("buffered", True)  # read the body and close files, as a browser would
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        flush_background(self.application)  # what the request left to follow has followed
        db.session.expire_all()
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = RequestIsolatedClient
    return app.test_client()


@pytest.fixture
def app_with(app: Flask) -> Iterator[Callable[..., Flask]]:
    """Build another app on the test's database with these settings: for a setting read only
    at start-up, such as TRUSTED_PROXIES. Its clients isolate requests like `client`."""
    built: list[Flask] = []

    def build(**settings: object) -> Flask:
        shared = ("TESTING", "SECRET_KEY", "ENCRYPTION_KEYS", "SQLALCHEMY_DATABASE_URI")
        other = create_app(
            {
                **{key: app.config[key] for key in (*shared, "MEDIA_DIR", "REDIS_URL")},
                "INSTANCE_PATH": app.instance_path,
                **settings,
            }
        )
        other.test_client_class = RequestIsolatedClient
        built.append(other)
        return other

    yield build
    for other in built:
        flush_background(other)
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make(app: Flask) -> Factory:
    return Factory()


@pytest.fixture
def stub(app: Flask):
    """A scripted server on a real socket playing LINE (api under /api, content under /data)."""
    from urllib.parse import urlsplit

    from inbox.line import line_platform
    from tests.line_stub import LineStub

    server = LineStub()
    app.config.update(
        LINE_API_BASE_URL=server.base_url + "/api",
        LINE_DATA_API_BASE_URL=server.base_url + "/data",
        LINE_RETRY_ATTEMPTS=1,
        PICTURE_HOSTS=[urlsplit(server.base_url).netloc],
        LINE_SANDBOX=False,  # this server plays the real LINE
    )
    yield server
    line_platform().close()
    server.close()


@pytest.fixture
def line_sandbox(app: Flask, tmp_path: Path):
    """The app served on a free 127.0.0.1 port with LINE's emulated platform mounted.

    See tests/sandbox_fixture.py for what the yielded object offers.
    """
    from tests.sandbox_fixture import running_sandbox

    with running_sandbox(app, tmp_path) as sandbox:
        yield sandbox
