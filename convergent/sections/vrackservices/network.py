"""Address arithmetic of subnets and service ranges: the numbers the reference states.

A subnet is an RFC 1918 IPv4 block of prefix /16 to /24 with an optional VLAN (2 to 4094, or
null for untagged traffic); its service range is a /27 to /29 block inside it, from which each
service endpoint gets one address. OVHcloud keeps some addresses of every service range: here
the network address, the next three (gateway and redundancy) and the broadcast address.
"""

from __future__ import annotations

import ipaddress

__all__ = [
    "PRIVATE",
    "SUBNET_PREFIX",
    "SERVICE_RANGE_PREFIX",
    "VLAN",
    "SUBNET_LIMIT",
    "RESERVED_IPS",
    "is_private",
    "capacity",
    "usable",
    "range_counts",
]

PRIVATE = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
SUBNET_PREFIX = (16, 24)
SERVICE_RANGE_PREFIX = (27, 29)
VLAN = (2, 4094)
SUBNET_LIMIT = 1  # "Maximum one subnet per vRack Services"
RESERVED_IPS = 5
_RESERVED_HEAD = 4  # network address, gateway and two more; the broadcast address is the fifth


def is_private(network: ipaddress.IPv4Network) -> bool:
    return any(network.subnet_of(block) for block in PRIVATE)


def capacity(service_range: str) -> int:
    """How many service endpoints a service range can hold."""
    return ipaddress.IPv4Network(service_range).num_addresses - RESERVED_IPS


def usable(service_range: str) -> list[str]:
    """The addresses of a service range that endpoints may get, in order."""
    network = ipaddress.IPv4Network(service_range)
    first = int(network.network_address) + _RESERVED_HEAD
    last = int(network.broadcast_address) - 1
    return [str(ipaddress.IPv4Address(n)) for n in range(first, last + 1)]


def range_counts(service_range: str, used: int) -> dict:
    """The wire counters of a service range with `used` addresses given to endpoints."""
    return {
        "cidr": service_range,
        "remainingIps": capacity(service_range) - used,
        "reservedIps": RESERVED_IPS,
        "usedIps": used,
    }
