"""OVHcloud's Terraform provider as a test suite: its build, its test lists, what each test reads,
and one run of one acceptance test with its outcome."""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Build", "build", "read_list", "variables_read", "by_file", "Outcome", "run_test"]

_GETENV = re.compile(r"\bOVH_[A-Z0-9_]+\b")
_PRECHECK = re.compile(r"\b(testAccPreCheck[A-Za-z0-9_]*)\(")


@dataclass(frozen=True)
class Build:
    provider: Path  # terraform-provider-ovh
    tests: Path  # ovh.test
    source: Path  # the unpacked source (ovh/*_test.go)


def build(upstream: Path) -> Build:
    """Build (once; cached outside the checkout) the provider and its test binary."""
    script = upstream / "build-ovh-provider.sh"
    out = subprocess.run([str(script)], check=True, capture_output=True, text=True).stdout.split()
    provider, tests = Path(out[0]), Path(out[1])
    return Build(provider, tests, tests.parent / "src")


def read_list(upstream: Path, name: str) -> list[str]:
    """A list by name (`core`, `cloud`) from upstream/acceptance, or a file path."""
    path = Path(name) if "/" in name or name.endswith(".txt") else upstream / "acceptance" / f"{name}.txt"
    return [
        line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")
    ]


def _functions(text: str) -> dict[str, str]:
    """Go top-level functions by name, each with its body (up to the next top-level func)."""
    parts = re.split(r"^func ", text, flags=re.M)
    out = {}
    for part in parts[1:]:
        name = re.match(r"(?:\([^)]*\)\s*)?([A-Za-z0-9_]+)", part)
        if name:
            out[name.group(1)] = part
    return out


def variables_read(source: Path, tests: list[str]) -> dict[str, set[str]]:
    """The OVH_* variables each test may read: its file's, and its pre-checks' (provider_test.go)."""
    files = {p: p.read_text(errors="replace") for p in (source / "ovh").glob("*_test.go")}
    functions: dict[str, str] = {}
    for text in files.values():
        functions.update(_functions(text))
    out = {}
    for test in tests:
        names: set[str] = set()
        home = next((text for text in files.values() if re.search(rf"^func {test}\(", text, re.M)), "")
        names |= set(_GETENV.findall(home))
        seen: set[str] = set()
        pending = set(_PRECHECK.findall(functions.get(test, "")))
        while pending:
            check = pending.pop()
            if check in seen:
                continue
            seen.add(check)
            body = functions.get(check, "")
            names |= set(_GETENV.findall(body))
            pending |= set(_PRECHECK.findall(body))
        out[test] = names
    return out


def by_file(source: Path, tests: list[str]) -> list[list[str]]:
    """The tests grouped by their source file, in list order. Tests of one file often share one
    object (the tags tests all tag the same project): a group runs one test at a time."""
    homes: dict[str, list[str]] = {}
    texts = {p.name: p.read_text(errors="replace") for p in (source / "ovh").glob("*_test.go")}
    for test in tests:
        home = next((name for name, text in texts.items() if re.search(rf"^func {test}\(", text, re.M)), test)
        homes.setdefault(home, []).append(test)
    return list(homes.values())


@dataclass
class Outcome:
    test: str
    result: str  # PASS, FAIL, SKIP
    seconds: float
    reason: str  # the first error line, the skip message, or ""
    output: str


_ERROR_HINTS = ("Error:", "error:", "panic:", "Step ", "unexpected", "expected", "timed out")


def _first_error(lines: list[str]) -> str:
    for i, line in enumerate(lines):
        text = line.strip()
        if text.startswith(("=== ", "--- ", "PASS", "FAIL", "ok ")) or not text:
            continue
        if any(hint in text for hint in _ERROR_HINTS):
            if text.endswith("exit status 1"):
                # Terraform failed: its own first `Error:` line says why.
                cause = next((n.strip() for n in lines[i + 1 :] if n.strip().startswith("Error:")), "")
                text = f"{text}: {cause}" if cause else text
            return _squeeze(text)
    return next((_squeeze(line) for line in lines if line.strip().startswith("Error")), "")


def _squeeze(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text[:300]


def parse(test: str, output: str, returncode: int, seconds: float) -> Outcome:
    lines = output.splitlines()
    marker = re.compile(rf"^\s*--- (PASS|FAIL|SKIP): {re.escape(test)} ")
    result = next((m.group(1) for m in map(marker.match, lines) if m), None)
    if result is None:
        result = "FAIL"
        reason = _first_error(lines) or f"no result (exit {returncode}): " + _squeeze(" ".join(lines[-3:]))
    elif result == "SKIP":
        reason = next((_squeeze(line) for line in lines if "Skipping" in line or "skip" in line.lower()), "")
    elif result == "FAIL":
        reason = _first_error(lines)
    else:
        reason = ""
    return Outcome(test, result, seconds, reason, output)


def run_test(build: Build, test: str, env: dict[str, str], workdir: Path, timeout: float) -> Outcome:
    """One acceptance test in its own ovh.test process (its own output, and a crash costs one test)."""
    started = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    command = [
        str(build.tests),
        "-test.run",
        f"^{test}$",
        "-test.v",
        "-test.count=1",
        f"-test.timeout={int(timeout)}s",
    ]
    try:
        done = subprocess.run(
            command,
            cwd=workdir,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout + 30,
        )
        output, code = done.stdout + done.stderr, done.returncode
    except subprocess.TimeoutExpired as error:
        output = (error.stdout or "") if isinstance(error.stdout, str) else ""
        output += f"\nError: timed out after {timeout:.0f}s"
        code = -1
    outcome = parse(test, output, code, time.monotonic() - started)
    (workdir / "output.txt").write_text(output)
    return outcome
