"""A section's OpenAPI 3.1 document for one schemas major, built from its declarations.

Request bodies and target specs come from the msgspec types the major decodes with; every
operation names its IAM actions (`x-iam-actions`), whether it pages, and the version serving it.
The console-format schema (`/v2/<section>.json`) is derived from the same document.
"""

from __future__ import annotations

import re

import msgspec

from ..model.kind import Kind
from ..model.section import Section
from ..model.versions import Major
from .routing import operations_of

__all__ = ["openapi", "console_schema"]

_PARAM = re.compile(r"{([^}]+)}")
_ERROR = {"type": "object", "properties": {"class": {"type": "string"}, "message": {"type": "string"},
                                           "details": {"type": "object", "additionalProperties": {"type": "string"}}}}  # fmt: skip
_TASK_REF = {"type": "object", "properties": {k: {"type": "string"} for k in ("id", "link", "status", "type")}}
_TASK = {"type": "object", "properties": {
    **{k: {"type": "string"} for k in ("createdAt", "id", "link", "message", "status", "type", "updatedAt")},
    **{k: {"type": ["string", "null"]} for k in ("startedAt", "finishedAt")},
    "errors": {"type": "array", "items": {"type": "object", "properties": {"message": {"type": "string"}}}},
    "progress": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "status": {"type": "string"}}}},
}}  # fmt: skip
_EVENT = {"type": "object", "properties": {k: {"type": "string"} for k in ("createdAt", "kind", "link", "message", "type")}}
_PAGING = [
    {"in": "header", "name": "X-Pagination-Size", "schema": {"type": "integer"}, "description": "Page size"},
    {"in": "header", "name": "X-Pagination-Cursor", "schema": {"type": "string"}, "description": "Cursor of the page"},
]


def _kind_of(section: Section, path: str) -> Kind | None:
    for kind in sorted(section.kinds, key=lambda k: -len(k.item)):
        if path in (kind.collection, kind.item) or path.startswith(kind.item + "/"):
            return kind
    return None


def openapi(section: Section, major: Major, base_url: str) -> dict:
    components: dict[str, dict] = {"Error": _ERROR, "CurrentTask": _TASK_REF, "Task": _TASK, "Event": _EVENT}
    types: list[type] = []
    envelopes: dict[str, str] = {}
    for kind in section.kinds:
        codec = major.codec(kind.name)
        create, update = kind.bodies(codec.spec_create, codec.spec_update)
        types += [create, update]
        envelopes[kind.name] = f"{kind.label}Envelope"
    _, schemas = msgspec.json.schema_components(types, ref_template="#/components/schemas/{name}")
    components.update(schemas)
    for kind in section.kinds:
        codec = major.codec(kind.name)
        spec = (codec.spec_update or kind.spec_update).__name__
        components[envelopes[kind.name]] = {
            "type": "object",
            "properties": {
                "checksum": {"type": "string"},
                "createdAt": {"type": "string", "format": "date-time"},
                "currentState": {"type": "object"},
                "currentTasks": {"type": "array", "items": {"$ref": "#/components/schemas/CurrentTask"}},
                "id": {"type": "string"},
                "resourceStatus": {"type": "string", "enum": ["CREATING", "DELETING", "ERROR", "READY", "SUSPENDED", "UPDATING"]},
                "targetSpec": {"$ref": f"#/components/schemas/{spec}"},
                "updatedAt": {"type": "string", "format": "date-time"},
                **({"iam": {"type": "object"}} if kind.iam_type else {}),
            },
        }  # fmt: skip
        for name in kind.strategy.hidden:
            components[envelopes[kind.name]]["properties"].pop(name, None)
    paths: dict[str, dict] = {}
    for op in operations_of(section):
        kind = _kind_of(section, op.path)
        entry: dict = {
            "summary": op.summary or f"{op.method} {op.path}",
            "x-iam-actions": [{"name": a, "required": True} for a in op.actions],
            "parameters": [
                {"in": "path", "name": name, "required": True, "schema": {"type": "string"}} for name in _PARAM.findall(op.path)
            ] + (list(_PAGING) if op.paged else []) + [
                {"in": "header", "name": "X-Schemas-Version", "schema": {"type": "string"}, "description": "Schemas version M.m"}
            ],
            "responses": {"200": {"description": "successful operation", "content": {"application/json": {"schema": {}}}},
                          "default": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
        }  # fmt: skip
        if op.deprecated:
            entry["deprecated"] = True
        answer = entry["responses"]["200"]["content"]["application/json"]
        if kind is not None and op.path in (kind.collection, kind.item):
            ref = {"$ref": f"#/components/schemas/{envelopes[kind.name]}"}
            answer["schema"] = {"type": "array", "items": ref} if op.paged else ref
            if op.method in ("POST", "PUT"):
                create, update = kind.bodies(major.codec(kind.name).spec_create, major.codec(kind.name).spec_update)
                body = create if op.method == "POST" else update
                entry["requestBody"] = {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body.__name__}"}}}}
        elif kind is not None and op.path.endswith("/task"):
            answer["schema"] = {"type": "array", "items": {"$ref": "#/components/schemas/Task"}}
        elif kind is not None and op.path.endswith("/task/{taskId}"):
            answer["schema"] = {"$ref": "#/components/schemas/Task"}
        elif kind is not None and op.path.endswith("/event"):
            answer["schema"] = {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    version = section.latest_version(major.number)
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{section.name}", "description": section.description, "version": version},
        "servers": [{"url": f"{base_url}/v2"}],
        "paths": paths,
        "components": {"schemas": components},
    }


def console_schema(section: Section, major: Major, base_url: str) -> dict:
    """The section in the console's own format (`apis` and `models`), as `/1.0/<section>.json` is."""
    doc = openapi(section, major, base_url)
    apis = []
    for path, methods in doc["paths"].items():
        operations = []
        for method, op in methods.items():
            operations.append({
                "httpMethod": method.upper(),
                "description": op["summary"],
                "apiStatus": {"value": "DEPRECATED" if op.get("deprecated") else "PRODUCTION"},
                "iamActions": op["x-iam-actions"],
                "parameters": [{"name": p["name"], "paramType": p["in"], "required": p.get("required", False),
                                "dataType": p["schema"].get("type", "string")} for p in op["parameters"]],  # fmt: skip
                "responseType": op["responses"]["200"]["content"]["application/json"]["schema"],
                "requestBody": op.get("requestBody"),
            })  # fmt: skip
        apis.append({"path": path, "description": "", "operations": operations})
    return {
        "apiVersion": doc["info"]["version"],
        "basePath": f"{base_url}/v2",
        "resourcePath": f"/{section.name}",
        "apis": apis,
        "models": doc["components"]["schemas"],
    }
