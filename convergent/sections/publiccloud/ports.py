"""Instances' private ports: an interface on a subnet of a private network of the project.

The network and the subnet must exist in the project, the subnet on that network, both in the
instance's region. An interface without a pinned `ip` gets the lowest free address of the
subnet's allocation pools when it is admitted (in the write transaction, so two instances never
get the same one); a pinned `ip` must lie in the subnet and be free. The allocations are kept
in the instance's target spec under `ports` (stored, never shown): `{"networkId/subnetId": ip}`,
and the gateway that gives a port its egress (one attached to its subnet) under `egress`.
"""

from __future__ import annotations

import ipaddress

from ...errors import ApiError
from ...model.kind import AccountView
from ...model.records import Resource
from . import network


def key(nic: dict) -> str:
    return f"{nic['id']}/{nic['subnetId']}"


async def allocate(view: AccountView, spec: dict, project: str, instance: Resource | None) -> None:
    """Check the private interfaces of `spec` and record their addresses in `spec["ports"]`."""
    from .instance import INSTANCE

    private = [n for n in spec.get("networks") or [] if n.get("id")]
    kept = dict((instance.target_spec.get("ports") or {}) if instance is not None else {})
    spec.pop("ports", None)
    spec.pop("egress", None)
    if not private:
        return
    region = spec["location"]["region"]
    others = [
        r
        for r in await view.resources(INSTANCE)
        if r.parent_id == project and (instance is None or r.id != instance.id)
    ]
    from .gateway import GATEWAY

    gateways = [g for g in await view.resources(GATEWAY) if g.parent_id == project]
    ports: dict[str, str] = {}
    egress: dict[str, str] = {}
    for nic in private:
        subnet = await _subnet(view, nic, project, region)
        serving = [
            g for g in gateways if any(s["id"] == subnet.id for s in g.target_spec.get("subnets") or [])
        ]
        if serving:
            egress[key(nic)] = serving[0].id
        taken = _taken(others, subnet.id) | {ip for k, ip in ports.items() if k.endswith(f"/{subnet.id}")}
        if subnet.target_spec.get("gatewayIp"):
            taken.add(subnet.target_spec["gatewayIp"])
        cidr = ipaddress.ip_network(subnet.target_spec["cidr"])
        if nic.get("ip") and not _in(nic["ip"], cidr):
            await _check_floating(view, nic["ip"], subnet, project, region, others)
        elif nic.get("ip"):
            ip = ipaddress.ip_address(nic["ip"])
            if str(ip) in taken:
                raise ApiError.conflict("IpAddressInUse", f"{ip} is already used on subnet {subnet.id}")
            ports[key(nic)] = str(ip)
            continue
        previous = kept.get(key(nic))
        if previous is not None and previous not in taken:
            ports[key(nic)] = previous
            continue
        ports[key(nic)] = _free(subnet, taken)
    spec["ports"] = ports
    if egress:
        spec["egress"] = egress


async def _subnet(view: AccountView, nic: dict, project: str, region: str) -> Resource:
    net = await view.resource(network.NETWORK, nic["id"])
    if net is None or net.parent_id != project:
        raise ApiError.bad_request(
            "InvalidReference",
            f"network '{nic['id']}' does not exist in this project",
            field="targetSpec.networks.id",
        )
    where = (net.target_spec.get("location") or {}).get("region")
    if where is not None and where != region:
        raise ApiError.bad_request(
            "InvalidReference",
            f"network '{nic['id']}' is in region {where}, not {region}",
            field="targetSpec.networks.id",
        )
    subnet = await view.resource(network.SUBNET, nic["subnetId"])
    if subnet is None or subnet.parent_id != net.id:
        raise ApiError.bad_request(
            "InvalidReference",
            f"subnet '{nic['subnetId']}' is not a subnet of network '{nic['id']}'",
            field="targetSpec.networks.subnetId",
        )
    return subnet


def _in(ip: str, cidr: ipaddress.IPv4Network) -> bool:
    try:
        return ipaddress.ip_address(ip) in cidr
    except ValueError:
        return False


async def _check_floating(
    view: AccountView, ip: str, subnet: Resource, project: str, region: str, others: list[Resource]
) -> None:
    """An `ip` out of the subnet is a floating IP of the project in the region, associated with the
    port: the subnet must reach the outside through a gateway with its external gateway enabled."""
    from .floatingip import FLOATING_IP
    from .gateway import GATEWAY

    fip = await view.resource(FLOATING_IP, ip)
    if fip is None or fip.parent_id != project or fip.target_spec["location"]["region"] != region:
        raise ApiError.invalid_field(
            "targetSpec.networks.ip",
            f"{ip} is neither an address of subnet {subnet.id} nor a floating IP of this project in {region}",
        )
    for other in others:
        if any(n.get("ip") == ip for n in other.target_spec.get("networks") or []):
            raise ApiError.conflict("PublicIpInUse", f"Public IP {ip} is already used by instance {other.id}")
    for gateway in await view.resources(GATEWAY):
        spec = gateway.target_spec
        on_subnet = any(s["id"] == subnet.id for s in spec.get("subnets") or [])
        if gateway.parent_id == project and on_subnet and (spec.get("externalGateway") or {}).get("enabled"):
            return
    raise ApiError.invalid_field(
        "targetSpec.networks.ip",
        f"floating IP {ip} needs subnet {subnet.id} attached to a gateway with an external gateway",
    )


def _taken(instances: list[Resource], subnet: str) -> set[str]:
    out = set()
    for other in instances:
        for k, ip in (other.target_spec.get("ports") or {}).items():
            if k.endswith(f"/{subnet}"):
                out.add(ip)
    return out


def _free(subnet: Resource, taken: set[str]) -> str:
    for start, end in network.subnet_hosts(subnet.target_spec):
        ip = start
        while ip <= end:
            if str(ip) not in taken:
                return str(ip)
            ip += 1
    raise ApiError.conflict("SubnetFull", f"subnet {subnet.id} has no free address left")
