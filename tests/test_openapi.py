"""GET /api/openapi.json describes every route under /api, is valid OpenAPI 3.1, and its
examples are what its schemas say."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
from flask import Flask
from schemathesis.specs.openapi.definitions import OPENAPI_31  # the 3.1 meta-schema it ships

from inbox.api.openapi import openapi_document
from inbox.models import Role

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def routes_under_api(app: Flask) -> dict[str, set[str]]:
    """Flask's rules under /api as OpenAPI paths ("<int:id>" as "{id}") and their methods."""
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        found.setdefault(path, set()).update(rule.methods - IGNORED_METHODS)
    return found


def test_the_document_is_served_to_anyone_signed_in(client, make) -> None:
    assert client.get("/api/openapi.json").status_code == 401
    for role in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN):
        answer = client.get("/api/openapi.json", headers=make.auth_header(role))
        assert answer.status_code == 200 and answer.json == openapi_document()
    assert answer.json["openapi"].startswith("3.1")


def test_every_api_route_is_described_with_its_methods(app) -> None:
    described = {
        path: {method.upper() for method in item}
        for path, item in openapi_document()["paths"].items()
    }
    assert described == routes_under_api(app)


def test_the_document_is_valid_openapi_3_1() -> None:
    jsonschema.Draft202012Validator(OPENAPI_31).validate(openapi_document())


def _with_schemas(node: Any, schema: dict[str, Any] | None = None) -> Iterator[tuple[Any, Any]]:
    """(example, the schema it should match) for every example in the document."""
    if isinstance(node, dict):
        if "examples" in node and isinstance(node["examples"], list) and "type" in node:
            for example in node["examples"]:
                yield example, node
        if "example" in node and "schema" in node:
            yield node["example"], node["schema"]
        for value in node.values():
            yield from _with_schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _with_schemas(value)


def test_every_example_matches_its_schema() -> None:
    document = openapi_document()
    pairs = list(_with_schemas(document))
    assert len(pairs) >= 6
    for example, schema in pairs:
        # Checked from the document's root, so "#/components/schemas/..." references resolve.
        jsonschema.Draft202012Validator({**document, "allOf": [schema]}).validate(example)


def test_api_md_links_the_document() -> None:
    assert "/api/openapi.json" in (Path(__file__).parent.parent / "docs" / "API.md").read_text()
