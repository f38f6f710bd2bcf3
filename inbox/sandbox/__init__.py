"""The LINE sandbox: an emulation of LINE's platform and a phone page to chat as a LINE user.

`init_app` mounts it (the factory calls it when LINE_SANDBOX is on); `prepare` does the
one-time work at start-up: its own tables, the demo channel, and the webhook delivery thread.
"""

from __future__ import annotations

from flask import Flask

from inbox.sandbox.platform import API_PREFIX, DATA_PREFIX
from inbox.sandbox.settings import apply_defaults, public_base_url
from inbox.sandbox.state import EXTENSION_KEY, Sandbox, get_sandbox

__all__ = ["client_urls", "get_sandbox", "init_app", "prepare", "public_base_url", "shutdown"]


def client_urls(app: Flask) -> dict[str, str]:
    """The LINE client's base URLs pointing at this app's sandbox."""
    base = public_base_url(app)
    return {"LINE_API_BASE_URL": base + API_PREFIX, "LINE_DATA_API_BASE_URL": base + DATA_PREFIX}


def init_app(app: Flask) -> None:
    """Mount the platform API, the picture URLs and the phone page (no I/O here)."""
    from inbox.extensions import socketio
    from inbox.sandbox import pictures, platform
    from inbox.sandbox.cli import sandbox_cli
    from inbox.sandbox.phone import events, routes

    apply_defaults(app)
    app.extensions[EXTENSION_KEY] = Sandbox(app)
    for blueprint in (platform.api, platform.data, pictures.bp, routes.bp):
        app.register_blueprint(blueprint)
    socketio.on_namespace(events.PhoneNamespace(events.NAMESPACE))
    app.cli.add_command(sandbox_cli)


def prepare(app: Flask) -> None:
    """Create the sandbox tables, provision the demo channel, start webhook delivery."""
    from inbox.sandbox.delivery import DeliveryWorker
    from inbox.sandbox.provision import ensure_demo_channel

    sandbox = get_sandbox(app)
    sandbox.create_tables()
    ensure_demo_channel(app)
    if sandbox.worker is None:
        sandbox.worker = DeliveryWorker(sandbox)
        sandbox.worker.start()


def shutdown(app: Flask) -> None:
    """Stop the delivery thread and close the sandbox database."""
    get_sandbox(app).close()
