"""Quota profiles: what a project may hold per region, and what it holds (usage).

A region's profile sets its caps (`default`, `50vms`, `100vms`, `200vms`, as OVHcloud offers
them). Usage is counted from the project's resources in the region at the moment of the
question, inside the write transaction that would add to it, so two creations cannot both
slip under a cap. `COUNTED` says which kinds count, and for what.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from ...errors import ApiError
from . import compute_catalog

__all__ = ["PROFILES", "DEFAULT_PROFILE", "profile", "available", "COUNTED", "usage", "check"]


@dataclass(frozen=True)
class Profile:
    name: str
    instances: int
    cores: int
    ram: int  # MB
    volumes: int
    gigabytes: int
    floating_ips: int
    networks: int = 20
    subnets: int = 40
    gateways: int = 10
    security_groups: int = 50
    security_group_rules: int = 500
    keypairs: int = 100
    snapshots: int = 50
    backups: int = 50
    shares: int = 20
    loadbalancers: int = 10
    secrets: int = 200
    containers: int = 100


PROFILES: tuple[Profile, ...] = (
    Profile("default", 20, 60, 240_000, 50, 10_000, 20),
    Profile("50vms", 50, 200, 800_000, 100, 30_000, 50),
    Profile("100vms", 100, 400, 1_600_000, 200, 60_000, 100),
    Profile("200vms", 200, 800, 3_200_000, 400, 120_000, 200),
)
DEFAULT_PROFILE = "default"
PER_VOLUME_GB = 12_000
PER_SHARE_GB = 10_240
_BY_NAME = {p.name: p for p in PROFILES}


def profile(name: str) -> Profile | None:
    return _BY_NAME.get(name)


def available() -> list[dict]:
    """The profiles on offer, as `currentState.availableProfiles` lists them."""
    return [
        {
            "compute": {"cores": p.cores, "instances": p.instances, "memory": p.ram},
            "keyManager": {"containers": p.containers, "secrets": p.secrets},
            "keypair": {"keypairs": p.keypairs},
            "loadbalancer": {
                "healthMonitors": p.loadbalancers * 10,
                "l7Policies": p.loadbalancers * 10,
                "l7Rules": p.loadbalancers * 50,
                "listeners": p.loadbalancers * 10,
                "loadbalancers": p.loadbalancers,
                "members": p.loadbalancers * 100,
                "pools": p.loadbalancers * 10,
            },
            "name": p.name,
            "network": {
                "floatingIps": p.floating_ips,
                "gateways": p.gateways,
                "networks": p.networks,
                "securityGroupRules": p.security_group_rules,
                "securityGroups": p.security_groups,
                "subnets": p.subnets,
            },
            "share": {
                "backupSizeTotal": p.gigabytes,
                "backups": p.backups,
                "shares": p.shares,
                "sizeTotal": p.gigabytes,
                "snapshots": p.snapshots,
            },
            "volume": {
                "backupSizeTotal": p.gigabytes,
                "backups": p.backups,
                "sizeTotal": p.gigabytes,
                "snapshots": p.snapshots,
                "volumes": p.volumes,
            },
        }
        for p in PROFILES
    ]


def _region(spec: dict) -> str | None:
    return (spec.get("location") or {}).get("region")


def _instance(spec: dict) -> dict[str, int]:
    found = compute_catalog.flavor((spec.get("flavor") or {}).get("id", ""))
    if found is None:
        return {"instances": 1}
    return {"instances": 1, "cores": found[1].vcpus, "ram": found[1].ram}


# What a resource of each counted kind uses, read from its target spec: kind key -> counters.
# A kind of another area joins with a line here (its spec carries `location.region`).
COUNTED: dict[str, Callable[[dict], dict[str, int]]] = {
    "publicCloud.instance": _instance,
    "publicCloud.floatingIp": lambda spec: {"floatingIps": 1},
    "publicCloud.volume": lambda spec: {"volumes": 1, "gigabytes": spec["size"]},
    "publicCloud.share": lambda spec: {"shares": 1},
}

_LIMIT = {
    "instances": "instances",
    "cores": "cores",
    "ram": "ram",
    "volumes": "volumes",
    "gigabytes": "gigabytes",
    "floatingIps": "floating_ips",
    "networks": "networks",
    "gateways": "gateways",
    "securityGroups": "security_groups",
    "shares": "shares",
}
_LABEL = {
    "instances": "instances",
    "cores": "vCPUs",
    "ram": "MB of RAM",
    "volumes": "volumes",
    "gigabytes": "GB of block storage",
    "floatingIps": "floating IPs",
    "networks": "networks",
    "gateways": "gateways",
    "securityGroups": "security groups",
    "shares": "file shares",
}


class KindRef(NamedTuple):
    """A kind named by key, for kinds declared in other modules (AccountView reads `.key`)."""

    key: str


async def usage(view, project_id: str, region: str, skip: str | None = None) -> dict[str, int]:
    """What the project's resources use in `region` (leaving out the resource `skip`)."""
    out: dict[str, int] = {}
    for key, count in COUNTED.items():
        for r in await view.resources(KindRef(key)):
            if r.parent_id != project_id or r.id == skip or r.status == "DELETING":
                continue
            if _region(r.target_spec) == region:
                for name, amount in count(r.target_spec).items():
                    out[name] = out.get(name, 0) + amount
    return out


