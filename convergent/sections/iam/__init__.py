"""`/v2/iam`: policies, permissions groups, resources and their tags, resource groups, reference
actions and types, authorization checks, faithful to OVHcloud's iam.json. The `iam/log` routes
answer 501 `Server::NotImplemented::LogsNotAvailable`: convergent forwards no logs."""

from __future__ import annotations

import time
import uuid

import msgspec

from ...errors import ApiError
from ...iam import PERMISSIONS_GROUP, POLICY, RESOURCE_GROUP
from ...iam.policy import OVH_PERMISSIONS_GROUPS, matches, timestamp
from ...iam.tags import tag_filter
from ...model.envelope import urn as resource_urn
from ...model.operation import Operation
from ...model.records import Item
from ...model.section import Section
from ...model.times import iso
from .models import (
    TAG_KEY,
    TAG_VALUE,
    AddTag,
    AuthorizeBatchRequest,
    AuthorizeRequest,
    GroupCreation,
    GroupUpdate,
    PermissionsGroupInput,
    PolicyInput,
    ResourceUpdate,
)

__all__ = ["SECTION"]

_ALL = 100_000


def _action(name: str) -> tuple[str, ...]:
    return (f"account:apiovh:iam/{name}",)


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _flag(call, name: str) -> bool | None:
    raw = call.request.query_params.get(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false"):
        raise ApiError.invalid_parameter(name, "true or false")
    return raw.lower() == "true"


async def _items(call, kind: str) -> list[Item]:
    return list(await call.ctx.store.list_items(call.account, kind, None, _ALL))


async def _own(call, kind: str, id: str, label: str) -> Item:
    item = await call.ctx.store.get_item(kind, id)
    if item is None or item.account != call.account:
        raise ApiError.not_found(f"{label}NotFound", f"{label} '{id}' does not exist")
    return item


def _permissions(p) -> dict:
    return {
        "allow": [msgspec.to_builtins(a) for a in p.allow or []],
        "except": [msgspec.to_builtins(a) for a in p.except_ or []],
        "deny": [msgspec.to_builtins(a) for a in p.deny or []],
    }


# --- resources ------------------------------------------------------------------------------


def _kinds_by_type(call) -> dict:
    return {k.iam_type: k for k in call.ctx.kinds.values() if k.iam_type and k.owner() is k}


def _resource_view(call, r) -> dict:
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


async def _resource_by_urn(call, urn: str):
    prefix, _, rest = urn.partition(":resource:")
    type_, _, id = rest.partition(":")
    kind = _kinds_by_type(call).get(type_)
    resource = (
        await call.ctx.store.get_resource(kind.key, id) if prefix.startswith("urn:v1:") and kind else None
    )
    if resource is None or resource.account != call.account:
        raise ApiError.not_found("ResourceNotFound", f"Resource '{urn}' does not exist")
    return resource


async def list_resources(call):
    query = call.request.query_params
    by_tags = tag_filter(query.get("tags"), "tags")
    types = _kinds_by_type(call)
    wanted_types = set(query.getlist("resourceType")) or set(types)
    names, urns = set(query.getlist("resourceName")), set(query.getlist("resourceURN"))
    keys = [k.key for t, k in types.items() if t in wanted_types]

    async def keep(page):
        views = [_resource_view(call, r) for r in page]
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
    return _resource_view(call, await _resource_by_urn(call, call.params["resourceURN"]))


async def _retag(call, change, verbs: tuple[str, ...]) -> dict:
    found = await _resource_by_urn(call, call.params["resourceURN"])
    # Tagging also needs the resource type's own action, on the resource itself.
    kind = call.ctx.kinds[found.kind]
    actions = tuple(f"{kind.iam_type}:apiovh:iam/resource/tag/{verb}" for verb in verbs)
    await call.ctx.authorizer.require(call.caller, actions, resource_urn(kind.iam_type, found.id), found.tags)
    async with call.ctx.store.write() as tx:
        resource = await tx.get_resource(found.kind, found.id)
        resource.tags = change(dict(resource.tags))
        await tx.update_resource(resource)
    return _resource_view(call, resource)


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


# --- policies -------------------------------------------------------------------------------


def _policy_body(body: PolicyInput) -> dict:
    return {
        "conditions": body.conditions,
        "description": body.description,
        "expiredAt": body.expiredAt,
        "identities": body.identities,
        "name": body.name,
        "permissions": _permissions(body.permissions),
        "permissionsGroups": [{"urn": g.urn} for g in body.permissionsGroups or []],
        "resources": [{"urn": r.urn} for r in body.resources],
    }


async def _policy_view(call, item: Item, details: bool) -> dict:
    out = {
        **item.body,
        "createdAt": iso(item.created_at),
        "id": item.id,
        "owner": item.account,
        "readOnly": False,
        "updatedAt": iso(item.updated_at),
    }
    if details:
        resources = []
        groups = {g.body["urn"]: g for g in await _items(call, RESOURCE_GROUP)}
        for ref in item.body["resources"]:
            entry = dict(ref)
            group = groups.get(ref["urn"])
            if group is not None:
                entry["group"] = {"id": group.id, "name": group.body["name"], "readOnly": False}
            else:
                try:
                    entry["resource"] = _resource_view(call, await _resource_by_urn(call, ref["urn"]))
                except ApiError:
                    pass
            resources.append(entry)
        out["resources"] = resources
    return dict(sorted(out.items()))


def _expiry(body: PolicyInput) -> None:
    if body.expiredAt is not None:
        try:
            timestamp(body.expiredAt)
        except ValueError:
            raise ApiError.invalid_field("expiredAt", "an RFC 3339 date-time with a time zone") from None


async def list_policies(call):
    query = call.request.query_params
    details = bool(_flag(call, "details"))
    read_only = _flag(call, "readOnly")
    identities, urns, actions = (
        query.getlist("identity"),
        query.getlist("resourceURN"),
        query.getlist("action"),
    )
    out = []
    for item in await _items(call, POLICY):
        b = item.body
        if read_only is True:
            continue
        if identities and not any(matches(p, i) for p in b["identities"] for i in identities):
            continue
        if urns and not any(matches(r["urn"], u) for r in b["resources"] for u in urns):
            continue
        if actions and not any(matches(a["action"], x) for a in b["permissions"]["allow"] for x in actions):
            continue
        out.append(await _policy_view(call, item, details))
    return await call.paginate_items(out)


async def create_policy(call):
    body = await call.body(PolicyInput)
    _expiry(body)
    now = time.time()
    item = Item(
        account=call.account,
        kind=POLICY,
        id=str(uuid.uuid4()),
        body=_policy_body(body),
        created_at=now,
        updated_at=now,
    )
    async with call.ctx.store.write() as tx:
        await tx.insert_item(item)
    return await _policy_view(call, item, False)


async def get_policy(call):
    return await _policy_view(
        call, await _own(call, POLICY, call.params["policyId"], "Policy"), bool(_flag(call, "details"))
    )


async def edit_policy(call):
    body = await call.body(PolicyInput)
    _expiry(body)
    item = await _own(call, POLICY, call.params["policyId"], "Policy")
    item.body = _policy_body(body)
    item.updated_at = time.time()
    async with call.ctx.store.write() as tx:
        await tx.update_item(item)
    return await _policy_view(call, item, False)


async def delete_policy(call):
    item = await _own(call, POLICY, call.params["policyId"], "Policy")
    async with call.ctx.store.write() as tx:
        await tx.delete_item(item)


# --- permissions groups ---------------------------------------------------------------------


def _group_view(item: Item) -> dict:
    return dict(
        sorted(
            {
                **item.body,
                "createdAt": iso(item.created_at),
                "id": item.body["id"],
                "owner": item.account,
                "updatedAt": iso(item.updated_at),
            }.items()
        )
    )


def _ovh_group_view(group: dict) -> dict:
    return {
        **group,
        "createdAt": "2023-01-01T00:00:00.000Z",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, group["urn"])),
        "updatedAt": None,
    }


