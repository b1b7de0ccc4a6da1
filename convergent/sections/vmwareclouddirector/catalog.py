"""What VMware Cloud Director on OVHcloud offers here: regions, vHost and storage profiles,
backup repositories. Region names, locations and availability zones are the reference's enums;
profile names and sizes are this emulator's own (the reference does not list them).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "REGIONS",
    "region_references",
    "availability_zone",
    "region_of_zone",
    "replica_region",
    "COMPUTE_PROFILES",
    "STORAGE_PROFILES",
    "orderable",
    "compute_state",
    "storage_state",
    "urls",
]

# Regions where VMware Cloud Director is sold (those with an availability zone in the
# reference's AZNameEnum), with their location as the reference's RegionLocationEnum words it.
REGIONS: dict[str, str] = {
    "ca-east-bhs": "North America (Canada - East - Beauharnois)",
    "eu-central-waw": "Europe (Poland - Warsaw)",
    "eu-west-eri": "Europe (United Kingdom - Erith)",
    "eu-west-lim": "Europe (Germany - Limburg)",
    "eu-west-rbx": "Europe (France - Roubaix)",
    "eu-west-sbg": "Europe (France - Strasbourg)",
}

# Where a GOLD backup repository keeps its replica: another region, never the primary one.
_REPLICA = {
    "ca-east-bhs": "eu-west-gra",
    "eu-central-waw": "eu-west-lim",
    "eu-west-eri": "eu-west-rbx",
    "eu-west-lim": "eu-central-waw",
    "eu-west-rbx": "eu-west-sbg",
    "eu-west-sbg": "eu-west-rbx",
}


def region_references() -> list[dict]:
    return [{"location": location, "region": region} for region, location in REGIONS.items()]


def availability_zone(region: str) -> str:
    return f"{region}-a"


def region_of_zone(zone: str) -> str:
    return zone.removesuffix("-a")


def replica_region(region: str) -> str:
    return _REPLICA[region]


@dataclass(frozen=True)
class ComputeProfile:
    profile: str
    name: str
    vCPUCount: int
    memoryQuota: int  # GB
    vCPUSpeed: float  # GHz
    ranges: tuple[str, ...] = ("STANDARD", "NSX", "VSAN-NSX")


@dataclass(frozen=True)
class StorageProfile:
    profile: str
    name: str
    type: str
    capacity: int  # GB
    performanceClass: int  # minimum IOPS per TB
    ranges: tuple[str, ...] = ("STANDARD", "NSX", "VSAN-NSX")


COMPUTE_PROFILES: tuple[ComputeProfile, ...] = (
    ComputeProfile("vcd-vhost-s", "vHost S", 16, 64, 2.2),
    ComputeProfile("vcd-vhost-m", "vHost M", 32, 128, 2.6),
    ComputeProfile("vcd-vhost-l", "vHost L", 48, 256, 3.0),
    ComputeProfile("vcd-vhost-xl", "vHost XL", 64, 512, 3.0, ("NSX", "VSAN-NSX")),
)

STORAGE_PROFILES: tuple[StorageProfile, ...] = (
    StorageProfile("vcd-storage-standard-1tb", "Standard 1 TB", "standard", 1024, 500),
    StorageProfile("vcd-storage-performance-1tb", "Performance 1 TB", "performance", 1024, 2000),
    StorageProfile(
        "vcd-storage-high-performance-1tb", "High performance 1 TB", "high-performance", 1024, 5000
    ),
    StorageProfile("vcd-storage-vsan-2tb", "vSAN 2 TB", "vsan", 2048, 10000, ("VSAN-NSX",)),
)
_COMPUTE = {p.profile: p for p in COMPUTE_PROFILES}
_STORAGE = {p.profile: p for p in STORAGE_PROFILES}


def orderable(commercial_range: str) -> dict:
    """What a datacenter of this commercial range may add (GET .../orderableResource)."""
    return {
        "compute": [
            {
                "memoryQuota": p.memoryQuota,
                "name": p.name,
                "profile": p.profile,
                "vCPUCount": p.vCPUCount,
                "vCPUSpeed": p.vCPUSpeed,
            }
            for p in COMPUTE_PROFILES
            if commercial_range in p.ranges
        ],
        "storage": [
            {
                "capacity": p.capacity,
                "name": p.name,
                "performanceClass": p.performanceClass,
                "profile": p.profile,
                "type": p.type,
            }
            for p in STORAGE_PROFILES
            if commercial_range in p.ranges
        ],
    }


def compute_state(profile: str, billing: str) -> dict:
    p = _COMPUTE[profile]
    return {
        "billingType": billing,
        "memoryQuota": p.memoryQuota,
        "name": p.name,
        "profile": p.profile,
        "vCPUCount": p.vCPUCount,
    }


def storage_state(profile: str, billing: str) -> dict:
    p = _STORAGE[profile]
    return {
        "billingType": billing,
        "capacity": p.capacity,
        "name": p.name,
        "profile": p.profile,
        "type": p.type,
    }


def urls(region: str, organization: str) -> dict:
    host = f"https://{region}.vcd.ovhcloud.example"
    return {"apiUrl": f"{host}/api", "webInterfaceUrl": f"{host}/tenant/{organization}"}
