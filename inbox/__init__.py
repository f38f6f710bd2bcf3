"""LINE Inbox: a support inbox for LINE Official Accounts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, then `config` overrides (tests)."""
    from inbox import (
        auth,
        channels,
        cli,
        crypto,
        database,
        errors,
        i18n,
        ingest,
        jobs,
        line,
        logs,
        navigation,
        realtime,
        security_headers,
        webhooks,
    )
    from inbox.admin import bp as admin_bp
    from inbox.api import bp as api_bp
    from inbox.api import input as api_input
    from inbox.audit.routes import bp as audit_bp
    from inbox.auth.routes import bp as auth_bp
    from inbox.config import DEFAULTS, from_environment, redis_prefix
    from inbox.extensions import csrf, db, migrate, socketio
    from inbox.history import index as search_index
    from inbox.history.pages import bp as history_bp
    from inbox.home import bp as home_bp
    from inbox.media import storage as media_storage
    from inbox.media.routes import bp as media_bp
    from inbox.models.types import render_migration_item
    from inbox.realtime import events as socket_events
    from inbox.replies.pages import bp as replies_bp
    from inbox.reports import bp as reports_bp
    from inbox.webhooks.routes import bp as webhooks_bp

    overrides = dict(config or {})
    app = Flask(
        "inbox",
        root_path=str(PROJECT_ROOT / "inbox"),
        instance_path=overrides.pop("INSTANCE_PATH", None)
        or os.environ.get("INSTANCE_PATH")
        or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(DEFAULTS)
    app.config.update(from_environment(Path(app.instance_path), given=overrides.keys()))
    app.config.update(overrides)
    app.config["REDIS_PREFIX"] = redis_prefix(app.config)

    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    logs.init_app()
    crypto.init_app(app)
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,  # SQLite alters tables by copying them
        render_item=render_migration_item,
        include_name=search_index.include_in_schema_check,
    )
    auth.init_app(app)
    security_headers.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    # One SocketIO object serves the process; drop a Redis manager an earlier app left in it.
    socketio.server_options.pop("client_manager", None)
    socketio.init_app(
        app,
        message_queue=app.config["REDIS_URL"],
        channel=app.config["REDIS_PREFIX"] + "socketio",
        async_mode="threading",
    )
    errors.init_app(app)
    api_input.init_app(app)
    line.init_app(app)
    media_storage.init_app(app)
    channels.init_app(app)
    jobs.init_app(app)
    ingest.init_app(app)
    realtime.init_app(app)
    socket_events.init_app(app)
    search_index.init_app(app)
    webhooks.init_app(app)
    cli.init_app(app)
    navigation.init_app(app)
    for blueprint in (
        auth_bp,
        home_bp,
        webhooks_bp,
        api_bp,
        media_bp,
        history_bp,
        reports_bp,
        audit_bp,
        admin_bp,
        replies_bp,
    ):
        app.register_blueprint(blueprint)
    if app.config.get("LINE_SANDBOX"):
        from inbox import sandbox

        sandbox.init_app(app)
        # The LINE client talks to the sandbox over HTTP, unless a test says otherwise.
        for key, url in sandbox.client_urls(app).items():
            if key not in overrides:
                app.config[key] = url
    return app
