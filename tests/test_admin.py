"""The admin surface: credential, health, manual time, faults, reset, seeds, snapshots, fixtures."""

import json
from datetime import datetime, timedelta

import httpx
import pytest
from conftest import create_project, serve_sections

from convergent.admin.fixtures import load_fixtures
from convergent.client import OvhSignature
from convergent.config import Config
from convergent.sections import builtin_sections
from convergent.server import create_app

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer test-admin-token"}


@pytest.fixture
def config(database) -> Config:
    return Config(database=database, instant=True, workers=0, admin_token="test-admin-token")


@pytest.fixture
async def admin(connect):
    return connect(headers=ADMIN)


def rancher_url(project, rancher=""):
    return f"/v2/publicCloud/project/{project}/rancher" + (f"/{rancher}" if rancher else "")


async def test_the_admin_surface_needs_the_admin_credential(connect, client):
    assert (await connect().get("/admin/clock")).status_code == 401
    wrong = await connect(headers={"Authorization": "Bearer nope"}).get("/admin/clock")
    assert wrong.status_code == 403 and wrong.json()["class"] == "Client::Forbidden::InvalidAdminCredential"
    assert (await client.get("/admin/clock")).status_code == 401, (
        "an API credential is not an admin credential"
    )


async def test_health_tells_configuration_and_capabilities(admin):
    health = (await admin.get("/admin/health")).json()
    assert health["config"]["instant"] is True and health["config"]["admin_token"] == "***"
    assert health["clock"]["mode"] == "instant"
    assert {"manualClock", "faultInjection", "snapshots"} <= set(health["capabilities"])
    assert "publicCloud" in {s["name"] for s in health["sections"]}


async def test_manual_time_moves_each_progress_step(admin, client, settle, app):
    project = await create_project(client, settle)
    assert (await admin.put("/admin/clock", json={"mode": "manual", "scale": 1})).json()["mode"] == "manual"
    created = (
        await client.post(rancher_url(project), json={"targetSpec": {"name": "r", "plan": "STANDARD"}})
    ).json()
    link = created["currentTasks"][0]["link"]
    engine = app.state.ctx.engine

    async def progress():
        await engine.run_due()
        return [p["status"] for p in (await client.get(link)).json()["progress"]]

    assert await progress() == ["RUNNING", "PENDING", "PENDING", "PENDING"]
    assert await progress() == ["RUNNING", "PENDING", "PENDING", "PENDING"], "time stands still"
    seen = []
    for seconds in (1, 8, 10, 2):  # the rancher's steps last 1, 8, 10 and 2 seconds
        await admin.post("/admin/clock/advance", json={"seconds": seconds})
        seen.append(await progress())
    assert seen == [
        ["DONE", "RUNNING", "PENDING", "PENDING"],
        ["DONE", "DONE", "RUNNING", "PENDING"],
        ["DONE", "DONE", "DONE", "RUNNING"],
        ["DONE", "DONE", "DONE", "DONE"],
    ]
    assert (await client.get(rancher_url(project, created["id"]))).json()["resourceStatus"] == "READY"
    for seconds in (-1, 1e300, 10**30):
        refused = await admin.post("/admin/clock/advance", json={"seconds": seconds})
        assert refused.status_code == 400 and refused.json()["details"]["field"] == "seconds", refused.text
    assert (await client.get(rancher_url(project, created["id"]))).status_code == 200
    await admin.put("/admin/clock", json={"mode": "instant"})
    assert (await admin.post("/admin/clock/advance", json={"seconds": 1})).json()[
        "class"
    ] == "Client::BadRequest::ClockNotManual"


