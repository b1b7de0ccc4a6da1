"""Against a real `convergent serve` process: HTTP over sockets, Ctrl-C, kill -9 and restart."""

import asyncio
import json
import os
import signal
import subprocess
import sys

import httpx
import pytest
from processes import signed, wait_for

from convergent.client import OvhSignature

pytestmark = pytest.mark.slow


def make_rancher(c: httpx.Client):
    project = c.post("/v2/publicCloud/project", json={"targetSpec": {"name": "p", "mode": "CLASSIC"}}).json()[
        "id"
    ]
    wait_for(lambda: c.get(f"/v2/publicCloud/project/{project}").json()["resourceStatus"] == "READY")
    rancher = c.post(
        f"/v2/publicCloud/project/{project}/rancher", json={"targetSpec": {"name": "r", "plan": "STANDARD"}}
    )
    assert rancher.status_code == 200
    return f"/v2/publicCloud/project/{project}/rancher/{rancher.json()['id']}"


def test_lifecycle_and_clean_stop(tmp_path, servers):
    db = tmp_path / "c.db"
    auth = signed(db)
    server = servers(db, "--instant")
    with httpx.Client(base_url=server.url, auth=auth) as c:
        url = make_rancher(c)
        ready = wait_for(lambda: (r := c.get(url).json())["resourceStatus"] == "READY" and r)
        assert {a["path"] for a in c.get("/v2/").json()["apis"]} == {
            "/iam",
            "/location",
            "/publicCloud",
            "/vrackServices",
            "/vmwareCloudDirector",
        }
    assert server.stop(signal.SIGINT) == 0
    again = servers(db, "--instant")
    with httpx.Client(base_url=again.url, auth=auth) as c:
        assert c.get(url).json() == ready


def test_concurrent_puts_on_a_real_server_exactly_one_wins(tmp_path, servers):
    auth = signed(tmp_path / "c.db")
    server = servers(tmp_path / "c.db", "--instant")
    with httpx.Client(base_url=server.url, auth=auth) as c:
        url = make_rancher(c)
        rancher = wait_for(lambda: (r := c.get(url).json())["resourceStatus"] == "READY" and r)

    async def race():
        async with httpx.AsyncClient(base_url=server.url, auth=auth) as ac:
            bodies = [
                {"checksum": rancher["checksum"], "targetSpec": {**rancher["targetSpec"], "name": f"n{i}"}}
                for i in range(16)
            ]
            return await asyncio.gather(*(ac.put(url, json=b) for b in bodies))

    codes = sorted(r.status_code for r in asyncio.run(race()))
    assert codes.count(200) == 1, codes
    assert set(codes) <= {200, 412, 423}


def test_kill_9_during_a_task_then_restart_completes_it_once(tmp_path, servers):
    db = tmp_path / "c.db"
    auth = signed(db)
    # Steps last a fifth of their realistic time: the create task runs for about 4 seconds.
    server = servers(db, "--time-scale", "0.2")
    with httpx.Client(base_url=server.url, auth=auth) as c:
        url = make_rancher(c)
        link = c.get(url).json()["currentTasks"][0]["link"]

        def mid_task():
            progress = [p["status"] for p in c.get(link).json()["progress"]]
            return progress[:2] == ["DONE", "RUNNING"] or progress[:3] == ["DONE", "DONE", "RUNNING"]

        wait_for(mid_task)
    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.wait()

    again = servers(db, "--instant")
    with httpx.Client(base_url=again.url, auth=auth) as c:
        done = wait_for(lambda: (r := c.get(url).json())["resourceStatus"] == "READY" and r)
        assert done["currentTasks"] == []
        task = c.get(link).json()
        assert task["status"] == "DONE"
        assert [p["status"] for p in task["progress"]] == ["DONE"] * 4
        events = [e["type"] for e in c.get(f"{url}/event").json()]
        assert events == ["TASK_SUCCESS", "TASK_START", "TARGET_SPEC_UPDATE"]
        assert done["currentState"]["name"] == "r" and done["currentState"]["url"]


