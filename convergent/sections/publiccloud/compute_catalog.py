"""The compute catalog: instance flavors and images, the same in every region.

Ids are stable UUIDs derived from the region and the name (a flavor or an image has its own
id in each region, as in OpenStack), so a test that resolves `b3-8` in `GRA11` today finds the
same id tomorrow. Sizes are OVHcloud's: RAM in MB, disks in GB.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from .regions import REGIONS, Region

__all__ = ["Flavor", "Image", "FLAVORS", "IMAGES", "flavors_in", "images_in", "flavor", "image"]

_NAMESPACE = uuid.UUID("3b0f6c62-6f0b-4d8e-9a55-6b0c3f0b9e10")


def _id(region: str, what: str, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{region}/{what}/{name}"))


@dataclass(frozen=True)
class Flavor:
    name: str
    vcpus: int
    ram: int  # MB
    disk: int  # GB
    type: str  # the /1.0 family: ovh.ssd.eg, ovh.ssd.cpu ...
    description: str


@dataclass(frozen=True)
class Image:
    name: str
    min_disk: int  # GB
    size: int  # bytes
    os_type: str = "linux"


FLAVORS: tuple[Flavor, ...] = (
    Flavor("d2-2", 1, 2048, 25, "ovh.ssd.eg", "Discovery d2-2"),
    Flavor("d2-4", 2, 4096, 50, "ovh.ssd.eg", "Discovery d2-4"),
    Flavor("d2-8", 4, 8192, 50, "ovh.ssd.eg", "Discovery d2-8"),
    Flavor("b3-8", 2, 8192, 50, "ovh.ssd.eg", "General purpose b3-8"),
    Flavor("b3-16", 4, 16384, 100, "ovh.ssd.eg", "General purpose b3-16"),
    Flavor("b3-32", 8, 32768, 200, "ovh.ssd.eg", "General purpose b3-32"),
    Flavor("b3-64", 16, 65536, 400, "ovh.ssd.eg", "General purpose b3-64"),
    Flavor("c3-4", 2, 4096, 50, "ovh.ssd.cpu", "Compute optimized c3-4"),
    Flavor("c3-8", 4, 8192, 100, "ovh.ssd.cpu", "Compute optimized c3-8"),
    Flavor("c3-16", 8, 16384, 200, "ovh.ssd.cpu", "Compute optimized c3-16"),
    Flavor("r3-16", 2, 16384, 50, "ovh.ssd.ram", "Memory optimized r3-16"),
    Flavor("r3-32", 4, 32768, 100, "ovh.ssd.ram", "Memory optimized r3-32"),
    Flavor("r3-64", 8, 65536, 200, "ovh.ssd.ram", "Memory optimized r3-64"),
)

IMAGES: tuple[Image, ...] = (
    Image("Debian 13", 3, 2_411_724_800),
    Image("Debian 12", 3, 2_355_101_696),
    Image("Ubuntu 24.04", 3, 3_221_225_472),
    Image("Ubuntu 22.04", 3, 2_684_354_560),
    Image("Rocky Linux 9", 10, 1_073_741_824),
    Image("AlmaLinux 9", 10, 1_181_116_006),
    Image("Fedora 42", 5, 524_288_000),
    Image("Windows Server 2022 Standard (Desktop)", 50, 19_327_352_832, "windows"),
)

_IMAGE_DATE = "2025-06-12T08:00:00Z"


def _flavor_wire(region: Region, f: Flavor) -> dict:
    return {
        "description": f.description,
        "disk": f.disk,
        "ephemeral": 0,
        "id": _id(region.name, "flavor", f.name),
        "isPublic": True,
        "location": {"region": region.name},
        "name": f.name,
        "ram": f.ram,
        "swap": 0,
        "vcpus": f.vcpus,
    }


def _image_wire(region: Region, i: Image) -> dict:
    return {
        "createdAt": _IMAGE_DATE,
        "id": _id(region.name, "image", i.name),
        "location": {"region": region.name},
        "minDisk": i.min_disk,
        "minRam": 0,
        "name": i.name,
        "size": i.size,
        "status": "active",
        "updatedAt": _IMAGE_DATE,
        "visibility": "public",
    }


def _regions(region: str | None) -> tuple[Region, ...]:
    return tuple(r for r in REGIONS if region is None or r.name == region)


def flavors_in(region: str | None = None) -> list[dict]:
    """Every flavor of one region (or of all), as `/reference/instance/flavor` lists them."""
    return [_flavor_wire(r, f) for r in _regions(region) for f in FLAVORS]


def images_in(region: str | None = None) -> list[dict]:
    return [_image_wire(r, i) for r in _regions(region) for i in IMAGES]


_FLAVORS_BY_ID = {_id(r.name, "flavor", f.name): (r, f, _flavor_wire(r, f)) for r in REGIONS for f in FLAVORS}
_IMAGES_BY_ID = {_id(r.name, "image", i.name): (r, i, _image_wire(r, i)) for r in REGIONS for i in IMAGES}


def flavor(id: str) -> tuple[Region, Flavor, dict] | None:
    """The region, flavor and wire form of a flavor id, or None."""
    return _FLAVORS_BY_ID.get(id)


def image(id: str) -> tuple[Region, Image, dict] | None:
    return _IMAGES_BY_ID.get(id)
