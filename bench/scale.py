#!/usr/bin/env python
"""Scale-out benchmark: SQLite against PostgreSQL, one and two API processes, one and two workers,
and the cost of a list page as the data grows to 1,000,000 rows.

    .venv/bin/python bench/scale.py            # the real run (~6 min): 3 runs of 5 s, depth 1,000,000
    .venv/bin/python bench/scale.py --quick    # a sanity run (~1 min): 1 run of 2 s, depth 20,000

Everything runs on this machine: a throwaway PostgreSQL 15 cluster (fsync and synchronous
commits ON, unix socket), `convergent serve --workers 0` API processes and `convergent worker`
processes on 127.0.0.1, and wrk as the load generator, with requests signed in advance (a
signature holds for 300 s and the same signed request is accepted again within it). Prints a
table and writes bench/results/scale.json. See docs/scale-out.md for the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the throwaway PostgreSQL cluster the tests use

from pgcluster import Cluster  # noqa: E402

from convergent.auth.signature import sign  # noqa: E402
from convergent.client import OvhSignature  # noqa: E402
from convergent.model.cursors import Cursors  # noqa: E402

HOST = "127.0.0.1"
ACCOUNT = "xx1111-ovh"
RANCHER = "publicCloud.rancher"
PAGE = 50
CONNECTIONS = 32


def say(*args) -> None:
    print(*args, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- processes


class Proc:
    def __init__(self, argv: list[str], log: Path, port: int | None = None):
        self.port = port
        self.log = log
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                argv,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{argv[3]} exited:\n{log.read_text()[-2000:]}")
            if port is None:
                if b" running" in log.read_bytes():
                    return
            else:
                try:
                    httpx.get(f"http://{HOST}:{port}/v2/", timeout=0.5)
                    return
                except httpx.TransportError:
                    pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{argv[3]} did not start:\n{log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Bed:
    """One database (SQLite file or PostgreSQL) and the processes started on it."""

    def __init__(self, engine: str, tmp: Path):
        self.engine = engine
        self.tmp = tmp
        self.cluster = None
        if engine == "postgres":
            self.cluster = Cluster.create(durable=True, settings={"shared_buffers": "256MB"})
            self.database = self.cluster.create_database("bench")
        else:
            self.database = str(tmp / "bench.db")
        self.procs: list[Proc] = []
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "convergent",
                "credential",
                "create",
                "--account",
                ACCOUNT,
                "--database",
                self.database,
                "--json",
            ],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        issued = json.loads(out)
        self.keys = (issued["applicationKey"], issued["applicationSecret"], issued["consumerKey"])
        self.auth = OvhSignature(*self.keys)

    def api(self) -> Proc:
        port = free_port()
        argv = [
            sys.executable,
            "-m",
            "convergent",
            "serve",
            "--database",
            self.database,
            "--port",
            str(port),
            "--workers",
            "0",
            "--instant",
        ]
        proc = Proc(argv, self.tmp / f"api-{port}.log", port)
        self.procs.append(proc)
        return proc

    def worker(self) -> Proc:
        argv = [
            sys.executable,
            "-m",
            "convergent",
            "worker",
            "--database",
            self.database,
            "--instant",
            "--poll",
            "0.2",
        ]
        proc = Proc(argv, self.tmp / f"worker-{len(self.procs)}.log")
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            proc.stop()
        self.procs = []

    def close(self) -> None:
        self.stop_all()
        if self.cluster is not None:
            self.cluster.destroy()

    # direct database access, for seeding at depth and counting

    def query(self, sql: str, *args):
        if self.engine == "sqlite":
            db = sqlite3.connect(self.database)
            try:
                return db.execute(
                    sql.replace("$1", "?").replace("$2", "?").replace("$3", "?"), args
                ).fetchall()
            finally:
                db.close()
        import asyncpg

        async def run():
            conn = await asyncpg.connect(self.database)
            try:
                return [tuple(r) for r in await conn.fetch(sql, *args)]
            finally:
                await conn.close()

        return asyncio.run(run())

    def bulk_ranchers(self, project: str, count: int) -> float:
        """Insert `count` ranchers into `project`, shaped like its first real one; seconds taken."""
        cols = (
            "account, kind, id, parent_id, path, status, target_spec, current_state, checksum, "
            "current_tasks, iam_id, tags, created_at, updated_at"
        )
        model = self.query(
            f"SELECT {cols} FROM resources WHERE kind = $1 AND parent_id = $2 ORDER BY seq LIMIT 1",
            RANCHER,
            project,
        )[0]
        prefix = f"/v2/publicCloud/project/{project}/rancher/"

        def rows():
            for i in range(count):
                rid = str(uuid.uuid4())
                yield (
                    model[0],
                    model[1],
                    rid,
                    model[3],
                    prefix + rid,
                    *model[5:12],
                    model[12] + i * 1e-3,
                    model[13],
                )

        started = time.perf_counter()
        if self.engine == "sqlite":
            db = sqlite3.connect(self.database, isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            db.executemany(f"INSERT INTO resources ({cols}) VALUES ({', '.join('?' * 14)})", rows())
            db.execute("COMMIT")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.close()
        else:
            import asyncpg

            async def run():
                conn = await asyncpg.connect(self.database)
                try:
                    await conn.copy_records_to_table(
                        "resources", records=rows(), columns=[c.strip() for c in cols.split(",")]
                    )
                    await conn.execute("ANALYZE resources")
                finally:
                    await conn.close()

            asyncio.run(run())
        return time.perf_counter() - started

    def cursor_at(self, project: str, depth: int) -> tuple[str, str]:
        """A cursor for the page after the `depth`-th rancher, signed as the server signs it."""
        secret = bytes.fromhex(self.query("SELECT value FROM meta WHERE key = $1", "secret:cursor")[0][0])
        rows = self.query(
            "SELECT seq, id FROM resources WHERE account = $1 AND kind = $2 AND parent_id = $3 ORDER BY seq "
            f"LIMIT 2 OFFSET {depth - 1}",
            ACCOUNT,
            RANCHER,
            project,
        )
        (position, _), (_, first) = rows
        listing = f"{ACCOUNT}\n/v2/publicCloud/project/{project}/rancher\n"
        return Cursors(secret).sign(listing, position), first


# --------------------------------------------------------------------------- load


def signed_headers(keys, method: str, url: str, body: bytes = b"") -> dict[str, str]:
    ak, secret, ck = keys
    stamp = str(int(time.time()))
    host = url.split("/")[2]
    return {
        "Host": host,
        "X-Ovh-Application": ak,
        "X-Ovh-Consumer": ck,
        "X-Ovh-Timestamp": stamp,
        "X-Ovh-Signature": sign(secret, ck, method, url, body, stamp),
        "Content-Type": "application/json",
    }


_LUA = r"""
local reqs = {%(reqs)s}
local threads = {}
n, statuses = 0, {}  -- globals: done() reads each thread's statuses with thread:get
function setup(thread) table.insert(threads, thread); thread:set("tid", #threads) end
function init(args) n = tid - 1; statuses = {} end
function request()
  n = n + %(nthreads)d
  return reqs[(n - 1) %% #reqs + 1]
end
function response(status, headers, body)
  local k = tostring(status); statuses[k] = (statuses[k] or 0) + 1
end
function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do for k, v in pairs(t:get("statuses")) do all[k] = (all[k] or 0) + v end end
  local parts = {}
  for k, v in pairs(all) do parts[#parts + 1] = string.format('"%%s": %%d', k, v) end
  io.write(string.format('BENCH_JSON {"duration_us": %%d, "requests": %%d, "statuses": {%%s}}\n',
    summary.duration, summary.requests, table.concat(parts, ", ")))
end
"""


def lua_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def wrk_script(path: Path, requests: list[tuple[str, str, dict, str]], threads: int) -> Path:
    entries = []
    for method, target, headers, body in requests:
        hdrs = "{" + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()) + "}"
        entries.append(
            f"wrk.format({lua_string(method)}, {lua_string(target)}, {hdrs}, {lua_string(body) if body else 'nil'})"
        )
    path.write_text(_LUA % {"reqs": ",\n".join(entries), "nthreads": threads})
    return path


def run_wrk(apis: list[Proc], scripts: list[Path], duration: float) -> dict:
    """One wrk per API process (a load balancer's share each), CONNECTIONS in all; 2xx per second."""
    per = CONNECTIONS // len(apis)
    threads = 2 if len(apis) == 1 else 1
    procs = [
        subprocess.Popen(
            [
                "wrk",
                f"-t{threads}",
                f"-c{per}",
                f"-d{duration:g}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                f"http://{HOST}:{api.port}/",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for api, script in zip(apis, scripts)
    ]
    ok = total = 0
    seconds = 0.0
    statuses: dict[str, int] = {}
    for proc in procs:
        out, err = proc.communicate()
        line = next((l for l in out.splitlines() if l.startswith("BENCH_JSON ")), None)
        if line is None:
            raise RuntimeError(f"wrk gave no summary:\n{out}\n{err}")
        summary = json.loads(line.removeprefix("BENCH_JSON "))
        total += summary["requests"]
        ok += sum(v for k, v in summary["statuses"].items() if k.startswith("2"))
        for k, v in summary["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
        seconds = max(seconds, summary["duration_us"] / 1e6)
    return {
        "ok_per_s": ok / seconds,
        "answers_per_s": total / seconds,
        "ok": ok,
        "answers": total,
        "statuses": statuses,
    }


def median_of(runs: list[dict]) -> dict:
    runs = sorted(runs, key=lambda r: r["ok_per_s"])
    return {**runs[len(runs) // 2], "runs": [round(r["ok_per_s"]) for r in runs]}


def seed(bed: Bed, api: Proc, ranchers: int) -> tuple[str, list[str]]:
    async def run():
        async with httpx.AsyncClient(base_url=f"http://{HOST}:{api.port}", auth=bed.auth, timeout=30) as c:
            project = (
                await c.post(
                    "/v2/publicCloud/project", json={"targetSpec": {"name": "bench", "mode": "CLASSIC"}}
                )
            ).json()["id"]
            while (await c.get(f"/v2/publicCloud/project/{project}")).json()["resourceStatus"] != "READY":
                await asyncio.sleep(0.05)
            ids: list[str] = []
            for start in range(0, ranchers, 50):
                answers = await asyncio.gather(
                    *(
                        c.post(
                            f"/v2/publicCloud/project/{project}/rancher",
                            json={"targetSpec": {"name": f"r{i}", "plan": "STANDARD"}},
                        )
                        for i in range(start, min(ranchers, start + 50))
                    )
                )
                ids += [a.json()["id"] for a in answers]
            return project, ids

    project, ids = asyncio.run(run())
    wait_idle(bed)
    return project, ids


def wait_idle(bed: Bed, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while bed.query("SELECT count(*) FROM tasks WHERE due_at IS NOT NULL")[0][0]:
        if time.monotonic() > deadline:
            raise RuntimeError("tasks did not finish")
        time.sleep(0.1)


# --------------------------------------------------------------------------- measurements


def http_throughput(bed: Bed, project: str, ids: list[str], n_api: int, args) -> dict:
    apis = [bed.api() for _ in range(n_api)]
    bed.worker()
    try:
        out = {}
        one = f"/v2/publicCloud/project/{project}/rancher/{ids[0]}"
        gets, puts = [], []
        for api in apis:
            url = f"http://{HOST}:{api.port}{one}"
            gets.append(
                wrk_script(
                    bed.tmp / f"get-{api.port}.lua",
                    [("GET", one, signed_headers(bed.keys, "GET", url), "")],
                    2,
                )
            )
        # PUTs: a new name each (so every accepted PUT changes the target), cycling through the ranchers.
        count = args.put_requests
        spec = httpx.get(f"http://{HOST}:{apis[0].port}{one}", auth=bed.auth).json()["targetSpec"]
        for api in apis:
            reqs = []
            for n in range(count):
                rid = ids[n % len(ids)]
                target = f"/v2/publicCloud/project/{project}/rancher/{rid}"
                body = json.dumps({"targetSpec": {**spec, "name": f"p{api.port}-{n}"}}, separators=(",", ":"))
                reqs.append(
                    (
                        "PUT",
                        target,
                        signed_headers(bed.keys, "PUT", f"http://{HOST}:{api.port}{target}", body.encode()),
                        body,
                    )
                )
            puts.append(wrk_script(bed.tmp / f"put-{api.port}.lua", reqs, 2 if n_api == 1 else 1))
            # Check before timing: the signed requests are accepted as they are.
            method, target, headers, body = reqs[-1]
            check = httpx.request(method, f"http://{HOST}:{api.port}{target}", headers=headers, content=body)
            assert check.status_code == 200, check.text
            got = httpx.get(
                f"http://{HOST}:{api.port}{one}",
                headers=signed_headers(bed.keys, "GET", f"http://{HOST}:{api.port}{one}"),
            )
            assert got.status_code == 200, got.text
        wait_idle(bed)
        run_wrk(apis, gets, 1)  # warm-up
        out["get_one"] = median_of([run_wrk(apis, gets, args.duration) for _ in range(args.repeat)])
        put_runs = []
        for _ in range(args.repeat):
            put_runs.append(run_wrk(apis, puts, args.duration))
            wait_idle(bed)
        out["put_target"] = median_of(put_runs)
        return out
    finally:
        bed.stop_all()


def task_throughput(bed: Bed, n_workers: int, tasks: int) -> dict:
    api = bed.api()
    try:

        async def create():
            async with httpx.AsyncClient(
                base_url=f"http://{HOST}:{api.port}", auth=bed.auth, timeout=30
            ) as c:
                for start in range(0, tasks, 50):
                    await asyncio.gather(
                        *(
                            c.post(
                                "/v2/publicCloud/project",
                                json={"targetSpec": {"name": f"t{i}", "mode": "CLASSIC"}},
                            )
                            for i in range(start, min(tasks, start + 50))
                        )
                    )

        mark = time.time()
        asyncio.run(create())
        for _ in range(n_workers):
            bed.worker()
        wait_idle(bed)
        first, last, done = bed.query(
            "SELECT min(finished_at), max(finished_at), count(*) FROM tasks WHERE created_at >= $1 AND status = 'DONE'",
            mark,
        )[0]
        # From the first task finished to the last: worker start-up is not counted.
        return {"tasks": done, "seconds": last - first, "tasks_per_s": (done - 1) / (last - first)}
    finally:
        bed.stop_all()


def page_costs(bed: Bed, project: str, depths: list[int], samples: int) -> list[dict]:
    rows = []
    have = bed.query("SELECT count(*) FROM resources WHERE kind = $1 AND parent_id = $2", RANCHER, project)[
        0
    ][0]
    for depth in depths:
        need = depth + PAGE + 1 - have
        inserted = bed.bulk_ranchers(project, need) if need > 0 else 0.0
        have += max(0, need)
        api = bed.api()
        try:
            cursor, first = bed.cursor_at(project, depth)
            base = f"http://{HOST}:{api.port}"
            collection = f"/v2/publicCloud/project/{project}/rancher"
            one = bed.query(
                "SELECT id FROM resources WHERE kind = $1 AND parent_id = $2 ORDER BY seq DESC LIMIT 1",
                RANCHER,
                project,
            )[0][0]
            with httpx.Client(base_url=base, auth=bed.auth, timeout=30) as c:
                check = c.get(
                    collection, headers={"X-Pagination-Size": str(PAGE), "X-Pagination-Cursor": cursor}
                )
                assert check.status_code == 200 and check.json()[0]["id"] == first, check.text[:300]

                def timed(path, headers=None):
                    for _ in range(5):
                        c.get(path, headers=headers)
                    times = []
                    for _ in range(samples):
                        t = time.perf_counter()
                        r = c.get(path, headers=headers)
                        times.append(time.perf_counter() - t)
                        assert r.status_code == 200
                    return statistics.median(times) * 1000

                rows.append(
                    {
                        "rows": have,
                        "insert_s": round(inserted, 1),
                        "get_one_ms": timed(f"{collection}/{one}"),
                        "page_1_ms": timed(collection, {"X-Pagination-Size": str(PAGE)}),
                        "page_at_depth_ms": timed(
                            collection, {"X-Pagination-Size": str(PAGE), "X-Pagination-Cursor": cursor}
                        ),
                        "depth": depth,
                    }
                )
        finally:
            bed.stop_all()
    return rows


# --------------------------------------------------------------------------- main


def machine() -> dict:
    from pgcluster import bindir

    pg = subprocess.run(
        [os.path.join(bindir() or "", "postgres"), "--version"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": pg,
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0].strip(),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="1 run of 2 s, 1,000 tasks, depth 20,000")
    p.add_argument("--engines", default="sqlite,postgres")
    p.add_argument("--duration", type=float)
    p.add_argument("--repeat", type=int)
    p.add_argument("--tasks", type=int, help="tasks created for the worker measurement (default 3000)")
    p.add_argument("--depth", type=int, help="deepest list position measured (default 1,000,000)")
    p.add_argument("--ranchers", type=int, default=200)
    p.add_argument("--output", default=str(BENCH / "results" / "scale.json"))
    args = p.parse_args(argv)
    args.duration = args.duration or (2 if args.quick else 5)
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.tasks = args.tasks or (1000 if args.quick else 3000)
    args.depth = args.depth or (20_000 if args.quick else 1_000_000)
    args.put_requests = 30_000
    if shutil.which("wrk") is None:
        print("bench/scale.py needs wrk: apt-get update && apt-get install -y wrk", file=sys.stderr)
        return 2
    depths = sorted({d for d in (10_000, 100_000, args.depth) if d <= args.depth})
    results = {"machine": machine(), "settings": vars(args), "engines": {}}
    for engine in args.engines.split(","):
        tmp = Path(tempfile.mkdtemp(prefix=f"convergent-scale-{engine}-"))
        bed = Bed(engine, tmp)
        try:
            say(f"== {engine}")
            api = bed.api()
            bed.worker()
            project, ids = seed(bed, api, args.ranchers)
            bed.stop_all()
            r = results["engines"][engine] = {}
            for n_api in (1, 2):
                say(f"   HTTP with {n_api} API process(es)")
                r[f"http_{n_api}_api"] = http_throughput(bed, project, ids, n_api, args)
            for n_workers in (1, 2) if engine == "postgres" else (1,):
                say(f"   tasks with {n_workers} worker(s)")
                r[f"tasks_{n_workers}_workers"] = task_throughput(bed, n_workers, args.tasks)
            say("   list pages as the data grows")
            r["pages"] = page_costs(bed, project, depths, 50 if args.quick else 200)
        finally:
            bed.close()
            shutil.rmtree(tmp, ignore_errors=True)
    report(results)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=2))
    say(f"written to {args.output}")
    return 0


def report(results: dict) -> None:
    engines = results["engines"]
    names = list(engines)
    say("")
    say("| measurement | " + " | ".join(names) + " |")
    say("|---|" + "---:|" * len(names))

    def row(label, get):
        cells = []
        for name in names:
            try:
                cells.append(get(engines[name]))
            except KeyError:
                cells.append("—")
        say(f"| {label} | " + " | ".join(cells) + " |")

    for n in (1, 2):
        row(
            f"GET one rancher, {n} API process(es), req/s",
            lambda e, n=n: f"{e[f'http_{n}_api']['get_one']['ok_per_s']:,.0f}",
        )
    for n in (1, 2):
        row(
            f"PUT targetSpec, {n} API process(es), 2xx/s",
            lambda e, n=n: f"{e[f'http_{n}_api']['put_target']['ok_per_s']:,.0f}",
        )
    for n in (1, 2):
        row(
            f"tasks completed/s, {n} worker(s)",
            lambda e, n=n: f"{e[f'tasks_{n}_workers']['tasks_per_s']:,.0f}",
        )
    depths = [p["depth"] for p in next(iter(engines.values()))["pages"]]
    for i, depth in enumerate(depths):
        row(
            f"rows {depth:,}+: GET one / page 1 / page at depth {depth:,}, ms",
            lambda e, i=i: "{get_one_ms:.2f} / {page_1_ms:.2f} / {page_at_depth_ms:.2f}".format(
                **e["pages"][i]
            ),
        )


if __name__ == "__main__":
    sys.exit(main())
