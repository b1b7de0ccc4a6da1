"""Private networks on the project's vRack and their subnets: VLANs, CIDRs, pools, gateways, DHCP."""

from __future__ import annotations

import ipaddress

import msgspec

from ...errors import ApiError
from ...model.kind import AccountView, Kind, Step, is_uuid, standard_actions
from ...model.records import Resource
from .lifecycle import (
    CloudLocation,
    InfraStrategy,
    Mirror,
    carry_over,
    check_name,
    check_region,
    refuse_changes,
    users_of,
)
from .project import PROJECT

__all__ = ["NETWORK", "SUBNET", "subnet_hosts"]

VLAN_MAX = 4094
DNS_DEFAULT = ["213.186.33.99"]


class _Spec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class NetworkTargetSpec(_Spec):
    name: str
    location: CloudLocation
    description: str | None = None
    vlanId: int | None = None


class NetworkUpdateTargetSpec(_Spec):
    name: str
    description: str | None = None
    vlanId: int | None = None
    location: CloudLocation | None = None


class AllocationPool(_Spec):
    start: str
    end: str


class SubnetTargetSpec(_Spec):
    name: str
    cidr: str
    location: CloudLocation | None = None
    description: str | None = None
    dhcpEnabled: bool | None = None
    dnsNameservers: list[str] | None = None
    gatewayIp: str | None = None
    allocationPools: list[AllocationPool] | None = None


class SubnetUpdateTargetSpec(_Spec):
    name: str
    description: str | None = None
    dhcpEnabled: bool | None = None
    dnsNameservers: list[str] | None = None
    gatewayIp: str | None = None
    allocationPools: list[AllocationPool] | None = None
    cidr: str | None = None
    location: CloudLocation | None = None


class NetworkStrategy(InfraStrategy):
    label = "Network"

    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        check_name(spec["name"])
        check_region(spec["location"])
        _check_vlan(spec.get("vlanId"))
        return spec

    async def admit_create(self, view: AccountView, spec: dict, parent: Resource | None) -> dict:
        taken = {
            r.target_spec.get("vlanId") for r in await users_of(view, NETWORK, parent.id, lambda s: True)
        }
        vlan = spec.get("vlanId")
        if vlan is None:
            spec["vlanId"] = next(v for v in range(1, VLAN_MAX + 1) if v not in taken)
        elif vlan in taken:
            raise ApiError.conflict(
                "VlanIdAlreadyUsed", f"vlanId {vlan} is already used by a network of this project"
            )
        return spec

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        stored = resource.target_spec
        refuse_changes(stored, spec, ("vlanId", "location"), "Network")
        check_name(spec["name"])
        merged = carry_over(stored, spec, NetworkUpdateTargetSpec)
        for name in ("description", "vlanId", "location"):
            if name not in spec and name in stored:
                merged[name] = stored[name]  # set at creation only; a PUT without them keeps them
        return merged

    async def admit_delete(self, view: AccountView, resource: Resource) -> None:
        subnets = [r for r in await view.resources(SUBNET) if r.parent_id == resource.id]
        if subnets:
            raise ApiError.conflict(
                "ResourceInUse",
                f"Network '{resource.id}' still has subnet '{subnets[0].id}'; delete it first",
            )
        await super().admit_delete(view, resource)


def _check_vlan(vlan: int | None) -> None:
    if vlan is not None and not 0 <= vlan <= VLAN_MAX:
        raise ApiError.bad_request(
            "InvalidVlanId", f"vlanId must be between 0 and {VLAN_MAX}", field="vlanId"
        )


def _observe_network(resource: Resource) -> dict:
    spec = resource.target_spec
    state = {
        "name": spec["name"],
        "location": {"region": spec["location"]["region"]},
        "vlanId": spec["vlanId"],
    }
    if spec.get("description"):
        state["description"] = spec["description"]
    return state


network_reconciler = Mirror(
    "NETWORK",
    "network",
    _observe_network,
    create=(Step("Check target specification", 1.0), Step("Create network on vRack", 4.0)),
    update=(Step("Update network", 2.0),),
    delete=(Step("Delete network", 3.0),),
)


def _network_of(cidr: str, field: str = "cidr") -> ipaddress.IPv4Network:
    try:
        net = ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        raise ApiError.bad_request(
            "InvalidCidr", f"{field} {cidr!r} is not a valid network CIDR", field=field
        ) from None
    if net.version != 4 or net.prefixlen > 29 or net.prefixlen < 8:
        raise ApiError.bad_request(
            "InvalidCidr", f"{field} {cidr!r} must be an IPv4 network from /8 to /29", field=field
        )
    return net


def _address(value: str, net: ipaddress.IPv4Network, field: str) -> ipaddress.IPv4Address:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise ApiError.bad_request(
            "InvalidIp", f"{field} {value!r} is not an IP address", field=field
        ) from None
    if address not in net or address in (net.network_address, net.broadcast_address):
        raise ApiError.bad_request(
            "InvalidIp", f"{field} {value} is not a host address of {net.with_prefixlen}", field=field
        )
    return address


