#!/usr/bin/env python
"""Benchmark convergent against a bare Starlette app, and list pages at depth.

    .venv/bin/python bench/run.py              # the real run (3 repeats of 5 s, depth 1,000,000)
    .venv/bin/python bench/run.py --quick      # a sanity run (1 repeat of 3 s, depth 200,000)

Starts, on loopback ports, `convergent serve --instant` on a temporary SQLite file and
bench/baseline_app.py, both under uvicorn with one worker, no access log, log level warning;
drives them with wrk (same settings for both, runs interleaved); prints a table and writes
bench/results/latest.json. See bench/README.md and docs/benchmarks.md.

Every call to convergent is authenticated, as convergent requires: requests are signed as the
account owner (a credential made with `convergent credential create` before the server starts),
as an IAM user allowed by a policy, or carry an OAuth2 bearer token. The baseline checks nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
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
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
HOST = "127.0.0.1"  # loopback only, for every server and every request
ACCOUNT = "xx1111-ovh"  # the account the bench creates; every request acts for it
RANCHER_KIND = "publicCloud.rancher"
PAGE = 50
BENCH_JSON = "BENCH_JSON "
USER_LOGIN = "bench"  # the IAM user whose access comes from a policy

# The targets of issue #16, by server CPU per 2xx answer against the bare baseline in the same
# run (median of the repeats): the ratio is baseline CPU / convergent CPU.
TARGETS_BY_CPU = {
    "get_one": 0.7,  # GET one rancher, signed as the owner
    "get_one_iam_user": 0.6,  # the same, signed as an IAM user allowed by a policy
    "get_page": 0.3,  # a page of 50
    "put_target_1conn": 0.25,  # PUT targetSpec from one connection, engine work included
    "put_target": 0.15,  # PUT targetSpec from 32 connections cycling over the ranchers, 2xx only
}
TARGET_DEPTH_RATIO = 1.2  # a page at depth 1,000,000 within 1.2x the time of page 1
TARGET_POLL_P99_MS = 50.0  # provider-style polling: GETs while the same resources are updated
POLL_WRITERS = 4  # connections updating the ranchers while 32 others poll them
POLL_PAUSE_MS = 10  # each polling connection waits this long between its GETs, as a provider does

# Answers per second (any status) expected from convergent on the PUT runs, from the figures last
# recorded (9,700/s at 32 connections, ~1,550/s from one); each run gets 1.5x that many signed
# requests, and the estimate grows when a run answers faster.
PUT_RATE_GUESS = {"put_target": 9_700, "put_target_1conn": 1_550}
POOL_MARGIN = 1.5


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
                self.argv,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                start_new_session=True,  # a Ctrl-C reaches us, and we stop it in order
            )
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
        """User + system CPU time the server process and its children (granian's workers) have
        used so far."""
        stats = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                stats[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
        tree, ticks = {self.proc.pid}, 0
        grew = True
        while grew:
            grew = False
            for pid, (parent, _) in stats.items():
                if parent in tree and pid not in tree:
                    tree.add(pid)
                    grew = True
        for pid in tree:
            ticks += stats.get(pid, (0, 0))[1]
        return ticks / os.sysconf("SC_CLK_TCK")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def convergent_server(db: Path, log: Path) -> Server:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "convergent",
        "serve",
        "--instant",
        "--database",
        str(db),
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    return Server("convergent", argv, port, log, "/v2")


def granian_server(db: Path, log: Path) -> Server:
    """convergent's app under granian (one worker, API only: the uvicorn server runs the engine)."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-ws",
        "--log-level",
        "warning",
        "convergent.server:create_app",
    ]
    env = {**os.environ, "CONVERGENT_DATABASE": str(db), "CONVERGENT_INSTANT": "1", "CONVERGENT_WORKERS": "0"}
    return Server("convergent-granian", argv, port, log, "/v2", env)


def baseline_server(sample: Path, log: Path) -> Server:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "baseline_app:app",
        "--app-dir",
        str(BENCH),
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    env = {**os.environ, "BENCH_SAMPLE": str(sample)}
    return Server("baseline", argv, port, log, "/v2/publicCloud/project/p/rancher", env)


# --------------------------------------------------------------------------- authentication


class Signer:
    """One consumer key: signs requests as OVHcloud's clients do (convergent.auth.signature)."""

    def __init__(self, application_key: str, application_secret: str, consumer_key: str):
        self.application_key, self.application_secret, self.consumer_key = (
            application_key,
            application_secret,
            consumer_key,
        )

    def auth(self):
        """The same signature as an httpx.Auth, for the seeding and the checks."""
        from convergent.client.auth import OvhSignature

        return OvhSignature(self.application_key, self.application_secret, self.consumer_key)

    def headers(self, method: str, url: str, body: bytes = b"", stamp: int | None = None) -> dict[str, str]:
        """Signature headers for `url` exactly as sent (scheme, Host, raw path and query), stamped now."""
        from convergent.auth.signature import sign

        ts = str(int(time.time()) if stamp is None else stamp)
        return {
            "X-Ovh-Application": self.application_key,
            "X-Ovh-Consumer": self.consumer_key,
            "X-Ovh-Timestamp": ts,
            "X-Ovh-Signature": sign(self.application_secret, self.consumer_key, method, url, body, ts),
        }


