"""Public Cloud regions and their availability zones: the catalog every compute kind checks.

Region names are OpenStack's (`GRA11`, `EU-WEST-PAR`); each sits in a location of `/v2/location`
(`eu-west-gra`, `eu-west-par`). A one-zone region reports OpenStack's single zone `nova` and
places nothing in a named zone; a 3-AZ region has three zones named after its location.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Region", "REGIONS", "find", "names", "wire", "zone_of"]

_SERVICES = ("instance", "network", "volume", "floatingip", "keymanager", "share", "workflow")


@dataclass(frozen=True)
class Region:
    name: str
    location: str
    continent: str
    country: str
    datacenter: str
    zones: tuple[str, ...] = ()  # named zones of a 3-AZ region; () for a one-zone region
    services: tuple[str, ...] = _SERVICES
    status: str = "UP"

    @property
    def multi_zone(self) -> bool:
        return bool(self.zones)


REGIONS: tuple[Region, ...] = (
    Region("GRA11", "eu-west-gra", "Europe", "FR", "GRA"),
    Region("GRA9", "eu-west-gra", "Europe", "FR", "GRA"),
    Region("SBG5", "eu-west-sbg", "Europe", "FR", "SBG"),
    Region("RBX-A", "eu-west-rbx", "Europe", "FR", "RBX"),
    Region("DE1", "eu-central-lz-fra", "Europe", "DE", "DE"),
    Region("UK1", "eu-west-lon", "Europe", "UK", "UK"),
    Region("WAW1", "eu-central-waw", "Europe", "PL", "WAW"),
    Region("BHS5", "ca-east-bhs", "North America", "CA", "BHS"),
    Region("SGP1", "ap-southeast-sgp", "Asia", "SG", "SGP"),
    Region(
        "EU-WEST-PAR",
        "eu-west-par",
        "Europe",
        "FR",
        "PAR",
        zones=("eu-west-par-a", "eu-west-par-b", "eu-west-par-c"),
    ),
    Region(
        "EU-SOUTH-MIL",
        "eu-south-mil",
        "Europe",
        "IT",
        "MIL",
        zones=("eu-south-mil-a", "eu-south-mil-b", "eu-south-mil-c"),
    ),
)

_BY_NAME = {r.name: r for r in REGIONS}


def find(name: str) -> Region | None:
    return _BY_NAME.get(name)


def names() -> list[str]:
    return [r.name for r in REGIONS]


def wire(region: Region) -> dict:
    """A region as `/reference/region` answers it."""
    return {
        "availabilityZones": list(region.zones) or ["nova"],
        "continent": region.continent,
        "country": region.country,
        "datacenterName": region.datacenter,
        "name": region.name,
        "services": list(region.services),
        "status": region.status,
    }


def zone_of(region: Region, wanted: str | None, seed: str) -> str | None:
    """The zone a resource lands in: the one asked for, else one picked from `seed` (3-AZ only)."""
    if not region.multi_zone:
        return None
    if wanted:
        return wanted
    return region.zones[sum(seed.encode()) % len(region.zones)]
