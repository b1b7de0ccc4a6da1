"""OVHcloud's regions (locations): one table, read by the location section and by every section
whose resources live in a region, so that they all agree on names and availability zones."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Region", "REGIONS", "BY_NAME", "region"]

_GEOGRAPHIES = {"eu": "Europe", "ca": "Canada", "us": "United States", "ap": "Asia Pacific"}


@dataclass(frozen=True)
class Region:
    name: str  # eu-west-par: geography, cardinal point, code
    city: str
    city_code: str
    country_code: str
    country: str
    latitude: float
    longitude: float
    opened: int
    zones: int = 1  # availability zones: 1 or 3

    @property
    def geography(self) -> str:
        return self.name.split("-")[0]

    @property
    def cardinal_point(self) -> str:
        return self.name.split("-")[1].upper()

    @property
    def code(self) -> str:
        return self.name.split("-")[2]

    @property
    def availability_zones(self) -> tuple[str, ...]:
        return tuple(f"{self.name}-{letter}" for letter in "abc"[: self.zones])

    def view(self) -> dict:
        """The region as `/v2/location/{name}` answers it."""
        return {
            "availabilityZones": list(self.availability_zones),
            "cardinalPoint": self.cardinal_point,
            "cityCode": self.city_code,
            "cityLatitude": self.latitude,
            "cityLongitude": self.longitude,
            "cityName": self.city,
            "code": self.code,
            "countryCode": self.country_code,
            "countryName": self.country,
            "geographyCode": self.geography,
            "geographyName": _GEOGRAPHIES[self.geography],
            "location": f"{_GEOGRAPHIES[self.geography]} ({self.country} - {self.city})",
            "name": self.name,
            "openingYear": self.opened,
            "specificType": "STANDARD",
            "type": f"REGION-{self.zones}-AZ",
        }


REGIONS: tuple[Region, ...] = (
    Region("eu-west-gra", "Gravelines", "GRA", "FR", "France", 50.9871, 2.1255, 2016),
    Region("eu-west-rbx", "Roubaix", "RBX", "FR", "France", 50.6942, 3.1746, 2016),
    Region("eu-west-sbg", "Strasbourg", "SBG", "FR", "France", 48.5734, 7.7521, 2016),
    Region("eu-west-par", "Paris", "PAR", "FR", "France", 48.8566, 2.3522, 2024, zones=3),
    Region("eu-west-lim", "Limburg", "LIM", "DE", "Germany", 50.3836, 8.0503, 2017),
    Region("eu-west-eri", "Erith", "ERI", "GB", "United Kingdom", 51.4800, 0.1780, 2017),
    Region("eu-central-waw", "Warsaw", "WAW", "PL", "Poland", 52.2297, 21.0122, 2016),
    Region("eu-south-mil", "Milan", "MIL", "IT", "Italy", 45.4642, 9.1900, 2024, zones=3),
    Region("ca-east-bhs", "Beauharnois", "BHS", "CA", "Canada", 45.3151, -73.8779, 2016),
    Region("ca-east-tor", "Toronto", "TOR", "CA", "Canada", 43.6532, -79.3832, 2023),
    Region("us-east-vin", "Vint Hill", "VIN", "US", "United States", 38.7479, -77.6725, 2020),
    Region("us-west-hil", "Hillsboro", "HIL", "US", "United States", 45.5229, -122.9898, 2020),
    Region("ap-southeast-sgp", "Singapore", "SGP", "SG", "Singapore", 1.3521, 103.8198, 2016),
    Region("ap-southeast-syd", "Sydney", "SYD", "AU", "Australia", -33.8688, 151.2093, 2016),
    Region("ap-south-mum", "Mumbai", "MUM", "IN", "India", 19.0760, 72.8777, 2022),
)

BY_NAME = {r.name: r for r in REGIONS}


def region(name: str) -> Region | None:
    return BY_NAME.get(name)