def owner_credential(db: Path) -> Signer:
    """Creates the account and an application + validated consumer key for its owner (all routes),
    with the CLI, before the server first starts on `db`."""
    argv = [
        sys.executable,
        "-m",
        "convergent",
        "credential",
        "create",
        "--account",
        ACCOUNT,
        "--database",
        str(db),
        "--json",
    ]
    out = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(
            f"convergent credential create failed ({out.returncode}):\n{out.stdout}\n{out.stderr}"
        )
    made = json.loads(out.stdout.strip().splitlines()[-1])
    return Signer(made["applicationKey"], made["applicationSecret"], made["consumerKey"])


def policy_identities(client, owner: Signer, project_urn: str) -> tuple[Signer, str]:
    """An IAM user and an OAuth2 service account, each allowed `rancher/get` on the project by a
    policy of its own (and nothing else): the user's consumer key (same application as the
    owner's, validated by the user through the validation form) and the service account's token.
    `client` is an httpx client on convergent, signed as the owner."""
    from urllib.parse import parse_qs, urlsplit

    import httpx

    base = str(client.base_url).rstrip("/")
    password = "bench-" + uuid.uuid4().hex
    client.post(
        "/1.0/me/identity/user",
        json={
            "login": USER_LOGIN,
            "email": f"{USER_LOGIN}@example.invalid",
            "password": password,
        },
    ).raise_for_status()
    rules = [{"method": m, "path": "/*"} for m in ("GET", "POST", "PUT", "DELETE")]
    asked = (
        httpx.post(
            base + "/1.0/auth/credential",
            headers={"X-Ovh-Application": owner.application_key},
            json={"accessRules": rules},
            timeout=30,
        )
        .raise_for_status()
        .json()
    )
    query = parse_qs(urlsplit(asked["validationUrl"]).query)
    browser = httpx.Client(timeout=30)  # keeps the page's CSRF cookie
    page = browser.get(asked["validationUrl"]).raise_for_status()
    browser.post(
        base + "/auth/validate",
        data={
            "credentialId": query["credentialId"][0],
            "token": query["token"][0],
            "csrf": re.search(r'name="csrf" value="([^"]+)"', page.text)[1],
            "login": f"{ACCOUNT}/{USER_LOGIN}",
            "password": password,
            "duration": "unlimited",
            "decision": "grant",
        },
    ).raise_for_status()
    browser.close()
    user = Signer(owner.application_key, owner.application_secret, asked["consumerKey"])

    made = (
        client.post(
            "/1.0/me/api/oauth2/client",
            json={
                "name": "bench",
                "description": "bench service account",
                "flow": "CLIENT_CREDENTIALS",
            },
        )
        .raise_for_status()
        .json()
    )
    token = (
        httpx.post(
            base + "/auth/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(made["clientId"], made["clientSecret"]),
            timeout=30,
        )
        .raise_for_status()
        .json()
    )
    service = (
        client.get(f"/1.0/me/api/oauth2/client/{made['clientId']}").raise_for_status().json()["identity"]
    )

    for name, identity in (
        ("bench", f"urn:v1:eu:identity:user:{ACCOUNT}/{USER_LOGIN}"),
        ("bench-oauth2", service),
    ):
        client.post(
            "/v2/iam/policy",
            json={
                "name": name,
                "identities": [identity],
                "resources": [{"urn": project_urn}],
                "permissions": {"allow": [{"action": "publicCloudProject:apiovh:rancher/get"}]},
            },
        ).raise_for_status()
    return user, token["access_token"]


# --------------------------------------------------------------------------- wrk

# Prints wrk's own summary as one JSON line; shared by every script below. `extra` is more JSON
# fields ("" or starting with a comma).
_REPORT_LUA = r"""
function bench_report(summary, latency, statuses, extra)
  local e = summary.errors
  local parts = {}
  if statuses then
    for k, v in pairs(statuses) do parts[#parts + 1] = string.format('"%s": %d', k, v) end
  end
  io.write(string.format(
    '%s{"duration_us": %d, "requests": %d, "bytes": %d, "non2xx": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, ' ..
    '"latency_mean_us": %.1f, "latency_p50_us": %d, "latency_p99_us": %d, "statuses": {%s}%s}\n',
    "BENCH_JSON ", summary.duration, summary.requests, summary.bytes, e.status,
    e.connect, e.read, e.write, e.timeout,
    latency.mean, latency:percentile(50.0), latency:percentile(99.0), table.concat(parts, ", "),
    extra or ""))
end
"""

_GET_LUA = (
    _REPORT_LUA
    + r"""
function done(summary, latency, requests)
  bench_report(summary, latency, nil)
end
"""
)

