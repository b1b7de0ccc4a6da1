"""What OVHcloud's own clients send that the reference does not quite say, and convergent accepts
(docs/compatibility.md): URNs with an empty plate, `null` for an empty list, unknown plain-string
path parameters."""

import pytest
from conftest import create_project
from test_reference_iam import (
    ALICE,
    POLICIES,
    RGROUPS,
    _create,
    _forbidden,
    _policy,
    _project_urn,
    user_client,
)

pytestmark = pytest.mark.anyio

PROJECT_GET = "publicCloudProject:apiovh:get"


@pytest.fixture
async def alice(client, credentials, connect):
    return await user_client(client, credentials, connect)


@pytest.fixture
async def projects(client, settle) -> tuple[str, str]:
    return await create_project(client, settle, "alpha"), await create_project(client, settle, "beta")


def _plateless(urn: str) -> str:
    return urn.replace("urn:v1:eu:", "urn:v1::", 1)


async def test_an_empty_plate_is_this_servers_stored_as_sent_and_granting(client, alice, projects):
    a, b = projects
    body = _policy(
        "plateless", [_plateless(_project_urn(a))], (PROJECT_GET,), identities=(_plateless(ALICE),)
    )
    policy = await _create(client, POLICIES, body)
    assert policy["identities"] == [_plateless(ALICE)]
    assert policy["resources"][0]["urn"] == _plateless(_project_urn(a))
    got = await client.get(f"/v2{POLICIES}/{policy['id']}")
    assert got.json()["identities"] == [_plateless(ALICE)], got.text
    assert (await alice.get(f"/v2/publicCloud/project/{a}")).status_code == 200
    _forbidden(await alice.get(f"/v2/publicCloud/project/{b}"), PROJECT_GET)


async def test_another_plate_is_still_a_urn_but_not_this_servers(client, alice, projects):
    a, _ = projects
    ca = _project_urn(a).replace(":eu:", ":ca:")
    await _create(client, POLICIES, _policy("ca", [ca], (PROJECT_GET,)))
    _forbidden(await alice.get(f"/v2/publicCloud/project/{a}"), PROJECT_GET)
    r = await client.post(f"/v2{POLICIES}", json=_policy("bad", ["urn:v2::x"], (PROJECT_GET,)))
    assert r.status_code == 400 and "resources" in r.text, r.text


async def test_null_resources_make_an_empty_resource_group(client):
    created = await _create(client, RGROUPS, {"name": "empty", "resources": None})
    assert created["resources"] == []
    r = await client.put(f"/v2{RGROUPS}/{created['id']}", json={"name": "still empty", "resources": None})
    assert r.status_code == 200 and r.json()["resources"] == [], r.text
