"""The pytest plugin (entry point `pytest11: convergent`): a convergent server for the test
session, clients already configured for it, its admin controls, and each test isolated.

Fixtures: `convergent_server` (session), `convergent_credential`, `ovh_client`,
`convergent_client`, `convergent_admin`, `provision`. Options (`pytest --help`, section
"convergent") and the same names in the ini file: `convergent_clock`, `convergent_time_scale`,
`convergent_database`, `convergent_url`, `convergent_admin_token`, `convergent_isolation`.
docs/testing.md is the guide. Nothing starts unless a test asks for one of these fixtures.
"""

from __future__ import annotations

import itertools
import secrets
import string

import pytest

__all__ = ["ENDPOINT", "Isolation"]

ENDPOINT = "convergent"  # the python-ovh endpoint name of the session server
SHARED = "convergent_shared"
ISOLATIONS = ("auto", "account", "snapshot")

_OPTIONS = [
    ("clock", "instant", "Simulated time: instant (default), realistic, scaled or manual"),
    ("time_scale", "", "Step durations multiplier with --convergent-clock scaled (default 0.1)"),
    (
        "database",
        "sqlite",
        "sqlite (a file in a temporary folder, default) or a postgresql:// URL of a database for "
        "the session; with the mock, memory (default) or sqlite",
    ),
    ("mock", "false", "true: serve the fixtures in-process with mock_ovh() (no server, no socket)"),
    ("url", "", "Use this running server (e.g. a CI service) instead of starting one"),
    ("admin_token", "", "The admin credential of the server given by --convergent-url"),
    (
        "isolation",
        "auto",
        "How each test starts from the same state: snapshot (the whole state restored: the "
        "faster, for a server or mock of the session's own), account (a fresh account per test: "
        "leaves other accounts alone, for --convergent-url) or auto (default: the one that fits)",
    ),
]


def pytest_addoption(parser):
    group = parser.getgroup("convergent", "convergent: OVHcloud's API emulated for tests")
    for name, default, text in _OPTIONS:
        flag = "--convergent-" + name.replace("_", "-")
        group.addoption(
            flag, dest=f"convergent_{name}", default=None, help=f"{text} [ini: convergent_{name}]"
        )
        parser.addini(f"convergent_{name}", text, default=default)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        f"{SHARED}: the tests of a module carrying it share one convergent state (made for the first of them)",
    )
    from .server import CLOCKS

    choices = {"isolation": ISOLATIONS, "clock": CLOCKS, "mock": ("true", "false")}
    for name, allowed in choices.items():
        if _setting(config, name).lower() not in allowed:
            raise pytest.UsageError(
                f"--convergent-{name} {_setting(config, name)!r}: one of {', '.join(allowed)}"
            )
    database = _setting(config, "database")
    if _mocked(config) and database not in ("sqlite", "memory"):
        raise pytest.UsageError("--convergent-mock keeps its state in memory or in a sqlite file")
    if (
        not _mocked(config)
        and database != "sqlite"
        and not database.startswith(("postgresql://", "postgres://"))
    ):
        raise pytest.UsageError(f"--convergent-database {database!r}: sqlite or a postgresql:// URL")
    if _setting(config, "url") and not _setting(config, "admin_token"):
        raise pytest.UsageError(
            "--convergent-url needs --convergent-admin-token (the server's admin credential)"
        )
    scale = _setting(config, "time_scale")
    try:
        if scale and float(scale) <= 0:
            raise ValueError
    except ValueError:
        raise pytest.UsageError(f"--convergent-time-scale {scale!r}: a positive number") from None


def _mocked(config) -> bool:
    return _setting(config, "mock").lower() == "true"


def _setting(config, name: str) -> str:
    value = config.getoption(f"convergent_{name}")
    return value if value is not None else config.getini(f"convergent_{name}")


class Isolation:
    """Gives each test a credential on a state of its own: a fresh account per test (`account`),
    or the whole server state restored from a snapshot taken at the start (`snapshot`; measured
    the faster, bench/testkit.py). `auto` is snapshot on a server the session owns, account on
    one it attached to. Tests sharing a key (a module under `convergent_shared`) share one."""

    def __init__(self, server, method: str, owned: bool):
        if method == "auto":
            method = "snapshot" if owned else "account"
        self.server, self.method = server, method
        self.shared: dict[str, dict] = {}
        letters = "".join(secrets.choice(string.ascii_lowercase) for _ in range(2))
        self._nics = (f"{letters}{n}-ovh" for n in itertools.count(secrets.randbelow(900_000)))
        self._baseline: tuple[dict, dict] | None = None

    def credential(self, shared: str | None = None) -> dict:
        if shared is not None and shared in self.shared:
            return self.shared[shared]
        if self.method == "account":
            credential = self.server.admin.credential(next(self._nics))
        else:
            if self._baseline is None:
                credential = self.server.admin.credential(next(self._nics))
                self._baseline = credential, self.server.admin.snapshot()
            else:
                self.server.admin.restore(self._baseline[1])
            credential = self._baseline[0]
        if shared is not None:
            self.shared[shared] = credential
        return credential


