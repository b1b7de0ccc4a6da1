"""Floating IPs: public addresses of a region, identified by the address itself.

`/v2/publicCloud/project/{projectId}/publicIp/floating`: created with a location (immutable)
and a description (the only field an update changes); counted against the region's quota.
An instance's network entry that names the address associates it (instance.py).
"""

from __future__ import annotations

import uuid

import msgspec

from ...errors import ApiError
from ...model.kind import Kind, Plan, Step, Strategy, standard_actions
from ...model.records import Resource
from ...model.status import Action
from . import addresses, quota_profiles, regions
from .project import PROJECT

__all__ = ["FLOATING_IP", "Location", "check_location"]


class Location(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    region: str
    availabilityZone: str | None = None


def check_location(location: dict, field: str = "targetSpec.location") -> regions.Region:
    """The region of a location, refusing an unknown region or a zone it does not have."""
    region = regions.find(location["region"])
    if region is None:
        raise ApiError.invalid_field(f"{field}.region", f"Region '{location['region']}' does not exist")
    zone = location.get("availabilityZone")
    if zone is not None and zone not in region.zones:
        offered = ", ".join(region.zones) or "none: it is a one-zone region"
        raise ApiError.invalid_field(
            f"{field}.availabilityZone",
            f"Availability zone '{zone}' is not in region {region.name} (zones: {offered})",
        )
    return region


class FloatingIpCreation(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    location: Location
    description: str | None = None

    def __post_init__(self):
        if self.description is not None and len(self.description) > 255:
            raise ValueError("description must be at most 255 characters")


class FloatingIpUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    description: str | None = None
    location: Location | None = None

    def __post_init__(self):
        if self.description is not None and len(self.description) > 255:
            raise ValueError("description must be at most 255 characters")


class FloatingIpStrategy(Strategy):
    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        check_location(spec["location"])
        return spec

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        stored = resource.target_spec["location"]
        sent = spec.get("location")
        if sent is not None:
            for field in ("region", "availabilityZone"):
                if sent.get(field) != stored.get(field):
                    raise ApiError.invalid_field(
                        f"targetSpec.location.{field}", "location is immutable: create another floating IP"
                    )
        spec["location"] = stored
        return spec

    async def admit_create(self, view, spec: dict, parent: Resource | None) -> dict:
        await quota_profiles.check(view, parent.id, spec["location"]["region"], {"floatingIps": 1})
        return spec


class FloatingIpReconciler:
    def plan(self, action: Action, resource: Resource) -> Plan:
        if action == Action.CREATE:
            return Plan(
                "FLOATING_IP_CREATE",
                f"Allocate floating IP {resource.id}",
                (Step("Allocate address", 2.0), Step("Create floating IP", 3.0)),
            )
        if action == Action.DELETE:
            return Plan(
                "FLOATING_IP_DELETE", f"Release floating IP {resource.id}", (Step("Release address", 3.0),)
            )
        return Plan(
            "FLOATING_IP_UPDATE", f"Update floating IP {resource.id}", (Step("Update description", 1.0),)
        )

    def apply(self, step: str, resource: Resource) -> dict:
        spec = resource.target_spec
        state = dict(resource.current_state)
        if step == "Allocate address":
            state["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, resource.path))
            state["ip"] = resource.id
            state["location"] = spec["location"]
            state["status"] = "DOWN"
            state["network"] = {"id": _ext_net_id(spec["location"]["region"]), "type": "PUBLIC"}
        if step in ("Create floating IP", "Update description"):
            state["description"] = spec.get("description", "")
        return state


def _ext_net_id(region: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ext-net/{region}"))


def _new_address(fresh: str) -> str:
    return addresses.draw(addresses.FLOATING, fresh)


FLOATING_IP = Kind(
    section="publicCloud",
    name="floatingIp",
    label="FloatingIp",
    collection="/publicCloud/project/{projectId}/publicIp/floating",
    id_param="floatingIpId",
    spec_create=FloatingIpCreation,
    spec_update=FloatingIpUpdate,
    reconciler=FloatingIpReconciler(),
    strategy=FloatingIpStrategy(),
    parent=PROJECT,
    id_valid=addresses.is_ipv4,
    new_id=_new_address,
    actions=standard_actions("publicCloudProject", "publicIp/floating/"),
)
