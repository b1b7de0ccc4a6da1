"""`/v2/iam/resource`: the account's resources as IAM sees them, and their tags."""

from __future__ import annotations

from ...errors import ApiError
from ...iam.objects import IAM
from ...iam.policy import matches
from ...iam.tags import tag_filter
from ...model.envelope import urn as resource_urn
from ...model.operation import Operation, action
from .models import TAG_KEY, TAG_VALUE, AddTag, ResourceUpdate

__all__ = ["OPERATIONS", "kinds_by_type", "resource_view", "resource_by_urn"]


def kinds_by_type(call) -> dict:
    return {k.iam_type: k for k in call.ctx.kinds.values() if k.iam_type and k.owner() is k}


def resource_view(call, r) -> dict:
    kind = call.ctx.kinds[r.kind]
    return {
        "displayName": kind.strategy.display_name(r) or r.id,
        "id": r.iam_id,
        "name": r.id,
        "owner": call.account,
        "tags": r.tags,
        "type": kind.iam_type,
        "urn": resource_urn(kind.iam_type, r.id),
    }


async def resource_by_urn(call, urn: str):
    prefix, _, rest = urn.partition(":resource:")
    type_, _, id = rest.partition(":")
    kind = kinds_by_type(call).get(type_)
    resource = (
        await call.ctx.store.get_resource(kind.key, id) if prefix.startswith("urn:v1:") and kind else None
    )
    if resource is None or resource.account != call.account:
        raise ApiError.not_found("ResourceNotFound", f"Resource '{urn}' does not exist")
    return resource


def _seeing(kind) -> tuple[str, ...]:
    """What a caller must be allowed on a resource to see it here: its kind's read action."""
    return tuple(kind.actions.get("get", ())) or (f"{kind.iam_type}:apiovh:get",)


async def _may_see(call, r) -> bool:
    if call.caller.owner:
        return True
    kind = call.ctx.kinds[r.kind]
    decision = await call.ctx.authorizer.decide(
        call.caller, _seeing(kind), resource_urn(kind.iam_type, r.id), r.tags
    )
    return bool(decision.allowed)


async def list_resources(call):
    query = call.request.query_params
    by_tags = tag_filter(query.get("tags"), "tags")
    types = kinds_by_type(call)
    wanted_types = set(query.getlist("resourceType")) or set(types)
    names, urns = set(query.getlist("resourceName")), set(query.getlist("resourceURN"))
    keys = [k.key for t, k in types.items() if t in wanted_types]

    async def keep(page):
        views = [resource_view(call, r) for r in page if await _may_see(call, r)]  # like every list
        return [
            v
            for v in views
            if (not names or v["name"] in names)
            and (not urns or any(matches(u, v["urn"]) for u in urns))
            and (by_tags is None or by_tags(v["tags"]))
        ]

    if not keys:
        return []
    return await call.paginate(
        lambda after, size: call.ctx.store.list_resources_of(call.account, keys, after, size),
        lambda v: v,
        keep,
    )


async def get_resource(call):
    urn = call.params["resourceURN"]
    found = await resource_by_urn(call, urn)
    if not await _may_see(call, found):  # the operation has no action of its own: hidden, as in the list
        raise ApiError.not_found("ResourceNotFound", f"Resource '{urn}' does not exist")
    return resource_view(call, found)


async def _retag(call, change, verbs: tuple[str, ...]) -> dict:
    found = await resource_by_urn(call, call.params["resourceURN"])
    # Tagging also needs the resource type's own action, on the resource itself.
    kind = call.ctx.kinds[found.kind]
    actions = tuple(f"{kind.iam_type}:apiovh:iam/resource/tag/{verb}" for verb in verbs)
    await call.ctx.authorizer.require(call.caller, actions, resource_urn(kind.iam_type, found.id), found.tags)
    async with call.ctx.store.write() as tx:
        resource = await tx.get_resource(found.kind, found.id)
        resource.tags = change(dict(resource.tags))
        await tx.update_resource(resource)
    return resource_view(call, resource)


async def edit_resource(call):
    body = await call.body(ResourceUpdate)
    tags = body.tags or {}
    for key, value in tags.items():
        if not TAG_KEY.fullmatch(key) or not TAG_VALUE.fullmatch(value) or key.startswith("ovh:"):
            raise ApiError.invalid_field(
                f"tags.{key}", "keys ^[a-zA-Z0-9_.:/=+@-]{1,128}$ not starting with ovh:, values {0,256}"
            )
    keep_internal = lambda old: {**{k: v for k, v in old.items() if k.startswith("ovh:")}, **tags}
    return await _retag(call, keep_internal, ("add", "remove"))


async def add_tag(call):
    tag = await call.body(AddTag)
    await _retag(call, lambda old: {**old, tag.key: tag.value}, ("add",))


async def remove_tag(call):
    key = call.params["key"]

    def drop(old):
        if key not in old:
            raise ApiError.not_found("TagNotFound", f"Tag '{key}' does not exist on this resource")
        return {k: v for k, v in old.items() if k != key}

    await _retag(call, drop, ("remove",))


OPERATIONS = (
    Operation("GET", "/iam/resource", list_resources, summary="Resources of the account", paged=True),
    Operation("GET", "/iam/resource/{resourceURN}", get_resource),
    Operation("PUT", "/iam/resource/{resourceURN}", edit_resource, action(IAM, "resource/edit")),
    Operation("POST", "/iam/resource/{resourceURN}/tag", add_tag, action(IAM, "resource/tag/add")),
    Operation(
        "DELETE", "/iam/resource/{resourceURN}/tag/{key}", remove_tag, action(IAM, "resource/tag/remove")
    ),
)