def test_fixtures_admin_token_and_snapshots_from_the_command_line(tmp_path, servers):
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text(
        json.dumps(
            {
                "accounts": [
                    {
                        "account": "ci1234-ovh",
                        "credentials": [
                            {"applicationKey": "ak-ci", "applicationSecret": "as-ci", "consumerKey": "ck-ci"}
                        ],
                        "resources": [
                            {
                                "path": "/v2/publicCloud/project",
                                "targetSpec": {"name": "demo", "mode": "CLASSIC"},
                            }
                        ],
                    }
                ]
            }
        )
    )
    db = tmp_path / "c.db"
    server = servers(db, "--instant", "--fixtures", str(fixtures), "--admin-token", "cva_test")
    with httpx.Client(base_url=server.url, auth=OvhSignature("ak-ci", "as-ci", "ck-ci")) as c:
        [project] = c.get("/v2/publicCloud/project").json()
        assert project["resourceStatus"] == "READY"
    health = httpx.get(f"{server.url}/admin/health", headers={"Authorization": "Bearer cva_test"})
    assert health.status_code == 200 and health.json()["config"]["fixtures"] == str(fixtures)
    assert server.stop() == 0
    saved = tmp_path / "snap.json"
    run = lambda *args: subprocess.run(
        [sys.executable, "-m", "convergent", *args], capture_output=True, text=True
    )
    assert run("snapshot", "save", str(saved), "--database", str(db)).returncode == 0
    other = tmp_path / "other.db"
    assert run("migrate", "--database", str(other)).returncode == 0
    assert run("snapshot", "load", str(saved), "--database", str(other)).returncode == 0
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**json.loads(saved.read_text()), "formatVersion": 0}))
    refused = run("snapshot", "load", str(broken), "--database", str(other))
    assert refused.returncode != 0 and "format" in refused.stderr
    again = servers(other, "--instant")
    with httpx.Client(base_url=again.url, auth=OvhSignature("ak-ci", "as-ci", "ck-ci")) as c:
        assert [p["targetSpec"]["name"] for p in c.get("/v2/publicCloud/project").json()] == ["demo"]


def test_the_readme_walk_with_plain_http_and_a_bearer_token(tmp_path, servers):
    """What the README's curl walk does: a service account, a token, then unsigned calls."""
    db = tmp_path / "c.db"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "convergent",
            "credential",
            "create",
            "--account",
            "xx1111-ovh",
            "--oauth2",
            "--database",
            str(db),
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    service = json.loads(out)
    server = servers(db, "--instant")
    token = httpx.post(
        f"{server.url}/auth/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(service["clientId"], service["clientSecret"]),
    ).json()["access_token"]
    with httpx.Client(
        base_url=f"{server.url}/v2/publicCloud", headers={"Authorization": f"Bearer {token}"}
    ) as c:
        project = c.post("/project", json={"targetSpec": {"name": "demo", "mode": "CLASSIC"}}).json()["id"]
        wait_for(lambda: c.get(f"/project/{project}").json()["resourceStatus"] == "READY")
        for i in range(120):
            assert (
                c.post(
                    f"/project/{project}/rancher", json={"targetSpec": {"name": f"r{i}", "plan": "STANDARD"}}
                ).status_code
                == 200
            )
        rancher = c.get(f"/project/{project}/rancher").json()[0]
        url = f"/project/{project}/rancher/{rancher['id']}"
        ready = wait_for(lambda: (r := c.get(url).json())["resourceStatus"] == "READY" and r)
        spec = {**ready["targetSpec"], "plan": "OVHCLOUD_EDITION"}
        assert (
            c.put(url, json={"checksum": ready["checksum"], "targetSpec": spec}).json()["resourceStatus"]
            == "UPDATING"
        )
        assert c.put(url, json={"checksum": ready["checksum"], "targetSpec": spec}).status_code == 412
        wait_for(lambda: c.get(url).json()["resourceStatus"] == "READY")
        assert [t["type"] for t in c.get(f"{url}/task").json()] == ["RANCHER_UPDATE", "RANCHER_CREATE"]
        assert c.get(f"{url}/event").json()[0]["type"] == "TASK_SUCCESS"
        pages, cursor = [], None
        while True:
            r = c.get(
                f"/project/{project}/rancher",
                headers={"X-Pagination-Size": "50", **({"X-Pagination-Cursor": cursor} if cursor else {})},
            )
            pages.append(len(r.json()))
            cursor = r.headers.get("X-Pagination-Cursor-Next")
            if not cursor:
                break
        assert pages == [50, 50, 20]
        assert c.delete(url).json()["resourceStatus"] == "DELETING"
        wait_for(lambda: c.get(url).status_code == 404)
