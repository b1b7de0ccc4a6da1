"""`/v2/iam/resourceGroup`: groups of the account's resources, on the plain-object registry."""

from __future__ import annotations

from ...errors import ApiError
from ...iam.objects import RESOURCE_GROUPS
from ...model.objects import ALL
from ...model.operation import Operation
from ...model.records import Item
from ...model.times import iso
from .models import GroupCreation, GroupUpdate
from .query import flag, is_uuid
from .resources import kinds_by_type, resource_by_urn, resource_view

__all__ = ["OPERATIONS"]


async def _members(call, refs) -> list[dict]:
    resources = {}
    by_iam_id = None
    for i, ref in enumerate(refs):
        if ref.urn:
            r = await resource_by_urn(call, ref.urn)
        elif ref.id:
            if by_iam_id is None:
                keys = [k.key for k in kinds_by_type(call).values()]
                by_iam_id = {
                    r.iam_id: r for r in await call.ctx.store.list_resources_of(call.account, keys, None, ALL)
                }
            r = by_iam_id.get(ref.id)
            if r is None:
                raise ApiError.invalid_field(
                    f"resources[{i}].id", f"no resource of this account has id {ref.id}"
                )
        else:
            raise ApiError.invalid_field(f"resources[{i}]", "give the resource's id or urn")
        view = resource_view(call, r)
        resources[view["urn"]] = {"id": view["id"], "urn": view["urn"]}
    return list(resources.values())


async def _view(call, item: Item, details: bool = True) -> dict:
    members = []
    for ref in item.body["resources"]:
        try:
            view = resource_view(call, await resource_by_urn(call, ref["urn"]))
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
    details = bool(flag(call, "details"))

    async def views(page):
        return [await _view(call, item, details) for item in page]

    return await call.paginate(call.objects(RESOURCE_GROUPS).page, lambda view: view, views)


async def create_resource_group(call):
    body = await call.body(GroupCreation)
    members = await _members(call, body.resources or [])
    item = await call.objects(RESOURCE_GROUPS).create({"name": body.name, "resources": members})
    return call.tagged(await _view(call, item), item)


async def get_resource_group(call):
    item = await call.objects(RESOURCE_GROUPS).get(call.params["groupId"])
    return call.tagged(await _view(call, item, bool(flag(call, "details"))), item)


async def edit_resource_group(call):
    body = await call.body(GroupUpdate)
    groups = call.objects(RESOURCE_GROUPS)
    await groups.get(call.params["groupId"])  # 404 before the members are looked at
    members = await _members(call, body.resources or [])

    def replace(item: Item) -> None:
        item.body.update(name=body.name, resources=members)

    item = await groups.update(call.params["groupId"], replace)
    return call.tagged(await _view(call, item), item)


async def delete_resource_group(call):
    await call.objects(RESOURCE_GROUPS).delete(call.params["groupId"])


_ID = {"groupId": is_uuid}
_PATH = "/iam/resourceGroup/{groupId}"
_ACTIONS = RESOURCE_GROUPS.actions

OPERATIONS = (
    Operation("GET", "/iam/resourceGroup", list_resource_groups, _ACTIONS["get"]),
    Operation("POST", "/iam/resourceGroup", create_resource_group, _ACTIONS["create"]),
    Operation(
        "DELETE",
        _PATH,
        delete_resource_group,
        _ACTIONS["delete"],
        _ID,
        errors=RESOURCE_GROUPS.errors("delete"),
    ),
    Operation("GET", _PATH, get_resource_group, _ACTIONS["get"], _ID, errors=RESOURCE_GROUPS.errors("get")),
    Operation(
        "PUT", _PATH, edit_resource_group, _ACTIONS["edit"], _ID, errors=RESOURCE_GROUPS.errors("edit")
    ),
)