def _check_subnet(spec: dict) -> None:
    check_name(spec["name"])
    net = _network_of(spec["cidr"])
    gateway = spec.get("gatewayIp")
    gw = _address(gateway, net, "gatewayIp") if gateway else None
    pools = spec.get("allocationPools") or []
    ranges = []
    for i, pool in enumerate(pools):
        start = _address(pool["start"], net, f"allocationPools[{i}].start")
        end = _address(pool["end"], net, f"allocationPools[{i}].end")
        if end < start:
            raise ApiError.bad_request(
                "InvalidAllocationPool",
                f"allocationPools[{i}]: start {start} is after end {end}",
                field=f"allocationPools[{i}]",
            )
        if gw is not None and start <= gw <= end:
            raise ApiError.bad_request(
                "InvalidAllocationPool",
                f"allocationPools[{i}] ({start}-{end}) contains the gateway IP {gw}",
                field=f"allocationPools[{i}]",
            )
        for j, (s, e) in enumerate(ranges):
            if start <= e and s <= end:
                raise ApiError.bad_request(
                    "InvalidAllocationPool",
                    f"allocationPools[{i}] overlaps allocationPools[{j}]",
                    field=f"allocationPools[{i}]",
                )
        ranges.append((start, end))
    for i, server in enumerate(spec.get("dnsNameservers") or []):
        try:
            ipaddress.ip_address(server)
        except ValueError:
            raise ApiError.bad_request(
                "InvalidIp",
                f"dnsNameservers[{i}] {server!r} is not an IP address",
                field=f"dnsNameservers[{i}]",
            ) from None


def subnet_hosts(spec: dict) -> list[tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]]:
    """The ranges a subnet allocates port addresses from: its pools, or every host but the gateway."""
    pools = spec.get("allocationPools")
    if pools:
        return [(ipaddress.ip_address(p["start"]), ipaddress.ip_address(p["end"])) for p in pools]
    net = ipaddress.ip_network(spec["cidr"])
    first, last = net.network_address + 1, net.broadcast_address - 1
    gateway = spec.get("gatewayIp")
    if gateway and ipaddress.ip_address(gateway) == first:
        first += 1
    return [(first, last)]


class SubnetStrategy(InfraStrategy):
    label = "Subnet"

    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        _check_subnet(spec)
        region = parent.target_spec["location"]["region"]
        location = spec.get("location") or {"region": region}
        if location.get("region") != region:
            raise ApiError.bad_request(
                "InvalidRegion",
                f"location.region {location.get('region')!r}: the network is in {region}",
                field="location.region",
            )
        spec["location"] = location
        net = ipaddress.ip_network(spec["cidr"])
        spec.setdefault("dhcpEnabled", True)
        spec.setdefault("gatewayIp", str(net.network_address + 1))
        _check_subnet(spec)
        return spec

    async def admit_create(self, view: AccountView, spec: dict, parent: Resource | None) -> dict:
        net = ipaddress.ip_network(spec["cidr"])
        for other in await view.resources(SUBNET):
            if other.parent_id == parent.id and ipaddress.ip_network(other.target_spec["cidr"]).overlaps(net):
                raise ApiError.conflict(
                    "CidrOverlap",
                    f"cidr {spec['cidr']} overlaps subnet '{other.id}' ({other.target_spec['cidr']}) of this network",
                )
        return spec

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        stored = resource.target_spec
        refuse_changes(stored, spec, ("cidr", "location"), "Subnet")
        merged = carry_over(stored, spec, SubnetUpdateTargetSpec)
        for name in ("cidr", "location", "gatewayIp", "dhcpEnabled"):
            if name not in spec and name in stored:
                merged[name] = stored[name]
        _check_subnet(merged)
        return merged


def _observe_subnet(resource: Resource) -> dict:
    spec = resource.target_spec
    state = {
        k: spec[k]
        for k in ("name", "cidr", "description", "dhcpEnabled", "gatewayIp", "location")
        if spec.get(k) is not None
    }
    state["dnsNameservers"] = spec.get("dnsNameservers") or DNS_DEFAULT
    state["allocationPools"] = [{"start": str(s), "end": str(e)} for s, e in subnet_hosts(spec)]
    state["hostRoutes"] = []
    return state


subnet_reconciler = Mirror(
    "SUBNET",
    "subnet",
    _observe_subnet,
    create=(Step("Check target specification", 0.5), Step("Create subnet", 2.0)),
    update=(Step("Update subnet", 1.5),),
    delete=(Step("Delete subnet", 1.5),),
)

NETWORK = Kind(
    section="publicCloud",
    name="network",
    label="Network",
    collection="/publicCloud/project/{projectId}/network",
    id_param="networkId",
    spec_create=NetworkTargetSpec,
    spec_update=NetworkUpdateTargetSpec,
    reconciler=network_reconciler,
    strategy=NetworkStrategy(),
    parent=PROJECT,
    id_valid=is_uuid,
    actions=standard_actions("publicCloudProject", "network/"),
)

SUBNET = Kind(
    section="publicCloud",
    name="subnet",
    label="Subnet",
    collection="/publicCloud/project/{projectId}/network/{networkId}/subnet",
    id_param="subnetId",
    spec_create=SubnetTargetSpec,
    spec_update=SubnetUpdateTargetSpec,
    reconciler=subnet_reconciler,
    strategy=SubnetStrategy(),
    parent=NETWORK,
    id_valid=is_uuid,
    actions=standard_actions("publicCloudProject", "network/subnet/"),
)
