"""`convergent.testing.mock_ovh()`: OVHcloud's hosts answered in-process, with no socket.

Every test here runs with network sockets made impossible (network_guard): what answers does
so through the mock's transports, or the test fails.
"""

from __future__ import annotations

import asyncio
import socket
import warnings

import httpx
import ovh
import ovh.exceptions
import pytest
import requests
from network_guard import NetworkBlocked, no_network

from convergent.client import Client
from convergent.testing import mock_ovh

KEYS = dict(application_key="my-app", application_secret="my-secret", consumer_key="my-consumer")


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    for name in ("OVH_ENDPOINT", "OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.ovh.conf
    monkeypatch.chdir(tmp_path)
    with no_network():
        yield


def test_the_guard_refuses_network_sockets():
    with pytest.raises(httpx.ConnectError, match="a network call was made"):
        httpx.get("https://example.org/")
    with pytest.raises(requests.ConnectionError, match="a network call was made"):
        requests.get("https://example.org/", timeout=1)
    with pytest.raises(NetworkBlocked):
        socket.socket()


def test_python_ovh_on_ovh_eu_with_keys_it_made_up():
    with mock_ovh():
        client = ovh.Client(endpoint="ovh-eu", **KEYS)
        project = client.post("/v2/publicCloud/project", targetSpec={"name": "p", "mode": "CLASSIC"})
        assert project["resourceStatus"] == "CREATING"
        assert client.get("/auth/currentCredential")["status"] == "validated"
        assert [p["id"] for p in client.get("/v2/publicCloud/project")] == [project["id"]]
        with pytest.raises(ovh.exceptions.ResourceNotFoundError):
            client.get(
                f"/v2/publicCloud/project/{project['id'][:-1]}{'a' if project['id'][-1] != 'a' else 'b'}"
            )
        # Every OVHcloud API host reaches the same state.
        ca = ovh.Client(endpoint="ovh-ca", **KEYS)
        assert [p["id"] for p in ca.get("/v2/publicCloud/project")] == [project["id"]]


def test_each_mock_starts_empty_and_the_hosts_are_real_again_after():
    for _ in range(2):
        with mock_ovh():
            client = ovh.Client(endpoint="ovh-eu", **KEYS)
            assert client.get("/v2/publicCloud/project") == []
            client.post("/v2/publicCloud/project", targetSpec={"name": "p", "mode": "CLASSIC"})
    with pytest.raises(ovh.exceptions.HTTPError):  # back to the network, which is blocked here
        ovh.Client(endpoint="ovh-eu", **KEYS).get("/v2/publicCloud/project")


def test_one_mock_entered_twice_starts_empty_and_knows_no_key_each_time():
    mock = mock_ovh()
    for _ in range(2):
        with mock:
            client = ovh.Client(endpoint="ovh-eu", **KEYS)
            assert client.get("/v2/publicCloud/project") == []
            client.post("/v2/publicCloud/project", targetSpec={"name": "p", "mode": "CLASSIC"})


@mock_ovh()
def test_as_a_decorator():
    assert ovh.Client(endpoint="ovh-eu", **KEYS).get("/v2/publicCloud/project") == []


def test_oauth2_client_credentials_with_a_made_up_client():
    with mock_ovh():
        client = ovh.Client(endpoint="ovh-eu", client_id="EU.my-client", client_secret="my-client-secret")
        project = client.post("/v2/publicCloud/project", targetSpec={"name": "p", "mode": "CLASSIC"})
        assert client.get(f"/v2/publicCloud/project/{project['id']}")["id"] == project["id"]
        # The same client with another secret is refused, as the real token endpoint would.
        wrong = ovh.Client(endpoint="ovh-eu", client_id="EU.my-client", client_secret="not-it")
        with pytest.raises(ovh.exceptions.OAuth2FailureError):
            wrong.get("/v2/publicCloud/project")


def test_httpx_and_convergents_own_client():
    with mock_ovh():
        with Client(endpoint="ovh-eu", **KEYS) as client:
            project = client.post("/v2/publicCloud/project", {"targetSpec": {"name": "p", "mode": "CLASSIC"}})
            assert client.wait(project, poll=0.01)["resourceStatus"] == "READY"
        assert isinstance(httpx.get("https://eu.api.ovh.com/1.0/auth/time").json(), int)

        async def from_a_coroutine():
            async with httpx.AsyncClient() as http:
                return (await http.get("https://api.us.ovhcloud.com/1.0/auth/time")).status_code

        assert asyncio.run(from_a_coroutine()) == 200


def test_without_registration_unknown_keys_are_refused_as_ovhcloud_does():
    with mock_ovh(register_keys=False):
        client = ovh.Client(endpoint="ovh-eu", **KEYS)
        with pytest.raises(ovh.exceptions.InvalidKey):
            client.get("/v2/publicCloud/project")


def test_keys_made_through_the_admin_are_checked_exactly():
    with mock_ovh() as mock:
        issued = mock.admin.credential("ab1234-ovh")
        keys = dict(
            application_key=issued["applicationKey"],
            application_secret=issued["applicationSecret"],
            consumer_key=issued["consumerKey"],
        )
        assert ovh.Client(endpoint="ovh-eu", **keys).get("/auth/currentCredential")["status"] == "validated"
        wrong = ovh.Client(endpoint="ovh-eu", **{**keys, "application_secret": "not-it"})
        with pytest.raises(ovh.exceptions.BadParametersError, match="Invalid signature"):
            wrong.get("/auth/currentCredential")


def test_admin_controls_fault_and_manual_clock():
    with mock_ovh(clock="manual", database="file") as mock:
        client = ovh.Client(endpoint="ovh-eu", **KEYS)
        project = client.post("/v2/publicCloud/project", targetSpec={"name": "p", "mode": "CLASSIC"})
        path = f"/v2/publicCloud/project/{project['id']}"
        assert client.get(path)["resourceStatus"] == "CREATING"  # time stands still
        for _ in range(50):  # each advance runs the steps due by then; the next is due later
            mock.admin.advance(60)
            if client.get(path)["resourceStatus"] == "READY":
                break
        assert client.get(path)["resourceStatus"] == "READY"
        mock.admin.fail_operation(
            "GET /v2/publicCloud/project/{projectId}", 503, "Server::ServiceUnavailable"
        )
        with pytest.raises(ovh.exceptions.APIError) as failed:
            client.get(path)
        assert failed.value.response.status_code == 503
        assert client.get(path)["id"] == project["id"]


def test_a_deprecated_major_warns_through_convergents_client():
    with mock_ovh() as mock:
        mock.admin.deprecate("publicCloud", 1, sunset="2031-01-01")
        with (
            Client(endpoint="ovh-eu", schemas_version="1.0", **KEYS) as client,
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            client.get("/v2/publicCloud/project")
        assert [type(w.message).__name__ for w in caught] == ["SchemasVersionDeprecated"]
        mock.admin.deprecate("publicCloud", 1, None)
        with Client(endpoint="ovh-eu", schemas_version="1.0", **KEYS) as client, warnings.catch_warnings():
            warnings.simplefilter("error")
            client.get("/v2/publicCloud/project")
