"""Validating JSON values against a reference OpenAPI document's schemas (3.0, as OVHcloud's
exports are; 3.1, as convergent's own `<section>.openapi.json` are).

How the reference is read, and the few interpretations it needs:

- Refs (`#/components/schemas/...`) resolve against a root made of the schema plus the
  document's `components`, so they resolve as they would inside the document.
- The exports mark nullable enums and objects as `{"allOf": [{"$ref": ...}], "nullable": true}`.
  Read to the letter of OAS 3.0.3, `nullable` without a `type` in the same object means nothing
  and `null` would fail the referenced enum; the exports plainly mean "this value or null", so
  such nodes are read as `anyOf: [null, <the node>]`. Nothing else about the schemas is relaxed.
- The formats the exports use for identifiers, times and addresses are checked
  (openapi-schema-validator checks none by default): `date-time` (RFC 3339), `uuid`, `ipv4`,
  `ipv6`, `ip-block` (a CIDR block; a bare address allowed, as the exports' descriptions say),
  `ipv4-block` and `ipv6-block` (a prefix length required). Other formats (email, phone
  number, ...) are descriptive and not checked.
- Objects allow properties the schema does not declare (OpenAPI's default).
"""

from __future__ import annotations

import copy
import datetime
import ipaddress
import re
import uuid

__all__ = ["FORMATS", "SchemaSet", "relax_nullable", "undeclared"]

try:
    from jsonschema import FormatChecker
    from openapi_schema_validator import OAS30Validator, OAS31Validator
except ImportError as error:  # pragma: no cover - the message is the point
    raise ImportError(
        "comparing with the reference needs openapi-schema-validator: pip install 'convergent[conformance]'"
    ) from error


def relax_nullable(node):
    """`{"allOf": [...], "nullable": true}` (no `type`) read as "that, or null" (see module doc)."""
    if isinstance(node, list):
        return [relax_nullable(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: relax_nullable(v) for k, v in node.items()}
    if (
        out.get("nullable") is True
        and "type" not in out
        and any(k in out for k in ("allOf", "anyOf", "oneOf", "$ref"))
    ):
        rest = {k: v for k, v in out.items() if k != "nullable"}
        return {"anyOf": [{"enum": [None]}, rest]}
    return out


_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def _date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.fullmatch(value):
        return False
    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))  # raises on a bad date
    return True


def _uuid(value) -> bool:
    return not isinstance(value, str) or (len(value) == 36 and str(uuid.UUID(value)) == value.lower())


def _address(cls):
    def check(value) -> bool:
        if isinstance(value, str):
            cls(value)
        return True

    return check


def _block(cls, prefix_required: bool):
    def check(value) -> bool:
        if isinstance(value, str):
            cls(value, strict=False)
            if prefix_required and "/" not in value:
                raise ValueError(f"{value!r} has no prefix length")
        return True

    return check


FORMATS = FormatChecker(())
FORMATS.checks("date-time", raises=ValueError)(_date_time)
FORMATS.checks("uuid", raises=ValueError)(_uuid)
FORMATS.checks("ipv4", raises=ValueError)(_address(ipaddress.IPv4Address))
FORMATS.checks("ipv6", raises=ValueError)(_address(ipaddress.IPv6Address))
FORMATS.checks("ip-block", raises=ValueError)(_block(ipaddress.ip_network, prefix_required=False))
FORMATS.checks("ipv4-block", raises=ValueError)(_block(ipaddress.IPv4Network, prefix_required=True))
FORMATS.checks("ipv6-block", raises=ValueError)(_block(ipaddress.IPv6Network, prefix_required=True))


class SchemaSet:
    """The schemas of one OpenAPI document: validators for any schema in it, refs resolved
    against its components, and the lookups that walking a value along a schema needs."""

    def __init__(self, components: dict, formats: FormatChecker = FORMATS, version: str = "3.0"):
        self.raw_components = components
        self.components = relax_nullable(copy.deepcopy(components))
        self.formats = formats
        self.dialect = OAS31Validator if version.startswith("3.1") else OAS30Validator
        self._validators: dict = {}

    def validator(self, schema: dict):
        key = repr(schema)
        if key not in self._validators:
            root = {**relax_nullable(copy.deepcopy(schema)), "components": self.components}
            self._validators[key] = self.dialect(root, format_checker=self.formats)
        return self._validators[key]

    def errors(self, schema: dict, instance) -> list[str]:
        """Every way `instance` fails `schema`, each as `at <path>: <message>`, by path."""
        found = sorted(
            self.validator(schema).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))
        )
        return [f"at {'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in found]

    def resolve(self, schema: dict) -> dict:
        """The schema behind a `$ref`, or behind a one-element `allOf` wrapper."""
        for _ in range(32):
            if "$ref" in schema:
                schema = self.raw_components["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            elif len(schema.get("allOf", ())) == 1 and "properties" not in schema:
                schema = schema["allOf"][0]
            else:
                return schema
        raise ValueError("reference cycle")

    def properties(self, schema: dict) -> dict[str, dict] | None:
        """The declared properties of an object schema (allOf parts merged), None if not an object."""
        schema = self.resolve(schema)
        if "properties" in schema:
            return schema["properties"]
        if "allOf" in schema:
            merged: dict = {}
            for part in schema["allOf"]:
                merged.update(self.properties(part) or {})
            return merged or None
        return None


def undeclared(schemas: SchemaSet, schema: dict, value, found: set[tuple[str, str]]) -> None:
    """Collect `(schema name, field)` for every field of `value` not declared where it sits."""
    name = None
    while True:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = schemas.raw_components["schemas"][name]
        elif "allOf" in schema and len(schema["allOf"]) == 1:
            schema = schema["allOf"][0]
        else:
            break
    if isinstance(value, list) and "items" in schema:
        for item in value:
            undeclared(schemas, schema["items"], item, found)
    elif isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            if key in schema["properties"]:
                undeclared(schemas, schema["properties"][key], item, found)
            else:
                found.add((name or "<inline>", key))
