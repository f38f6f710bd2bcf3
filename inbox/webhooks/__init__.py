"""Receiving LINE's signed webhooks: signature, envelope checks, the route."""
