"""`/v2/iam/permissionsGroup`: OVHcloud's read-only groups and the account's own, on the
plain-object registry."""

from __future__ import annotations

import uuid

from ...errors import ApiError
from ...iam.objects import PERMISSIONS_GROUPS
from ...iam.policy import OVH_PERMISSIONS_GROUPS
from ...model.operation import Operation
from ...model.records import Item
from ...model.times import iso
from .models import PermissionsGroupInput
from .permissions import permissions

__all__ = ["OPERATIONS"]


def _view(item: Item) -> dict:
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


def _ovh_view(group: dict) -> dict:
    return {
        **group,
        "createdAt": "2023-01-01T00:00:00.000Z",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, group["urn"])),
        "updatedAt": None,
    }


def _body(body: PermissionsGroupInput) -> dict:
    return {"description": body.description, "name": body.name, "permissions": permissions(body.permissions)}


_READ_ONLY = (403, "Client::Forbidden::ReadOnlyPermissionsGroup")


def _writable(call) -> str:
    urn = call.params["permissionsGroupURN"]
    if urn in OVH_PERMISSIONS_GROUPS:
        raise ApiError(*_READ_ONLY, f"'{urn}' is managed by OVHcloud and read-only")
    return urn


async def list_permissions_groups(call):
    # OVHcloud's groups first, then the account's: a computed list, paged by position.
    groups = [_ovh_view(g) for g in OVH_PERMISSIONS_GROUPS.values()]
    return await call.paginate_items(
        groups + [_view(i) for i in await call.objects(PERMISSIONS_GROUPS).all()]
    )


async def create_permissions_group(call):
    item = await call.objects(PERMISSIONS_GROUPS).create(_body(await call.body(PermissionsGroupInput)))
    return call.tagged(_view(item), item)


async def get_permissions_group(call):
    urn = call.params["permissionsGroupURN"]
    if urn in OVH_PERMISSIONS_GROUPS:
        return _ovh_view(OVH_PERMISSIONS_GROUPS[urn])
    item = await call.objects(PERMISSIONS_GROUPS).get(urn)
    return call.tagged(_view(item), item)


async def edit_permissions_group(call):
    body = _body(await call.body(PermissionsGroupInput))

    def replace(item: Item) -> None:
        item.body.update(body)

    item = await call.objects(PERMISSIONS_GROUPS).update(_writable(call), replace)
    return call.tagged(_view(item), item)


async def delete_permissions_group(call):
    await call.objects(PERMISSIONS_GROUPS).delete(_writable(call))


_PATH = "/iam/permissionsGroup/{permissionsGroupURN}"
_ACTIONS = PERMISSIONS_GROUPS.actions

OPERATIONS = (
    Operation("GET", "/iam/permissionsGroup", list_permissions_groups, _ACTIONS["get"]),
    Operation("POST", "/iam/permissionsGroup", create_permissions_group, _ACTIONS["create"]),
    Operation(
        "DELETE",
        _PATH,
        delete_permissions_group,
        _ACTIONS["delete"],
        errors=(*PERMISSIONS_GROUPS.errors("delete"), _READ_ONLY),
    ),
    Operation("GET", _PATH, get_permissions_group, _ACTIONS["get"], errors=PERMISSIONS_GROUPS.errors("get")),
    Operation(
        "PUT",
        _PATH,
        edit_permissions_group,
        _ACTIONS["edit"],
        errors=(*PERMISSIONS_GROUPS.errors("edit"), _READ_ONLY),
    ),
)