async def list_permissions_groups(call):
    groups = [_ovh_group_view(g) for g in OVH_PERMISSIONS_GROUPS.values()]
    return await call.paginate_items(groups + [_group_view(i) for i in await _items(call, PERMISSIONS_GROUP)])


async def create_permissions_group(call):
    body = await call.body(PermissionsGroupInput)
    now, id = time.time(), str(uuid.uuid4())
    urn = f"urn:v1:eu:permissionsGroup:{id}"
    item = Item(
        account=call.account,
        kind=PERMISSIONS_GROUP,
        id=urn,
        created_at=now,
        updated_at=now,
        body={
            "description": body.description,
            "id": id,
            "name": body.name,
            "permissions": _permissions(body.permissions),
            "urn": urn,
        },
    )
    async with call.ctx.store.write() as tx:
        await tx.insert_item(item)
    return _group_view(item)


async def _own_group(call) -> Item:
    urn = call.params["permissionsGroupURN"]
    if urn in OVH_PERMISSIONS_GROUPS:
        raise ApiError(
            403,
            "Client::Forbidden::ReadOnlyPermissionsGroup",
            f"'{urn}' is managed by OVHcloud and read-only",
        )
    return await _own(call, PERMISSIONS_GROUP, urn, "PermissionsGroup")