async def test_advancing_manual_time_completes_every_step_due_within_it_in_order(admin, client, settle, app):
    project = await create_project(client, settle)
    clock = (await admin.put("/admin/clock", json={"mode": "manual", "scale": 1})).json()
    assert clock["frozenAt"].endswith("Z") and len(clock["frozenAt"]) == 24, "ISO 8601, milliseconds, Z"
    start = datetime.fromisoformat(clock["frozenAt"])

    async def post(name):
        r = await client.post(rancher_url(project), json={"targetSpec": {"name": name, "plan": "STANDARD"}})
        return r.json()

    first = await post("a")
    await admin.post("/admin/clock/advance", json={"seconds": 5})
    second = await post("b")
    moved = (await admin.post("/admin/clock/advance", json={"seconds": 60})).json()
    assert datetime.fromisoformat(moved["frozenAt"]) - start == timedelta(seconds=65)
    finished = {}
    for created in (first, second):
        url = rancher_url(project, created["id"])
        assert (await client.get(url)).json()["resourceStatus"] == "READY", "60 s covers all 21 s of steps"
        task = (await client.get(created["currentTasks"][0]["link"])).json()
        assert task["status"] == "DONE" and {p["status"] for p in task["progress"]} == {"DONE"}
        finished[created["targetSpec"]["name"]] = datetime.fromisoformat(task["finishedAt"]) - start
    # Each step completed at its own due time, not at the end of the advance: 1 + 8 + 10 + 2 s.
    assert finished == {"a": timedelta(seconds=21), "b": timedelta(seconds=26)}


async def test_operation_faults_answer_n_times_then_stop(admin, client, settle):
    project = await create_project(client, settle)
    op = "GET /v2/publicCloud/project/{projectId}"
    unknown = await admin.post(
        "/admin/fault", json={"type": "operation", "operation": "GET /v2/nowhere", "count": 1}
    )
    assert unknown.status_code == 400 and unknown.json()["details"]["field"] == "operation"
    rule = (
        await admin.post(
            "/admin/fault",
            json={
                "type": "operation",
                "operation": op,
                "count": 2,
                "status": 503,
                "class": "Server::ServiceUnavailable::Maintenance",
                "message": "maintenance",
            },
        )
    ).json()
    assert (await admin.get("/admin/fault")).json() == [rule]
    for _ in range(2):
        r = await client.get(f"/v2/publicCloud/project/{project}")
        assert r.status_code == 503 and r.json() == {
            "class": "Server::ServiceUnavailable::Maintenance",
            "message": "maintenance",
        }
    assert (await client.get(f"/v2/publicCloud/project/{project}")).status_code == 200
    assert (await admin.get("/admin/fault")).json() == []


async def test_every_admin_answer_has_a_body(admin):
    rules = [
        {"type": "operation", "operation": "GET /v2/publicCloud/project", "count": 1},
        {"type": "operation", "operation": "POST /v2/publicCloud/project", "count": 1},
    ]
    made = [(await admin.post("/admin/fault", json=rule)).json() for rule in rules]
    removed = await admin.delete(f"/admin/fault/{made[0]['id']}")
    assert removed.status_code == 200 and removed.json() == {"removed": made[0]["id"]}
    assert (await admin.delete(f"/admin/fault/{made[0]['id']}")).status_code == 404
    cleared = await admin.delete("/admin/fault")
    assert cleared.status_code == 200 and cleared.json() == {"cleared": 1}
    assert (await admin.delete("/admin/fault")).json() == {"cleared": 0}


async def test_task_faults_fail_the_named_step_then_the_resource_recovers(admin, client, settle):
    project = await create_project(client, settle)
    await admin.post(
        "/admin/fault",
        json={
            "type": "task",
            "kind": "publicCloud.rancher",
            "step": "Deploy Rancher",
            "count": 1,
            "message": "no capacity left in EU_WEST_RBX",
        },
    )
    created = (
        await client.post(rancher_url(project), json={"targetSpec": {"name": "r", "plan": "STANDARD"}})
    ).json()
    await settle()
    url = rancher_url(project, created["id"])
    failed = (await client.get(url)).json()
    assert failed["resourceStatus"] == "ERROR"
    assert failed["currentTasks"][0]["errors"] == [{"message": "no capacity left in EU_WEST_RBX"}]
    task = (await client.get(failed["currentTasks"][0]["link"])).json()
    assert [p["status"] for p in task["progress"]] == ["DONE", "DONE", "ERROR", "PENDING"]
    fixed = await client.put(url, json={"checksum": failed["checksum"], "targetSpec": failed["targetSpec"]})
    assert fixed.status_code == 200
    await settle()
    assert (await client.get(url)).json()["resourceStatus"] == "READY"
    bad = await admin.post("/admin/fault", json={"type": "task", "kind": "nope", "step": "x"})
    assert bad.status_code == 400


