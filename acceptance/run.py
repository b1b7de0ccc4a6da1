"""Run OVHcloud's own Terraform provider acceptance tests against a real convergent.

    python -m acceptance [--list core|cloud|FILE] [--run REGEX] [--jobs N] [--min-pass N]

Builds the provider and `ovh.test` with upstream/build-ovh-provider.sh (cached outside the
checkout), starts `convergent serve --instant` on a free port with a new database, prepares what
the tests name (acceptance/prepare.py), writes a Terraform CLI config with dev_overrides, runs each
listed test in its own `ovh.test` process (tests of one source file one after another, as they
share objects; N files at a time), and prints one line per test (PASS, FAIL
or SKIP, with the first error line) and a total. Exits 1 when fewer than --min-pass tests pass,
2 when the upstream material is absent.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .prepare import CREDENTIAL_VARIABLES, Server, prepare
from .upstream import Outcome, build, by_file, read_list, run_test, variables_read

ROOT = Path(__file__).resolve().parents[1]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m acceptance", description=__doc__.split("\n\n")[0])
    p.add_argument("--list", default="core", help="core, cloud, or a file of test names (default core)")
    p.add_argument("--run", default="", help="only the tests matching this regular expression")
    p.add_argument("--jobs", type=int, default=2, help="ovh.test processes at a time (default 2)")
    p.add_argument("--min-pass", type=int, default=0, help="exit 1 when fewer tests pass (default 0)")
    p.add_argument("--timeout", type=float, default=600, help="seconds per test (default 600)")
    p.add_argument(
        "--upstream",
        default=str(ROOT.parent / "shared" / "upstream"),
        help="OVHcloud's tools and test lists (default ../shared/upstream)",
    )
    p.add_argument("--terraform", default=shutil.which("terraform") or "/usr/local/bin/terraform")
    p.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="set or override a variable"
    )
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs, each test's output)")
    p.add_argument("--markdown", metavar="FILE", help="also write the results as a Markdown table")
    return p.parse_args(argv)


def _cli_config(workdir: Path, plugins: Path) -> Path:
    path = workdir / "terraform.rc"
    path.write_text(
        'provider_installation {\n  dev_overrides {\n    "ovh/ovh" = "%s"\n  }\n  direct {}\n}\n' % plugins
    )
    return path


def _line(o: Outcome) -> str:
    reason = f"  {o.reason}" if o.reason else ""
    return f"{o.result:4} {o.test} ({o.seconds:.0f}s){reason}"


def _markdown(outcomes: list[Outcome], path: Path) -> None:
    rows = ["| Test | Result | First error |", "|---|---|---|"]
    for o in outcomes:
        rows.append(f"| {o.test} | {o.result} | {o.reason.replace('|', '/')} |")
    path.write_text("\n".join(rows) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    upstream = Path(args.upstream)
    if not (upstream / "build-ovh-provider.sh").exists():
        print(f"SKIP acceptance: OVHcloud's provider is not at {upstream} (../shared/upstream)")
        return 2
    tests = read_list(upstream, args.list)
    if args.run:
        tests = [t for t in tests if re.search(args.run, t)]
    if not tests:
        print(f"no test of {args.list} matches {args.run!r}")
        return 2
    print(f"building OVHcloud's provider (cached) with {upstream / 'build-ovh-provider.sh'}", flush=True)
    made = build(upstream)
    workdir = Path(tempfile.mkdtemp(prefix="convergent-acceptance-"))
    server = Server(workdir)
    started = time.monotonic()
    try:
        notes: list[str] = []
        env = prepare(server, notes)
        for item in args.env:
            name, _, value = item.partition("=")
            env[name] = value
        env.update(
            TF_ACC="1",
            TF_ACC_TERRAFORM_PATH=args.terraform,
            TF_CLI_CONFIG_FILE=str(_cli_config(workdir, made.provider.parent)),
            CHECKPOINT_DISABLE="1",
            TF_IN_AUTOMATION="1",
        )
        unset = {
            name
            for names in variables_read(made.source, tests).values()
            for name in names
            if name not in env and name not in CREDENTIAL_VARIABLES
        }
        for note in notes:
            print(f"note: {note}")
        if unset:
            print(f"note: unset (tests reading them skip): {', '.join(sorted(unset))}")
        print(
            f"running {len(tests)} tests of {args.list} against {server.url}, {args.jobs} at a time",
            flush=True,
        )
        outcomes: list[Outcome] = []

        def group(tests: list[str]) -> list[Outcome]:
            done = []
            for test in tests:
                done.append(run_test(made, test, env, workdir / "tests" / test, args.timeout))
                print(_line(done[-1]), flush=True)
            return done

        # The longest groups first, so that the last one to start is short.
        groups = sorted(by_file(made.source, tests), key=len, reverse=True)
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            finished = [o for done in pool.map(group, groups) for o in done]
        outcomes = sorted(finished, key=lambda o: tests.index(o.test))
    finally:
        server.stop()
    counts = {r: sum(o.result == r for o in outcomes) for r in ("PASS", "FAIL", "SKIP")}
    minutes = (time.monotonic() - started) / 60
    print(
        f"total: {counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped "
        f"of {len(outcomes)} ({args.list}) in {minutes:.1f} min"
    )
    if args.markdown:
        _markdown(outcomes, Path(args.markdown))
    if args.keep:
        print(f"work directory kept: {workdir} (server.log, tests/<name>/output.txt)")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    if counts["PASS"] < args.min_pass:
        print(f"FAILED: {counts['PASS']} passed, fewer than --min-pass {args.min_pass}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