class TestAdmin:
    """The admin controls within one test, bound to its account; the clock and the faults it
    changes are put back when the test ends."""

    __test__ = False  # not a test class

    def __init__(self, admin, account: str):
        self._admin, self.account = admin, account
        self._clock: dict | None = None
        self._faults = False
        self._announced: set[tuple[str, int]] = set()

    def __getattr__(self, name):
        return getattr(self._admin, name)

    def clock(self, mode: str | None = None, scale: float | None = None) -> dict:
        if mode is not None and self._clock is None:
            self._clock = self._admin.clock()
        return self._admin.clock(mode, scale)

    def fail_operation(self, *args, **kwargs) -> dict:
        self._faults = True
        return self._admin.fail_operation(*args, **kwargs)

    def fail_task(self, *args, **kwargs) -> dict:
        self._faults = True
        return self._admin.fail_task(*args, **kwargs)

    def deprecate(self, section: str, major: int, *args, **kwargs) -> dict:
        self._announced.add((section, major))
        return self._admin.deprecate(section, major, *args, **kwargs)

    def provision(self, product: str, account: str | None = None) -> list[dict]:
        return self._admin.provision(product, account or self.account)

    def undo(self) -> None:
        if self._faults:
            self._admin.clear_faults()
        for section, major in self._announced:
            self._admin.deprecate(section, major, None)
        if self._clock is not None:
            frozen = self._clock.get("frozenAt") is not None
            scale = self._clock["scale"]
            mode = (
                "manual" if frozen else "instant" if scale == 0 else "realistic" if scale == 1 else "scaled"
            )
            self._admin.clock(mode, scale if mode in ("scaled", "manual") else None)


class MockSession:
    """`mock_ovh()` for the whole session, seen as a server: OVHcloud's own endpoint."""

    endpoint = "ovh-eu"
    url = "https://eu.api.ovh.com"

    def __init__(self, mock):
        self.mock, self.admin = mock, mock.admin

    def stop(self) -> None:
        self.mock.stop()


@pytest.fixture(scope="session")
def convergent_server(request):
    """The session's server: `url`, `admin` (admin controls), `isolation`. Started on first use
    (or attached to `--convergent-url`), stopped at the end of the session."""
    from .server import SessionServer

    config = request.config
    url = _setting(config, "url")
    scale = _setting(config, "time_scale")
    if _mocked(config):
        from .mock import MockOvh

        database = _setting(config, "database")
        server = MockSession(
            MockOvh(
                database="file" if database == "sqlite" else ":memory:",
                clock=_setting(config, "clock"),
                time_scale=float(scale) if scale else None,
            ).start()
        )
    elif url:
        server = SessionServer.attach(url, _setting(config, "admin_token"))
    else:
        server = SessionServer.start(
            clock=_setting(config, "clock"),
            time_scale=float(scale) if scale else None,
            database=_setting(config, "database"),
        )
    try:
        server.isolation = Isolation(server, _setting(config, "isolation"), owned=not url or _mocked(config))
        server.ovh_clients = {}
        try:
            import ovh.client
        except ImportError:
            pass
        else:
            if server.endpoint == ENDPOINT:
                ovh.client.ENDPOINTS[ENDPOINT] = f"{server.url}/1.0"
        yield server
    finally:
        server.stop()


@pytest.fixture
def convergent_credential(request, convergent_server) -> dict:
    """A validated key for a state of this test's own (see `--convergent-isolation`):
    `account`, `applicationKey`, `applicationSecret`, `consumerKey`, `endpoint`."""
    shared = request.node.get_closest_marker(SHARED)
    key = request.node.module.__name__ if shared is not None and request.node.module else None
    return convergent_server.isolation.credential(key)


@pytest.fixture
def ovh_client(convergent_server, convergent_credential):
    """python-ovh's `ovh.Client` for this test's credential: endpoint "convergent" (the session
    server), or "ovh-eu" with `--convergent-mock`."""
    ovh = pytest.importorskip("ovh", reason="python-ovh is not installed (pip install ovh)")
    # One client per key for the session: with snapshot isolation every test has the same key,
    # and python-ovh then asks the server's time (GET /auth/time) and connects only once.
    key = convergent_credential["consumerKey"]
    client = convergent_server.ovh_clients.get(key)
    if client is None:
        client = convergent_server.ovh_clients[key] = ovh.Client(
            endpoint=convergent_server.endpoint,
            application_key=convergent_credential["applicationKey"],
            application_secret=convergent_credential["applicationSecret"],
            consumer_key=key,
        )
    return client


@pytest.fixture
def convergent_client(convergent_server, convergent_credential):
    """convergent's own `Client` (httpx) for this test's credential."""
    from ..client import Client

    with Client(
        endpoint=convergent_server.url,
        application_key=convergent_credential["applicationKey"],
        application_secret=convergent_credential["applicationSecret"],
        consumer_key=convergent_credential["consumerKey"],
    ) as client:
        yield client


@pytest.fixture
def convergent_admin(convergent_server, convergent_credential):
    """The admin controls (clock, advance, fail_operation, fail_task, snapshot, restore,
    provision, credential), bound to this test's account; its clock and fault changes are
    undone when the test ends."""
    admin = TestAdmin(convergent_server.admin, convergent_credential["account"])
    yield admin
    admin.undo()


@pytest.fixture
def provision(convergent_admin):
    """`provision(product)`: an order (vrackServices, vmwareCloudDirector, ...) delivered READY
    to this test's account; returns what was delivered (each with its `path`)."""
    return convergent_admin.provision
