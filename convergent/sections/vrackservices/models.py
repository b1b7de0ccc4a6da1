"""The vrackServices target spec, as the reference names and types it.

Decoding checks only shapes (unknown fields refused, required fields present, types); the
rules with their own error classes (private ranges, prefix lengths, VLANs, limits, managed
services) are checked by the strategy, in rules.py, so that each answers its reference class.
"""

from __future__ import annotations

import msgspec

__all__ = [
    "VrackServicesTargetSpec",
    "TargetSubnet",
    "TargetServiceRange",
    "TargetServiceEndpoint",
    "StorageSpec",
]


class _Spec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class TargetServiceEndpoint(_Spec):
    managedServiceURN: str


class TargetServiceRange(_Spec):
    cidr: str


class TargetSubnet(_Spec):
    cidr: str
    serviceEndpoints: list[TargetServiceEndpoint]
    serviceRange: TargetServiceRange
    displayName: str | None = None
    vlan: int | None = None


class VrackServicesTargetSpec(_Spec):
    subnets: list[TargetSubnet]


class StorageSpec(_Spec):
    """An Enterprise File Storage service, as far as vRack Services needs one: its name."""

    name: str