# PUT targetSpec from a pool of requests signed beforehand (PutPool below): every body differs, so
# every request needs its own signature, and wrk cannot compute SHA-1. Thread <tid> reads the
# file <pool><tid>, one request a line: "path<TAB>timestamp<TAB>signature<TAB>body", and sends
# them in order, each once. When it runs out it starts again from its first line rather than
# stop, and counts each request sent again in `reused`: a signed request replayed within the
# timestamp window is still valid, but its target is already stored, so it is a no-op PUT.
# (wrk calls request() once in thread 1 before the run to check for pipelining: that request is
# built but never sent, so thread 1 may count one reuse too many.)
_PUT_LUA = r"""
local pool = "%(pool)s"
local app, consumer = "%(app)s", "%(consumer)s"
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  lines = {}
  for line in io.lines(pool .. tid) do lines[#lines + 1] = line end
  host = wrk.headers["Host"]
  sent, reused, size = 0, 0, #lines
  statuses = {}
end

function request()
  sent = sent + 1
  local i = sent
  if i > size then
    reused = reused + 1
    i = (i - 1) %% size + 1
  end
  local path, stamp, sig, body = string.match(lines[i], "^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  return wrk.format("PUT", path, {
    ["Host"] = host, ["Content-Type"] = "application/json",
    ["X-Ovh-Application"] = app, ["X-Ovh-Consumer"] = consumer,
    ["X-Ovh-Timestamp"] = stamp, ["X-Ovh-Signature"] = sig,
  }, body)
end

function response(status, headers, body)
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
end

function done(summary, latency, requests)
  local all, reused, pool = {}, 0, 0
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do all[k] = (all[k] or 0) + v end
    reused = reused + t:get("reused")
    pool = pool + t:get("size")
  end
  bench_report(summary, latency, all, string.format(', "reused": %%d, "pool": %%d', reused, pool))
end
"""


