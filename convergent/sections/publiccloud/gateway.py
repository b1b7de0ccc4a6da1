"""Gateways: a router of one region, its model, its external gateway and its interfaces on subnets."""

from __future__ import annotations

import msgspec

from ...errors import ApiError
from ...model.kind import AccountView, Kind, Step, is_uuid, standard_actions
from ...model.records import Resource
from . import network
from .lifecycle import (
    CloudLocation,
    InfraStrategy,
    Mirror,
    carry_over,
    check_name,
    check_region,
    digest,
    project_of,
    refuse_changes,
)
from .project import PROJECT

__all__ = ["GATEWAY", "MODELS"]

# Gateway models and their bandwidth (Mbit/s), as OVHcloud sells them.
MODELS: dict[str, int] = {"S": 200, "M": 500, "L": 2000, "XL": 4000, "2XL": 8000}


class _Spec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class ExternalGateway(_Spec):
    enabled: bool
    model: str | None = None


class GatewaySubnet(_Spec):
    id: str


class GatewayTargetSpec(_Spec):
    name: str
    location: CloudLocation
    description: str | None = None
    externalGateway: ExternalGateway | None = None
    subnets: list[GatewaySubnet] | None = None


class GatewayUpdateTargetSpec(_Spec):
    name: str
    description: str | None = None
    externalGateway: ExternalGateway | None = None
    subnets: list[GatewaySubnet] | None = None
    location: CloudLocation | None = None


def _check(spec: dict) -> None:
    check_name(spec["name"])
    external = spec.get("externalGateway")
    if external and external.get("model") is not None:
        model = external["model"].upper()
        if model not in MODELS:
            raise ApiError.bad_request(
                "InvalidGatewayModel",
                f"externalGateway.model {external['model']!r} is not offered (offered: {', '.join(MODELS)})",
                field="externalGateway.model",
            )
    ids = [s["id"] for s in spec.get("subnets") or []]
    if len(set(ids)) != len(ids):
        raise ApiError.bad_request("InvalidSubnets", "subnets lists a subnet twice", field="subnets")


class GatewayStrategy(InfraStrategy):
    label = "Gateway"

    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        check_region(spec["location"])
        _check(spec)
        return spec

    async def admit_create(self, view: AccountView, spec: dict, parent: Resource | None) -> dict:
        await _check_subnets(view, spec, parent.id)
        return spec

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        stored = resource.target_spec
        refuse_changes(stored, spec, ("location",), "Gateway")
        merged = carry_over(stored, spec, GatewayUpdateTargetSpec)
        merged["location"] = stored["location"]
        _check(merged)
        return merged

    async def admit_update(self, view: AccountView, resource: Resource, spec: dict) -> None:
        await _check_subnets(view, spec, project_of(resource))


async def _check_subnets(view: AccountView, spec: dict, project: str) -> None:
    region = spec["location"]["region"]
    for i, ref in enumerate(spec.get("subnets") or []):
        found = await view.resource(network.SUBNET, ref["id"])
        if found is None or not found.path.startswith(f"/v2/publicCloud/project/{project}/"):
            raise ApiError.bad_request(
                "InvalidReference",
                f"subnets[{i}]: subnet '{ref['id']}' does not exist in this project",
                field=f"subnets[{i}].id",
            )
        if found.target_spec["location"]["region"] != region:
            raise ApiError.bad_request(
                "InvalidReference",
                f"subnets[{i}]: subnet '{ref['id']}' is in region {found.target_spec['location']['region']}, not {region}",
                field=f"subnets[{i}].id",
            )


def _observe(resource: Resource) -> dict:
    spec = resource.target_spec
    state = {"name": spec["name"], "location": spec["location"], "status": "ACTIVE"}
    if spec.get("description"):
        state["description"] = spec["description"]
    external = spec.get("externalGateway")
    if external is not None:
        state["externalGateway"] = external
        if external.get("enabled"):
            d = digest(resource.id, "externalIp")
            state["externalIp"] = f"51.{68 + d[0] % 30}.{d[1]}.{d[2] % 254 + 1}"
    if spec.get("subnets"):
        state["subnets"] = spec["subnets"]
    return state


GATEWAY = Kind(
    section="publicCloud",
    name="gateway",
    label="Gateway",
    collection="/publicCloud/project/{projectId}/gateway",
    id_param="gatewayId",
    spec_create=GatewayTargetSpec,
    spec_update=GatewayUpdateTargetSpec,
    reconciler=Mirror(
        "GATEWAY",
        "gateway",
        _observe,
        create=(
            Step("Check target specification", 0.5),
            Step("Create router", 5.0),
            Step("Set external gateway and interfaces", 4.0),
        ),
        update=(Step("Update router", 3.0),),
        delete=(Step("Remove interfaces", 2.0), Step("Delete router", 3.0)),
    ),
    strategy=GatewayStrategy(),
    parent=PROJECT,
    id_valid=is_uuid,
    actions=standard_actions("publicCloudProject", "gateway/"),
)
