"""Shared fixtures: an app on a fresh database of each engine, an HTTP client over ASGI,
reference data.

Every test that uses `database`, `config` or `app` runs twice: on a fresh SQLite file and on a
fresh PostgreSQL database. PostgreSQL is a throwaway cluster started once per session from the
machine's binaries (tests/pgcluster.py); each test gets its own database, cloned
from a migrated template. Where no PostgreSQL can be started those runs skip, saying why,
except under CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import pathlib
import time

import httpx
import pytest
from processes import Server

from convergent.auth import accounts
from convergent.client import OvhSignature
from convergent.config import Config
from convergent.server import create_app

ACCOUNT = "xx1111-ovh"

# ../shared/reference beside the checkout; SHARED_REFERENCE names it elsewhere (a git worktree).
# Not a CONVERGENT_* name: the server reads those as its settings and refuses unknown ones.
REFERENCE = pathlib.Path(
    os.environ.get("SHARED_REFERENCE") or pathlib.Path(__file__).resolve().parents[2] / "shared" / "reference"
)


@pytest.fixture
def anyio_backend():
    return "asyncio"


ENGINES = ["sqlite", "postgres"]
_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL cluster for the session, with a migrated template database."""
    from pgcluster import Cluster, ClusterError

    try:
        import asyncpg  # noqa: F401
    except ImportError:
        _unavailable("asyncpg is not installed (pip install -e '.[test]')")
    try:
        cluster = Cluster.create()
    except ClusterError as error:
        _unavailable(str(error))
    try:
        template = cluster.create_database("convergent_template")
        asyncio.run(_migrate(template))
        yield cluster
    finally:
        cluster.destroy()


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"CI runs every test on PostgreSQL too, and PostgreSQL cannot be started: {reason}")
    pytest.skip(f"PostgreSQL cannot be started here: {reason}")


async def _migrate(url: str) -> None:
    from convergent.store import open_store

    store = open_store(url)
    await store.open()
    await store.close()


@pytest.fixture
def pg_database(pg_cluster):
    """A fresh, migrated PostgreSQL database; its URL."""
    name = f"test_{next(_names)}"
    url = pg_cluster.create_database(name, template="convergent_template")
    yield url
    pg_cluster.drop_database(name)


@pytest.fixture(params=ENGINES)
def database(request, tmp_path) -> str:
    """A fresh database of each engine: a SQLite file path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "test.db")
    return request.getfixturevalue("pg_database")


@pytest.fixture
def config(database) -> Config:
    # The engine does not run in the background here: tests move tasks with `settle`, so that
    # every state they assert is reached deterministically.
    return Config(database=database, instant=True, workers=0)


@pytest.fixture
async def app(config):
    app = create_app(config)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def credentials(app):
    """Issue a validated consumer key for an account (the owner, all routes by default)."""

    async def issue(account: str = ACCOUNT, rules=None) -> accounts.Issued:
        return await accounts.issue_credential(app.state.ctx.store, account, time.time(), rules)

    return issue


@pytest.fixture
async def connect(app):
    """An HTTP client over ASGI that signs its requests with the given credential (or none)."""
    opened = []

    def make(issued: accounts.Issued | None = None, **kwargs) -> httpx.AsyncClient:
        auth = (
            OvhSignature(issued.application_key, issued.application_secret, issued.consumer_key)
            if issued
            else None
        )
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver", auth=auth, **kwargs
        )
        opened.append(client)
        return client

    yield make
    for client in opened:
        await client.aclose()


@pytest.fixture
async def client(credentials, connect):
    """A client signed as the owner of account xx1111-ovh."""
    return connect(await credentials())


@pytest.fixture
def settle(app):
    """Run the engine until no task is due (instant mode: every task completes)."""

    async def settle():
        await app.state.ctx.engine.settle()

    return settle


@pytest.fixture
def reference():
    """The reference OpenAPI exports beside the checkout; the test skips where they are absent."""

    def load(name: str) -> dict:
        path = REFERENCE / "ovh-v2-schemas" / f"{name}.json"
        if not path.exists():
            pytest.skip(f"reference data not found at {path} (it lives in ../shared beside the checkout)")
        return json.loads(path.read_text())

    return load


async def create_project(client, settle, name="p1") -> str:
    r = await client.post("/v2/publicCloud/project", json={"targetSpec": {"name": name, "mode": "CLASSIC"}})
    assert r.status_code == 200, r.text
    await settle()
    return r.json()["id"]


async def create_rancher(client, settle, project: str, name="r1", plan="STANDARD") -> dict:
    r = await client.post(
        f"/v2/publicCloud/project/{project}/rancher", json={"targetSpec": {"name": name, "plan": plan}}
    )
    assert r.status_code == 200, r.text
    await settle()
    got = await client.get(f"/v2/publicCloud/project/{project}/rancher/{r.json()['id']}")
    return got.json()


@contextlib.asynccontextmanager
async def serve_sections(database, sections, **settings):
    """An app serving only `sections` (tasks moved by hand), and a client signed as the owner."""
    app = create_app(Config(database=str(database), workers=0, **settings), sections=sections)
    async with app.router.lifespan_context(app):
        ctx = app.state.ctx
        issued = await accounts.issue_credential(ctx.store, ACCOUNT, time.time())
        auth = OvhSignature(issued.application_key, issued.application_secret, issued.consumer_key)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t", auth=auth
        ) as client:
            yield client, ctx


@pytest.fixture
def servers():
    """Start real server processes (`servers(database, *args)`); killed at the end of the test."""
    started = []

    def start(database, *args, **options):
        server = Server(database, *args, **options)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()
        server.log.close()


class LiveServer:
    """The app served over a real socket from a thread (engine on, instant steps), and an owner
    credential issued beforehand in the same database: for blocking clients and the CLI."""

    def __init__(self, database):
        import asyncio
        import socket
        import threading

        import uvicorn

        from convergent.store import open_store

        async def issue():
            store = open_store(str(database))
            await store.open()
            try:
                return await accounts.issue_credential(store, ACCOUNT, time.time())
            finally:
                await store.close()

        self.issued = asyncio.run(issue())
        self.app = create_app(Config(database=str(database), instant=True, workers=1))
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "live server did not start"
            time.sleep(0.01)

    @property
    def env(self) -> dict:
        """OVH_* variables for this server and credential, as a user would export them."""
        return {
            "OVH_ENDPOINT": self.url,
            "OVH_APPLICATION_KEY": self.issued.application_key,
            "OVH_APPLICATION_SECRET": self.issued.application_secret,
            "OVH_CONSUMER_KEY": self.issued.consumer_key,
        }

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.socket.close()


@pytest.fixture
def live(tmp_path, monkeypatch):
    """A LiveServer whose credential is in the OVH_* variables (no ovh.conf is read from $HOME)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    server = LiveServer(tmp_path / "live.db")
    for key, value in server.env.items():
        monkeypatch.setenv(key, value)
    yield server
    server.stop()