async def get_permissions_group(call):
    urn = call.params["permissionsGroupURN"]
    if urn in OVH_PERMISSIONS_GROUPS:
        return _ovh_group_view(OVH_PERMISSIONS_GROUPS[urn])
    return _group_view(await _own(call, PERMISSIONS_GROUP, urn, "PermissionsGroup"))


async def edit_permissions_group(call):
    body = await call.body(PermissionsGroupInput)
    item = await _own_group(call)
    item.body.update(description=body.description, name=body.name, permissions=_permissions(body.permissions))
    item.updated_at = time.time()
    async with call.ctx.store.write() as tx:
        await tx.update_item(item)
    return _group_view(item)


async def delete_permissions_group(call):
    item = await _own_group(call)
    async with call.ctx.store.write() as tx:
        await tx.delete_item(item)


# --- resource groups ------------------------------------------------------------------------


async def _members(call, refs) -> list[dict]:
    resources = {}
    by_iam_id = None
    for i, ref in enumerate(refs):
        if ref.urn:
            r = await _resource_by_urn(call, ref.urn)
        elif ref.id:
            if by_iam_id is None:
                keys = [k.key for k in _kinds_by_type(call).values()]
                by_iam_id = {
                    r.iam_id: r
                    for r in await call.ctx.store.list_resources_of(call.account, keys, None, _ALL)
                }
            r = by_iam_id.get(ref.id)
            if r is None:
                raise ApiError.invalid_field(
                    f"resources[{i}].id", f"no resource of this account has id {ref.id}"
                )
        else:
            raise ApiError.invalid_field(f"resources[{i}]", "give the resource's id or urn")
        view = _resource_view(call, r)
        resources[view["urn"]] = {"id": view["id"], "urn": view["urn"]}
    return list(resources.values())


async def _resource_group_view(call, item: Item, details: bool = True) -> dict:
    members = []
    for ref in item.body["resources"]:
        try:
            view = _resource_view(call, await _resource_by_urn(call, ref["urn"]))
        except ApiError:
            continue  # the resource was deleted since
        members.append(view if details else {"id": view["id"], "urn": view["urn"]})
    return {
        "createdAt": iso(item.created_at),
        "id": item.id,
        "name": item.body["name"],
        "owner": item.account,
        "readOnly": False,
        "resources": members,
        "updatedAt": iso(item.updated_at),
        "urn": item.body["urn"],
    }


