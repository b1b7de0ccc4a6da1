"""The rules of a vrackServices target spec that need nothing but the spec itself.

Each broken rule answers the reference's class and message, the first one found: for each
subnet in turn its CIDR, display name and VLAN, its service range, its service endpoints; then
across subnets, overlaps and last the limit (so that overlapping subnets are told apart from
merely too many).
"""

from __future__ import annotations

import ipaddress
import re

from ...errors import ApiError
from . import network as net
from .managed import COMPATIBLE_TYPES, parse_urn

__all__ = ["check_spec"]

DISPLAY_NAME = re.compile(r"[ a-zA-Z0-9\-_.]{0,40}")


def _block(value: str, field: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(value, strict=False)
    except ValueError:
        raise ApiError.invalid_field(field, f"{value!r} is not an IPv4 CIDR block") from None


def _check_subnet(i: int, subnet: dict) -> ipaddress.IPv4Network:
    cidr = subnet["cidr"]
    block = _block(cidr, f"targetSpec.subnets[{i}].cidr")
    if not net.is_private(block):
        raise ApiError.bad_request(
            "SubnetCIDRNotPrivateNetwork",
            f"Invalid Subnet '{cidr}': CIDR must be a private network address (see RFC1918)",
        )
    if block.with_prefixlen != cidr:
        raise ApiError.bad_request(
            "SubnetCIDRNotNetworkIP", f"Invalid Subnet '{cidr}': CIDR is not a base IP (network address)"
        )
    low, high = net.SUBNET_PREFIX
    if not low <= block.prefixlen <= high:
        raise ApiError.bad_request(
            "SubnetCIDRPrefixLengthIncorrect",
            f"Invalid Subnet '{cidr}': CIDR prefix length must be between {low} and {high}",
        )
    if subnet.get("displayName") is not None and not DISPLAY_NAME.fullmatch(subnet["displayName"]):
        raise ApiError.bad_request(
            "SubnetDisplayNameBadFormat",
            "Invalid TargetSpec: invalid displayName, expected pattern ^[ a-zA-Z0-9-_.]{0,40}$",
        )
    vlan = subnet.get("vlan")
    low, high = net.VLAN
    if vlan is not None and not low <= vlan <= high:
        raise ApiError.bad_request(
            "SubnetVLANOutOfRange", f"Invalid Subnet '{cidr}': VLAN {vlan} is out of range [{low}, {high}]"
        )
    _check_service_range(i, cidr, block, subnet)
    return block


def _check_service_range(i: int, cidr: str, subnet: ipaddress.IPv4Network, spec: dict) -> None:
    given = spec["serviceRange"]["cidr"]
    block = _block(given, f"targetSpec.subnets[{i}].serviceRange.cidr")
    where = f"invalid ServiceRange '{given}'"
    if not net.is_private(block):
        raise ApiError.bad_request(
            "ServiceRangeCIDRNotPrivateNetwork",
            f"{where}: CIDR must be a private network address (see RFC1918)",
        )
    if block.with_prefixlen != given:
        raise ApiError.bad_request(
            "ServiceRangeCIDRNotNetworkIP", f"{where}: CIDR is not a base IP (network address)"
        )
    low, high = net.SERVICE_RANGE_PREFIX
    if not low <= block.prefixlen <= high:
        raise ApiError.bad_request(
            "ServiceRangeCIDRPrefixLengthOutOfRange",
            f"{where}: CIDR prefix length is out of range [{low}, {high}]",
        )
    if not block.subnet_of(subnet):
        raise ApiError.bad_request(
            "ServiceRangeCIDRNotInSubnetCIDR",
            f"Invalid Subnet '{cidr}': serviceRange CIDR '{given}' is not a sub-network of the Subnet CIDR",
        )


def _check_endpoints(subnet: dict, seen: set[str]) -> None:
    for endpoint in subnet["serviceEndpoints"]:
        urn = endpoint["managedServiceURN"]
        parsed = parse_urn(urn)
        if parsed is None:
            raise ApiError.bad_request(
                "ManagedServiceURNBadFormat",
                f"Invalid Managed Service '{urn}': managedServiceURN must be a valid IAM resourceURN",
            )
        if parsed[0] not in COMPATIBLE_TYPES:
            raise ApiError.bad_request(
                "ManagedServiceIncompatibleType",
                f"Managed Service type '{parsed[0]}' must be a compatible type for vRackServices",
            )
        if urn in seen:
            raise ApiError.bad_request(
                "ManagedServiceDuplicated",
                f"Managed Service '{urn}' is requested multiple times, a Managed Service can be referenced only once "
                "in a vRackServices specification",
            )
        seen.add(urn)
    needed, room = len(subnet["serviceEndpoints"]), net.capacity(subnet["serviceRange"]["cidr"])
    if needed > room:
        raise ApiError.bad_request(
            "ServiceRangeIPsCapacityExceeded",
            f"invalid ServiceRange '{subnet['serviceRange']['cidr']}': requested ServiceEndpoints require {needed} IPs, "
            f"it exceeds the ServiceRange IPs capacity ({room})",
        )


def check_spec(spec: dict) -> None:
    """Raise the reference's ApiError for the first rule the spec breaks."""
    subnets = spec["subnets"]
    blocks = []
    seen: set[str] = set()
    for i, subnet in enumerate(subnets):
        blocks.append(_check_subnet(i, subnet))
        _check_endpoints(subnet, seen)
    for i, block in enumerate(blocks):
        for other, later in zip(subnets[i + 1 :], blocks[i + 1 :]):
            if block.overlaps(later):
                raise ApiError.bad_request(
                    "SubnetCIDROverlap",
                    f"Subnet CIDR '{subnets[i]['cidr']}' overlaps '{other['cidr']}', Subnet CIDRs must not overlap each other",
                )
    if len(subnets) > net.SUBNET_LIMIT:
        raise ApiError.bad_request("SubnetLimitExceeded", f"Limit of '{net.SUBNET_LIMIT}' Subnets exceeded")
