"""Shared fixtures: an app on a fresh SQLite file, an HTTP client over ASGI, reference data."""

from __future__ import annotations

import json
import pathlib

import httpx
import pytest

from convergent.api import create_app
from convergent.config import Config

REFERENCE = pathlib.Path(__file__).resolve().parents[2] / "shared" / "reference"


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def config(tmp_path) -> Config:
    # The engine does not run in the background here: tests move tasks with `settle`, so that
    # every state they assert is reached deterministically.
    return Config(database=str(tmp_path / "test.db"), instant=True, engine=False)


@pytest.fixture
async def app(config):
    app = create_app(config)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


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
