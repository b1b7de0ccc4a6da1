"""The as-code lifecycle of a rancher through the HTTP surface: create, update, delete."""

import asyncio

import pytest
from conftest import create_project, create_rancher

pytestmark = pytest.mark.anyio

ENVELOPE = [
    "checksum",
    "createdAt",
    "currentState",
    "currentTasks",
    "id",
    "resourceStatus",
    "targetSpec",
    "updatedAt",
]


def rancher_url(project, rancher=""):
    return f"/v2/publicCloud/project/{project}/rancher" + (f"/{rancher}" if rancher else "")


async def test_create_answers_creating_with_a_task_then_ready(client, settle):
    project = await create_project(client, settle)
    r = await client.post(rancher_url(project), json={"targetSpec": {"name": "r1", "plan": "STANDARD"}})
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ENVELOPE
    assert body["resourceStatus"] == "CREATING"
    assert body["targetSpec"] == {"ipRestrictions": [], "name": "r1", "plan": "STANDARD", "version": "2.10.3"}
    [task] = body["currentTasks"]
    assert task["status"] == "PENDING" and task["type"] == "RANCHER_CREATE"
    assert task["link"] == f"{rancher_url(project, body['id'])}/task/{task['id']}"
    assert r.headers["x-ovh-queryid"]
    # As on OVHcloud, the creation answer carries the bootstrap password (clients keep it).
    password = body["currentState"]["bootstrapPassword"]
    assert len(password) >= 16

    await settle()
    ready = (await client.get(rancher_url(project, body["id"]))).json()
    assert ready["resourceStatus"] == "READY"
    assert ready["currentTasks"] == []
    state = ready["currentState"]
    for field in ("name", "plan", "version", "ipRestrictions"):
        assert state[field] == ready["targetSpec"][field]
    assert state["region"] in ("EU_WEST_GRA", "EU_WEST_RBX", "EU_WEST_SBG")
    assert state["url"].startswith("https://") and state["bootstrapPassword"] == password

    task = (await client.get(task["link"])).json()
    assert task["status"] == "DONE"
    assert [p["status"] for p in task["progress"]] == ["DONE"] * len(task["progress"])
    assert task["startedAt"] and task["finishedAt"]


async def test_update_with_checksum_then_stale_checksum_is_412(client, settle):
    project = await create_project(client, settle)
    rancher = await create_rancher(client, settle, project)
    url = rancher_url(project, rancher["id"])
    spec = {
        **rancher["targetSpec"],
        "name": "renamed",
        "ipRestrictions": [{"cidrBlock": "198.51.100.1", "description": "office"}],
    }
    r = await client.put(url, json={"checksum": rancher["checksum"], "targetSpec": spec})
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["resourceStatus"] == "UPDATING"
    assert updated["checksum"] != rancher["checksum"]
    assert updated["targetSpec"]["ipRestrictions"] == [
        {"cidrBlock": "198.51.100.1/32", "description": "office"}
    ]
    assert updated["currentTasks"][0]["status"] == "PENDING"

    await settle()
    ready = (await client.get(url)).json()
    assert ready["resourceStatus"] == "READY"
    assert ready["currentState"]["name"] == "renamed"
    assert ready["currentState"]["ipRestrictions"] == ready["targetSpec"]["ipRestrictions"]
    assert "bootstrapPassword" not in ready["currentState"]

    stale = await client.put(url, json={"checksum": rancher["checksum"], "targetSpec": spec})
    assert stale.status_code == 412
    assert stale.json()["class"] == "Client::PreconditionFailed::ChecksumMismatch"

    bad = await client.put(url, json={"checksum": "not-md5", "targetSpec": spec})
    assert bad.status_code == 400
    assert bad.json()["class"] == "Client::BadRequest::ChecksumBadFormat"

    events = (await client.get(f"{url}/event")).json()
    assert [e["type"] for e in events] == [
        "TASK_SUCCESS",
        "TASK_START",
        "TARGET_SPEC_UPDATE",
        "TASK_SUCCESS",
        "TASK_START",
        "TARGET_SPEC_UPDATE",
    ]
    assert [e["kind"] for e in events[:3]] == ["RANCHER_UPDATE"] * 3


async def test_update_without_checksum_is_accepted_where_optional(client, settle):
    project = await create_project(client, settle)
    rancher = await create_rancher(client, settle, project)
    spec = {**rancher["targetSpec"], "plan": "OVHCLOUD_EDITION"}
    r = await client.put(rancher_url(project, rancher["id"]), json={"targetSpec": spec})
    assert r.status_code == 200 and r.json()["resourceStatus"] == "UPDATING"


