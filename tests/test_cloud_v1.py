"""`/1.0/cloud/project`: the v1 view of the /v2 projects (OVHcloud's cloud.Project)."""

import pytest
from conftest import create_project
from test_reference_iam import _policy, user_client

pytestmark = pytest.mark.anyio

FIELDS = {
    "access",
    "creationDate",
    "description",
    "expiration",
    "iam",
    "manualQuota",
    "orderId",
    "planCode",
    "projectName",
    "project_id",
    "status",
    "unleash",
}


async def test_a_project_on_both_branches(client, settle):
    project = await create_project(client, settle, "demo")
    for prefix in ("/1.0", "/v1", ""):
        r = await client.get(f"{prefix}/cloud/project/{project}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == FIELDS
        assert body["project_id"] == project and body["description"] == "demo" and body["status"] == "ok"
        assert body["iam"]["urn"] == f"urn:v1:eu:resource:publicCloudProject:{project}"
    assert (await client.get("/1.0/cloud/project")).json() == [project]


async def test_unknown_plain_string_ids_are_404_not_400(client):
    for value in ("0" * 32, "not-a-project", "x" * 300):
        r = await client.get(f"/1.0/cloud/project/{value}")
        assert r.status_code == 404 and r.json()["class"] == "Client::NotFound::ProjectNotFound", r.text


async def test_another_account_sees_neither_the_project_nor_its_id(client, settle, credentials, connect):
    project = await create_project(client, settle)
    other = connect(await credentials("yy2222-ovh"))
    assert (await other.get(f"/1.0/cloud/project/{project}")).status_code == 404
    assert (await other.get("/1.0/cloud/project")).json() == []


async def test_a_user_needs_the_projects_get_action(client, settle, credentials, connect):
    project = await create_project(client, settle)
    alice = await user_client(client, credentials, connect)
    r = await alice.get(f"/1.0/cloud/project/{project}")
    assert r.status_code == 403 and "publicCloudProject:apiovh:get" in r.text, r.text
    assert (await alice.get("/1.0/cloud/project")).json() == []
    urn = f"urn:v1:eu:resource:publicCloudProject:{project}"
    body = _policy("read", [urn], ("publicCloudProject:apiovh:get",))
    assert (await client.post("/v2/iam/policy", json=body)).status_code == 200
    assert (await alice.get(f"/1.0/cloud/project/{project}")).status_code == 200
    assert (await alice.get("/1.0/cloud/project")).json() == [project]
