"""A section's OpenAPI 3.1 document for one schemas major, built from its declarations.

Request bodies and target specs come from the msgspec types the major decodes with; every
operation names its IAM actions (`x-iam-actions`), whether it pages, the version serving it,
its status and the error classes it may answer (`x-error-classes`, and one response per status).
The console-format schema (`/v2/<section>.json`, `/1.0/<section>.json`) is derived from the
same document.
"""

from __future__ import annotations

import re

import msgspec

from ..model.kind import Kind
from ..model.operation import Operation
from ..model.section import Section
from ..model.versions import Major
from .routing import operations_of

__all__ = ["openapi", "console_schema", "error_classes", "BRANCH_BASE"]

BRANCH_BASE = {"v2": "/v2", "v1": "/1.0"}  # where documents say a branch is served

_PARAM = re.compile(r"{([^}]+)}")
_ERROR = {
    "type": "object",
    "properties": {
        "class": {"type": "string"},
        "message": {"type": "string"},
        "details": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
_TASK_REF = {
    "type": "object",
    "properties": {k: {"type": "string"} for k in ("id", "link", "status", "type")},
}
_TASK = {
    "type": "object",
    "properties": {
        **{
            k: {"type": "string"}
            for k in ("createdAt", "id", "link", "message", "status", "type", "updatedAt")
        },
        **{k: {"type": ["string", "null"]} for k in ("startedAt", "finishedAt")},
        "errors": {
            "type": "array",
            "items": {"type": "object", "properties": {"message": {"type": "string"}}},
        },
        "progress": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "status": {"type": "string"}},
            },
        },
    },
}
_EVENT = {
    "type": "object",
    "properties": {k: {"type": "string"} for k in ("createdAt", "kind", "link", "message", "type")},
}
_PAGING = [
    {"in": "header", "name": "X-Pagination-Size", "schema": {"type": "integer"}, "description": "Page size"},
    {
        "in": "header",
        "name": "X-Pagination-Cursor",
        "schema": {"type": "string"},
        "description": "Cursor of the page",
    },
]


def _kind_of(section: Section, path: str) -> Kind | None:
    for kind in sorted(section.kinds, key=lambda k: -len(k.item)):
        if path in (kind.collection, kind.item) or path.startswith(kind.item + "/"):
            return kind
    return None


# What any signed call may answer before its handler runs (auth/authenticate.py, routing.py).
_AUTHENTICATION = (
    (400, "Client::BadRequest::InvalidSignature"),
    (400, "Client::BadRequest::QueryTimeOut"),
    (401, "Client::Unauthorized::NotAuthenticated"),
    (401, "Client::Unauthorized::InvalidCredential"),
    (403, "Client::Forbidden::InvalidCredential"),
    (403, "Client::Forbidden::InvalidKey"),
    (403, "Client::Forbidden::NotCredential"),
    (403, "Client::Forbidden::Forbidden"),
    (403, "Client::Forbidden"),  # NOT_GRANTED_CALL, and IAM refusals
)
_VERSIONING = (
    (400, "Client::BadRequest::InvalidSchemasVersion"),
    (400, "Client::BadRequest::UnknownSchemasVersion"),
    (400, "Client::BadRequest::RetiredSchemasVersion"),
)


_DRY_RUN = {
    "in": "header",
    "name": "X-Dry-Run",
    "schema": {"type": "string", "enum": ["true", "false"]},
    "description": "true: run every check and answer the resource as it would be with the task "
    "plan it would start (`plan`), writing nothing; also `?dryRun=true`",
}


def dry_runnable(section: Section, op: Operation) -> bool:
    """Whether `op` is a standard write of an as-code kind, which takes `X-Dry-Run`."""
    kind = _kind_of(section, op.path)
    if kind is None:
        return False
    if op.path == kind.collection:
        return op.method == "POST" and "create" in kind.operations
    return op.path == kind.item and (
        (op.method == "PUT" and "update" in kind.operations)
        or (op.method == "DELETE" and "delete" in kind.operations)
    )


def error_classes(section: Section, op: Operation) -> list[tuple[int, str]]:
    """The error classes `op` may answer, by status then class: what the generic layers raise
    for its shape (authentication, versions, path parameters, paging, bodies, the as-code write
    path) and what the operation declares of its own."""
    found: set[tuple[int, str]] = set(op.errors)
    if not op.public:
        found.update(_AUTHENTICATION)
        if section.branch == "v2":
            found.update(_VERSIONING)
    if op.params or dry_runnable(section, op):
        found.add((400, "Client::BadRequest::InvalidParameter"))
    if op.paged:
        found.update(
            {(400, "Client::BadRequest::InvalidCursor"), (400, "Client::BadRequest::InvalidPaginationSize")}
        )
    if op.method in ("POST", "PUT"):
        found.update(
            {
                (400, "Client::BadRequest::InvalidJSON"),
                (400, "Client::BadRequest::InvalidInput"),
                (413, "Client::PayloadTooLarge"),
            }
        )
    for kind in section.kinds:
        if f"{{{kind.id_param}}}" in op.path:
            found.add((404, f"Client::NotFound::{kind.not_found_class}"))
    kind = _kind_of(section, op.path)
    if kind is not None and op.path == kind.item and op.method in ("PUT", "DELETE"):
        found.add((423, f"Client::Locked::{kind.locked_class}"))
        if op.method == "PUT":
            found.update(
                {
                    (400, "Client::BadRequest::ChecksumBadFormat"),
                    (412, "Client::PreconditionFailed::ChecksumMismatch"),
                }
            )
    if kind is not None and op.path == f"{kind.item}/task/{{taskId}}":
        found.add((404, "Client::NotFound::TaskNotFound"))
    return sorted(found)


