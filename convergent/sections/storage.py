"""`/1.0/storage/netapp`: Enterprise File Storage services as their v1 API shows them (the
services themselves are vRack Services' managed services, delivered by orders)."""

from __future__ import annotations

from ..model.envelope import urn
from ..model.operation import Operation
from ..model.section import Section
from ..model.times import iso
from .delivered import all_of, iam_view, own_service
from .vrackservices import STORAGE

__all__ = ["SECTION"]

_GET = "storageNetApp:apiovh:get"


def _view(resource) -> dict:
    state = resource.current_state
    return {
        "createdAt": iso(resource.created_at),
        "iam": {
            **iam_view(STORAGE, resource),
            "displayName": resource.target_spec.get("name") or resource.id,
        },
        "id": resource.id,
        "name": resource.target_spec.get("name"),
        "performanceLevel": "premium",
        "product": "enterprise",
        "quota": 1,
        "region": state.get("region"),
        "serviceName": resource.id,
        "status": state.get("status"),
    }


async def _allowed(call, resource) -> bool:
    decision = await call.ctx.authorizer.decide(
        call.caller, (_GET,), urn(STORAGE.iam_type, resource.id), resource.tags
    )
    return decision.allowed


async def list_storage(call):
    return [_view(r) for r in await all_of(call, STORAGE) if await _allowed(call, r)]


async def get_storage(call):
    resource = await own_service(call, STORAGE, call.params["serviceName"])
    await call.ctx.authorizer.require(call.caller, (_GET,), urn(STORAGE.iam_type, resource.id), resource.tags)
    return _view(resource)


SECTION = Section(
    name="storage",
    description="Enterprise File Storage, as its v1 API shows it",
    branch="v1",
    operations=(
        Operation(
            "GET", "/storage/netapp", list_storage, (_GET,), iam_per_item=True, summary="List services"
        ),
        Operation(
            "GET",
            "/storage/netapp/{serviceName}",
            get_storage,
            (_GET,),
            iam_per_item=True,
            summary="Get a service",
        ),
    ),
)
