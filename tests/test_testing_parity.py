"""The mock answers as the server does: a recorded set of python-ovh calls (successes, refusals
of every kind, version negotiation, pagination, tasks) made against a real `convergent serve`
and against `mock_ovh()`, compared status by status, header by header, body by body.

Both run on a manual clock (nothing moves unless the test advances it) with the same seed, so
ids are the same. What differs by nature is set aside before comparing: times, secrets made at
random (a Rancher's bootstrap password, cursors sealed with each database's own key, query ids),
and the headers of the transport rather than the app (`date`, `server`, which only uvicorn adds).
"""

from __future__ import annotations

import json
import re
import time

import ovh
import pytest
from network_guard import no_network

from convergent.testing import mock_ovh
from convergent.testing.server import SessionServer

ACCOUNT = "pa1234-ovh"
TRANSPORT_HEADERS = {"date", "server"}
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
_QUERY_ID = re.compile(r"CV\.[0-9a-f]+\.\d+")


def normalise(value):
    if isinstance(value, dict):
        return {k: "<random>" if k == "bootstrapPassword" else normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        return _QUERY_ID.sub("<query id>", _TIME.sub("<time>", value))
    return value


def answer(response) -> dict:
    headers = {k.lower(): v for k, v in response.headers.items() if k.lower() not in TRANSPORT_HEADERS}
    if "x-pagination-cursor-next" in headers:
        headers["x-pagination-cursor-next"] = "<cursor>"
    for name in headers:
        headers[name] = normalise(headers[name])
    body = json.loads(response.content) if response.content else None
    return {"status": response.status_code, "headers": headers, "body": normalise(body)}


def record(client: ovh.Client, admin) -> list[tuple[str, dict]]:
    """The recorded calls, each with its normalised answer."""
    out = []

    def call(label, method, path, body=None, headers=None):
        response = client.raw_call(method, path, body, headers=dict(headers or {}))
        out.append((label, answer(response)))
        return json.loads(response.content) if response.content else None

    def started(path):
        """Wait (time standing still) until the engine has started the resource's tasks: the
        first step runs at once, and a GET made just before it would see PENDING."""
        for _ in range(400):
            if all(t["status"] != "PENDING" for t in client.get(path)["currentTasks"]):
                return
            time.sleep(0.005)
        raise AssertionError(f"{path}: a task never started")

    def settle(path):
        for _ in range(100):
            admin.advance(30)
            resource = client.get(path)
            if resource["resourceStatus"] in ("READY", "ERROR") and not resource["currentTasks"]:
                return
        raise AssertionError(f"{path} never settled")

    projects = "/v2/publicCloud/project"
    call("empty list", "GET", projects)
    call("bad mode", "POST", projects, {"targetSpec": {"name": "p", "mode": "NOPE"}})
    call("unknown field", "POST", projects, {"targetSpec": {"name": "p", "mode": "CLASSIC", "x": 1}})
    call("not JSON", "POST", projects, None, {"Content-Type": "application/json"})
    first = call("create project", "POST", projects, {"targetSpec": {"name": "one", "mode": "CLASSIC"}})
    call("create another", "POST", projects, {"targetSpec": {"name": "two", "mode": "CLASSIC"}})
    project = f"{projects}/{first['id']}"
    started(project)
    call("project creating", "GET", project)
    settle(project)
    call("project ready", "GET", project)
    call("a page of one", "GET", projects, None, {"X-Pagination-Size": "1"})
    call("bad page size", "GET", projects, None, {"X-Pagination-Size": "0"})
    ranchers = f"{project}/rancher"
    call("bad plan", "POST", ranchers, {"targetSpec": {"name": "r", "plan": "NOPE"}})
    rancher = call("create rancher", "POST", ranchers, {"targetSpec": {"name": "r", "plan": "STANDARD"}})
    path = f"{ranchers}/{rancher['id']}"
    started(path)
    creating = call("rancher creating", "GET", path)
    call("busy", "PUT", path, {"checksum": creating["checksum"], "targetSpec": {**creating["targetSpec"]}})
    settle(path)
    ready = call("rancher ready", "GET", path)
    call("rancher in 2.0", "GET", path, None, {"X-Schemas-Version": "2.0"})
    call("unknown version", "GET", path, None, {"X-Schemas-Version": "9.0"})
    call("stale checksum", "PUT", path, {"checksum": "0" * 32, "targetSpec": ready["targetSpec"]})
    spec = {**ready["targetSpec"], "plan": "OVHCLOUD_EDITION"}
    call("update", "PUT", path, {"checksum": ready["checksum"], "targetSpec": spec})
    started(path)
    call("tasks", "GET", f"{path}/task")
    settle(path)
    call("events", "GET", f"{path}/event")
    call("missing rancher", "GET", f"{ranchers}/{rancher['id'][:-1]}0")
    call("bad id", "GET", f"{ranchers}/not-an-id")
    call("no route", "GET", "/v2/publicCloud/nothing")
    call("delete", "DELETE", path)
    call("no longer editable", "PUT", path, {"checksum": ready["checksum"], "targetSpec": spec})
    return out


@pytest.fixture(scope="module")
def server():
    running = SessionServer.start(clock="manual")
    ovh.client.ENDPOINTS["convergent-parity"] = f"{running.url}/1.0"
    yield running
    running.stop()
    del ovh.client.ENDPOINTS["convergent-parity"]


def client_for(endpoint: str, issued: dict) -> ovh.Client:
    return ovh.Client(
        endpoint=endpoint,
        application_key=issued["applicationKey"],
        application_secret=issued["applicationSecret"],
        consumer_key=issued["consumerKey"],
    )


def test_the_mock_answers_as_the_server(server):
    server.admin.seed(7)
    served = record(client_for("convergent-parity", server.admin.credential(ACCOUNT)), server.admin)
    with no_network(), mock_ovh(clock="manual", seed=7) as mock:
        mocked = record(client_for("ovh-eu", mock.admin.credential(ACCOUNT)), mock.admin)
    assert [label for label, _ in mocked] == [label for label, _ in served]
    statuses = {answer["status"] for _, answer in served}
    assert {200, 400, 404, 412, 423} <= statuses, "the record covers successes and each kind of refusal"
    for (label, expected), (_, got) in zip(served, mocked):
        assert got == expected, label
