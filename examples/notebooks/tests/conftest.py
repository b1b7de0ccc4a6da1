"""A convergent serving every installed section (this one among them) on a fresh SQLite file,
and an HTTP client signed as an account owner: what any section's own tests need."""

from __future__ import annotations

import httpx
import pytest

from convergent.auth import accounts
from convergent.client import OvhSignature
from convergent.config import Config
from convergent.server import create_app

ACCOUNT = "xx1111-ovh"
ADMIN_TOKEN = "example-admin-token"


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def config(tmp_path) -> Config:
    # No background engine: `settle` moves tasks, so every state is reached deterministically.
    return Config(database=str(tmp_path / "notebooks.db"), instant=True, workers=0, admin_token=ADMIN_TOKEN)


@pytest.fixture
async def app(config):
    app = create_app(config)  # the section list: built-in sections and every installed one
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app):
    issued = await accounts.issue_credential(app.state.ctx.store, ACCOUNT, app.state.ctx.clock.now())
    auth = OvhSignature(issued.application_key, issued.application_secret, issued.consumer_key)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver", auth=auth
    ) as client:
        yield client


@pytest.fixture
def settle(app):
    async def settle():
        await app.state.ctx.engine.settle()

    return settle