async def test_same_target_again_is_a_no_op(client, settle):
    project = await create_project(client, settle)
    rancher = await create_rancher(client, settle, project)
    url = rancher_url(project, rancher["id"])
    r = await client.put(url, json={"checksum": rancher["checksum"], "targetSpec": rancher["targetSpec"]})
    assert r.status_code == 200
    assert r.json()["resourceStatus"] == "READY" and r.json()["checksum"] == rancher["checksum"]
    assert len((await client.get(f"{url}/task")).json()) == 1


async def test_busy_resource_is_423(client, settle):
    project = await create_project(client, settle)
    r = await client.post(rancher_url(project), json={"targetSpec": {"name": "r1", "plan": "STANDARD"}})
    created = r.json()
    url = rancher_url(project, created["id"])
    spec = {**created["targetSpec"], "name": "other"}
    busy = await client.put(url, json={"checksum": created["checksum"], "targetSpec": spec})
    assert busy.status_code == 423
    assert busy.json()["class"] == "Client::Locked::RancherLocked"
    assert (await client.delete(url)).status_code == 423
    await settle()
    assert (
        await client.put(url, json={"checksum": created["checksum"], "targetSpec": spec})
    ).status_code == 200


async def test_concurrent_puts_with_one_checksum_exactly_one_wins(client, settle):
    project = await create_project(client, settle)
    rancher = await create_rancher(client, settle, project)
    url = rancher_url(project, rancher["id"])
    bodies = [
        {"checksum": rancher["checksum"], "targetSpec": {**rancher["targetSpec"], "name": f"n{i}"}}
        for i in range(8)
    ]
    answers = await asyncio.gather(*(client.put(url, json=b) for b in bodies))
    codes = sorted(a.status_code for a in answers)
    assert codes.count(200) == 1, codes
    assert set(codes) <= {200, 412, 423}
    await settle()
    winner = next(b for b, a in zip(bodies, answers) if a.status_code == 200)
    assert (await client.get(url)).json()["currentState"]["name"] == winner["targetSpec"]["name"]
    assert len((await client.get(f"{url}/task")).json()) == 2


async def test_delete_answers_deleting_then_404(client, settle):
    project = await create_project(client, settle)
    rancher = await create_rancher(client, settle, project)
    url = rancher_url(project, rancher["id"])
    r = await client.delete(url)
    assert r.status_code == 200
    assert r.json()["resourceStatus"] == "DELETING"
    assert r.json()["currentTasks"][0]["type"] == "RANCHER_DELETE"
    assert (await client.get(url)).json()["resourceStatus"] == "DELETING"
    await settle()
    gone = await client.get(url)
    assert gone.status_code == 404
    assert gone.json()["class"] == "Client::NotFound::RancherNotFound"
    assert (await client.get(rancher_url(project))).json() == []


async def test_version_and_plan_are_checked_against_capabilities(client, settle):
    project = await create_project(client, settle)
    old = await client.post(
        rancher_url(project), json={"targetSpec": {"name": "r", "plan": "STANDARD", "version": "2.7.17"}}
    )
    assert old.status_code == 400 and old.json()["class"] == "Client::BadRequest::InvalidVersion"
    r = await client.post(
        rancher_url(project), json={"targetSpec": {"name": "r", "plan": "STANDARD", "version": "2.8.11"}}
    )
    await settle()
    rancher = (await client.get(rancher_url(project, r.json()["id"]))).json()
    url = rancher_url(project, rancher["id"])
    caps = {c["name"]: c for c in (await client.get(f"{url}/capabilities/version")).json()}
    assert caps["2.9.7"]["status"] == "AVAILABLE"
    assert caps["2.10.3"]["cause"] == "CANNOT_UPGRADE_MULTIPLE_VERSIONS"
    jump = await client.put(url, json={"targetSpec": {**rancher["targetSpec"], "version": "2.10.3"}})
    assert jump.status_code == 400 and jump.json()["class"] == "Client::BadRequest::InvalidVersion"
    step = await client.put(url, json={"targetSpec": {**rancher["targetSpec"], "version": "2.9.7"}})
    assert step.status_code == 200
    task = (await client.get(step.json()["currentTasks"][0]["link"])).json()
    assert [p["name"] for p in task["progress"]] == ["Upgrade Rancher"]
    await settle()
    plans = (await client.get(f"{url}/capabilities/plan")).json()
    assert {"name": "STANDARD", "status": "CURRENT"} in plans


async def test_ranchers_of_one_project_are_not_reachable_through_another(client, settle):
    p1 = await create_project(client, settle, "one")
    p2 = await create_project(client, settle, "two")
    rancher = await create_rancher(client, settle, p1)
    assert (await client.get(rancher_url(p2, rancher["id"]))).status_code == 404
    assert (await client.delete(rancher_url(p2, rancher["id"]))).status_code == 404
    assert (await client.get(rancher_url(p2))).json() == []
