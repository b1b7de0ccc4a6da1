"""The standard operations of an as-code kind, generated from its declaration.

list and create on the collection (a list of a kind with URNs of its own takes the `iamTags`
filter); get, update (PUT) and delete on the item; the item's tasks, one task, and events.
Which of them a kind serves is in `Kind.operations`.
"""

from __future__ import annotations

import msgspec

from ..engine.changes import DryRun
from ..errors import ApiError
from ..iam.tags import tag_filter
from ..model.checksum import is_checksum
from ..model.envelope import envelope, event_body, task_body
from ..model.kind import Kind, is_uuid
from ..model.operation import Operation
from ..model.records import Resource
from ..model.versions import Codec
from .call import Call
from .responses import encode, json_response

__all__ = ["standard_operations"]


def _param_checks(kind: Kind, *, item: bool) -> dict:
    checks = {k.id_param: k.id_valid for k in kind.ancestors()}
    if item:
        checks[kind.id_param] = kind.id_valid
    return checks


def _rendered(kind: Kind, resource: Resource, codec: Codec) -> bytes:
    """The envelope of `resource` encoded as JSON, once per record and codec: a record from the
    store's read cache is never changed (a write replaces it), so reads and pages reuse it."""
    rendered = resource.rendered
    if rendered is None:
        rendered = resource.rendered = {}
    body = rendered.get(codec)
    if body is None:
        body = rendered[codec] = encode(envelope(kind, resource, codec))
    return body


def dry_run_asked(call: Call) -> bool:
    """`X-Dry-Run: true` (or `?dryRun=true`): check the change and answer it, writing nothing."""
    header = call.request.headers.get("x-dry-run")
    query = call.request.query_params.get("dryRun")
    for name, value in (("X-Dry-Run", header), ("dryRun", query)):
        if value is not None and value not in ("true", "false"):
            raise ApiError.invalid_parameter(name, f"'{value}' is neither true nor false")
    return "true" in (header, query)


def dry_run_answer(kind: Kind, outcome: DryRun, codec: Codec):
    """The resource as it would be, with `plan`: the task it would start (its type, message and
    steps with their durations at 1x), or null when nothing would change."""
    task = outcome.task
    plan = (
        None
        if task is None
        else {"type": task.type, "message": task.message, "steps": [dict(s) for s in task.steps]}
    )
    return json_response(
        {**envelope(kind, outcome.resource, codec), "plan": plan}, headers={"X-Dry-Run": "true"}
    )


def standard_operations(kind: Kind) -> list[Operation]:
    per_item = kind.parent is None and kind.iam_type is not None

    async def list_(call: Call):
        codec = call.codec(kind)
        await call.parent(kind)
        parent_id = call.params[kind.parent.id_param] if kind.parent else ""
        by_tags = tag_filter(call.request.query_params.get("iamTags"), "iamTags") if per_item else None
        by_query = kind.strategy.list_filter(call.request.query_params)

        async def keep(page):
            shown = await call.visible(kind, page, kind.actions["list"]) if per_item else list(page)
            if by_tags is not None:
                shown = [r for r in shown if by_tags(r.tags)]
            return shown if by_query is None else [r for r in shown if by_query(r)]

        return await call.paginate(
            lambda after, size: call.ctx.store.list_resources(call.account, kind.key, parent_id, after, size),
            lambda r: msgspec.Raw(_rendered(kind, r, codec)),
            keep if per_item or by_query is not None else None,
        )

    async def create(call: Call):
        codec = call.codec(kind)
        body = await call.body(kind.bodies(codec.spec_create, codec.spec_update)[0])
        parent = await call.parent(kind)
        spec = codec.spec_to_hub(msgspec.to_builtins(body.targetSpec), None)
        dry = dry_run_asked(call)
        try:
            resource = await call.ctx.changes.create(
                kind, call.account, call.collection_of(kind), parent, spec, dry_run=dry
            )
        except DryRun as outcome:
            return dry_run_answer(kind, outcome, codec)
        return envelope(kind, resource, codec)

    async def get(call: Call):
        return _rendered(kind, await call.resource(kind), call.codec(kind))

    async def update(call: Call):
        codec = call.codec(kind)
        body = await call.body(kind.bodies(codec.spec_create, codec.spec_update)[1])
        if body.checksum is not None and not is_checksum(body.checksum):
            raise ApiError.checksum_bad_format(body.checksum)
        sent = msgspec.to_builtins(body.targetSpec)
        id = call.params[kind.id_param]
        dry = dry_run_asked(call)
        try:
            resource = await call.ctx.changes.update(
                kind,
                call.account,
                call.path_of(kind),
                id,
                lambda previous: codec.spec_to_hub(sent, previous),
                body.checksum,
                dry_run=dry,
            )
        except DryRun as outcome:
            return dry_run_answer(kind, outcome, codec)
        return envelope(kind, resource, codec)

    async def delete(call: Call):
        id = call.params[kind.id_param]
        codec = call.codec(kind)
        dry = dry_run_asked(call)
        try:
            resource = await call.ctx.changes.delete(kind, call.account, call.path_of(kind), id, dry_run=dry)
        except DryRun as outcome:
            return dry_run_answer(kind, outcome, codec)
        return envelope(kind, resource, codec)

    async def tasks(call: Call):
        resource = await call.resource(kind)
        return await call.paginate(
            lambda before, size: call.ctx.store.list_tasks(kind.key, resource.id, before, size),
            task_body,
        )

    async def task(call: Call):
        resource = await call.resource(kind)
        task_id = call.params["taskId"]
        found = await call.ctx.store.get_task(kind.key, resource.id, task_id)
        if found is None:
            raise kind.strategy.task_not_found(resource, task_id)
        return task_body(found)

    async def events(call: Call):
        resource = await call.resource(kind)
        return await call.paginate(
            lambda before, size: call.ctx.store.list_events(kind.key, resource.id, before, size),
            event_body,
        )

    collection, item = kind.collection, kind.item
    on_collection = _param_checks(kind, item=False)
    on_item = _param_checks(kind, item=True)
    table = {
        "list": ("GET", collection, list_, on_collection, True, f"List {kind.label} resources"),
        "create": ("POST", collection, create, on_collection, False, f"Create a {kind.label}"),
        "get": ("GET", item, get, on_item, False, f"Get a {kind.label}"),
        "update": ("PUT", item, update, on_item, False, f"Update the target spec of a {kind.label}"),
        "delete": ("DELETE", item, delete, on_item, False, f"Delete a {kind.label}"),
        "tasks": ("GET", f"{item}/task", tasks, on_item, True, f"List the tasks of a {kind.label}"),
        "task": (
            "GET",
            f"{item}/task/{{taskId}}",
            task,
            {**on_item, "taskId": is_uuid},
            False,
            f"Get a task of a {kind.label}",
        ),
        "events": ("GET", f"{item}/event", events, on_item, True, f"List the events of a {kind.label}"),
    }
    return [
        Operation(
            method,
            path,
            handler,
            tuple(kind.actions[name]),
            checks,
            summary,
            paged,
            iam_per_item=per_item and name == "list",
            errors=tuple(kind.errors.get(name, ())),
        )
        for name, (method, path, handler, checks, paged, summary) in table.items()
        if name in kind.operations
    ]
