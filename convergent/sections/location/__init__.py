"""`/v2/location`: OVHcloud's regions, with their availability zones, cardinal point, city and
country (reference data, the same for every account; regions.py holds the table)."""

from __future__ import annotations

from datetime import date

from ...errors import ApiError
from ...model.operation import Operation
from ...model.section import Section
from ...model.versions import Major, Version
from .regions import BY_NAME, REGIONS, Region, region

__all__ = ["SECTION", "REGIONS", "Region", "region"]

_RELEASED = date(2024, 6, 1)


async def list_locations(call):
    return await call.paginate_items([r.view() for r in REGIONS])


async def get_location(call):
    name = call.params["name"]
    found = BY_NAME.get(name)
    if found is None:
        raise ApiError.not_found("LocationNotFound", f"Location '{name}' does not exist")
    return found.view()


SECTION = Section(
    name="location",
    description="OVHcloud's regions: availability zones, city, country",
    versions=(Version("1.0", _RELEASED, "Regions, as OVHcloud serves them"),),
    majors=(Major(1, _RELEASED),),
    operations=(
        Operation("GET", "/location", list_locations, summary="List all locations", paged=True),
        Operation("GET", "/location/{name}", get_location, summary="Get a location"),
    ),
)
