"""The framework's hooks as the example uses them: a unique name admitted inside the write
transaction (under two API processes at once), declared error classes that agree with the
raised ones, a dry run that writes nothing, and imports from `convergent.framework` alone."""

from __future__ import annotations

import ast
import asyncio
import json
import pathlib
import socket
import subprocess
import sys
import time

import httpx
import pytest
from convergent_notebooks.notebook import NOTEBOOK

import convergent.framework
from convergent.client import OvhSignature

pytestmark = pytest.mark.anyio

NOTEBOOKS = "/v2/notebooks/notebook"
SPEC = {"name": "lab", "image": "python-3.12", "storage": 20}
CLI = (sys.executable, "-m", "convergent")
PACKAGE = pathlib.Path(__file__).parent.parent / "convergent_notebooks"


def test_the_section_imports_only_the_public_api():
    for source in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("convergent"):
                assert node.module == "convergent.framework", f"{source.name}: from {node.module}"
                for alias in node.names:
                    assert alias.name in convergent.framework.__all__, f"{source.name}: {alias.name}"


def _serve(database, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "convergent",
            "serve",
            "--database",
            str(database),
            "--port",
            str(port),
            "--instant",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_a_unique_name_holds_under_two_api_processes(tmp_path):
    database = tmp_path / "two.db"
    issued = json.loads(
        subprocess.run(
            [*CLI, "credential", "create", "--account", "xx1111-ovh", "--database", str(database), "--json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    auth = OvhSignature(issued["applicationKey"], issued["applicationSecret"], issued["consumerKey"])
    ports = [_free_port(), _free_port()]
    procs = [_serve(database, port) for port in ports]
    try:
        clients = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", auth=auth, timeout=30) for p in ports]
        deadline = time.monotonic() + 30
        for client in clients:
            while True:
                try:
                    await client.get("/v2/")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "servers did not start"
                    await asyncio.sleep(0.1)
        names = [f"nb{i % 3}" for i in range(12)]
        answers = await asyncio.gather(
            *(
                clients[i % 2].post(NOTEBOOKS, json={"targetSpec": {**SPEC, "name": name}})
                for i, name in enumerate(names)
            )
        )
        ok = sorted(r.json()["targetSpec"]["name"] for r in answers if r.status_code == 200)
        assert ok == ["nb0", "nb1", "nb2"], [(r.status_code, r.text) for r in answers]
        refused = {(r.status_code, r.json()["class"]) for r in answers if r.status_code != 200}
        assert refused == {(409, "Client::Conflict::NotebookNameTaken")}
        for client in clients:
            await client.aclose()
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


async def test_raised_error_classes_are_the_documented_ones(client, settle):
    """Every class the notebook routes answer below is in their OpenAPI `x-error-classes`, and
    every class the kind declares is among them."""
    doc = (await client.get("/v2/notebooks.openapi.json", params={"version": "1.1"})).json()
    created = (await client.post(NOTEBOOKS, json={"targetSpec": SPEC})).json()
    await settle()
    url = f"{NOTEBOOKS}/{created['id']}"
    stored = (await client.get(url)).json()
    calls = {
        ("post", "/notebooks/notebook"): [
            lambda: client.post(NOTEBOOKS, json={"targetSpec": SPEC}),  # name taken
            lambda: client.post(NOTEBOOKS, json={"targetSpec": {**SPEC, "storage": 1}}),
            lambda: client.post(NOTEBOOKS, content=b"{"),
            lambda: client.post(NOTEBOOKS, json={"targetSpec": SPEC}, headers={"X-Dry-Run": "yes"}),
        ],
        ("put", "/notebooks/notebook/{notebookId}"): [
            lambda: client.put(url, json={"checksum": "0" * 32, "targetSpec": SPEC}),
            lambda: client.put(url, json={"checksum": "nope", "targetSpec": SPEC}),
            lambda: client.put(url, json={"targetSpec": {**SPEC, "storage": 10}}),
            lambda: client.put(f"{NOTEBOOKS}/missing", json={"targetSpec": SPEC}),
        ],
    }
    produced: set[tuple[int, str]] = set()
    for (method, path), makers in calls.items():
        documented = {(e["status"], e["class"]) for e in doc["paths"][path][method]["x-error-classes"]}
        for make in makers:
            r = await make()
            assert r.status_code >= 400, r.text
            answered = (r.status_code, r.json()["class"])
            assert answered in documented, (method, path, answered)
            produced.add(answered)
    other = await client.post(NOTEBOOKS, json={"targetSpec": {**SPEC, "name": "other"}})
    await settle()
    renamed = {**SPEC, "name": "other"}
    r = await client.put(url, json={"checksum": stored["checksum"], "targetSpec": renamed})
    assert other.status_code == 200 and r.status_code == 409, r.text
    produced.add((r.status_code, r.json()["class"]))
    declared = {cls for classes in NOTEBOOK.errors.values() for cls in classes}
    assert declared <= produced


async def test_a_dry_run_shows_the_steps_and_writes_nothing(client, settle):
    r = await client.post(NOTEBOOKS, json={"targetSpec": SPEC}, headers={"X-Dry-Run": "true"})
    assert r.status_code == 200, r.text
    planned = r.json()
    assert planned["resourceStatus"] == "CREATING" and planned["targetSpec"] == SPEC
    assert planned["plan"] == {
        "type": "NOTEBOOK_CREATE",
        "message": f"create notebook {planned['id']}",
        "steps": [
            {"name": "Allocate storage", "seconds": 20},
            {"name": "Pull image", "seconds": 30},
            {"name": "Start kernel", "seconds": 10},
        ],
    }
    assert (await client.get(NOTEBOOKS)).json() == []
    # The name is still free: the dry run wrote nothing, and admission ran.
    created = (await client.post(NOTEBOOKS, json={"targetSpec": SPEC})).json()
    again = await client.post(NOTEBOOKS, json={"targetSpec": SPEC}, headers={"X-Dry-Run": "true"})
    assert again.status_code == 409, again.text
    await settle()
    url = f"{NOTEBOOKS}/{created['id']}"
    ready = (await client.get(url)).json()
    grow = await client.put(
        f"{url}?dryRun=true", json={"checksum": ready["checksum"], "targetSpec": {**SPEC, "storage": 40}}
    )
    assert grow.status_code == 200 and [s["name"] for s in grow.json()["plan"]["steps"]] == [
        "Resize storage",
        "Restart kernel",
    ]
    assert (await client.get(url)).json() == ready
    assert len((await client.get(f"{url}/task")).json()) == 1