async def check(view, project_id: str, region: str, adding: dict[str, int], skip: str | None = None) -> None:
    """Refuse (403 QuotaExceeded) a change that would take the project past its region's caps."""
    applied = await applied_profile(view, project_id, region)
    used = await usage(view, project_id, region, skip)
    for name, amount in adding.items():
        limit = getattr(applied, _LIMIT[name])
        if amount > 0 and used.get(name, 0) + amount > limit:
            raise ApiError(
                403,
                "Client::Forbidden::QuotaExceeded",
                f"Quota exceeded in region {region}: this needs {amount} {_LABEL[name]}, "
                f"{used.get(name, 0)} of {limit} are used (profile '{applied.name}')",
                {"region": region, "quota": name, "limit": str(limit), "used": str(used.get(name, 0))},
            )


# The stored quota envelope of a project, if any, read through the kind key "publicCloud.quota".
QUOTA_KEY = "publicCloud.quota"


async def applied_profile(view, project_id: str, region: str) -> Profile:
    for q in await view.resources(KindRef(QUOTA_KEY)):
        if q.parent_id == project_id:
            for entry in q.current_state.get("regions", []):
                if entry.get("location", {}).get("region") == region:
                    return _BY_NAME.get(entry.get("profile"), _BY_NAME[DEFAULT_PROFILE])
    return _BY_NAME[DEFAULT_PROFILE]


def usage_wire(p: Profile, used: dict[str, int]) -> dict:
    """A region's usage as `currentState.regions[].usage` shows it: limit and used per counter."""

    def u(limit: int, name: str | None = None) -> dict:
        return {"limit": limit, "unit": "", "used": used.get(name, 0) if name else 0}

    return {
        "compute": {
            "cores": u(p.cores, "cores"),
            "instances": u(p.instances, "instances"),
            "memory": u(p.ram, "ram"),
        },
        "keyManager": {"containers": u(p.containers), "secrets": u(p.secrets)},
        "keypair": {"keypairs": u(p.keypairs)},
        "loadbalancer": {
            name: u(p.loadbalancers * factor)
            for name, factor in (
                ("healthMonitors", 10),
                ("l7Policies", 10),
                ("l7Rules", 50),
                ("listeners", 10),
                ("loadbalancers", 1),
                ("members", 100),
                ("pools", 10),
            )
        },
        "network": {
            "floatingIps": u(p.floating_ips, "floatingIps"),
            "gateways": u(p.gateways, "gateways"),
            "networks": u(p.networks, "networks"),
            "securityGroupRules": u(p.security_group_rules),
            "securityGroups": u(p.security_groups, "securityGroups"),
            "subnets": u(p.subnets),
        },
        "share": {
            "backupSizeTotal": u(p.gigabytes),
            "backups": u(p.backups),
            "perShareSize": {"limit": PER_SHARE_GB, "unit": "GB"},
            "shareNetworks": u(p.networks),
            "shares": u(p.shares, "shares"),
            "sizeTotal": u(p.gigabytes),
            "snapshotSizeTotal": u(p.gigabytes),
            "snapshots": u(p.snapshots),
        },
        "volume": {
            "backupSizeTotal": u(p.gigabytes),
            "backups": u(p.backups),
            "perVolumeSize": {"limit": PER_VOLUME_GB, "unit": "GB"},
            "sizeTotal": u(p.gigabytes, "gigabytes"),
            "snapshots": u(p.snapshots),
            "volumes": u(p.volumes, "volumes"),
        },
    }