# Provider-style polling: GET one rancher after another, each signed beforehand (a GET's signature
# covers only its URL, so one line per rancher serves the whole run: the server accepts a signed
# request again within 300 s). Each thread starts at its own place in the list.
_POLL_LUA = r"""
local pool = "%(pool)s"
local app, consumer = "%(app)s", "%(consumer)s"
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  lines = {}
  for line in io.lines(pool) do lines[#lines + 1] = line end
  host = wrk.headers["Host"]
  n = tid * 499
  statuses = {}
end

function request()
  n = n + 1
  local path, stamp, sig = string.match(lines[n %% #lines + 1], "^([^\t]*)\t([^\t]*)\t(.*)$")
  return wrk.format("GET", path, {
    ["Host"] = host, ["X-Ovh-Application"] = app, ["X-Ovh-Consumer"] = consumer,
    ["X-Ovh-Timestamp"] = stamp, ["X-Ovh-Signature"] = sig,
  })
end

function delay()
  return %(pause)d
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


class PollPool:
    """The polling script and, right before each run, its signed GETs (one per rancher)."""

    def __init__(self, workdir: Path, signer: Signer, base: str, prefix: str, ids: list[str]):
        self.signer, self.base, self.prefix, self.ids = signer, base, prefix, ids
        self.pool = workdir / "poll-pool"
        self.script = workdir / "poll.lua"
        self.script.write_text(
            _REPORT_LUA
            + _POLL_LUA
            % {
                "pool": str(self.pool),
                "app": signer.application_key,
                "consumer": signer.consumer_key,
                "pause": POLL_PAUSE_MS,
            }
        )

    def __call__(self, duration: float) -> Path:
        stamp = int(time.time())
        lines = []
        for id in self.ids:
            path = self.prefix + id
            signature = self.signer.headers("GET", self.base + path, stamp=stamp)["X-Ovh-Signature"]
            lines.append(f"{path}\t{stamp}\t{signature}\n")
        self.pool.write_text("".join(lines))
        return self.script


def measure_polling(
    wrk: Wrk, server: Server, url: str, polls: PollPool, writes: PutPool, duration, repeat
) -> dict:
    """32 connections poll GET over the ranchers while POLL_WRITERS others PUT new targets to
    them (the engine running each task): the latency of the polls, p99 per run."""
    import threading

    say(
        f"  provider-style polling: {wrk.connections} connections GET the ranchers in turn, each "
        f"pausing {POLL_PAUSE_MS} ms between its GETs, while {POLL_WRITERS} connections update them"
    )
    runs = []
    for r in range(repeat):
        written: dict = {}
        put_script = writes(duration)
        writer = threading.Thread(
            target=lambda out=written, script=put_script: out.update(
                wrk.run(url, duration, script=script, threads=1, connections=POLL_WRITERS)
            )
        )
        writer.start()
        cpu0 = server.cpu_seconds()
        result = wrk.run(url, duration, script=polls(duration))
        writer.join()
        cpu = server.cpu_seconds() - cpu0
        result["writes_2xx"] = written.get("ok", 0)
        result["writes_statuses"] = written.get("statuses", {})
        result["server_cpu_us_per_request"] = (
            cpu / max(result["requests"] + written.get("requests", 0), 1) * 1e6
        )
        runs.append(result)
        say(
            f"    run {r + 1}/{repeat} polls {result['rps']:>9,.0f} req/s (2xx), p50 "
            f"{result['latency_p50_us'] / 1000:.2f} ms, p99 {result['latency_p99_us'] / 1000:.2f} ms, "
            f"non-2xx {result['non2xx']}; updates accepted {result['writes_2xx']:,} {result['writes_statuses']}"
        )
    return {
        "p99_ms": statistics.median(r["latency_p99_us"] for r in runs) / 1000,
        "p99_ms_worst": max(r["latency_p99_us"] for r in runs) / 1000,
        "p50_ms": statistics.median(r["latency_p50_us"] for r in runs) / 1000,
        "rps": statistics.median(r["rps"] for r in runs),
        "non2xx": sum(r["non2xx"] for r in runs),
        "writes_2xx": statistics.median(r["writes_2xx"] for r in runs),
        "runs": runs,
    }


class PutPool:
    """Makes, right before each wrk run, the signed PUT targetSpec requests it will send.

    Each wrk thread owns its share of the ranchers (every `threads`-th one) and cycles through
    it, as before authentication. Every body names the rancher "<run>-<thread>-<n>", a name no
    earlier request used (<run> is a nonce per wrk run), so every accepted PUT really changes the
    target; the bench checks that tasks created == 2xx answers. The pool holds POOL_MARGIN times
    the answers expected in the run (`rate` x duration), signed with one fresh timestamp (the
    server accepts it for 300 s; a run lasts seconds). `observe` raises `rate` when a run
    answered faster, so a later run does not run short.
    """

    def __init__(
        self,
        workdir: Path,
        name: str,
        signer: Signer,
        base: str,
        prefix: str,
        ids: list[str],
        plan: str,
        version: str,
        threads: int,
        rate: float,
        grow: bool = True,
    ):
        self.workdir, self.name, self.signer, self.base, self.prefix = workdir, name, signer, base, prefix
        self.ids, self.plan, self.version, self.threads, self.rate = ids, plan, version, threads, rate
        self.grow = grow
        self.script = workdir / f"{name}.lua"
        self.script.write_text(
            _REPORT_LUA
            + _PUT_LUA
            % {
                "pool": str(workdir / f"{name}-pool-"),
                "app": signer.application_key,
                "consumer": signer.consumer_key,
            }
        )

    def __call__(self, duration: float) -> Path:
        from convergent.auth.signature import sign

        run = uuid.uuid4().hex[:8]
        per_thread = max(int(self.rate * POOL_MARGIN * duration / self.threads) + 1, 100)
        secret, consumer = self.signer.application_secret, self.signer.consumer_key
        stamp = str(int(time.time()))
        for t in range(1, self.threads + 1):
            mine = self.ids[t - 1 :: self.threads]
            lines = []
            for n in range(1, per_thread + 1):
                path = self.prefix + mine[(n - 1) % len(mine)]
                body = (
                    f'{{"targetSpec":{{"name":"{run}-{t}-{n}","plan":"{self.plan}",'
                    f'"version":"{self.version}","ipRestrictions":[]}}}}'
                )
                signature = sign(secret, consumer, "PUT", self.base + path, body.encode(), stamp)
                lines.append(f"{path}\t{stamp}\t{signature}\t{body}\n")
            (self.workdir / f"{self.name}-pool-{t}").write_text("".join(lines))
        return self.script

    def observe(self, result: dict) -> None:
        if not self.grow:
            return
        rate = result["requests"] / max(result["seconds"], 1e-3)
        self.rate = max(self.rate, rate)


class Wrk:
    def __init__(self, threads: int, connections: int, workdir: Path):
        self.threads, self.connections, self.workdir = threads, connections, workdir
        self.get_script = workdir / "get.lua"
        self.get_script.write_text(_GET_LUA)

    def run(
        self,
        url: str,
        duration: float,
        headers: dict[str, str] | None = None,
        script: Path | None = None,
        threads: int | None = None,
        connections: int | None = None,
    ) -> dict:
        threads, connections = threads or self.threads, connections or self.connections
        argv = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration:g}s",
            "--timeout",
            "10s",
            "-s",
            str(script or self.get_script),
        ]
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
        socket_errors = (
            result["connect_errors"] + result["read_errors"] + result["write_errors"] + result["timeouts"]
        )
        if socket_errors:
            say(f"    note: wrk socket errors on {url}: {socket_errors}")
        return result


def _prepared(value, duration: float):
    """Headers or a script given as is, or made by a callable right before the run (fresh signatures)."""
    return value(duration) if callable(value) else value


def measure(
    wrk: Wrk, label: str, targets: list[tuple], duration: float, repeat: int, before=None, **load
) -> dict:
    """Interleaved runs (A, B, A, B, ...) after a 1 s warm-up of each; medians per target.

    `targets` holds (name, server, url, headers, script); headers and script may be callables
    `f(duration)`, called right before each run (signed headers with a fresh timestamp, a pool
    of signed PUTs); a script with an `observe(result)` method is told how each run went.
    Server CPU per 2xx request is read from /proc around each run: steadier than req/s on a
    machine the load generator shares.
    """
    say(f"  {label}")

    def one(url, seconds, headers, script):
        result = wrk.run(url, seconds, _prepared(headers, seconds), _prepared(script, seconds), **load)
        if hasattr(script, "observe"):
            script.observe(result)
        return result

    for _, server, url, headers, script in targets:
        one(url, 1, headers, script)
    runs: dict[str, list[dict]] = {name: [] for name, *_ in targets}
    for r in range(repeat):
        for name, server, url, headers, script in targets:
            if before:
                before(name)
            cpu0 = server.cpu_seconds()
            result = one(url, duration, headers, script)
            cpu = server.cpu_seconds() - cpu0
            result["server_cpu_us_per_ok"] = cpu / max(result["ok"], 1) * 1e6
            result["server_cpu_us_per_request"] = cpu / max(result["requests"], 1) * 1e6
            if before:
                result.update(before(name, after=True) or {})
            runs[name].append(result)
            extra = f", non-2xx {result['non2xx_share']:.1%} {result['statuses']}" if result["non2xx"] else ""
            if "reused" in result and getattr(script, "grow", False):  # the baseline's pool may wrap freely
                extra += f", pool {result['pool']:,}, reused {result['reused']:,}"
            say(
                f"    run {r + 1}/{repeat} {name:<10} {result['rps']:>9,.0f} req/s (2xx), "
                f"{result['server_cpu_us_per_ok']:,.0f} us server CPU/req, "
                f"p50 {result['latency_p50_us'] / 1000:.2f} ms{extra}"
            )
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
        if "reused" in results[0]:
            out[name]["reused"] = sum(r["reused"] for r in results)
            out[name]["pool"] = sum(r["pool"] for r in results)
    return out


def measure_granian(
    args, wrk, db: Path, tmp: Path, conv: Server, base: Server, servers, owner, one_url, list_path
):
    """The same app under granian (API only, on the same database) beside uvicorn: GET one
    rancher and a page of 50, signed as the owner, runs interleaved with the baseline."""
    gran = granian_server(db, tmp / "granian.log")
    servers.append(gran)
    try:
        gran.start()
    except RuntimeError as error:
        say(f"  granian did not start, left out: {error}")
        return {"error": str(error)}
    page_headers = {"X-Pagination-Size": str(PAGE)}

    def signed(server: Server, path: str, extra: dict | None = None):
        return lambda duration: {**(extra or {}), **owner.headers("GET", server.base + path)}

    try:
        out = {}
        for key, path, extra in (("get_one", one_url, None), ("get_page", list_path, page_headers)):
            got = measure(
                wrk,
                f"{key}: convergent under uvicorn and under granian (signed as the owner); baseline",
                [
                    ("uvicorn", conv, conv.base + path, signed(conv, path, extra), None),
                    ("granian", gran, gran.base + path, signed(gran, path, extra), None),
                    ("baseline", base, base.base + path, extra, None),
                ],
                args.duration,
                args.repeat,
            )
            b = got["baseline"]["server_cpu_us"]
            out[key] = {
                name: {
                    "rps": got[name]["rps"],
                    "server_cpu_us": got[name]["server_cpu_us"],
                    "cpu_ratio": b / got[name]["server_cpu_us"],
                    "ratio": got[name]["rps"] / got["baseline"]["rps"],
                }
                for name in ("uvicorn", "granian", "baseline")
            }
        return out
    finally:
        gran.stop()
        servers.remove(gran)


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
        (
            account,
            kind,
            parent_id,
            status,
            target_spec,
            current_state,
            checksum,
            current_tasks,
            iam_id,
            tags,
            created_at,
            updated_at,
        ) = model
        prefix = f"/v2/publicCloud/project/{project}/rancher/"

        def rows():
            for i in range(count):
                rid = str(uuid.uuid4())
                t = created_at + i * 1e-3
                yield (
                    account,
                    kind,
                    rid,
                    parent_id,
                    prefix + rid,
                    status,
                    target_spec,
                    current_state,
                    checksum,
                    current_tasks,
                    iam_id,
                    tags,
                    t,
                    t,
                )

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
    from convergent.model.cursors import Cursors

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
    listing = f"{ACCOUNT}\n/v2/publicCloud/project/{project}/rancher\n"  # as Call._listing builds it
    return Cursors(secret).sign(listing, position), first_id


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
    say(
        f"{'measurement':<40} {'convergent':>10} {'baseline':>10} {'ratio':>6} {'conv CPU':>9} {'base CPU':>9} {'ratio':>6}"
    )
    say(f"{'':<40} {'req/s':>10} {'req/s':>10} {'':>6} {'us/req':>9} {'us/req':>9} {'by CPU':>6}")
    for key, label in (
        ("get_one", "GET one rancher, signed as owner"),
        ("get_one_iam_user", "GET one rancher, IAM user (policy)"),
        ("get_one_oauth2", "GET one rancher, OAuth2 bearer (policy)"),
        ("get_page", f"GET page of {PAGE} (owner)"),
        ("put_target", "PUT targetSpec (owner, 2xx only)"),
        ("put_target_1conn", "PUT targetSpec, 1 connection"),
    ):
        m = rows.get(key)
        if not m:
            continue
        c, b = m["convergent"], m["baseline"]
        say(
            f"{label:<40} {c['rps']:>10,.0f} {b['rps']:>10,.0f} {m['ratio']:>6.2f} "
            f"{c['server_cpu_us']:>9,.0f} {b['server_cpu_us']:>9,.0f} {m['cpu_ratio']:>6.2f}"
        )
        if "vs_owner" in m:
            say(f"{'':<40} vs signed as owner: {m['vs_owner']:.2f} by req/s, {m['vs_owner_cpu']:.2f} by CPU")
        if key.startswith("put"):
            say(
                f"{'':<40} convergent: non-2xx {c['non2xx_share']:.1%} (median), all answers "
                f"{c['rps_any_status']:,.0f} req/s at {c['server_cpu_us_any_status']:,.0f} us CPU each;"
            )
            say(
                f"{'':<40} statuses over all runs {m['convergent_statuses']}; "
                f"tasks created per 2xx: {m['tasks_per_2xx']:.3f}"
            )
            say(
                f"{'':<40} signed requests sent again after the pool ran out: {c['reused']:,} "
                f"(pool of {c['pool']:,} over all runs)"
                + (": no-op PUTs, the 2xx figure is inflated" if c["reused"] else "")
            )
    depth = results.get("depth")
    if depth:
        p1, deep = depth["page1"], depth["deep"]
        say("")
        say(
            f"{'list of ' + format(depth['rows'], ',') + ' ranchers':<30} {'req/s':>12} {'p50 ms':>12} {'CPU/req us':>13}"
        )
        say(f"{'page 1':<30} {p1['rps']:>12,.0f} {p1['latency_p50_ms']:>12.2f} {p1['server_cpu_us']:>13,.0f}")
        say(
            f"{'page at depth ' + format(depth['depth'], ','):<30} {deep['rps']:>12,.0f} "
            f"{deep['latency_p50_ms']:>12.2f} {deep['server_cpu_us']:>13,.0f}"
        )
        say(
            f"time ratio depth / page 1: {depth['time_ratio']:.2f} (by req/s), "
            f"{depth['cpu_ratio']:.2f} (by server CPU/req)"
        )
    poll = results.get("polling")
    if poll:
        say("")
        say(
            f"provider-style polling ({POLL_WRITERS} connections updating): {poll['rps']:,.0f} GET/s, "
            f"p50 {poll['p50_ms']:.2f} ms, p99 {poll['p99_ms']:.2f} ms (worst run {poll['p99_ms_worst']:.2f} ms), "
            f"non-2xx {poll['non2xx']}, updates accepted per run {poll['writes_2xx']:,.0f}"
        )
    gran = results.get("granian")
    if gran and "error" not in gran:
        say("")
        say(f"{'same app, server':<40} {'req/s':>10} {'CPU us/req':>11} {'ratio by CPU':>13}")
        for key, label in (("get_one", "GET one rancher"), ("get_page", f"GET page of {PAGE}")):
            for name in ("uvicorn", "granian", "baseline"):
                g = gran[key][name]
                say(
                    f"{label + ', ' + name:<40} {g['rps']:>10,.0f} {g['server_cpu_us']:>11,.0f} {g['cpu_ratio']:>13.2f}"
                )
    say("")
    for name, t in results["targets"].items():
        by_rps = f" (by req/s: {t['req_s_ratio']:.2f})" if "req_s_ratio" in t else ""
        say(
            f"target {name}: {t['value']:.2f} {t['op']} {t['target']} -> {'MET' if t['met'] else 'MISSED'}{by_rps}"
        )


# --------------------------------------------------------------------------- main


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="sanity run: 1 repeat of 3 s, depth 200,000")
    p.add_argument("--duration", type=float, help="seconds per wrk run (default 5, --quick 3)")
    p.add_argument("--repeat", type=int, help="wrk runs per measurement, median taken (default 3, --quick 1)")
    p.add_argument("--depth", type=int, help="depth of the deep page (default 1,000,000, --quick 200,000)")
    p.add_argument(
        "--ranchers", type=int, default=1000, help="ranchers seeded through the API (default 1000)"
    )
    p.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    p.add_argument("--skip-depth", action="store_true", help="leave out the depth test")
    p.add_argument(
        "--granian",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also measure convergent under granian (default: when granian is installed)",
    )
    p.add_argument(
        "--output", type=Path, default=BENCH / "results" / "latest.json", help="where the JSON goes"
    )
    args = p.parse_args(argv)
    args.duration = args.duration or (3.0 if args.quick else 5.0)
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.depth = args.depth or (200_000 if args.quick else 1_000_000)
    if args.granian is None:
        import importlib.util

        args.granian = importlib.util.find_spec("granian") is not None
    if args.ranchers < PAGE or args.depth < 1 or args.repeat < 1 or args.duration <= 0:
        p.error("need --ranchers >= 50, --depth >= 1, --repeat >= 1, --duration > 0")
    if args.duration > 240:  # wrk sends headers signed before the run; the server takes them for 300 s
        p.error("--duration at most 240: a signed request is accepted for 300 s after its timestamp")
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
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "wrk": f"-t{args.threads} -c{args.connections} -d{args.duration:g}s",
            "repeat": args.repeat,
            "duration_s": args.duration,
            "ranchers": args.ranchers,
            "depth": None if args.skip_depth else args.depth,
            "quick": args.quick,
            "servers": "uvicorn, 1 worker, no access log, log level warning, loopback",
        },
        "measurements": {},
    }
    say(
        f"convergent bench: wrk {results['settings']['wrk']}, {args.repeat} run(s) per measurement, "
        f"{results['machine']['cpus']} CPUs; temp dir {tmp}"
    )

    # The account and the owner's credential exist before the server first starts on the file.
    owner = owner_credential(db)
    conv = convergent_server(db, tmp / "convergent.log")
    servers.append(conv)
    conv.start()

    say(f"seeding {args.ranchers} ranchers through the API (signed as the account owner)...")
    started = time.perf_counter()
    with httpx.Client(base_url=conv.base, auth=owner.auth(), timeout=30) as client:
        project = create_project(client, "bench")
        ids = create_ranchers(client, project, args.ranchers, "r")
        deep_project = None if args.skip_depth else create_project(client, "bench-depth")
        if deep_project:
            create_ranchers(client, deep_project, 1, "deep")
        one_url = f"/v2/publicCloud/project/{project}/rancher/{ids[0]}"
        sample = client.get(one_url).raise_for_status()
        project_urn = client.get(f"/v2/publicCloud/project/{project}").raise_for_status().json()["iam"]["urn"]
        user, token = policy_identities(client, owner, project_urn)
    results["seed_api_seconds"] = round(time.perf_counter() - started, 1)
    say(
        f"  done in {results['seed_api_seconds']} s; one rancher envelope is {len(sample.content)} bytes; "
        f"IAM user {ACCOUNT}/{USER_LOGIN} and an OAuth2 service account allowed rancher/get on the project"
    )
    (tmp / "sample.json").write_bytes(sample.content)
    spec = sample.json()["targetSpec"]

    base = baseline_server(tmp / "sample.json", tmp / "baseline.log")
    servers.append(base)
    base.start()

    list_path = f"/v2/publicCloud/project/{project}/rancher"
    page_headers = {"X-Pagination-Size": str(PAGE)}
    one_full, list_full = conv.base + one_url, conv.base + list_path

    def signed(signer: Signer, url: str, extra: dict | None = None):
        """Headers for wrk: signed for `url` as wrk sends it (Host 127.0.0.1:PORT), stamped right before each run."""
        return lambda duration: {**(extra or {}), **signer.headers("GET", url)}

    bearer = {"Authorization": f"Bearer {token}"}
    get_one_as = {
        "owner": signed(owner, one_full),
        "iam-user": signed(user, one_full),
        "oauth2": lambda d: bearer,
    }

    # Before timing anything: each way of calling passes with exactly the headers wrk will send, an
    # unsigned call is refused, and the user's access does come from the policy (rancher/get only).
    with httpx.Client(timeout=30) as client:
        for who, headers in get_one_as.items():
            got = client.get(one_full, headers=headers(0))
            if got.status_code != 200 or got.content != sample.content:
                raise RuntimeError(f"GET one rancher as {who}: {got.status_code} {got.text[:300]}")
        if (status := client.get(one_full).status_code) != 401:
            raise RuntimeError(f"an unsigned GET answered {status}, not 401")
        project_full = conv.base + f"/v2/publicCloud/project/{project}"
        for who, headers in (("iam-user", signed(user, project_full)(0)), ("oauth2", bearer)):
            if (status := client.get(project_full, headers=headers).status_code) != 403:
                raise RuntimeError(
                    f"GET the project as {who} (no policy allows it) answered {status}, not 403"
                )
        for server, headers in ((conv, signed(owner, list_full, page_headers)(0)), (base, page_headers)):
            got = client.get(server.base + list_path, headers=headers).raise_for_status().json()
            assert len(got) == PAGE, (server.name, len(got))
    say(
        "  checked: signed (owner, IAM user) and bearer GETs answer 200 with wrk's exact URL and Host; "
        "unsigned 401; the user and the service account get 403 on the project itself"
    )

    say("measuring (convergent and baseline runs interleaved):")
    m = results["measurements"]
    got = measure(
        wrk,
        "GET one rancher: signed as the owner, signed as an IAM user, OAuth2 bearer; baseline",
        [
            ("owner", conv, one_full, get_one_as["owner"], None),
            ("iam-user", conv, one_full, get_one_as["iam-user"], None),
            ("oauth2", conv, one_full, get_one_as["oauth2"], None),
            ("baseline", base, base.base + one_url, None, None),
        ],
        args.duration,
        args.repeat,
    )
    for key, who in (("get_one", "owner"), ("get_one_iam_user", "iam-user"), ("get_one_oauth2", "oauth2")):
        m[key] = {"convergent": got[who], "baseline": got["baseline"]}
    m["get_page"] = measure(
        wrk,
        f"GET a page of {PAGE} ranchers (signed as the owner)",
        [
            ("convergent", conv, list_full, signed(owner, list_full, page_headers), None),
            ("baseline", base, base.base + list_path, page_headers, None),
        ],
        args.duration,
        args.repeat,
    )

    tasks_before: dict[str, int] = {}

    def before_put(name: str, after: bool = False):
        if name != "convergent":
            return None
        if not after:
            wait_idle(db)
            tasks_before["n"] = count_update_tasks(db)
            return None
        return {"tasks_created": count_update_tasks(db) - tasks_before["n"]}

    def pools(key: str, threads: int) -> tuple[PutPool, PutPool]:
        """Signed PUTs for convergent; the baseline gets the same requests (it checks no signature,
        so its pool, as large as convergent's, may wrap around freely)."""
        return tuple(
            PutPool(
                tmp,
                f"{key}-{server.name}",
                owner,
                server.base,
                list_path + "/",
                ids,
                spec["plan"],
                spec["version"],
                threads,
                PUT_RATE_GUESS[key],
                grow=server is conv,
            )
            for server in (conv, base)
        )

    conv_pool, base_pool = pools("put_target", args.threads)
    m["put_target"] = measure(
        wrk,
        f"PUT targetSpec, cycling through {len(ids)} ranchers (signed as the owner)",
        [
            ("convergent", conv, list_full, None, conv_pool),
            ("baseline", base, base.base + list_path, None, base_pool),
        ],
        args.duration,
        args.repeat,
        before=before_put,
    )
    # Supplementary: the same PUTs from one connection, one at a time. Under -c32 most PUTs find
    # their rancher still busy (423); one at a time, the engine finishes each task between them.
    conv_pool, base_pool = pools("put_target_1conn", 1)
    m["put_target_1conn"] = measure(
        wrk,
        "PUT targetSpec, one connection (wrk -t1 -c1)",
        [
            ("convergent", conv, list_full, None, conv_pool),
            ("baseline", base, base.base + list_path, None, base_pool),
        ],
        args.duration,
        args.repeat,
        before=before_put,
        threads=1,
        connections=1,
    )
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
    for key in (
        "get_one",
        "get_one_iam_user",
        "get_one_oauth2",
        "get_page",
        "put_target",
        "put_target_1conn",
    ):
        c, b = m[key]["convergent"], m[key]["baseline"]
        m[key]["ratio"] = c["rps"] / b["rps"]
        # The same ratio from server CPU per 2xx answer: what the throughput ratio would be with
        # the server alone on a core; steadier than req/s when wrk shares the two cores.
        m[key]["cpu_ratio"] = b["server_cpu_us"] / c["server_cpu_us"]
    for key in ("get_one_iam_user", "get_one_oauth2"):  # against the owner's signed GET
        m[key]["vs_owner"] = m[key]["convergent"]["rps"] / m["get_one"]["convergent"]["rps"]
        m[key]["vs_owner_cpu"] = (
            m["get_one"]["convergent"]["server_cpu_us"] / m[key]["convergent"]["server_cpu_us"]
        )

    wait_idle(db)
    results["polling"] = measure_polling(
        wrk,
        conv,
        list_full,
        PollPool(tmp, owner, conv.base, list_path + "/", ids),
        PutPool(
            tmp,
            "poll-put",
            owner,
            conv.base,
            list_path + "/",
            ids,
            spec["plan"],
            spec["version"],
            1,
            PUT_RATE_GUESS["put_target_1conn"] * POLL_WRITERS,
        ),
        args.duration,
        args.repeat,
    )

    if args.granian:
        results["granian"] = measure_granian(
            args, wrk, db, tmp, conv, base, servers, owner, one_url, list_path
        )

    base.stop()

    if deep_project:
        total = args.depth + 1000
        say(
            f"depth: stopping convergent, inserting {total - 1:,} ranchers into one project in one transaction..."
        )
        conv.stop()
        seconds = bulk_ranchers(db, deep_project, total - 1)
        say(
            f"  inserted in {seconds:.1f} s ({(total - 1) / seconds:,.0f} rows/s); "
            f"database {db.stat().st_size / 2**20:,.0f} MiB"
        )
        conv.port = free_port()
        conv.argv[-1] = str(conv.port)
        conv.start()
        servers[:] = [conv]

        cursor, first_id = mint_cursor(db, deep_project, args.depth)
        deep_list = conv.base + f"/v2/publicCloud/project/{deep_project}/rancher"
        deep_headers = {**page_headers, "X-Pagination-Cursor": cursor}
        with httpx.Client(timeout=30, auth=owner.auth()) as client:
            check = client.get(deep_list, headers=deep_headers)
            items = check.json() if check.status_code == 200 else None
            if check.status_code != 200 or len(items) != PAGE or items[0]["id"] != first_id:
                raise RuntimeError(
                    f"the minted cursor does not give the expected page: {check.status_code} "
                    f"{check.text[:300]}"
                )
            if "X-Pagination-Cursor-Next" not in check.headers:
                raise RuntimeError("the deep page has no next cursor")
            first = client.get(deep_list, headers=page_headers).raise_for_status()
            assert len(first.json()) == PAGE
        say(
            f"  minted cursor for position {args.depth:,} checked: 200, {PAGE} items, starts at row {args.depth + 1:,}"
        )
        timed = measure(
            wrk,
            f"GET page 1 vs page at depth {args.depth:,} (convergent only, signed as the owner)",
            [
                ("page1", conv, deep_list, signed(owner, deep_list, page_headers), None),
                ("deep", conv, deep_list, signed(owner, deep_list, deep_headers), None),
            ],
            args.duration,
            args.repeat,
        )
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

    targets = results["targets"] = {}
    for key, target in TARGETS_BY_CPU.items():
        targets[f"{key}_cpu_ratio"] = {
            "value": m[key]["cpu_ratio"],
            "op": ">=",
            "target": target,
            "met": m[key]["cpu_ratio"] >= target,
            "req_s_ratio": m[key]["ratio"],
        }
    bearer, signed_cpu = (
        m["get_one_oauth2"]["convergent"]["server_cpu_us"],
        m["get_one"]["convergent"]["server_cpu_us"],
    )
    targets["get_one_oauth2_cpu_us_vs_signed"] = {
        "value": bearer,
        "op": "<=",
        "target": round(signed_cpu, 1),
        "met": bearer <= signed_cpu,
    }
    if "depth" in results:
        ratio = results["depth"]["time_ratio"]
        targets[f"depth_{args.depth}_vs_page1"] = {
            "value": ratio,
            "op": "<=",
            "target": TARGET_DEPTH_RATIO,
            "met": ratio <= TARGET_DEPTH_RATIO,
        }
    p99 = results["polling"]["p99_ms"]
    targets["polling_p99_ms"] = {
        "value": p99,
        "op": "<=",
        "target": TARGET_POLL_P99_MS,
        "met": p99 <= TARGET_POLL_P99_MS and results["polling"]["non2xx"] == 0,
    }
    print_table(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    say(f"\nresults written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
