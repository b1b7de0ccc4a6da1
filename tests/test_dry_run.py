"""Dry-run: `X-Dry-Run: true` (or `?dryRun=true`) on a standard write runs every check and
answers the resource as it would be with the task plan it would start, writing nothing."""

import pytest
from conftest import create_project, create_rancher

pytestmark = pytest.mark.anyio


def rancher_url(project, rancher=""):
    return f"/v2/publicCloud/project/{project}/rancher" + (f"/{rancher}" if rancher else "")


async def _unchanged(client, project):
    """The list, its tasks and events as they are (to compare before and after a dry run)."""
    listed = (await client.get(rancher_url(project))).json()
    out = []
    for r in listed:
        url = rancher_url(project, r["id"])
        out.append((r, (await client.get(f"{url}/task")).json(), (await client.get(f"{url}/event")).json()))
    return out


async def test_dry_run_create_answers_the_plan_and_writes_nothing(client, settle):
    project = await create_project(client, settle)
    before = await _unchanged(client, project)
    body = {"targetSpec": {"name": "r1", "plan": "STANDARD"}}
    r = await client.post(rancher_url(project), json=body, headers={"X-Dry-Run": "true"})
    assert r.status_code == 200, r.text
    assert r.headers["x-dry-run"] == "true"
    answer = r.json()
    assert answer["resourceStatus"] == "CREATING"
    assert answer["targetSpec"] == {
        "ipRestrictions": [],
        "name": "r1",
        "plan": "STANDARD",
        "version": "2.10.3",
    }
    plan = answer["plan"]
    assert plan["type"] == "RANCHER_CREATE"
    assert plan["steps"] and all(set(s) == {"name", "seconds"} for s in plan["steps"])
    assert sum(s["seconds"] for s in plan["steps"]) > 0
    assert await _unchanged(client, project) == before
    r = await client.get(rancher_url(project, answer["id"]))
    assert r.status_code == 404

    # The same body without the header creates, with the same plan.
    created = (await client.post(rancher_url(project), json=body)).json()
    task = (await client.get(created["currentTasks"][0]["link"])).json()
    assert [p["name"] for p in task["progress"]] == [s["name"] for s in plan["steps"]]


async def test_dry_run_update_and_delete_change_nothing(client, settle):
    project = await create_project(client, settle)
    rancher = await create_rancher(client, settle, project)
    url = rancher_url(project, rancher["id"])
    before = await _unchanged(client, project)
    spec = {**rancher["targetSpec"], "name": "renamed"}
    r = await client.put(f"{url}?dryRun=true", json={"checksum": rancher["checksum"], "targetSpec": spec})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["resourceStatus"] == "UPDATING" and answer["targetSpec"]["name"] == "renamed"
    assert answer["checksum"] != rancher["checksum"]
    assert answer["plan"]["type"] == "RANCHER_UPDATE"
    # The same target as stored: nothing would happen.
    same = await client.put(
        url,
        json={"checksum": rancher["checksum"], "targetSpec": rancher["targetSpec"]},
        headers={"X-Dry-Run": "true"},
    )
    assert same.status_code == 200 and same.json()["plan"] is None
    gone = await client.delete(url, headers={"X-Dry-Run": "true"})
    assert gone.status_code == 200 and gone.json()["resourceStatus"] == "DELETING"
    assert gone.json()["plan"]["steps"]
    assert await _unchanged(client, project) == before
    assert (await client.get(url)).json() == (await client.get(url)).json() == before[0][0]


async def test_dry_run_runs_every_check(client, settle):
    project = await create_project(client, settle)
    rancher = await create_rancher(client, settle, project)
    url = rancher_url(project, rancher["id"])
    dry = {"X-Dry-Run": "true"}
    stale = await client.put(
        url, json={"checksum": "0" * 32, "targetSpec": rancher["targetSpec"]}, headers=dry
    )
    assert stale.status_code == 412
    bad = await client.post(
        rancher_url(project), json={"targetSpec": {"name": "r2", "plan": "NOPE"}}, headers=dry
    )
    assert bad.status_code == 400
    unknown = await client.delete(rancher_url(project, "0" * 8), headers=dry)
    assert unknown.status_code in (400, 404)
    # The rancher is busy once a real change is accepted: a dry run sees the lock.
    spec = {**rancher["targetSpec"], "name": "renamed"}
    await client.put(url, json={"checksum": rancher["checksum"], "targetSpec": spec})
    locked = await client.delete(url, headers=dry)
    assert locked.status_code == 423
    wrong = await client.delete(url, headers={"X-Dry-Run": "maybe"})
    assert wrong.status_code == 400
    assert wrong.json()["class"] == "Client::BadRequest::InvalidParameter"


async def test_openapi_documents_the_dry_run(client):
    doc = (await client.get("/v2/publicCloud.openapi.json", params={"version": "2.0"})).json()
    collection = "/publicCloud/project/{projectId}/rancher"
    for path, method in (
        (collection, "post"),
        (f"{collection}/{{rancherId}}", "put"),
        (f"{collection}/{{rancherId}}", "delete"),
    ):
        names = [p["name"] for p in doc["paths"][path][method]["parameters"]]
        assert "X-Dry-Run" in names, (path, method)
    assert "X-Dry-Run" not in [p["name"] for p in doc["paths"][collection]["get"]["parameters"]]
    # vrackServices requires a checksum on PUT; a missing one is InvalidInput, as documented.
    vrack = (await client.get("/v2/vrackServices.openapi.json")).json()
    for ops in vrack["paths"].values():
        for op in ops.values():
            assert "Client::BadRequest::ChecksumRequired" not in {e["class"] for e in op["x-error-classes"]}
