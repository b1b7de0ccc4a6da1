"""The reference: OpenAPI exports of OVHcloud's sections, one file per section.

`load(DIR)` reads every `*.json` of `DIR/ovh-v2-schemas` (or of DIR itself when it has no such
folder) that is an OpenAPI document; the file's stem names the section (`iam.json` is `iam`).
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import KeysView
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit

from .schema import SchemaSet

__all__ = ["HTTP_METHODS", "Reference", "load", "reference_files"]

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


@dataclass
class Reference:
    """One section's OpenAPI document: its operations, schemas and examples."""

    name: str
    spec: dict
    schemas: SchemaSet = field(init=False)

    def __post_init__(self) -> None:
        self.schemas = SchemaSet(
            self.spec.get("components", {}), version=str(self.spec.get("openapi", "3.0"))
        )

    @classmethod
    def from_file(cls, path: str | pathlib.Path) -> Reference:
        path = pathlib.Path(path)
        return cls(path.stem, json.loads(path.read_text()))

    @cached_property
    def branch(self) -> str:
        """Where the document's paths are served: the path of its first server (`/v2`)."""
        servers = self.spec.get("servers") or [{"url": "/v2"}]
        return urlsplit(servers[0]["url"]).path.rstrip("/")

    @cached_property
    def operations(self) -> KeysView[tuple[str, str]]:
        """(METHOD, path template), in the document's order; compares and subtracts as a set."""
        ops = [
            (m.upper(), path) for path, item in self.spec["paths"].items() for m in item if m in HTTP_METHODS
        ]
        return dict.fromkeys(ops).keys()

    def op(self, method: str, path: str) -> dict:
        return self.spec["paths"][path][method.lower()]

    def response_schema(self, method: str, path: str, status: str = "200") -> dict | None:
        """The schema of that answer; None where the reference declares no content."""
        content = self.op(method, path)["responses"].get(status, {}).get("content")
        return None if content is None else content["application/json"]["schema"]

    def request_schema(self, method: str, path: str) -> dict | None:
        body = self.op(method, path).get("requestBody")
        return None if body is None else body["content"]["application/json"]["schema"]

    def request_examples(self, method: str, path: str) -> list:
        body = self.op(method, path).get("requestBody")
        if body is None:
            return []
        content = body["content"]["application/json"]
        found = [e["value"] for e in content.get("examples", {}).values() if "value" in e]
        return found or ([content["example"]] if "example" in content else [])

    def errors(self, schema: dict, instance) -> list[str]:
        return self.schemas.errors(schema, instance)

    def check(self, method: str, path: str, body, status: str = "200") -> list[str]:
        """Why an answer's body does not fit that operation's response (empty when it does).
        Where the reference declares no content, the body must be JSON `null` (python-ovh
        raises on an empty 200)."""
        schema = self.response_schema(method, path, status)
        if schema is None:
            return [] if body is None else [f"the reference declares no content; the answer is {body!r:.80}"]
        return self.errors(schema, body)


def reference_files(directory: str | pathlib.Path) -> list[pathlib.Path]:
    """The `*.json` files of DIR/ovh-v2-schemas, or of DIR itself, sorted."""
    directory = pathlib.Path(directory)
    inner = directory / "ovh-v2-schemas"
    return sorted((inner if inner.is_dir() else directory).glob("*.json"))


def load(directory: str | pathlib.Path) -> list[Reference]:
    """Every OpenAPI document of the reference folder (other JSON files are left out)."""
    out = []
    for path in reference_files(directory):
        ref = Reference.from_file(path)
        if "openapi" in ref.spec and "paths" in ref.spec:
            out.append(ref)
    return out