async def list_resource_groups(call):
    details = bool(_flag(call, "details"))
    return await call.paginate_items(
        [await _resource_group_view(call, i, details) for i in await _items(call, RESOURCE_GROUP)]
    )


async def create_resource_group(call):
    body = await call.body(GroupCreation)
    now, id = time.time(), str(uuid.uuid4())
    item = Item(
        account=call.account,
        kind=RESOURCE_GROUP,
        id=id,
        created_at=now,
        updated_at=now,
        body={
            "name": body.name,
            "resources": await _members(call, body.resources or []),
            "urn": f"urn:v1:eu:resourceGroup:{id}",
        },
    )
    async with call.ctx.store.write() as tx:
        await tx.insert_item(item)
    return await _resource_group_view(call, item)


async def get_resource_group(call):
    item = await _own(call, RESOURCE_GROUP, call.params["groupId"], "ResourceGroup")
    return await _resource_group_view(call, item, bool(_flag(call, "details")))


async def edit_resource_group(call):
    body = await call.body(GroupUpdate)
    item = await _own(call, RESOURCE_GROUP, call.params["groupId"], "ResourceGroup")
    item.body.update(name=body.name, resources=await _members(call, body.resources or []))
    item.updated_at = time.time()
    async with call.ctx.store.write() as tx:
        await tx.update_item(item)
    return await _resource_group_view(call, item)


async def delete_resource_group(call):
    item = await _own(call, RESOURCE_GROUP, call.params["groupId"], "ResourceGroup")
    async with call.ctx.store.write() as tx:
        await tx.delete_item(item)


# --- references and checks ------------------------------------------------------------------

_CATEGORIES = {"get": "READ", "create": "CREATE", "edit": "EDIT", "delete": "DELETE"}


def _all_actions(call) -> dict[str, str]:
    out: dict[str, str] = {}
    for section in call.ctx.sections:
        out.update(section.actions())
    return out


async def reference_actions(call):
    wanted = set(call.request.query_params.getlist("resourceType"))
    out = []
    for name, type_ in sorted(_all_actions(call).items()):
        if wanted and type_ not in wanted:
            continue
        verb = name.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        out.append(
            {
                "action": name,
                "categories": [_CATEGORIES.get(verb, "OPERATE")],
                "description": name,
                "hasQueryParameters": False,
                "resourceType": type_,
            }
        )
    return await call.paginate_items(out)


async def reference_types(call):
    return await call.paginate_items(sorted(set(_all_actions(call).values()) | set(_kinds_by_type(call))))


async def _check(call, urn: str, actions: list[str]) -> dict:
    tags = {}
    if ":resource:account:" not in urn:
        tags = (await _resource_by_urn(call, urn)).tags
    decision = await call.ctx.authorizer.decide(call.caller, actions, urn, tags)
    return {
        "authorizedActions": list(decision.authorized),
        "unauthorizedActions": list(decision.unauthorized),
    }


async def check_batch(call):
    body = await call.body(AuthorizeBatchRequest)
    return [{"resourceURN": urn, **await _check(call, urn, body.actions)} for urn in body.resourceURNs]


async def check_resource(call):
    body = await call.body(AuthorizeRequest)
    return await _check(call, call.params["resourceURN"], body.actions)


async def logs_not_available(call):
    raise ApiError(
        501, "Server::NotImplemented::LogsNotAvailable", "IAM logs are not available on convergent"
    )


_NO_LOGS = (
    "convergent forwards no logs: the iam/log routes (log kinds, subscriptions to Logs Data Platform, "
    "temporary log URLs) answer 501 Server::NotImplemented::LogsNotAvailable"
)


def _log(method: str, path: str, actions: tuple[str, ...]) -> Operation:
    return Operation(method, path, logs_not_available, actions, declined=_NO_LOGS)