async def test_reset_one_account_or_everything(admin, client, credentials, connect, settle):
    await create_project(client, settle)
    other = connect(await credentials("yy2222-ovh"))
    await other.post("/v2/publicCloud/project", json={"targetSpec": {"name": "b", "mode": "CLASSIC"}})
    unknown = await admin.post("/admin/reset", json={"account": "zz9999-ovh"})
    assert unknown.status_code == 404 and unknown.json()["class"] == "Client::NotFound::AccountNotFound"
    assert len((await other.get("/v2/publicCloud/project")).json()) == 1, "nothing was reset"
    reset = await admin.post("/admin/reset", json={"account": "yy2222-ovh"})
    assert reset.status_code == 200 and reset.json() == {"reset": "yy2222-ovh"}
    assert len((await client.get("/v2/publicCloud/project")).json()) == 1
    assert (await other.get("/v2/publicCloud/project")).json()["errorCode"] == "INVALID_KEY", (
        "its application is gone"
    )
    await admin.post("/admin/reset", json={})
    assert (await client.get("/v2/publicCloud/project")).json()["errorCode"] == "INVALID_KEY"
    assert (await admin.get("/admin/health")).status_code == 200, "the admin credential survives a reset"


async def test_the_same_seed_gives_the_same_ids(tmp_path):
    async def ids(db):
        async with serve_sections(tmp_path / db, builtin_sections(), instant=True, seed=42) as (c, ctx):
            p = (
                await c.post("/v2/publicCloud/project", json={"targetSpec": {"name": "p", "mode": "CLASSIC"}})
            ).json()
            return p["id"], p["currentTasks"][0]["id"], p["iam"]["id"]

    first, second = await ids("a.db"), await ids("b.db")
    assert first == second


async def test_snapshot_save_and_load_and_incompatible_refused(admin, client, settle):
    project = await create_project(client, settle, "before")
    saved = (await admin.get("/admin/snapshot")).json()
    assert saved["format"] == "convergent-snapshot"
    await client.put(
        f"/v2/publicCloud/project/{project}", json={"targetSpec": {"name": "after", "mode": "CLASSIC"}}
    )
    await settle()
    assert (await admin.put("/admin/snapshot", content=json.dumps(saved))).status_code == 200
    assert (await client.get(f"/v2/publicCloud/project/{project}")).json()["targetSpec"]["name"] == "before"
    for broken in ({**saved, "formatVersion": 99}, {**saved, "schema": 1}, {"format": "other"}):
        r = await admin.put("/admin/snapshot", content=json.dumps(broken))
        assert r.status_code == 400 and r.json()["class"] == "Client::BadRequest::SnapshotIncompatible"
    assert (await client.get(f"/v2/publicCloud/project/{project}")).json()["targetSpec"]["name"] == "before"


async def test_fixtures_load_accounts_credentials_and_resources(tmp_path, connect):
    fixtures = tmp_path / "fixtures.yaml"
    fixtures.write_text("""
accounts:
  - account: ci1234-ovh
    password: a-long-password
    credentials:
      - {applicationKey: ak-ci, applicationSecret: as-ci, consumerKey: ck-ci}
    resources:
      - path: /v2/publicCloud/project
        targetSpec: {name: demo, mode: CLASSIC}
        as: demo
      - path: /v2/publicCloud/project/${demo.id}/rancher
        targetSpec: {name: r1, plan: STANDARD}
""")
    app = create_app(Config(database=str(tmp_path / "f.db"), instant=False, workers=0))
    async with app.router.lifespan_context(app):
        made = await load_fixtures(app.state.ctx, str(fixtures))
        auth = OvhSignature("ak-ci", "as-ci", "ck-ci")  # the fixed keys work as issued ones would
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t", auth=auth
        ) as c:
            ranchers = (await c.get(f"/v2/publicCloud/project/{made['demo']}/rancher")).json()
            assert [r["resourceStatus"] for r in ranchers] == ["READY"]
            assert ranchers[0]["currentState"]["name"] == "r1"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "accounts:\n  - account: ci1234-ovh\n    resources:\n      - {path: /v2/publicCloud/project, targetSpec: {name: x}}\n"
    )
    app = create_app(Config(database=str(tmp_path / "g.db"), workers=0))
    async with app.router.lifespan_context(app):
        with pytest.raises(ValueError, match="mode"):
            await load_fixtures(app.state.ctx, str(bad))
