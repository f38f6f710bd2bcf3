"""Receiving LINE's signed webhooks: signature, envelope checks, the route."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from inbox.webhooks import receivers

    receivers.init_app()