def _responses(section: Section, op: Operation) -> dict:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    out: dict = {
        "200": {"description": "successful operation", "content": {"application/json": {"schema": {}}}}
    }
    for status, cls in error_classes(section, op):
        entry = out.setdefault(str(status), {"description": "", "content": error})
        entry["description"] = f"{entry['description']}, {cls}" if entry["description"] else cls
    out["default"] = {"description": "error", "content": error}
    return out


def openapi(section: Section, major: Major, base_url: str) -> dict:
    components: dict[str, dict] = {"Error": _ERROR, "CurrentTask": _TASK_REF, "Task": _TASK, "Event": _EVENT}
    types: list[type] = []
    envelopes: dict[str, str] = {}
    for kind in section.kinds:
        codec = major.codec(kind.name)
        create, update = kind.bodies(codec.spec_create, codec.spec_update)
        types += [create, update, codec.spec_update or kind.spec_update]
        envelopes[kind.name] = f"{kind.label}Envelope"
    refs, schemas = msgspec.json.schema_components(types, ref_template="#/components/schemas/{name}")
    components.update(schemas)
    # msgspec qualifies the names of types that share one, so references come from its answer.
    ref_of = {id(t): ref["$ref"] for t, ref in zip(types, refs, strict=True)}
    for kind in section.kinds:
        codec = major.codec(kind.name)
        spec = ref_of[id(codec.spec_update or kind.spec_update)]
        components[envelopes[kind.name]] = {
            "type": "object",
            "properties": {
                "checksum": {"type": "string"},
                "createdAt": {"type": "string", "format": "date-time"},
                "currentState": {"type": "object"},
                "currentTasks": {"type": "array", "items": {"$ref": "#/components/schemas/CurrentTask"}},
                "id": {"type": "string"},
                "resourceStatus": {
                    "type": "string",
                    "enum": ["CREATING", "DELETING", "ERROR", "READY", "SUSPENDED", "UPDATING"],
                },
                "targetSpec": {"$ref": spec},
                "updatedAt": {"type": "string", "format": "date-time"},
                **({"iam": {"type": "object"}} if kind.iam_type else {}),
            },
        }
        for name in kind.strategy.hidden:
            components[envelopes[kind.name]]["properties"].pop(name, None)
    paths: dict[str, dict] = {}
    for op in operations_of(section):
        kind = _kind_of(section, op.path)
        versioned = section.branch == "v2" and not op.public
        entry: dict = {
            "summary": op.summary or f"{op.method} {op.path}",
            "x-iam-actions": [{"name": a, "required": True} for a in op.actions],
            "x-status": _status(op),
            "x-error-classes": [
                {"status": status, "class": cls} for status, cls in error_classes(section, op)
            ],
            "parameters": [
                {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                for name in _PARAM.findall(op.path)
            ]
            + (list(_PAGING) if op.paged else [])
            + (
                [
                    {
                        "in": "header",
                        "name": "X-Schemas-Version",
                        "schema": {"type": "string"},
                        "description": "Schemas version M.m",
                    }
                ]
                if versioned
                else []
            )
            + ([_DRY_RUN] if dry_runnable(section, op) else []),
            "responses": _responses(section, op),
        }
        if op.deprecated:
            entry["deprecated"] = True
        if op.public:
            entry["security"] = []
        answer = entry["responses"]["200"]["content"]["application/json"]
        if kind is not None and op.path in (kind.collection, kind.item):
            ref = {"$ref": f"#/components/schemas/{envelopes[kind.name]}"}
            answer["schema"] = {"type": "array", "items": ref} if op.paged else ref
            if op.method in ("POST", "PUT"):
                create, update = kind.bodies(
                    major.codec(kind.name).spec_create, major.codec(kind.name).spec_update
                )
                body = create if op.method == "POST" else update
                entry["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": ref_of[id(body)]}}},
                }
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
        "servers": [{"url": f"{base_url}{BRANCH_BASE[section.branch]}"}],
        "paths": paths,
        "components": {"schemas": components},
    }


def console_schema(section: Section, major: Major, base_url: str) -> dict:
    """The section in the console's own format (`apis` and `models`), as `/1.0/<section>.json` is."""
    doc = openapi(section, major, base_url)
    statuses = {"stable": "PRODUCTION", "beta": "BETA", "deprecated": "DEPRECATED"}
    apis = []
    for path, methods in doc["paths"].items():
        operations = []
        for method, op in methods.items():
            operations.append(
                {
                    "httpMethod": method.upper(),
                    "description": op["summary"],
                    "apiStatus": {"value": statuses[op["x-status"]]},
                    "noAuthentication": op.get("security") == [],
                    "iamActions": op["x-iam-actions"],
                    "errors": op["x-error-classes"],
                    "parameters": [
                        {
                            "name": p["name"],
                            "paramType": p["in"],
                            "required": p.get("required", False),
                            "dataType": p["schema"].get("type", "string"),
                        }
                        for p in op["parameters"]
                    ],
                    "responseType": op["responses"]["200"]["content"]["application/json"]["schema"],
                    "requestBody": op.get("requestBody"),
                }
            )
        apis.append({"path": path, "description": "", "operations": operations})
    return {
        "apiVersion": doc["info"]["version"],
        "basePath": f"{base_url}{BRANCH_BASE[section.branch]}",
        "resourcePath": f"/{section.name}",
        "apis": apis,
        "models": doc["components"]["schemas"],
    }


def _status(op: Operation) -> str:
    return "deprecated" if op.deprecated else "beta" if op.beta else "stable"
