"""The publicCloud target specs, as the reference names and types them."""

from __future__ import annotations

import ipaddress
from typing import Literal

import msgspec

__all__ = ["ProjectTargetSpec", "RancherCreationTargetSpec", "RancherTargetSpec", "IpRestriction", "PLANS"]

Mode = Literal["CLASSIC", "DISCOVERY"]
Plan = Literal["OVHCLOUD_EDITION", "STANDARD"]
PLANS: tuple[str, ...] = Plan.__args__


class _Spec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


def _check_name(name: str, what: str) -> None:
    if not name.strip() or len(name) > 128:
        raise ValueError(f"{what} must be 1 to 128 characters, not blank")


class ProjectTargetSpec(_Spec):
    mode: Mode
    name: str

    def __post_init__(self):
        _check_name(self.name, "name")


class IpRestriction(_Spec):
    """An allowed CIDR block; a bare address means /32 (or /128), stored with its prefix."""

    cidrBlock: str
    description: str

    def __post_init__(self):
        try:
            network = ipaddress.ip_network(self.cidrBlock, strict=True)
        except ValueError:
            raise ValueError(f"cidrBlock {self.cidrBlock!r} is not a valid CIDR block") from None
        self.cidrBlock = network.with_prefixlen


def _check_restrictions(restrictions: list[IpRestriction]) -> None:
    blocks = [r.cidrBlock for r in restrictions]
    if len(set(blocks)) != len(blocks):
        raise ValueError("ipRestrictions lists a cidrBlock twice")
    if len(blocks) > 100:
        raise ValueError("ipRestrictions holds at most 100 blocks")


class RancherCreationTargetSpec(_Spec):
    """As in the reference, a new Rancher takes no ipRestrictions: they come with an update."""

    name: str
    plan: Plan
    version: str | None = None

    def __post_init__(self):
        _check_name(self.name, "name")


class RancherTargetSpec(_Spec):
    name: str
    plan: Plan
    version: str
    ipRestrictions: list[IpRestriction] | None = None

    def __post_init__(self):
        _check_name(self.name, "name")
        _check_restrictions(self.ipRestrictions or [])
