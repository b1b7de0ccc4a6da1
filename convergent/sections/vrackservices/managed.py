"""Managed services a vRack Services can reach, and the rules of attaching them.

Compatible products (Enterprise File Storage, IAM type `storageNetApp`) are not emulated as
products; what vRack Services needs of them is a URN, an owner, a region and a state. They are
resources of a small kind of this section with an IAM type of their own, so that they are
listed by `/v2/iam/resource`, can be tagged, and IAM policies name them by their URN; they
serve no route. Orders deliver them (`convergent provision storageNetApp`).
"""

from __future__ import annotations

import re

from ...errors import ApiError
from ...model.envelope import urn
from ...model.kind import AccountView, Kind, Plan, Strategy, is_uuid
from ...model.records import Resource
from ...model.status import ResourceStatus
from .models import StorageSpec

__all__ = [
    "COMPATIBLE_TYPES",
    "STORAGE",
    "parse_urn",
    "attached_urns",
    "admit_endpoints",
    "eligible",
    "AVAILABLE",
    "TRANSITIONAL",
]

COMPATIBLE_TYPES = ("storageNetApp",)
_URN = re.compile(r"urn:v1:(eu|ca|us):resource:([a-zA-Z][a-zA-Z0-9]*):([A-Za-z0-9._\-]{1,128})")

# The states of an Enterprise File Storage service (its v1 API's `status`).
AVAILABLE = "running"
TRANSITIONAL = frozenset({"creating", "deleting", "reopening", "updating"})


def parse_urn(value: str) -> tuple[str, str] | None:
    """(resource type, id) of a resource URN, or None if it is not one."""
    match = _URN.fullmatch(value)
    return (match.group(2), match.group(3)) if match else None


class _Unmanaged:
    """Managed services change through their own products, never through this API."""

    def plan(self, action, resource: Resource) -> Plan:
        raise NotImplementedError("managed services take no target from this API")

    def apply(self, step: str, resource: Resource) -> dict:
        raise NotImplementedError


class _StorageStrategy(Strategy):
    def display_name(self, resource: Resource) -> str | None:
        return resource.target_spec.get("name")


STORAGE = Kind(
    section="vrackServices",
    name="storageNetApp",
    label="StorageNetApp",
    collection="/storage/netapp",
    id_param="serviceName",
    spec_create=StorageSpec,
    spec_update=StorageSpec,
    reconciler=_Unmanaged(),
    strategy=_StorageStrategy(),
    id_valid=is_uuid,
    iam_type="storageNetApp",
    operations=frozenset(),
)

_KINDS = {STORAGE.iam_type: STORAGE}


def attached_urns(resource: Resource) -> set[str]:
    """The managed services a vRack Services names, in its target or still in its current state."""
    return {
        endpoint["managedServiceURN"]
        for spec in (resource.target_spec, resource.current_state)
        for subnet in spec.get("subnets") or []
        for endpoint in subnet.get("serviceEndpoints") or []
    }


def _wanted(spec: dict) -> list[str]:
    return [e["managedServiceURN"] for s in spec["subnets"] for e in s["serviceEndpoints"]]


async def admit_endpoints(view: AccountView, kind: Kind, resource: Resource, spec: dict) -> None:
    """Check the managed services the new target adds (those it already named were admitted).

    404 when the account has no such service; 423 when it is in a transitional state or being
    attached to, or detached from, another vRack Services right now; 400 when it is unavailable
    (suspended...), in another region, or attached to another vRack Services.
    """
    region = resource.current_state.get("region")
    before = attached_urns(resource)
    added = [u for u in _wanted(spec) if u not in before]
    if not added:
        return
    others = [r for r in await view.resources(kind) if r.id != resource.id]
    for wanted in added:
        type_, id = parse_urn(wanted)
        found = await view.resource(_KINDS[type_], id)
        if found is None or urn(type_, id) != wanted:
            raise ApiError.not_found("ManagedServiceNotFound", f"Managed Service '{wanted}' not found")
        state = found.current_state.get("status")
        if state in TRANSITIONAL or found.status != ResourceStatus.READY:
            raise ApiError.locked("ManagedServiceLocked", f"Managed Service '{wanted}' is already locked")
        if state != AVAILABLE:
            raise ApiError.bad_request(
                "ManagedServiceNotAvailable",
                f"Managed Service '{wanted}' is not available due to state '{state}'. It should be reopened or "
                "renewed to be attached to the vRackServices",
            )
        if found.current_state.get("region") != region:
            raise ApiError.bad_request(
                "ManagedServiceRegionMismatch",
                f"Managed Service '{wanted}' is in region '{found.current_state.get('region')}', it cannot be "
                f"attached to this VrackServices in region '{region}'",
            )
        holder = next((r for r in others if wanted in attached_urns(r)), None)
        if holder is not None and holder.status in (
            ResourceStatus.UPDATING,
            ResourceStatus.CREATING,
            ResourceStatus.DELETING,
        ):
            raise ApiError.locked("ManagedServiceLocked", f"Managed Service '{wanted}' is already locked")
        if holder is not None:
            raise ApiError.bad_request(
                "ManagedServiceAlreadyAttached",
                f"Managed Service '{wanted}' is already attached to VrackServices {holder.id}, a Managed Service can "
                "be attached to only one vRackServices at a time",
            )


def eligible(resource: Resource, vrack_services: list[Resource], services: list[Resource]) -> list[dict]:
    """Per compatible type, the URNs of the account's services that this vRack Services could
    take now: available, in its region, and attached to no vRack Services."""
    taken = set().union(*(attached_urns(r) for r in vrack_services))
    region = resource.current_state.get("region")
    out = []
    for type_ in COMPATIBLE_TYPES:
        urns = [
            urn(type_, s.id)
            for s in services
            if _KINDS[type_].key == s.kind
            and s.status == ResourceStatus.READY
            and s.current_state.get("status") == AVAILABLE
            and s.current_state.get("region") == region
            and urn(type_, s.id) not in taken
        ]
        out.append({"managedServiceType": type_, "managedServiceURNs": urns})
    return out
