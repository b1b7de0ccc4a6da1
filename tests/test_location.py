"""`/v2/location`: the regions table, as OVHcloud's provider reads it."""

import pytest

from convergent.sections.location import REGIONS, region

pytestmark = pytest.mark.anyio


async def test_a_location_as_the_provider_reads_it(client):
    r = await client.get("/v2/location/eu-west-par")
    assert r.status_code == 200, r.text
    par = r.json()
    assert par["code"] == "par" and par["type"] == "REGION-3-AZ" and par["cityName"] == "Paris"
    assert par["countryCode"] == "FR" and par["cardinalPoint"] == "WEST" and par["geographyCode"] == "eu"
    assert par["availabilityZones"] == ["eu-west-par-a", "eu-west-par-b", "eu-west-par-c"]
    gra = (await client.get("/v2/location/eu-west-gra")).json()
    assert gra["type"] == "REGION-1-AZ" and gra["availabilityZones"] == ["eu-west-gra-a"]


async def test_the_list_is_paged_and_complete(client):
    r = await client.get("/v2/location", headers={"X-Pagination-Size": "5"})
    assert r.status_code == 200 and len(r.json()) == 5, r.text
    names = [x["name"] for x in r.json()]
    cursor = r.headers["X-Pagination-Cursor-Next"]
    while cursor:
        r = await client.get(
            "/v2/location", headers={"X-Pagination-Size": "5", "X-Pagination-Cursor": cursor}
        )
        names += [x["name"] for x in r.json()]
        cursor = r.headers.get("X-Pagination-Cursor-Next")
    assert names == [r.name for r in REGIONS]


async def test_an_unknown_location_is_404_and_anonymous_callers_are_refused(client, connect):
    r = await client.get("/v2/location/mars-north-oly")
    assert r.status_code == 404 and r.json()["class"] == "Client::NotFound::LocationNotFound", r.text
    assert (await connect().get("/v2/location/eu-west-par")).status_code == 401


def test_region_lookup():
    assert region("eu-west-lim").country_code == "DE"
    assert region("nowhere") is None
