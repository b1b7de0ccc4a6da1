#!/usr/bin/env python
"""The testing kit's costs, as ratios measured in one run.

    .venv/bin/python bench/testkit.py            # moto comparison + isolation methods (~1 min)
    .venv/bin/python bench/testkit.py --suites   # also the 100-deployment sample suite, 3 ways (~2 min)

1. `mock_ovh()` against moto's `mock_aws()` (moto and boto3 from PyPI: `pip install -e '.[bench]'`)
   on the same call pattern, a policy written then read back, in two shapes:
   - a test each time: enter the mock, make a client, create a policy, get it, leave the mock
     (moto: IAM CreatePolicy + GetPolicy with boto3; convergent: POST /v2/iam/policy + GET
     /v2/iam/policy/{id} with python-ovh, keys made up and registered on first sight);
   - steady calls: GetPolicy / GET policy repeated inside one active mock.
   Runs alternate (moto, convergent, moto, ...) and each figure is the median of the repeats.
2. The plugin's two isolation methods against one `convergent serve`: a fresh account per test
   (`POST /admin/credential`) and a snapshot restored per test (`PUT /admin/snapshot`, with the
   state one test leaves behind: a project and a rancher).
3. With --suites: examples/rancher/test_many.py (100 tests, each a project and a rancher through
   python-ovh, waiting READY) run by pytest in a subprocess with only the convergent plugin, on a
   session server with each isolation method, and in-process with the mock; with compiled
   modules cached, as Python does by default (PYTHONDONTWRITEBYTECODE is dropped for them).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLICY_DOCUMENT = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
)
OVH_POLICY = {
    "name": "readers",
    "identities": ["urn:v1:eu:identity:user:xx1111-ovh/alice"],
    "resources": [{"urn": "urn:v1:eu:resource:*"}],
    "permissions": {"allow": [{"action": "publicCloudProject:apiovh:get"}]},
}
KEYS = dict(application_key="bench-app", application_secret="bench-secret", consumer_key="bench-consumer")


def timed(fn, n: int) -> float:
    """Seconds per call of fn, over n calls."""
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n


def moto_test() -> None:
    import boto3
    from moto import mock_aws

    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        arn = iam.create_policy(PolicyName="readers", PolicyDocument=POLICY_DOCUMENT)["Policy"]["Arn"]
        iam.get_policy(PolicyArn=arn)


def convergent_test() -> None:
    import ovh

    from convergent.testing import mock_ovh

    with mock_ovh():
        client = ovh.Client(endpoint="ovh-eu", **KEYS)
        created = client.post("/v2/iam/policy", **OVH_POLICY)
        client.get(f"/v2/iam/policy/{created['id']}")


def steady(n: int) -> tuple[float, float]:
    import boto3
    import ovh
    from moto import mock_aws

    from convergent.testing import mock_ovh

    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        arn = iam.create_policy(PolicyName="readers", PolicyDocument=POLICY_DOCUMENT)["Policy"]["Arn"]
        iam.get_policy(PolicyArn=arn)
        moto_call = timed(lambda: iam.get_policy(PolicyArn=arn), n)
    with mock_ovh():
        client = ovh.Client(endpoint="ovh-eu", **KEYS)
        path = f"/v2/iam/policy/{client.post('/v2/iam/policy', **OVH_POLICY)['id']}"
        client.get(path)
        convergent_call = timed(lambda: client.get(path), n)
    return moto_call, convergent_call


def compare_with_moto(repeat: int, tests: int, calls: int) -> dict:
    moto_test(), convergent_test()  # imports and first-use costs out of the figures
    per_test = {"moto": [], "convergent": []}
    per_call = {"moto": [], "convergent": []}
    for _ in range(repeat):
        per_test["moto"].append(timed(moto_test, tests))
        per_test["convergent"].append(timed(convergent_test, tests))
        m, c = steady(calls)
        per_call["moto"].append(m)
        per_call["convergent"].append(c)
    out = {}
    for shape, figures in (("test", per_test), ("call", per_call)):
        moto, conv = statistics.median(figures["moto"]), statistics.median(figures["convergent"])
        out[shape] = {"moto_ms": moto * 1000, "convergent_ms": conv * 1000, "ratio": conv / moto}
    return out


def isolation(n: int) -> dict:
    import ovh

    from convergent.testing.server import SessionServer

    server = SessionServer.start()
    try:
        ovh.client.ENDPOINTS["convergent-bench"] = f"{server.url}/1.0"
        admin = server.admin
        base = admin.credential("bb1-ovh")
        baseline = admin.snapshot()
        client = ovh.Client(
            endpoint="convergent-bench",
            application_key=base["applicationKey"],
            application_secret=base["applicationSecret"],
            consumer_key=base["consumerKey"],
        )
        project = client.post("/v2/publicCloud/project", targetSpec={"name": "p", "mode": "CLASSIC"})
        client.post(
            f"/v2/publicCloud/project/{project['id']}/rancher", targetSpec={"name": "r", "plan": "STANDARD"}
        )
        dirty = admin.snapshot()
        counter = iter(range(10, 10**6))

        def restore():
            admin.restore(dirty)  # leave the state one test would leave, then go back
            started = time.perf_counter()
            admin.restore(baseline)
            return time.perf_counter() - started

        account = timed(lambda: admin.credential(f"bb{next(counter)}-ovh"), n)
        snapshot = statistics.mean(restore() for _ in range(n))
        return {"account_ms": account * 1000, "snapshot_ms": snapshot * 1000, "ratio": snapshot / account}
    finally:
        server.stop()


def suites() -> dict:
    out = {}
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    # Python's default: compiled modules are cached (a first run warms the cache; an environment
    # that forbids it makes every process compile convergent, pytest and their dependencies).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(
        [sys.executable, "-c", "import convergent.server, convergent.testing, ovh, pytest"], env=env
    )
    for label, args in (
        ("server, fresh account per test", ["--convergent-isolation=account"]),
        ("server, snapshot restored per test", ["--convergent-isolation=snapshot"]),
        ("mock_ovh in process", ["--convergent-mock=true"]),
    ):
        started = time.perf_counter()
        cpu = os.times()
        pytest = [sys.executable, "-m", "pytest", "-p", "convergent.testing.plugin", "-p", "no:cacheprovider"]
        done = subprocess.run(
            [*pytest, "-q", "examples/rancher/test_many.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
        after = os.times()
        if done.returncode != 0 or "100 passed" not in done.stdout:
            raise SystemExit(f"{label}: the suite failed\n{done.stdout[-2000:]}")
        out[label] = {
            "wall_s": wall,
            "cpu_s": (after.children_user + after.children_system)
            - (cpu.children_user + cpu.children_system),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tests", type=int, default=20, help="mock-per-test rounds per repeat")
    parser.add_argument("--calls", type=int, default=200, help="steady calls per repeat")
    parser.add_argument("--isolations", type=int, default=50)
    parser.add_argument("--suites", action="store_true", help="also run the 100-test sample suite 3 ways")
    args = parser.parse_args()
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
    except ImportError:
        raise SystemExit("moto and boto3 are needed: pip install -e '.[bench]'") from None
    load = os.getloadavg()[0]
    result = {"load_average": load, "cores": os.cpu_count()}
    result["moto"] = compare_with_moto(args.repeat, args.tests, args.calls)
    result["isolation"] = isolation(args.isolations)
    if args.suites:
        result["suites"] = suites()
    print(f"load average {load:.1f} on {os.cpu_count()} cores")
    for shape, row in result["moto"].items():
        print(
            f"per {shape:4}: moto {row['moto_ms']:7.2f} ms  mock_ovh {row['convergent_ms']:7.2f} ms  "
            f"ratio {row['ratio']:.2f}"
        )
    iso = result["isolation"]
    print(
        f"isolation: fresh account {iso['account_ms']:.1f} ms, snapshot restore {iso['snapshot_ms']:.1f} ms "
        f"(ratio {iso['ratio']:.2f})"
    )
    for label, row in result.get("suites", {}).items():
        print(
            f"100-test suite, {label}: {row['wall_s']:.1f} s wall, {row['cpu_s']:.1f} s CPU (all processes)"
        )
    out = ROOT / "bench" / "results" / "testkit.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