_POLICY = {"policyId": _is_uuid}
_GROUP = {"groupId": _is_uuid}

SECTION = Section(
    name="iam",
    description="Identity and access management: policies, groups, resources and tags",
    operations=(
        Operation(
            "POST", "/iam/authorization/check", check_batch, summary="Check authorizations on resources"
        ),
        _log("GET", "/iam/log/kind", _action("log/kind/get")),
        _log("GET", "/iam/log/kind/{name}", _action("log/kind/get")),
        _log("GET", "/iam/log/subscription", _action("log/subscription/get")),
        _log(
            "POST",
            "/iam/log/subscription",
            (*_action("log/subscription/create"), "ldp:apiovh:output/graylog/stream/forwardTo"),
        ),
        _log("DELETE", "/iam/log/subscription/{subscriptionId}", _action("log/subscription/delete")),
        _log("GET", "/iam/log/subscription/{subscriptionId}", _action("log/subscription/get")),
        _log("POST", "/iam/log/url", _action("log/url/create")),
        Operation("GET", "/iam/permissionsGroup", list_permissions_groups, _action("permissionsGroup/get")),
        Operation(
            "POST", "/iam/permissionsGroup", create_permissions_group, _action("permissionsGroup/create")
        ),
        Operation(
            "DELETE",
            "/iam/permissionsGroup/{permissionsGroupURN}",
            delete_permissions_group,
            _action("permissionsGroup/delete"),
        ),
        Operation(
            "GET",
            "/iam/permissionsGroup/{permissionsGroupURN}",
            get_permissions_group,
            _action("permissionsGroup/get"),
        ),
        Operation(
            "PUT",
            "/iam/permissionsGroup/{permissionsGroupURN}",
            edit_permissions_group,
            _action("permissionsGroup/edit"),
        ),
        Operation("GET", "/iam/policy", list_policies, _action("policy/get")),
        Operation("POST", "/iam/policy", create_policy, _action("policy/create")),
        Operation("DELETE", "/iam/policy/{policyId}", delete_policy, _action("policy/delete"), _POLICY),
        Operation("GET", "/iam/policy/{policyId}", get_policy, _action("policy/get"), _POLICY),
        Operation("PUT", "/iam/policy/{policyId}", edit_policy, _action("policy/edit"), _POLICY),
        Operation(
            "GET", "/iam/reference/action", reference_actions, summary="Actions that policies can name"
        ),
        Operation("GET", "/iam/reference/resource/type", reference_types, summary="Resource types"),
        Operation("GET", "/iam/resource", list_resources, summary="Resources of the account", paged=True),
        Operation("GET", "/iam/resource/{resourceURN}", get_resource),
        Operation("PUT", "/iam/resource/{resourceURN}", edit_resource, _action("resource/edit")),
        Operation("POST", "/iam/resource/{resourceURN}/authorization/check", check_resource),
        Operation("POST", "/iam/resource/{resourceURN}/tag", add_tag, _action("resource/tag/add")),
        Operation(
            "DELETE", "/iam/resource/{resourceURN}/tag/{key}", remove_tag, _action("resource/tag/remove")
        ),
        Operation("GET", "/iam/resourceGroup", list_resource_groups, _action("resourceGroup/get")),
        Operation("POST", "/iam/resourceGroup", create_resource_group, _action("resourceGroup/create")),
        Operation(
            "DELETE",
            "/iam/resourceGroup/{groupId}",
            delete_resource_group,
            _action("resourceGroup/delete"),
            _GROUP,
        ),
        Operation(
            "GET", "/iam/resourceGroup/{groupId}", get_resource_group, _action("resourceGroup/get"), _GROUP
        ),
        Operation(
            "PUT", "/iam/resourceGroup/{groupId}", edit_resource_group, _action("resourceGroup/edit"), _GROUP
        ),
    ),
)
