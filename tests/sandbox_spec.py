"""LINE's OpenAPI documents as JSON Schema: validate answers and webhook events against them.

OpenAPI 3.0 schemas are close enough to JSON Schema draft 4 for these documents; `$ref`s are
resolved through a `referencing` registry. On top of the schema, `check` is strict: an object
may not carry properties the schema does not declare (the specs leave that open, but a field
LINE never sends would be a sandbox bug a real client would not notice until production).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPECS = Path(__file__).parent.parent / "docs" / "line-openapi"


class OpenApi:
    def __init__(self, name: str) -> None:
        self.doc = yaml.safe_load((SPECS / name).read_text())
        self.uri = f"urn:line-openapi:{name}"
        resource = Resource(contents=self.doc, specification=DRAFT4)
        self.registry = Registry().with_resource(self.uri, resource)

    def resolve(self, ref: str) -> dict[str, Any]:
        node: Any = self.doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def operation(self, path: str, method: str) -> dict[str, Any]:
        return self.doc["paths"][path][method.lower()]

    def response_ref(self, path: str, method: str, status: int) -> str | None:
        """The JSON schema `$ref` documented for this answer, None if it has no JSON body."""
        response = self.operation(path, method)["responses"].get(str(status))
        if response is None:
            return None
        schema = (response.get("content") or {}).get("application/json", {}).get("schema")
        return schema.get("$ref") if schema else None

    def check(self, instance: Any, ref: str) -> None:
        """Raise if `instance` breaks the schema at `ref` or has undeclared properties."""
        Draft4Validator({"$ref": self.uri + ref}, registry=self.registry).validate(instance)
        self._strict(instance, self.resolve(ref), ref)

    def _properties(self, schema: dict[str, Any]) -> dict[str, Any] | None:
        if "$ref" in schema:
            return self._properties(self.resolve(schema["$ref"]))
        found: dict[str, Any] | None = None
        if "properties" in schema:
            found = dict(schema["properties"])
        for part in schema.get("allOf", []):
            more = self._properties(part)
            if more is not None:
                found = {**(found or {}), **more}
        return found

    def _strict(self, instance: Any, schema: dict[str, Any], where: str) -> None:
        if "$ref" in schema:
            schema = self.resolve(schema["$ref"])
        if isinstance(instance, list) and "items" in schema:
            for item in instance:
                self._strict(item, schema["items"], where + "[]")
        if not isinstance(instance, dict):
            return
        discriminator = schema.get("discriminator")
        if (
            discriminator
            and instance.get(discriminator["propertyName"]) in discriminator["mapping"]
        ):
            schema = self.resolve(discriminator["mapping"][instance[discriminator["propertyName"]]])
        properties = self._properties(schema)
        if properties is None:
            return
        extra = set(instance) - set(properties)
        assert not extra, f"{where}: properties the spec does not declare: {sorted(extra)}"
        for name, value in instance.items():
            self._strict(value, properties[name], f"{where}.{name}")


@cache
def spec(name: str) -> OpenApi:
    return OpenApi(name)


def check_event(event: dict[str, Any]) -> None:
    """A webhook event against webhook.yml, following its discriminators by hand."""
    webhook = spec("webhook.yml")
    mapping = webhook.resolve("#/components/schemas/Event")["discriminator"]["mapping"]
    webhook.check(event, mapping[event["type"]])
    if "source" in event:
        sources = webhook.resolve("#/components/schemas/Source")["discriminator"]["mapping"]
        webhook.check(event["source"], sources[event["source"]["type"]])
    if event["type"] == "message":
        contents = webhook.resolve("#/components/schemas/MessageContent")
        webhook.check(
            event["message"], contents["discriminator"]["mapping"][event["message"]["type"]]
        )
