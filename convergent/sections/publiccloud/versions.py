"""publicCloud's schema versions: the changelog and the codecs of major 2.

Major 1 is OVHcloud's shape (the reference). Version 1.1 added `currentState.deployedAt` to
ranchers. Major 2 renames the rancher's `ipRestrictions` to `ipAllowlist`, whose entries name
their block `cidr` instead of `cidrBlock`, in the target spec and the current state alike.
"""

from __future__ import annotations

from datetime import date

from ...model.versions import Change, Codec, Major, Version
from .models import IpRestriction, Plan, _check_name, _check_restrictions, _Spec

__all__ = ["VERSIONS", "MAJORS", "RancherV2"]

_ITEM = "/publicCloud/project/{projectId}/rancher/{rancherId}"
_LIST = "/publicCloud/project/{projectId}/rancher"


class AllowedBlock(_Spec):
    cidr: str
    description: str

    def __post_init__(self):
        self.cidr = IpRestriction(cidrBlock=self.cidr, description=self.description).cidrBlock


class RancherTargetSpecV2(_Spec):
    name: str
    plan: Plan
    version: str
    ipAllowlist: list[AllowedBlock] | None = None

    def __post_init__(self):
        _check_name(self.name, "name")
        _check_restrictions(
            [IpRestriction(cidrBlock=b.cidr, description=b.description) for b in self.ipAllowlist or []]
        )


def _to_v2(blocks: list[dict]) -> list[dict]:
    return [{"cidr": b["cidrBlock"], "description": b["description"]} for b in blocks]


def _to_v1(blocks: list[dict]) -> list[dict]:
    return [{"cidrBlock": b["cidr"], "description": b["description"]} for b in blocks]


def _rename(value: dict, old: str, new: str, convert) -> dict:
    if old not in value:
        return value
    out = {k: v for k, v in value.items() if k != old}
    out[new] = convert(value[old])
    return dict(sorted(out.items()))


class RancherV2(Codec):
    """ipRestrictions[{cidrBlock, description}] <-> ipAllowlist[{cidr, description}]."""

    spec_update = RancherTargetSpecV2

    def spec_to_hub(self, spec: dict, previous: dict | None) -> dict:
        return _rename(spec, "ipAllowlist", "ipRestrictions", _to_v1)

    def spec_from_hub(self, hub: dict) -> dict:
        return _rename(hub, "ipRestrictions", "ipAllowlist", _to_v2)

    def state_from_hub(self, state: dict) -> dict:
        return _rename(state, "ipRestrictions", "ipAllowlist", _to_v2)


def _renamed(route: str, field: str, sent_only: bool = False) -> Change:
    return Change(
        route,
        field,
        "ipRestrictions is now ipAllowlist; its entries name the block `cidr` (was `cidrBlock`)",
        breaking=True,
        sent_only=sent_only,
    )


VERSIONS = (
    Version("1.0", date(2024, 1, 15), "Projects and managed Rancher, as OVHcloud serves them"),
    Version(
        "1.1",
        date(2026, 3, 2),
        "Ranchers tell when they were deployed",
        (
            Change(f"GET {_ITEM}", "currentState.deployedAt", "new: when the service was deployed"),
            Change(f"GET {_LIST}", "currentState.deployedAt", "new: when the service was deployed"),
        ),
    ),
    Version(
        "2.0",
        date(2026, 9, 1),
        "Rancher IP restrictions become an allowlist",
        (
            _renamed(f"GET {_ITEM}", "targetSpec.ipRestrictions"),
            _renamed(f"GET {_LIST}", "targetSpec.ipRestrictions"),
            _renamed(f"PUT {_ITEM}", "targetSpec.ipRestrictions"),
            _renamed(f"POST {_LIST}", "currentState.ipRestrictions"),
            _renamed(f"DELETE {_ITEM}", "currentState.ipRestrictions"),
        ),
    ),
)

MAJORS = (
    Major(1, date(2024, 1, 15)),
    Major(2, date(2026, 9, 1), codecs={"rancher": RancherV2()}),
)
