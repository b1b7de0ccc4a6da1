"""The Terraform `convergent` provider manages notebooks with its generic `convergent_resource`:
created, read without drift, changed, imported and destroyed against a real server."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

import pytest

tf = pytest.importorskip("tf", reason="the Terraform provider needs convergent's terraform extra")

from tf.iface import CreateContext, DeleteContext, ImportContext, PlanContext, ReadContext, UpdateContext  # noqa: E402
from tf.utils import Diagnostics  # noqa: E402

from convergent.auth import accounts  # noqa: E402
from convergent.config import Config  # noqa: E402
from convergent.server import create_app  # noqa: E402
from convergent.store import open_store  # noqa: E402
from convergent.terraform.provider import ConvergentProvider  # noqa: E402
from convergent.terraform.resources import AnyResource  # noqa: E402


@pytest.fixture
def provider(tmp_path):
    """A provider configured against `convergent serve` on a real socket (engine on, instant)."""
    import uvicorn

    database = str(tmp_path / "tf.db")

    async def issue():
        store = open_store(database)
        await store.open()
        try:
            return await accounts.issue_credential(store, "xx1111-ovh", time.time())
        finally:
            await store.close()

    issued = asyncio.run(issue())
    app = create_app(Config(database=database, instant=True, workers=1))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        time.sleep(0.01)
    provider = ConvergentProvider()
    diags = Diagnostics()
    settings = {
        "endpoint": f"http://127.0.0.1:{sock.getsockname()[1]}",
        "application_key": issued.application_key,
        "application_secret": issued.application_secret,
        "consumer_key": issued.consumer_key,
    }
    provider.configure_provider(diags, settings)
    assert not diags.has_errors(), str(diags)
    yield provider
    provider.client.close()
    server.should_exit = True
    thread.join(10)


def _ctx(kind, *more):
    return kind(Diagnostics(), "convergent_resource", *more)


def test_a_notebook_through_the_generic_resource(provider):
    notebooks = AnyResource(provider)
    spec = {"name": "tf", "image": "r-4.4", "storage": 20}
    planned = notebooks.plan(
        _ctx(PlanContext, set()),
        None,
        {"collection": "/v2/notebooks/notebook", "target_spec": json.dumps(spec)},
    )
    made = notebooks.create(_ctx(CreateContext), planned)
    assert made["resource_status"] == "READY", made
    assert made["urn"] == f"urn:v1:eu:resource:notebook:{made['id']}"
    assert json.loads(made["current_state"])["url"].endswith(".notebooks.example")
    assert notebooks.read(_ctx(ReadContext), made) == made, "no drift"

    wanted = {**made, "target_spec": json.dumps({**spec, "storage": 40})}
    changed = notebooks.update(
        _ctx(UpdateContext), made, notebooks.plan(_ctx(PlanContext, {"target_spec"}), made, wanted)
    )
    assert json.loads(changed["current_state"])["storage"] == 40

    shrink = _ctx(UpdateContext)
    notebooks.update(shrink, changed, {**changed, "target_spec": json.dumps(spec)})
    assert "never shrinks" in str(shrink.diagnostics), "the section's own rule, as a diagnostic"

    imported = notebooks.import_(_ctx(ImportContext), f"/v2/notebooks/notebook/{made['id']}")
    assert json.loads(imported["target_spec"])["storage"] == 40
    notebooks.delete(_ctx(DeleteContext), changed)
    assert notebooks.read(_ctx(ReadContext), changed) is None


def test_a_notebook_with_a_typed_spec(provider):
    """`spec` as HCL writes an object (Terraform's dynamic type): read back with its own type."""
    from convergent.terraform.dynamic import Typed, type_of

    notebooks = AnyResource(provider)
    spec = {"name": "typed", "image": "r-4.4", "storage": 20}
    typed = Typed(type_of(spec), spec)
    assert typed.type == ["object", {"name": "string", "image": "string", "storage": "number"}]
    made = notebooks.create(
        _ctx(CreateContext), {"collection": "/v2/notebooks/notebook", "spec": typed, "target_spec": None}
    )
    assert made["resource_status"] == "READY" and made["spec"] is typed and made["target_spec"] is None
    assert notebooks.read(_ctx(ReadContext), made) == made, "no drift"
    bigger = Typed(typed.type, {**spec, "storage": 40})
    changed = notebooks.update(_ctx(UpdateContext), made, {**made, "spec": bigger})
    assert changed["spec"] == bigger and json.loads(changed["current_state"])["storage"] == 40
    notebooks.delete(_ctx(DeleteContext), changed)
