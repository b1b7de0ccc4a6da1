"""Create-time admission: `Strategy.admit_create` runs in the write transaction, so a rule over
the account's other resources (a unique name) holds under concurrent writers, and the error
classes a kind declares (`Kind.errors`) are in its OpenAPI document."""

import asyncio
import contextlib

import msgspec
import pytest
from conftest import serve_sections

from convergent.errors import ApiError
from convergent.model.kind import Kind, Plan, Step, Strategy, standard_actions
from convergent.model.section import Section

pytestmark = pytest.mark.anyio

TAKEN = (409, "Client::Conflict::BedNameTaken")


class BedSpec(msgspec.Struct, forbid_unknown_fields=True):
    name: str


class UniqueName(Strategy):
    async def admit_create(self, view, spec, parent):
        for other in await view.resources(BED):
            if other.target_spec["name"] == spec["name"]:
                raise ApiError.conflict("BedNameTaken", f"a bed named {spec['name']!r} exists")
        return spec


class Dig:
    def plan(self, action, resource):
        return Plan(f"BED_{action.upper()}", "dig", (Step("Dig", 0),))

    def apply(self, step, resource):
        return {"name": resource.target_spec["name"]}


BED = Kind(
    section="beds",
    name="bed",
    label="Bed",
    collection="/beds/bed",
    id_param="bedId",
    spec_create=BedSpec,
    spec_update=BedSpec,
    reconciler=Dig(),
    strategy=UniqueName(),
    iam_type="bed",
    actions=standard_actions("bed"),
    errors={"create": (TAKEN,)},
)
SECTION = Section("beds", "raised beds", kinds=(BED,))


async def test_a_unique_name_holds_under_two_api_processes_at_once(database):
    """Two apps on one database (each its own store: pool, caches, writer), many creates of the
    same names at once: one of each name is admitted, every other answers the declared 409."""
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            (await stack.enter_async_context(serve_sections(database, [SECTION])))[0] for _ in range(2)
        ]
        names = [f"bed{i % 3}" for i in range(12)]
        answers = await asyncio.gather(
            *(
                clients[i % 2].post("/v2/beds/bed", json={"targetSpec": {"name": n}})
                for i, n in enumerate(names)
            )
        )
        created = sorted(r.json()["targetSpec"]["name"] for r in answers if r.status_code == 200)
        assert created == ["bed0", "bed1", "bed2"], [(r.status_code, r.text) for r in answers]
        refused = [r for r in answers if r.status_code != 200]
        assert len(refused) == 9
        assert {r.json()["class"] for r in refused} == {TAKEN[1]}
        listed = (await clients[1].get("/v2/beds/bed")).json()
        assert sorted(b["targetSpec"]["name"] for b in listed) == ["bed0", "bed1", "bed2"]


async def test_declared_error_classes_are_in_the_openapi_document(database):
    async with serve_sections(database, [SECTION]) as (client, _):
        doc = (await client.get("/v2/beds.openapi.json")).json()
    create = doc["paths"]["/beds/bed"]["post"]
    assert {"status": 409, "class": TAKEN[1]} in create["x-error-classes"]
    assert TAKEN[1] in create["responses"]["409"]["description"]
    update = doc["paths"]["/beds/bed/{bedId}"]["put"]
    assert TAKEN[1] not in {e["class"] for e in update["x-error-classes"]}


def test_errors_for_an_operation_the_kind_does_not_serve_are_refused():
    with pytest.raises(ValueError, match="does not serve"):
        Kind(
            section="beds",
            name="bed2",
            label="Bed",
            collection="/beds/bed2",
            id_param="bedId",
            spec_create=BedSpec,
            spec_update=BedSpec,
            reconciler=Dig(),
            actions=standard_actions("bed"),
            operations=frozenset({"list", "get"}),
            errors={"create": (TAKEN,)},
        )
