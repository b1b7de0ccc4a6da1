"""The vmwareCloudDirector target specs, as the reference names and types them."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = [
    "OrganizationTargetSpec",
    "VirtualDataCenterTargetSpec",
    "BackupTargetSpec",
    "BackupOffer",
    "NoTarget",
    "OFFER_NAMES",
    "MIN_VCPU_SPEED",
    "MAX_VCPU_SPEED",
    "MAX_QUOTA_TB",
]

OfferName = Literal["BRONZE", "GOLD", "SILVER"]
OFFER_NAMES: tuple[str, ...] = OfferName.__args__

MIN_VCPU_SPEED, MAX_VCPU_SPEED = 1.0, 4.0  # GHz: what the hosts' clocks allow a VM
MAX_QUOTA_TB = 100


class _Spec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


def _check_text(value: str, what: str, limit: int, blank_ok: bool = False) -> None:
    if len(value) > limit or (not blank_ok and not value.strip()):
        raise ValueError(
            f"{what} must be {0 if blank_ok else 1} to {limit} characters{'' if blank_ok else ', not blank'}"
        )


class OrganizationTargetSpec(_Spec):
    fullName: str
    description: str | None = None

    def __post_init__(self):
        _check_text(self.fullName, "fullName", 128)
        if self.description is not None:
            _check_text(self.description, "description", 255, blank_ok=True)


class VirtualDataCenterTargetSpec(_Spec):
    description: str
    vCPUSpeed: float

    def __post_init__(self):
        _check_text(self.description, "description", 255, blank_ok=True)
        if not MIN_VCPU_SPEED <= self.vCPUSpeed <= MAX_VCPU_SPEED:
            raise ValueError(f"vCPUSpeed must be between {MIN_VCPU_SPEED:g} and {MAX_VCPU_SPEED:g} GHz")


class BackupOffer(_Spec):
    name: OfferName
    quotaInTB: int

    def __post_init__(self):
        if not 1 <= self.quotaInTB <= MAX_QUOTA_TB:
            raise ValueError(f"quotaInTB must be between 1 and {MAX_QUOTA_TB}")


class BackupTargetSpec(_Spec):
    offers: list[BackupOffer]

    def __post_init__(self):
        names = [o.name for o in self.offers]
        if not names:
            raise ValueError("offers must hold at least one offer")
        if len(set(names)) != len(names):
            raise ValueError("offers lists an offer twice")


class NoTarget(_Spec):
    """Compute and storage resources have no target spec: they come from orders, read-only."""
