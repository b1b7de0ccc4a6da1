"""The project's reference routes: regions, instance flavors and images (`/reference/...`)."""

from __future__ import annotations

from ...errors import ApiError
from ...model.operation import Operation
from . import compute_catalog, regions
from .in_project import PROJECT_PARAM, project_of

__all__ = ["OPERATIONS", "region_filter"]

_BASE = "/publicCloud/project/{projectId}/reference"


def region_filter(call) -> str | None:
    """The `?region=` of a list, checked against the catalog (400 naming it when unknown)."""
    name = call.request.query_params.get("region")
    if name is not None and regions.find(name) is None:
        raise ApiError.invalid_parameter("region", f"Region '{name}' does not exist")
    return name or None


async def list_regions(call):
    await project_of(call)
    return await call.paginate_items([regions.wire(r) for r in regions.REGIONS])


async def get_region(call):
    await project_of(call)
    found = regions.find(call.params["regionName"])
    if found is None:
        raise ApiError.not_found("RegionNotFound", f"Region '{call.params['regionName']}' does not exist")
    return regions.wire(found)


async def list_flavors(call):
    await project_of(call)
    return await call.paginate_items(compute_catalog.flavors_in(region_filter(call)))


async def get_flavor(call):
    await project_of(call)
    found = compute_catalog.flavor(call.params["flavorId"])
    if found is None:
        raise ApiError.not_found("FlavorNotFound", f"Flavor '{call.params['flavorId']}' does not exist")
    return found[2]


async def list_images(call):
    await project_of(call)
    return await call.paginate_items(compute_catalog.images_in(region_filter(call)))


async def get_image(call):
    await project_of(call)
    found = compute_catalog.image(call.params["imageId"])
    if found is None:
        raise ApiError.not_found("ImageNotFound", f"Image '{call.params['imageId']}' does not exist")
    return found[2]


def _any(value: str) -> bool:
    return 0 < len(value) <= 128


def _get(path: str, handler, action: str, summary: str, params: dict, paged: bool = False) -> Operation:
    return Operation(
        "GET",
        f"{_BASE}{path}",
        handler,
        (f"publicCloudProject:apiovh:reference/{action}",),
        {**PROJECT_PARAM, **params},
        summary,
        paged=paged,
    )


OPERATIONS = (
    _get("/region", list_regions, "region/get", "List the regions of the project", {}, paged=True),
    _get(
        "/region/{regionName}", get_region, "region/get", "Get a region of the project", {"regionName": _any}
    ),
    _get(
        "/instance/flavor",
        list_flavors,
        "instance/flavor/get",
        "List instance flavors (of one region with ?region=)",
        {},
        paged=True,
    ),
    _get(
        "/instance/flavor/{flavorId}",
        get_flavor,
        "instance/flavor/get",
        "Get an instance flavor",
        {"flavorId": _any},
    ),
    _get(
        "/instance/image",
        list_images,
        "instance/image/get",
        "List instance images (of one region with ?region=)",
        {},
        paged=True,
    ),
    _get(
        "/instance/image/{imageId}",
        get_image,
        "instance/image/get",
        "Get an instance image",
        {"imageId": _any},
    ),
)
