"""Against a real `convergent serve` process: HTTP over sockets, Ctrl-C, kill -9 and restart."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

import json

import httpx
import pytest

from convergent.client import OvhSignature

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database, *args):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(f"{database}.{self.port}.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "convergent", "serve", "--port", str(self.port), "--database", str(database), *args],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/v2/", timeout=0.5)
                return
            except httpx.TransportError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.proc.kill()
        self.proc.wait()
        self.log.close()
        with open(self.log.name) as log:
            raise RuntimeError(f"server did not start: {log.read()}")

    def stop(self, sig=signal.SIGINT) -> int:
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=15)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture
def servers():
    started = []

    def start(database, *args):
        server = Server(database, *args)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()
        server.log.close()


def signed(database) -> OvhSignature:
    """A validated credential made with the command line, as a script would."""
    out = subprocess.run(
        [sys.executable, "-m", "convergent", "credential", "create", "--account", "xx1111-ovh",
         "--database", str(database), "--json"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    issued = json.loads(out)
    return OvhSignature(issued["applicationKey"], issued["applicationSecret"], issued["consumerKey"])


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def make_rancher(c: httpx.Client):
    project = c.post("/v2/publicCloud/project", json={"targetSpec": {"name": "p", "mode": "CLASSIC"}}).json()["id"]
    wait_for(lambda: c.get(f"/v2/publicCloud/project/{project}").json()["resourceStatus"] == "READY")
    rancher = c.post(f"/v2/publicCloud/project/{project}/rancher", json={"targetSpec": {"name": "r", "plan": "STANDARD"}})
    assert rancher.status_code == 200
    return f"/v2/publicCloud/project/{project}/rancher/{rancher.json()['id']}"


def test_lifecycle_and_clean_stop(tmp_path, servers):
    db = tmp_path / "c.db"
    auth = signed(db)
    server = servers(db, "--instant")
    with httpx.Client(base_url=server.url, auth=auth) as c:
        url = make_rancher(c)
        ready = wait_for(lambda: (r := c.get(url).json())["resourceStatus"] == "READY" and r)
        assert {a["path"] for a in c.get("/v2/").json()["apis"]} == {"/iam", "/publicCloud", "/vrackServices"}
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
            bodies = [{"checksum": rancher["checksum"], "targetSpec": {**rancher["targetSpec"], "name": f"n{i}"}} for i in range(16)]
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
    fixtures.write_text(json.dumps({"accounts": [{
        "account": "ci1234-ovh",
        "credentials": [{"applicationKey": "ak-ci", "applicationSecret": "as-ci", "consumerKey": "ck-ci"}],
        "resources": [{"path": "/v2/publicCloud/project", "targetSpec": {"name": "demo", "mode": "CLASSIC"}}],
    }]}))  # fmt: skip
    db = tmp_path / "c.db"
    server = servers(db, "--instant", "--fixtures", str(fixtures), "--admin-token", "cva_test")
    with httpx.Client(base_url=server.url, auth=OvhSignature("ak-ci", "as-ci", "ck-ci")) as c:
        [project] = c.get("/v2/publicCloud/project").json()
        assert project["resourceStatus"] == "READY"
    health = httpx.get(f"{server.url}/admin/health", headers={"Authorization": "Bearer cva_test"})
    assert health.status_code == 200 and health.json()["config"]["fixtures"] == str(fixtures)
    assert server.stop() == 0
    saved = tmp_path / "snap.json"
    run = lambda *args: subprocess.run([sys.executable, "-m", "convergent", *args], capture_output=True, text=True)  # noqa: E731
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
