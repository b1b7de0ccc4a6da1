"""Request bodies made from a reference schema: the smallest valid one, or a resource's current
body cut down to what a request may carry."""

from __future__ import annotations

from .schema import SchemaSet

__all__ = ["minimal", "writable"]

_BY_FORMAT = {
    "uuid": "00000000-0000-4000-8000-000000000000",
    "date-time": "2030-01-01T00:00:00Z",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "ip-block": "192.0.2.0/24",
    "ipv4-block": "192.0.2.0/24",
    "ipv6-block": "2001:db8::/64",
}


def minimal(schemas: SchemaSet, schema: dict):
    """A value with only the required fields: first enum values, small numbers, example-like strings."""
    schema = schemas.resolve(schema)
    if "enum" in schema:
        return schema["enum"][0]
    if "allOf" in schema:
        out: dict = {}
        for part in schema["allOf"]:
            value = minimal(schemas, part)
            if isinstance(value, dict):
                out.update(value)
        return out
    for choice in ("oneOf", "anyOf"):
        if choice in schema:
            return minimal(schemas, schema[choice][0])
    kind = schema.get("type", "object" if "properties" in schema else None)
    if kind == "object":
        props = schema.get("properties", {})
        return {
            k: minimal(schemas, props.get(k, {}))
            for k in schema.get("required", [])
            if not _read_only(schemas, props.get(k, {}))
        }
    if kind == "array":
        return [minimal(schemas, schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return _BY_FORMAT.get(schema.get("format"), "conformance")
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return None


def writable(schemas: SchemaSet, schema: dict, value):
    """`value` (as a GET answers it) keeping only what `schema` (a request body) declares and
    does not mark read-only; null values are left out."""
    props = schemas.properties(schema)
    if isinstance(value, dict) and props is not None:
        return {
            k: writable(schemas, props[k], v)
            for k, v in value.items()
            if k in props and v is not None and not _read_only(schemas, props[k])
        }
    items = schemas.resolve(schema).get("items")
    if isinstance(value, list) and items is not None:
        return [writable(schemas, items, v) for v in value]
    return value


def _read_only(schemas: SchemaSet, schema: dict) -> bool:
    return bool(schema.get("readOnly") or schemas.resolve(schema).get("readOnly"))
