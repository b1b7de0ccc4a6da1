"""`/1.0/vrack`: vRacks, as far as the Terraform provider and vRack Services need them: the
vRack itself (an IAM resource, delivered by orders) and the vRack Services it holds.

Attaching or detaching a vRack Services answers a vRack task (`vrack.Task`); convergent applies
the change at once, so the task is already done and, as on OVHcloud once a task is done, its
`GET /vrack/{serviceName}/task/{taskId}` answers 404 (clients poll it until then)."""

from __future__ import annotations

import msgspec

from ..errors import ApiError
from ..model.operation import Operation
from ..model.section import Section
from ..model.times import iso
from .delivered import all_of, delivered_kind, get_service, iam_view, list_services, own_service
from .vrackservices import VRACK_SERVICES
from .vrackservices.resource import product_status

__all__ = ["SECTION", "VRACK", "provision_vrack"]

VRACK = delivered_kind("vrack", "vrack", "Vrack", "/vrack", "serviceName", "vrack")

_GET = "vrack:apiovh:get"


async def provision_vrack(order) -> None:
    number = int(order.changes.new_uuid().replace("-", "")[:8], 16) % 1_000_000
    await order.deliver(VRACK, {}, {}, id=f"pn-{number:06d}")


def _vrack(kind, resource) -> dict:
    return {"description": "", "iam": iam_view(kind, resource), "name": resource.id}


class Attach(msgspec.Struct, forbid_unknown_fields=True):
    vrackServices: str


def _task(call, function: str, vrack: str, target: str) -> dict:
    now = iso(call.ctx.clock.now())
    number = int(call.ctx.changes.new_uuid().replace("-", "")[:7], 16)
    return {
        "function": function,
        "id": number,
        "lastUpdate": now,
        "orderId": None,
        "serviceName": vrack,
        "status": "init",
        "targetDomain": target,
        "todoDate": now,
    }


async def _vrack_services(call, id: str):
    resource = await call.ctx.store.get_resource(VRACK_SERVICES.key, id)
    if resource is None or resource.account != call.account:
        raise ApiError.not_found("VrackServicesNotFound", f"vRack Services '{id}' does not exist")
    return resource


async def list_vrack_services(call):
    vrack = await own_service(call, VRACK, call.params["serviceName"])
    return [r.id for r in await all_of(call, VRACK_SERVICES) if r.current_state.get("vrackId") == vrack.id]


async def attach_vrack_services(call):
    vrack = await own_service(call, VRACK, call.params["serviceName"])
    body = await call.body(Attach)
    found = await _vrack_services(call, body.vrackServices)

    def free(held: str | None) -> None:
        if held == vrack.id:
            raise ApiError.conflict(
                "AlreadyInVrack", f"vRack Services '{found.id}' is already in vRack '{vrack.id}'"
            )
        if held:
            raise ApiError.conflict("InAnotherVrack", f"vRack Services '{found.id}' is in vRack '{held}'")

    await _set_vrack(call, found, vrack.id, free)
    return _task(call, "addVrackServices", vrack.id, found.id)


async def get_vrack_services(call):
    vrack = await own_service(call, VRACK, call.params["serviceName"])
    found = await _vrack_services(call, call.params["vrackServices"])
    if found.current_state.get("vrackId") != vrack.id:
        raise ApiError.not_found(
            "VrackServicesNotFound", f"vRack Services '{found.id}' is not in vRack '{vrack.id}'"
        )
    return {"vrack": vrack.id, "vrackServices": found.id}


async def detach_vrack_services(call):
    vrack = await own_service(call, VRACK, call.params["serviceName"])
    found = await _vrack_services(call, call.params["vrackServices"])

    def held_here(held: str | None) -> None:
        if held != vrack.id:
            raise ApiError.not_found(
                "VrackServicesNotFound", f"vRack Services '{found.id}' is not in vRack '{vrack.id}'"
            )

    await _set_vrack(call, found, None, held_here)
    return _task(call, "removeVrackServices", vrack.id, found.id)


async def _set_vrack(call, found, vrack: str | None, check) -> None:
    """Set the vRack of `found` once `check` accepts the one it holds, read in the same write
    (two calls at once cannot both find it free)."""
    async with call.ctx.store.write() as tx:
        resource = await tx.get_resource(found.kind, found.id)
        if resource is None:
            raise ApiError.not_found("VrackServicesNotFound", f"vRack Services '{found.id}' does not exist")
        check(resource.current_state.get("vrackId"))
        state = {**resource.current_state, "vrackId": vrack}
        resource.current_state = {**state, "productStatus": product_status(state)}
        resource.updated_at = call.ctx.clock.now()
        await tx.update_resource(resource)


async def list_tasks(call):
    await own_service(call, VRACK, call.params["serviceName"])
    return []


async def get_task(call):
    await own_service(call, VRACK, call.params["serviceName"])
    task = call.params["taskId"]
    raise ApiError.not_found("TaskNotFound", f"Task '{task}' does not exist (done tasks are not kept)")


def _digits(value: str) -> bool:
    return value.isdigit() and len(value) < 20


_ITEM = "/vrack/{serviceName}"
_LINKS = "/vrack/{serviceName}/vrackServices"

SECTION = Section(
    name="vrack",
    description="vRacks and the vRack Services they hold",
    branch="v1",
    kinds=(VRACK,),
    provisioners={"vrack": provision_vrack},
    operations=(
        Operation(
            "GET",
            "/vrack",
            list_services(VRACK, _GET),
            (_GET,),
            iam_per_item=True,
            summary="List your vRacks",
        ),
        Operation("GET", _ITEM, get_service(VRACK, _vrack), (_GET,), summary="Get a vRack"),
        Operation(
            "GET",
            _LINKS,
            list_vrack_services,
            ("vrack:apiovh:vrackServices/get",),
            summary="vRack Services in this vRack",
        ),
        Operation(
            "POST",
            _LINKS,
            attach_vrack_services,
            ("vrack:apiovh:vrackServices/create",),
            summary="Add a vRack Services to this vRack",
        ),
        Operation(
            "GET",
            _LINKS + "/{vrackServices}",
            get_vrack_services,
            ("vrack:apiovh:vrackServices/get",),
            summary="A vRack Services in this vRack",
        ),
        Operation(
            "DELETE",
            _LINKS + "/{vrackServices}",
            detach_vrack_services,
            ("vrack:apiovh:vrackServices/delete",),
            summary="Remove a vRack Services from this vRack",
        ),
        Operation("GET", _ITEM + "/task", list_tasks, ("vrack:apiovh:task/get",), summary="vRack tasks"),
        Operation(
            "GET",
            _ITEM + "/task/{taskId}",
            get_task,
            ("vrack:apiovh:task/get",),
            {"taskId": _digits},
            summary="A vRack task",
        ),
    ),
)
