"""Public addresses: the pools floating, additional and Ext-Net IPs are drawn from.

An address is derived from a fresh (possibly seeded) UUID, so ids stay reproducible under
`--seed`; the write path draws again on the rare collision with an address already in use.
"""

from __future__ import annotations

import ipaddress
import uuid

__all__ = ["FLOATING", "ADDITIONAL", "EXT_NET", "draw", "is_ipv4", "mac", "in_pool"]

FLOATING = ipaddress.IPv4Network("51.68.0.0/14")
ADDITIONAL = ipaddress.IPv4Network("178.32.0.0/15")
EXT_NET = ipaddress.IPv4Network("57.128.0.0/13")


def draw(pool: ipaddress.IPv4Network, fresh: str) -> str:
    """An address of `pool` (never its first or last of a /24) picked by a fresh UUID."""
    n = uuid.UUID(fresh).int
    hosts = pool.num_addresses // 256
    block = (n >> 8) % hosts
    host = n % 254 + 1
    return str(pool.network_address + block * 256 + host)


def is_ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def mac(seed: str) -> str:
    """A stable OpenStack-style MAC (fa:16:3e:...) for a port."""
    n = uuid.uuid5(uuid.NAMESPACE_OID, seed).int
    return "fa:16:3e:" + ":".join(f"{(n >> (8 * i)) & 0xFF:02x}" for i in range(3))


def in_pool(pool: ipaddress.IPv4Network, ip: str) -> bool:
    return ipaddress.IPv4Address(ip) in pool
