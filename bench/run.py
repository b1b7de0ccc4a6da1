#!/usr/bin/env python
"""Benchmark convergent against a bare Starlette app, and list pages at depth.

    .venv/bin/python bench/run.py              # the real run (3 repeats of 5 s, depth 1,000,000)
    .venv/bin/python bench/run.py --quick      # a sanity run (1 repeat of 3 s, depth 200,000)

Starts, on loopback ports, `convergent serve --instant` on a temporary SQLite file and
bench/baseline_app.py, both under uvicorn with one worker, no access log, log level warning;
drives them with wrk (same settings for both, runs interleaved); prints a table and writes
bench/results/latest.json. See bench/README.md and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
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
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
HOST = "127.0.0.1"  # loopback only, for every server and every request
ACCOUNT = "xx1111-ovh"  # the development account every request acts as (convergent.api.identity)
RANCHER_KIND = "publicCloud.rancher"
PAGE = 50
BENCH_JSON = "BENCH_JSON "

TARGET_GET_RATIO = 0.5  # GET one rancher: at least half of bare Starlette's throughput
TARGET_DEPTH_RATIO = 1.5  # a page at depth 1,000,000 within 1.5x the time of page 1


def say(*args) -> None:
    print(*args, flush=True)


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """One server subprocess: started, probed until it answers, stopped for sure."""

    def __init__(self, name: str, argv: list[str], port: int, log: Path, probe: str, env: dict | None = None):
        self.name, self.argv, self.port, self.log, self.probe, self.env = name, argv, port, log, probe, env
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        import httpx

        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=self.env, start_new_session=True,  # a Ctrl-C reaches us, and we stop it in order
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if httpx.get(self.base + self.probe, timeout=1.0).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer on {self.base} within {timeout:g}s:\n{self.tail()}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)  # uvicorn's graceful stop: lifespan shutdown closes the store
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def convergent_server(db: Path, log: Path) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "convergent", "serve", "--instant", "--database", str(db),
            "--host", HOST, "--port", str(port)]  # fmt: skip
    return Server("convergent", argv, port, log, "/v2")


def baseline_server(sample: Path, log: Path) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "baseline_app:app", "--app-dir", str(BENCH),
            "--host", HOST, "--port", str(port), "--workers", "1",
            "--no-access-log", "--log-level", "warning"]  # fmt: skip
    env = {**os.environ, "BENCH_SAMPLE": str(sample)}
    return Server("baseline", argv, port, log, "/v2/publicCloud/project/p/rancher", env)


# --------------------------------------------------------------------------- wrk

# Prints wrk's own summary as one JSON line; shared by every script below.
_REPORT_LUA = r"""
function bench_report(summary, latency, statuses)
  local e = summary.errors
  local parts = {}
  if statuses then
    for k, v in pairs(statuses) do parts[#parts + 1] = string.format('"%s": %d', k, v) end
  end
  io.write(string.format(
    '%s{"duration_us": %d, "requests": %d, "bytes": %d, "non2xx": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, ' ..
    '"latency_mean_us": %.1f, "latency_p50_us": %d, "latency_p99_us": %d, "statuses": {%s}}\n',
    "BENCH_JSON ", summary.duration, summary.requests, summary.bytes, e.status,
    e.connect, e.read, e.write, e.timeout,
    latency.mean, latency:percentile(50.0), latency:percentile(99.0), table.concat(parts, ", ")))
end
"""

_GET_LUA = _REPORT_LUA + r"""
function done(summary, latency, requests)
  bench_report(summary, latency, nil)
end
"""

# PUT targetSpec: each wrk thread owns its share of the ranchers and cycles through it. Every
# body names the rancher "<run>-<thread>-<n>", a name no earlier request used (<run> is a nonce
# given to each wrk run), so every accepted PUT really changes the target. Toggling between two
# names would not: after a 423 the next toggle asks for the target already stored, a no-op the
# server answers 200 without a write. The bench checks this: tasks created == 2xx answers.
_PUT_LUA = r"""
local ids = {%(ids)s}
local prefix = "%(prefix)s"
local plan, version = "%(plan)s", "%(version)s"
local nthreads = %(threads)d
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  run = args[1] or "w"
  mine = {}
  for i = tid, #ids, nthreads do mine[#mine + 1] = ids[i] end
  n = 0
  statuses = {}
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local id = mine[(n - 1) %% #mine + 1]
  local body = string.format(
    '{"targetSpec":{"name":"%%s-%%d-%%d","plan":"%%s","version":"%%s","ipRestrictions":[]}}',
    run, tid, n, plan, version)
  return wrk.format("PUT", prefix .. id, nil, body)
end

function response(status, headers, body)
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do all[k] = (all[k] or 0) + v end
  end
  bench_report(summary, latency, all)
end
"""


class Wrk:
    def __init__(self, threads: int, connections: int, workdir: Path):
        self.threads, self.connections, self.workdir = threads, connections, workdir
        self.get_script = workdir / "get.lua"
        self.get_script.write_text(_GET_LUA)

    def put_script(self, name: str, prefix: str, ids: list[str], plan: str, version: str, threads: int | None = None) -> Path:
        path = self.workdir / f"{name}.lua"
        path.write_text(_REPORT_LUA + _PUT_LUA % {
            "ids": ", ".join(f'"{i}"' for i in ids), "prefix": prefix, "plan": plan,
            "version": version, "threads": threads or self.threads,
        })  # fmt: skip
        return path

    def run(self, url: str, duration: float, headers: dict[str, str] | None = None, script: Path | None = None,
            threads: int | None = None, connections: int | None = None) -> dict:
        threads, connections = threads or self.threads, connections or self.connections
        argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--timeout", "10s",
                "-s", str(script or self.get_script)]  # fmt: skip
        for k, v in (headers or {}).items():
            argv += ["-H", f"{k}: {v}"]
        argv += [url, "--", uuid.uuid4().hex[:8]]  # the run's nonce, for scripts that want one
        out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
        for line in out.stdout.splitlines():
            if line.startswith(BENCH_JSON):
                result = json.loads(line[len(BENCH_JSON) :])
                break
        else:
            raise RuntimeError(f"wrk gave no summary (exit {out.returncode}):\n{out.stdout}\n{out.stderr}")
        seconds = result["duration_us"] / 1e6
        ok = result["requests"] - result["non2xx"]
        result.update(
            seconds=seconds,
            ok=ok,
            rps_all=result["requests"] / seconds,
            rps=ok / seconds,  # only 2xx count as served
            non2xx_share=result["non2xx"] / result["requests"] if result["requests"] else 0.0,
            bytes_per_request=result["bytes"] / result["requests"] if result["requests"] else 0.0,
        )
        socket_errors = result["connect_errors"] + result["read_errors"] + result["write_errors"] + result["timeouts"]
        if socket_errors:
            say(f"    note: wrk socket errors on {url}: {socket_errors}")
        return result


def measure(wrk: Wrk, label: str, targets: list[tuple], duration: float, repeat: int, before=None, **load) -> dict:
    """Interleaved runs (A, B, A, B, ...) after a 1 s warm-up of each; medians per target.

    `targets` holds (name, server, url, headers, script). Server CPU per 2xx request is read from
    /proc around each run: steadier than req/s on a machine the load generator shares.
    """
    say(f"  {label}")
    for _, server, url, headers, script in targets:
        wrk.run(url, 1, headers, script, **load)
    runs: dict[str, list[dict]] = {name: [] for name, *_ in targets}
    for r in range(repeat):
        for name, server, url, headers, script in targets:
            if before:
                before(name)
            cpu0 = server.cpu_seconds()
            result = wrk.run(url, duration, headers, script, **load)
            cpu = server.cpu_seconds() - cpu0
            result["server_cpu_us_per_ok"] = cpu / max(result["ok"], 1) * 1e6
            result["server_cpu_us_per_request"] = cpu / max(result["requests"], 1) * 1e6
            if before:
                result.update(before(name, after=True) or {})
            runs[name].append(result)
            extra = f", non-2xx {result['non2xx_share']:.1%} {result['statuses']}" if result["non2xx"] else ""
            say(f"    run {r + 1}/{repeat} {name:<10} {result['rps']:>9,.0f} req/s (2xx), "
                f"{result['server_cpu_us_per_ok']:,.0f} us server CPU/req, "
                f"p50 {result['latency_p50_us'] / 1000:.2f} ms{extra}")  # fmt: skip
    out = {}
    for name, results in runs.items():
        out[name] = {
            "rps": statistics.median(r["rps"] for r in results),
            "server_cpu_us": statistics.median(r["server_cpu_us_per_ok"] for r in results),
            "server_cpu_us_any_status": statistics.median(r["server_cpu_us_per_request"] for r in results),
            "rps_any_status": statistics.median(r["rps_all"] for r in results),
            "latency_p50_ms": statistics.median(r["latency_p50_us"] for r in results) / 1000,
            "non2xx_share": statistics.median(r["non2xx_share"] for r in results),
            "bytes_per_request": statistics.median(r["bytes_per_request"] for r in results),
            "runs": results,
        }
    return out


# --------------------------------------------------------------------------- data


def wait_ready(client, url: str, what: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(url).raise_for_status().json()
        if body["resourceStatus"] == "READY":
            return body
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not READY after {timeout:g}s: {body['resourceStatus']}")
        time.sleep(0.05)


def create_project(client, name: str) -> str:
    project = client.post("/v2/publicCloud/project", json={"targetSpec": {"mode": "CLASSIC", "name": name}})
    pid = project.raise_for_status().json()["id"]
    wait_ready(client, f"/v2/publicCloud/project/{pid}", f"project {name}")
    return pid


def create_ranchers(client, project: str, count: int, prefix: str) -> list[str]:
    """`count` ranchers, created through the API, returned once all are READY."""
    collection = f"/v2/publicCloud/project/{project}/rancher"
    ids = []
    for i in range(count):
        spec = {"name": f"{prefix}{i}", "plan": "STANDARD"}
        ids.append(client.post(collection, json={"targetSpec": spec}).raise_for_status().json()["id"])
    deadline = time.monotonic() + 300
    while True:
        statuses, cursor = [], None
        while True:
            headers = {"X-Pagination-Size": "1000"} | ({"X-Pagination-Cursor": cursor} if cursor else {})
            page = client.get(collection, headers=headers).raise_for_status()
            statuses += [r["resourceStatus"] for r in page.json()]
            cursor = page.headers.get("X-Pagination-Cursor-Next")
            if not cursor:
                break
        if len(statuses) == count and all(s == "READY" for s in statuses):
            return ids
        if time.monotonic() > deadline:
            raise RuntimeError(f"ranchers not all READY: {sorted(set(statuses))}")
        time.sleep(0.1)


def bulk_ranchers(db_path: Path, project: str, count: int) -> float:
    """Insert `count` ranchers into `project` in one transaction, shaped like its real first one."""
    db = sqlite3.connect(db_path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        model = db.execute(
            "SELECT account, kind, parent_id, status, target_spec, current_state, checksum, current_tasks, "
            "iam_id, tags, created_at, updated_at FROM resources WHERE account = ? AND kind = ? AND "
            "parent_id = ? ORDER BY seq LIMIT 1",
            (ACCOUNT, RANCHER_KIND, project),
        ).fetchone()
        if model is None:
            raise RuntimeError(f"project {project} has no rancher to copy")
        (account, kind, parent_id, status, target_spec, current_state, checksum, current_tasks,
         iam_id, tags, created_at, updated_at) = model  # fmt: skip
        prefix = f"/v2/publicCloud/project/{project}/rancher/"

        def rows():
            for i in range(count):
                rid = str(uuid.uuid4())
                t = created_at + i * 1e-3
                yield (account, kind, rid, parent_id, prefix + rid, status, target_spec, current_state,
                       checksum, current_tasks, iam_id, tags, t, t)  # fmt: skip

        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT INTO resources (account, kind, id, parent_id, path, status, target_spec, current_state, "
            "checksum, current_tasks, iam_id, tags, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return time.perf_counter() - started
    finally:
        db.close()


def count_update_tasks(db_path: Path) -> int:
    db = sqlite3.connect(db_path, isolation_level=None)
    try:
        return db.execute("SELECT count(*) FROM tasks WHERE type = 'RANCHER_UPDATE'").fetchone()[0]
    finally:
        db.close()


def wait_idle(db_path: Path, timeout: float = 60.0) -> None:
    """Until the engine has finished every task (so each PUT run starts from all READY)."""
    deadline = time.monotonic() + timeout
    db = sqlite3.connect(db_path, isolation_level=None)
    try:
        while db.execute("SELECT count(*) FROM tasks WHERE due_at IS NOT NULL").fetchone()[0]:
            if time.monotonic() > deadline:
                raise RuntimeError("the engine did not finish its tasks")
            time.sleep(0.05)
    finally:
        db.close()


def mint_cursor(db_path: Path, project: str, depth: int) -> tuple[str, str]:
    """A cursor for the page after the `depth`-th rancher, signed as the server would sign it,
    and the id of the rancher that page must start with."""
    from convergent.api.pagination import Cursors

    db = sqlite3.connect(db_path, isolation_level=None)
    try:
        secret = bytes.fromhex(db.execute("SELECT value FROM meta WHERE key = 'secret:cursor'").fetchone()[0])
        rows = db.execute(
            "SELECT seq, id FROM resources WHERE account = ? AND kind = ? AND parent_id = ? "
            "ORDER BY seq LIMIT 2 OFFSET ?",
            (ACCOUNT, RANCHER_KIND, project, depth - 1),
        ).fetchall()
    finally:
        db.close()
    if len(rows) < 2:
        raise RuntimeError(f"project {project} has fewer than {depth + 1} ranchers")
    (position, _), (_, first_id) = rows
    scope = f"{ACCOUNT}\n/v2/publicCloud/project/{project}/rancher\n"  # as Call._scope builds it
    return Cursors(secret).sign(scope, position), first_id


# --------------------------------------------------------------------------- report


def machine() -> dict:
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import msgspec
    import starlette
    import uvicorn

    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0].strip()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "uvicorn": uvicorn.__version__,
        "starlette": starlette.__version__,
        "msgspec": msgspec.__version__,
        "wrk": wrk_version,
        "kernel": platform.release(),
    }


def print_table(results: dict) -> None:
    rows = results["measurements"]
    say("")
    say(f"{'measurement':<34} {'convergent':>10} {'baseline':>10} {'ratio':>6} {'conv CPU':>9} {'base CPU':>9} {'ratio':>6}")
    say(f"{'':<34} {'req/s':>10} {'req/s':>10} {'':>6} {'us/req':>9} {'us/req':>9} {'by CPU':>6}")
    for key, label in (("get_one", "GET one rancher"), ("get_page", f"GET page of {PAGE}"),
                       ("put_target", "PUT targetSpec (2xx only)"),
                       ("put_target_1conn", "PUT targetSpec, 1 connection")):  # fmt: skip
        m = rows.get(key)
        if not m:
            continue
        c, b = m["convergent"], m["baseline"]
        say(f"{label:<34} {c['rps']:>10,.0f} {b['rps']:>10,.0f} {m['ratio']:>6.2f} "
            f"{c['server_cpu_us']:>9,.0f} {b['server_cpu_us']:>9,.0f} {m['cpu_ratio']:>6.2f}")  # fmt: skip
        if key.startswith("put"):
            say(f"{'':<34} convergent: non-2xx {c['non2xx_share']:.1%} (median), all answers "
                f"{c['rps_any_status']:,.0f} req/s at {c['server_cpu_us_any_status']:,.0f} us CPU each;")
            say(f"{'':<34} statuses over all runs {m['convergent_statuses']}; "
                f"tasks created per 2xx: {m['tasks_per_2xx']:.3f}")  # fmt: skip
    depth = results.get("depth")
    if depth:
        p1, deep = depth["page1"], depth["deep"]
        say("")
        say(f"{'list of ' + format(depth['rows'], ',') + ' ranchers':<30} {'req/s':>12} {'p50 ms':>12} {'CPU/req us':>13}")
        say(f"{'page 1':<30} {p1['rps']:>12,.0f} {p1['latency_p50_ms']:>12.2f} {p1['server_cpu_us']:>13,.0f}")
        say(f"{'page at depth ' + format(depth['depth'], ','):<30} {deep['rps']:>12,.0f} "
            f"{deep['latency_p50_ms']:>12.2f} {deep['server_cpu_us']:>13,.0f}")  # fmt: skip
        say(f"time ratio depth / page 1: {depth['time_ratio']:.2f} (by req/s), "
            f"{depth['cpu_ratio']:.2f} (by server CPU/req)")  # fmt: skip
    say("")
    for name, t in results["targets"].items():
        by_cpu = f" (by server CPU/req: {t['value_by_cpu']:.2f})" if "value_by_cpu" in t else ""
        say(f"target {name}: {t['value']:.2f} {t['op']} {t['target']} -> {'MET' if t['met'] else 'MISSED'}{by_cpu}")


# --------------------------------------------------------------------------- main


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="sanity run: 1 repeat of 3 s, depth 200,000")
    p.add_argument("--duration", type=float, help="seconds per wrk run (default 5, --quick 3)")
    p.add_argument("--repeat", type=int, help="wrk runs per measurement, median taken (default 3, --quick 1)")
    p.add_argument("--depth", type=int, help="depth of the deep page (default 1,000,000, --quick 200,000)")
    p.add_argument("--ranchers", type=int, default=1000, help="ranchers seeded through the API (default 1000)")
    p.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    p.add_argument("--skip-depth", action="store_true", help="leave out the depth test")
    p.add_argument("--output", type=Path, default=BENCH / "results" / "latest.json", help="where the JSON goes")
    args = p.parse_args(argv)
    args.duration = args.duration or (3.0 if args.quick else 5.0)
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.depth = args.depth or (200_000 if args.quick else 1_000_000)
    if args.ranchers < PAGE or args.depth < 1 or args.repeat < 1 or args.duration <= 0:
        p.error("need --ranchers >= 50, --depth >= 1, --repeat >= 1, --duration > 0")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print(
            "bench/run.py needs the HTTP load generator wrk, which is not installed.\n"
            "Install it (Debian/Ubuntu): apt-get update && apt-get install -y wrk",
            file=sys.stderr,
        )
        return 2
    try:
        import httpx  # noqa: F401
    except ImportError:
        print("bench/run.py needs httpx: pip install -e '.[bench]'", file=sys.stderr)
        return 2

    # A SIGTERM unwinds like Ctrl-C, through the finally below that stops the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="convergent-bench-"))
    servers: list[Server] = []
    try:
        return run(args, tmp, servers)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, tmp: Path, servers: list[Server]) -> int:
    import httpx

    db = tmp / "bench.db"
    wrk = Wrk(args.threads, args.connections, tmp)
    results: dict = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "wrk": f"-t{args.threads} -c{args.connections} -d{args.duration:g}s",
            "repeat": args.repeat, "duration_s": args.duration, "ranchers": args.ranchers,
            "depth": None if args.skip_depth else args.depth, "quick": args.quick,
            "servers": "uvicorn, 1 worker, no access log, log level warning, loopback",
        },  # fmt: skip
        "measurements": {},
    }
    say(f"convergent bench: wrk {results['settings']['wrk']}, {args.repeat} run(s) per measurement, "
        f"{results['machine']['cpus']} CPUs; temp dir {tmp}")  # fmt: skip

    conv = convergent_server(db, tmp / "convergent.log")
    servers.append(conv)
    conv.start()

    say(f"seeding {args.ranchers} ranchers through the API...")
    started = time.perf_counter()
    with httpx.Client(base_url=conv.base, timeout=30) as client:
        project = create_project(client, "bench")
        ids = create_ranchers(client, project, args.ranchers, "r")
        deep_project = None if args.skip_depth else create_project(client, "bench-depth")
        if deep_project:
            create_ranchers(client, deep_project, 1, "deep")
        one_url = f"/v2/publicCloud/project/{project}/rancher/{ids[0]}"
        sample = client.get(one_url).raise_for_status()
    results["seed_api_seconds"] = round(time.perf_counter() - started, 1)
    say(f"  done in {results['seed_api_seconds']} s; one rancher envelope is {len(sample.content)} bytes")
    (tmp / "sample.json").write_bytes(sample.content)
    spec = sample.json()["targetSpec"]

    base = baseline_server(tmp / "sample.json", tmp / "baseline.log")
    servers.append(base)
    base.start()

    list_path = f"/v2/publicCloud/project/{project}/rancher"
    page_headers = {"X-Pagination-Size": str(PAGE)}
    with httpx.Client(timeout=30) as client:  # same shapes on both before timing anything
        for server in (conv, base):
            got = client.get(server.base + list_path, headers=page_headers).raise_for_status().json()
            assert len(got) == PAGE, (server.name, len(got))

    say("measuring (convergent and baseline runs interleaved):")
    m = results["measurements"]
    m["get_one"] = measure(wrk, "GET one rancher", [
        ("convergent", conv, conv.base + one_url, None, None),
        ("baseline", base, base.base + one_url, None, None),
    ], args.duration, args.repeat)  # fmt: skip
    m["get_page"] = measure(wrk, f"GET a page of {PAGE} ranchers", [
        ("convergent", conv, conv.base + list_path, page_headers, None),
        ("baseline", base, base.base + list_path, page_headers, None),
    ], args.duration, args.repeat)  # fmt: skip

    put_script = wrk.put_script("put", list_path + "/", ids, spec["plan"], spec["version"])
    tasks_before: dict[str, int] = {}

    def before_put(name: str, after: bool = False):
        if name != "convergent":
            return None
        if not after:
            wait_idle(db)
            tasks_before["n"] = count_update_tasks(db)
            return None
        return {"tasks_created": count_update_tasks(db) - tasks_before["n"]}

    m["put_target"] = measure(wrk, f"PUT targetSpec, cycling through {len(ids)} ranchers", [
        ("convergent", conv, conv.base + list_path, None, put_script),
        ("baseline", base, base.base + list_path, None, put_script),
    ], args.duration, args.repeat, before=before_put)  # fmt: skip
    # Supplementary: the same PUTs from one connection, one at a time. Under -c32 most PUTs find
    # their rancher still busy (423); one at a time, the engine finishes each task between them.
    put1_script = wrk.put_script("put1", list_path + "/", ids, spec["plan"], spec["version"], threads=1)
    m["put_target_1conn"] = measure(wrk, "PUT targetSpec, one connection (wrk -t1 -c1)", [
        ("convergent", conv, conv.base + list_path, None, put1_script),
        ("baseline", base, base.base + list_path, None, put1_script),
    ], args.duration, args.repeat, before=before_put, threads=1, connections=1)  # fmt: skip
    for key in ("put_target", "put_target_1conn"):
        put = m[key]
        statuses: dict[str, int] = {}
        for r in put["convergent"]["runs"]:
            for k, v in r["statuses"].items():
                statuses[k] = statuses.get(k, 0) + v
        put["convergent_statuses"] = dict(sorted(statuses.items()))
        # Every accepted PUT must have made a task (a no-op PUT is answered 200 without one). Off
        # by at most a few: a PUT in flight when wrk stops makes a task wrk does not count.
        put["tasks_per_2xx"] = sum(r["tasks_created"] for r in put["convergent"]["runs"]) / max(
            sum(r["ok"] for r in put["convergent"]["runs"]), 1
        )
    for key in ("get_one", "get_page", "put_target", "put_target_1conn"):
        c, b = m[key]["convergent"], m[key]["baseline"]
        m[key]["ratio"] = c["rps"] / b["rps"]
        # The same ratio from server CPU per 2xx answer: what the throughput ratio would be with
        # the server alone on a core; steadier than req/s when wrk shares the two cores.
        m[key]["cpu_ratio"] = b["server_cpu_us"] / c["server_cpu_us"]

    base.stop()

    if deep_project:
        total = args.depth + 1000
        say(f"depth: stopping convergent, inserting {total - 1:,} ranchers into one project in one transaction...")
        conv.stop()
        seconds = bulk_ranchers(db, deep_project, total - 1)
        say(f"  inserted in {seconds:.1f} s ({(total - 1) / seconds:,.0f} rows/s); "
            f"database {db.stat().st_size / 2**20:,.0f} MiB")  # fmt: skip
        conv.port = free_port()
        conv.argv[-1] = str(conv.port)
        conv.start()
        servers[:] = [conv]

        cursor, first_id = mint_cursor(db, deep_project, args.depth)
        deep_list = conv.base + f"/v2/publicCloud/project/{deep_project}/rancher"
        deep_headers = {**page_headers, "X-Pagination-Cursor": cursor}
        with httpx.Client(timeout=30) as client:
            check = client.get(deep_list, headers=deep_headers)
            items = check.json() if check.status_code == 200 else None
            if check.status_code != 200 or len(items) != PAGE or items[0]["id"] != first_id:
                raise RuntimeError(f"the minted cursor does not give the expected page: {check.status_code} "
                                   f"{check.text[:300]}")  # fmt: skip
            if "X-Pagination-Cursor-Next" not in check.headers:
                raise RuntimeError("the deep page has no next cursor")
            first = client.get(deep_list, headers=page_headers).raise_for_status()
            assert len(first.json()) == PAGE
        say(f"  minted cursor for position {args.depth:,} checked: 200, {PAGE} items, starts at row {args.depth + 1:,}")
        timed = measure(wrk, f"GET page 1 vs page at depth {args.depth:,} (convergent only)", [
            ("page1", conv, deep_list, page_headers, None),
            ("deep", conv, deep_list, deep_headers, None),
        ], args.duration, args.repeat)  # fmt: skip
        results["depth"] = {
            "rows": total,
            "depth": args.depth,
            "bulk_insert_seconds": round(seconds, 1),
            "page1": timed["page1"],
            "deep": timed["deep"],
            "time_ratio": timed["page1"]["rps"] / timed["deep"]["rps"],
            "cpu_ratio": timed["deep"]["server_cpu_us"] / timed["page1"]["server_cpu_us"],
        }
    conv.stop()

    results["targets"] = {
        "get_one_vs_starlette": {
            "value": m["get_one"]["ratio"], "op": ">=", "target": TARGET_GET_RATIO,
            "met": m["get_one"]["ratio"] >= TARGET_GET_RATIO,
            "value_by_cpu": m["get_one"]["cpu_ratio"],
        },
    }  # fmt: skip
    if "depth" in results:
        ratio = results["depth"]["time_ratio"]
        results["targets"][f"depth_{args.depth}_vs_page1"] = {
            "value": ratio, "op": "<=", "target": TARGET_DEPTH_RATIO, "met": ratio <= TARGET_DEPTH_RATIO,
        }  # fmt: skip
    print_table(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    say(f"\nresults written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
