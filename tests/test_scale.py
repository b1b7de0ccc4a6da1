"""Scale-out against real processes on one PostgreSQL: two API processes (`serve --workers 0`)
and two `convergent worker`s. kill -9 a worker in the middle of a step; race PUTs with one
checksum through both APIs; page through one API while the other inserts; stop the database
under load and start it again."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import httpx
import pytest
from processes import free_port, wait_for

from convergent.client import OvhSignature

pytestmark = pytest.mark.slow

TESTS = pathlib.Path(__file__).resolve().parent
_names = itertools.count(1)


class Proc:
    """`convergent serve` or `convergent worker`, started and stopped for sure."""

    def __init__(self, role: str, database: str, logdir: pathlib.Path, env: dict, *args: str):
        self.role = role
        self.port = free_port() if role == "serve" else None
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = logdir / f"{role}-{next(_names)}.log"
        argv = [sys.executable, "-m", "convergent", role, "--database", database, *args]
        if role == "serve":
            argv += ["--port", str(self.port), "--workers", "0"]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        self.pid = self.proc.pid
        ready = (
            (lambda: self._answers())
            if role == "serve"
            else (lambda: b" running" in self.log_path.read_bytes())
        )
        try:
            wait_for(lambda: ready() or self._died(), 30, f"{role} start")
        except AssertionError:
            self.kill()
            raise
        if self.proc.poll() is not None:
            raise RuntimeError(f"{role} exited: {self.log()}")

    def _answers(self) -> bool:
        try:
            httpx.get(f"{self.url}/v2/", timeout=0.5)
            return True
        except httpx.TransportError:
            return False

    def _died(self) -> bool:
        return self.proc.poll() is not None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(timeout=15)


class Topology:
    def __init__(self, database: str, tmp: pathlib.Path, extra_env: dict | None = None):
        self.database = database
        self.tmp = tmp
        self.effects = tmp / "effects.txt"
        self.effects.touch()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CONVERGENT_")},
            "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])),
            "SCALE_EFFECTS": str(self.effects),
            "CONVERGENT_SECTIONS": "scale_section:SECTION",
            **(extra_env or {}),
        }
        self.procs: list[Proc] = []
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "convergent",
                "credential",
                "create",
                "--account",
                "xx1111-ovh",
                "--database",
                database,
                "--json",
            ],
            check=True,
            capture_output=True,
            text=True,
            env=self.env,
        ).stdout
        issued = json.loads(out)
        self.auth = OvhSignature(issued["applicationKey"], issued["applicationSecret"], issued["consumerKey"])

    def start(self, role: str, *args: str) -> Proc:
        proc = Proc(role, self.database, self.tmp, self.env, *args)
        self.procs.append(proc)
        return proc

    def client(self, api: Proc) -> httpx.Client:
        return httpx.Client(base_url=api.url, auth=self.auth, timeout=10)

    def effects_lines(self) -> list[tuple[int, str, str]]:
        out = []
        for line in self.effects.read_text().splitlines():
            pid, rid, step = line.split()
            out.append((int(pid), rid, step))
        return out

    def close(self) -> None:
        for proc in self.procs:
            if proc.proc.poll() is None:
                proc.kill(signal.SIGTERM)


@pytest.fixture
def topology(tmp_path, pg_cluster):
    made = []

    def make(database: str | None = None, **env) -> Topology:
        if database is None:
            name = f"scale_{os.getpid()}_{next(_names)}"
            database = pg_cluster.create_database(name, template="convergent_template")
        topo = Topology(database, tmp_path, env)
        made.append(topo)
        return topo

    yield make
    for topo in made:
        topo.close()


def ready(c: httpx.Client, url: str) -> dict | None:
    body = c.get(url).json()
    return body if body.get("resourceStatus") == "READY" else None


def test_kill_9_a_worker_in_the_middle_of_a_step_the_other_finishes_it_once(topology):
    topo = topology(SCALE_STEP_SECONDS="1.5")
    api1, api2 = topo.start("serve", "--instant"), topo.start("serve", "--instant")
    workers = {
        w.pid: w
        for w in (
            topo.start("worker", "--instant", "--lease", "2"),
            topo.start("worker", "--instant", "--lease", "2"),
        )
    }
    with topo.client(api1) as c1, topo.client(api2) as c2:
        created = c1.post("/v2/lab/gadget", json={"targetSpec": {"size": 1}})
        assert created.status_code == 200, created.text
        gid = created.json()["id"]
        url = f"/v2/lab/gadget/{gid}"
        # The step "Build" is under way (its I/O started, its result not committed): kill its worker.
        victim = wait_for(
            lambda: next((pid for pid, rid, step in topo.effects_lines() if step == "Build"), None),
            30,
            "Build started",
        )
        workers[victim].kill(signal.SIGKILL)
        done = wait_for(lambda: ready(c2, url), 30, "READY through the other API")
    assert done["currentState"] == {"applied": ["Reserve", "Build", "Ship"]}  # each effect once, in order
    assert done["currentTasks"] == []
    with topo.client(api2) as c2:
        task = c2.get(f"{url}/task").json()[0]
        events = [e["type"] for e in c2.get(f"{url}/event").json()]
    assert task["status"] == "DONE" and [p["status"] for p in task["progress"]] == ["DONE"] * 3
    assert events == ["TASK_SUCCESS", "TASK_START", "TARGET_SPEC_UPDATE"]
    survivor = next(pid for pid in workers if pid != victim)
    steps = [(pid, step) for pid, rid, step in topo.effects_lines() if rid == gid]
    # Resumed from the last committed step: only the interrupted step's I/O ran twice.
    assert [s for _, s in steps].count("Reserve") == 1 and [s for _, s in steps].count("Ship") == 1
    assert [pid for pid, s in steps if s == "Build"] == [victim, survivor]
    assert "Ship" in [s for pid, s in steps if pid == survivor]


def test_kill_9_a_worker_while_a_rancher_waits_on_a_step_the_other_finishes(topology):
    topo = topology()
    api1, api2 = topo.start("serve", "--time-scale", "0.2"), topo.start("serve", "--time-scale", "0.2")
    w1 = topo.start("worker", "--time-scale", "0.2", "--lease", "2")
    w2 = topo.start("worker", "--time-scale", "0.2", "--lease", "2")
    with topo.client(api1) as c1, topo.client(api2) as c2:
        project = c1.post(
            "/v2/publicCloud/project", json={"targetSpec": {"name": "p", "mode": "CLASSIC"}}
        ).json()["id"]
        wait_for(lambda: ready(c2, f"/v2/publicCloud/project/{project}"), 30, "project READY")
        r = c1.post(
            f"/v2/publicCloud/project/{project}/rancher",
            json={"targetSpec": {"name": "r", "plan": "STANDARD"}},
        )
        url = f"/v2/publicCloud/project/{project}/rancher/{r.json()['id']}"
        link = r.json()["currentTasks"][0]["link"]
        wait_for(
            lambda: [p["status"] for p in c2.get(link).json()["progress"]][:2] == ["DONE", "RUNNING"],
            30,
            "mid-task",
        )
        w1.kill(signal.SIGKILL)
        done = wait_for(lambda: ready(c2, url), 30, "READY")
        task = c1.get(link).json()
        events = [e["type"] for e in c1.get(f"{url}/event").json()]
    assert w2.proc.poll() is None
    assert task["status"] == "DONE" and all(p["status"] == "DONE" for p in task["progress"])
    assert events == ["TASK_SUCCESS", "TASK_START", "TARGET_SPEC_UPDATE"]
    assert done["currentState"]["name"] == "r"


def test_concurrent_puts_with_one_checksum_through_two_apis_exactly_one_wins(topology):
    topo = topology()
    apis = [topo.start("serve", "--instant"), topo.start("serve", "--instant")]
    topo.start("worker", "--instant")
    topo.start("worker", "--instant")
    with topo.client(apis[0]) as c:
        project = c.post(
            "/v2/publicCloud/project", json={"targetSpec": {"name": "p", "mode": "CLASSIC"}}
        ).json()["id"]
        wait_for(lambda: ready(c, f"/v2/publicCloud/project/{project}"), 30, "project READY")
        url = (
            f"/v2/publicCloud/project/{project}/rancher/"
            + c.post(
                f"/v2/publicCloud/project/{project}/rancher",
                json={"targetSpec": {"name": "r", "plan": "STANDARD"}},
            ).json()["id"]
        )
        for round in range(3):
            rancher = wait_for(lambda: ready(c, url), 30, "rancher READY")

            async def race(rancher=rancher, round=round):
                clients = [httpx.AsyncClient(base_url=api.url, auth=topo.auth, timeout=10) for api in apis]
                try:
                    bodies = [
                        {
                            "checksum": rancher["checksum"],
                            "targetSpec": {**rancher["targetSpec"], "name": f"r{round}n{i}"},
                        }
                        for i in range(16)
                    ]  # a new name each: sending the current target is a no-op
                    return await asyncio.gather(
                        *(clients[i % 2].put(url, json=b) for i, b in enumerate(bodies))
                    )
                finally:
                    for client in clients:
                        await client.aclose()

            answers = asyncio.run(race())
            codes = sorted(r.status_code for r in answers)
            assert codes.count(200) == 1, codes
            assert set(codes) <= {200, 412, 423}, codes
            winner = next(r for r in answers if r.status_code == 200).json()
            final = wait_for(lambda: ready(c, url), 30, "READY after the race")
            assert final["targetSpec"]["name"] == winner["targetSpec"]["name"]
            assert final["currentState"]["name"] == winner["targetSpec"]["name"]


def test_paging_through_one_api_while_another_inserts_skips_and_repeats_nothing(topology):
    topo = topology()
    api1, api2 = topo.start("serve", "--instant"), topo.start("serve", "--instant")
    topo.start("worker", "--instant")
    body = {"targetSpec": {"name": "p", "mode": "CLASSIC"}}
    with topo.client(api1) as c:
        before = [c.post("/v2/publicCloud/project", json=body).json()["id"] for _ in range(60)]

    async def scenario():
        async with (
            httpx.AsyncClient(base_url=api1.url, auth=topo.auth, timeout=10) as reader,
            httpx.AsyncClient(base_url=api2.url, auth=topo.auth, timeout=10) as writer,
        ):
            inserted: list[str] = []
            stop = asyncio.Event()

            async def insert():
                # Bounded, so that the walk reaches the end however fast inserts are.
                while not stop.is_set() and len(inserted) < 150:
                    r = await writer.post("/v2/publicCloud/project", json=body)
                    assert r.status_code == 200
                    inserted.append(r.json()["id"])

            inserting = asyncio.create_task(insert())
            seen, cursor = [], None
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                headers = {"X-Pagination-Size": "7", **({"X-Pagination-Cursor": cursor} if cursor else {})}
                page = await reader.get("/v2/publicCloud/project", headers=headers)
                assert page.status_code == 200
                seen += [p["id"] for p in page.json()]
                cursor = page.headers.get("x-pagination-cursor-next")
                await asyncio.sleep(0.02)  # let inserts land between pages
                if cursor is None:
                    break
            else:
                raise AssertionError("the walk did not reach the end in 120 s")
            stop.set()
            await inserting
            return seen, inserted

    seen, inserted = asyncio.run(scenario())
    assert len(inserted) > 5
    assert len(seen) == len(set(seen)), "an item was repeated"
    assert seen[: len(before)] == before, "an item that existed before was skipped or moved"
    assert set(seen) <= set(before) | set(inserted)


def test_stopping_the_database_answers_503_and_everything_recovers_with_no_accepted_write_lost(
    tmp_path, topology
):
    from pgcluster import Cluster

    cluster = Cluster.create()
    try:
        topo = topology(cluster.create_database("outage"))
        api1, api2 = topo.start("serve", "--instant"), topo.start("serve", "--instant")
        topo.start("worker", "--instant", "--lease", "2")
        topo.start("worker", "--instant", "--lease", "2")
        accepted: list[str] = []
        refused: list[dict] = []

        async def load(stop: asyncio.Event):
            clients = [
                httpx.AsyncClient(base_url=api.url, auth=topo.auth, timeout=10) for api in (api1, api2)
            ]
            try:
                i = 0
                while not stop.is_set():
                    r = await clients[i % 2].post(
                        "/v2/publicCloud/project", json={"targetSpec": {"name": f"p{i}", "mode": "CLASSIC"}}
                    )
                    if r.status_code == 200:
                        accepted.append(r.json()["id"])
                    else:
                        assert r.status_code == 503, r.text
                        refused.append(r.json())
                        await asyncio.sleep(0.05)
                    i += 1
            finally:
                for client in clients:
                    await client.aclose()

        async def scenario():
            stop = asyncio.Event()
            writing = asyncio.create_task(load(stop))
            await asyncio.sleep(1.0)
            await asyncio.to_thread(cluster.stop)
            await asyncio.sleep(3.0)  # the database is down for a few seconds
            async with httpx.AsyncClient(base_url=api1.url, auth=topo.auth, timeout=10) as c:
                r = await c.get("/v2/publicCloud/project")
            down = (r.status_code, r.json(), r.headers.get("content-type"))
            await asyncio.to_thread(cluster.start)
            await asyncio.sleep(2.0)
            stop.set()
            await writing
            return down

        status, body, content_type = asyncio.run(scenario())
        assert status == 503 and body["class"] == "Server::ServiceUnavailable", body
        assert content_type.startswith("application/json")
        assert refused and all(b["class"] == "Server::ServiceUnavailable" for b in refused)
        assert len(accepted) > 10
        assert all(proc.proc.poll() is None for proc in topo.procs), "a process died"
        # Every write that was answered 200 is there, and its task completes.
        with topo.client(api2) as c:
            for pid in accepted:
                wait_for(
                    lambda pid=pid: ready(c, f"/v2/publicCloud/project/{pid}"), 30, f"project {pid} READY"
                )
            listed = {
                p["id"]
                for p in c.get("/v2/publicCloud/project", headers={"X-Pagination-Size": "10000"}).json()
            }
        assert set(accepted) <= listed
    finally:
        cluster.destroy()
