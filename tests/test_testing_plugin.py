"""The pytest plugin (`convergent.testing.plugin`), run as users run it: pytest in a subprocess
on the worked example of docs/testing.md (examples/rancher), with no other plugin loaded.

The slow tests run the sample suite of a hundred deployments, isolated from each other, with a
session server (each isolation method) and with the in-process mock under a network guard; they
print how long each run took (`-s` shows it; docs/testing.md gives the figures)."""

from __future__ import annotations

import pathlib
import time

import pytest

pytest_plugins = ["pytester"]

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "rancher"
GUARD = pathlib.Path(__file__).resolve().parent / "network_guard.py"

NO_NETWORK_CONFTEST = """
import pytest
from network_guard import no_network

@pytest.fixture(autouse=True)
def _no_network():
    with no_network():
        yield
"""

GUARD_CHECK = """
import socket
import pytest
from network_guard import NetworkBlocked

def test_the_network_was_blocked():
    with pytest.raises(NetworkBlocked):
        socket.socket()
"""


@pytest.fixture
def example(pytester, monkeypatch):
    """The worked example in a fresh folder, and a runner of pytest with only our plugin."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    for name in ("deploy.py", "test_deploy.py", "test_many.py"):
        (pytester.path / name).write_text((EXAMPLE / name).read_text())

    def run(*args, timeout: float = 600):
        started = time.perf_counter()
        result = pytester.runpytest_subprocess(
            "-p", "convergent.testing.plugin", "-p", "no:cacheprovider", "-q", *args, timeout=timeout
        )
        return result, time.perf_counter() - started

    return run


def offline(pytester) -> None:
    (pytester.path / "network_guard.py").write_text(GUARD.read_text())
    pytester.makeconftest(NO_NETWORK_CONFTEST)
    pytester.makepyfile(test_guard=GUARD_CHECK)


def test_the_worked_example_against_a_session_server(example):
    result, _ = example("test_deploy.py")
    result.assert_outcomes(passed=4)


def test_the_worked_example_in_process_with_no_socket(example, pytester):
    offline(pytester)
    result, _ = example("test_deploy.py", "test_guard.py", "--convergent-mock=true")
    result.assert_outcomes(passed=5)


def test_snapshot_isolation_and_a_shared_module(example, pytester):
    pytester.makepyfile(
        test_shared="""
        import pytest

        pytestmark = pytest.mark.convergent_shared

        def test_one(ovh_client):
            ovh_client.post("/v2/publicCloud/project", targetSpec={"name": "one", "mode": "CLASSIC"})

        def test_two_sees_what_one_made(ovh_client):
            assert [p["targetSpec"]["name"] for p in ovh_client.get("/v2/publicCloud/project")] == ["one"]
        """,
        test_isolated="""
        def test_starts_empty(ovh_client, convergent_client):
            assert ovh_client.get("/v2/publicCloud/project") == []
            assert convergent_client.get("/v2/publicCloud/project") == []

        def test_provision_delivers_an_order(provision, ovh_client):
            delivered = provision("vrackServices")
            assert ovh_client.get(delivered[0]["path"])["resourceStatus"] == "READY"

        def test_the_clock_is_put_back(convergent_admin):
            assert convergent_admin.clock()["mode"] == "instant"
            convergent_admin.clock("manual")
        """,
    )
    for isolation in ("snapshot", "account"):
        result, _ = example(
            "test_shared.py", "test_isolated.py", "-p", "no:randomly", f"--convergent-isolation={isolation}"
        )
        result.assert_outcomes(passed=5)


def test_an_unusable_option_is_a_usage_error(example):
    result, _ = example("test_deploy.py", "--convergent-isolation=nothing")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*--convergent-isolation 'nothing': one of auto, account, snapshot*"])
    assert "passed" not in result.stdout.str()  # stopped before any test: no server started


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["account", "snapshot"])
def test_a_hundred_isolated_deployments_against_a_session_server(example, isolation):
    result, took = example("test_many.py", f"--convergent-isolation={isolation}")
    result.assert_outcomes(passed=100)
    print(f"\n100 deployments, session server, {isolation} isolation: {took:.1f} s (whole pytest run)")


@pytest.mark.slow
def test_a_hundred_isolated_deployments_in_process_with_no_socket(example, pytester):
    offline(pytester)
    result, took = example("test_many.py", "test_guard.py", "--convergent-mock=true")
    result.assert_outcomes(passed=101)
    print(f"\n100 deployments, mock_ovh in process: {took:.1f} s (whole pytest run)")


@pytest.mark.slow
def test_the_worked_example_on_postgresql_with_scaled_time(example, pg_cluster):
    url = pg_cluster.create_database("plugin_session")
    result, _ = example(
        "test_deploy.py",
        f"--convergent-database={url}",
        "--convergent-clock=scaled",
        "--convergent-time-scale=0.01",
    )
    result.assert_outcomes(passed=4)
