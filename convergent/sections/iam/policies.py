"""`/v2/iam/policy`: the account's IAM policies, on the plain-object registry."""

from __future__ import annotations

import msgspec

from ...errors import ApiError
from ...iam.objects import POLICIES, RESOURCE_GROUPS
from ...iam.policy import matches
from ...model.operation import Operation
from ...model.records import Item
from ...model.times import iso
from .models import PolicyInput
from .permissions import permissions
from .query import flag, is_uuid
from .resources import resource_by_urn, resource_view

__all__ = ["OPERATIONS"]


def _body(body: PolicyInput) -> dict:
    return {
        "conditions": body.conditions and msgspec.to_builtins(body.conditions),
        "description": body.description,
        "expiredAt": body.expiredAt,
        "identities": body.identities,
        "name": body.name,
        "permissions": permissions(body.permissions),
        "permissionsGroups": [{"urn": g.urn} for g in body.permissionsGroups or []],
        "resources": [{"urn": r.urn} for r in body.resources],
    }


async def _view(call, item: Item, details: bool) -> dict:
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
        groups = {g.body["urn"]: g for g in await call.objects(RESOURCE_GROUPS).all()}
        for ref in item.body["resources"]:
            entry = dict(ref)
            group = groups.get(ref["urn"])
            if group is not None:
                entry["group"] = {"id": group.id, "name": group.body["name"], "readOnly": False}
            else:
                try:
                    entry["resource"] = resource_view(call, await resource_by_urn(call, ref["urn"]))
                except ApiError:
                    pass
            resources.append(entry)
        out["resources"] = resources
    return dict(sorted(out.items()))


async def list_policies(call):
    query = call.request.query_params
    details = bool(flag(call, "details"))
    read_only = flag(call, "readOnly")
    identities, urns, actions = (
        query.getlist("identity"),
        query.getlist("resourceURN"),
        query.getlist("action"),
    )

    def wanted(b: dict) -> bool:
        return (
            read_only is not True
            and (not identities or any(matches(p, i) for p in b["identities"] for i in identities))
            and (not urns or any(matches(r["urn"], u) for r in b["resources"] for u in urns))
            and (
                not actions
                or any(matches(a["action"], x) for a in b["permissions"]["allow"] for x in actions)
            )
        )

    async def keep(page):
        return [await _view(call, item, details) for item in page if wanted(item.body)]

    return await call.paginate(call.objects(POLICIES).page, lambda view: view, keep)


async def create_policy(call):
    item = await call.objects(POLICIES).create(_body(await call.body(PolicyInput)))
    return call.tagged(await _view(call, item, False), item)


async def get_policy(call):
    item = await call.objects(POLICIES).get(call.params["policyId"])
    return call.tagged(await _view(call, item, bool(flag(call, "details"))), item)


async def edit_policy(call):
    body = _body(await call.body(PolicyInput))

    def replace(item: Item) -> None:
        item.body = body

    item = await call.objects(POLICIES).update(call.params["policyId"], replace)
    return call.tagged(await _view(call, item, False), item)


async def delete_policy(call):
    await call.objects(POLICIES).delete(call.params["policyId"])


_ID = {"policyId": is_uuid}
_ACTIONS = POLICIES.actions

OPERATIONS = (
    Operation("GET", "/iam/policy", list_policies, _ACTIONS["get"]),
    Operation("POST", "/iam/policy", create_policy, _ACTIONS["create"]),
    Operation(
        "DELETE",
        "/iam/policy/{policyId}",
        delete_policy,
        _ACTIONS["delete"],
        _ID,
        errors=POLICIES.errors("delete"),
    ),
    Operation(
        "GET", "/iam/policy/{policyId}", get_policy, _ACTIONS["get"], _ID, errors=POLICIES.errors("get")
    ),
    Operation(
        "PUT", "/iam/policy/{policyId}", edit_policy, _ACTIONS["edit"], _ID, errors=POLICIES.errors("edit")
    ),
)
