"""Key manager secrets, containers, consumers and payloads through HTTP."""

import base64

import pytest
from conftest import create_project

pytestmark = pytest.mark.anyio

LOC = {"region": "GRA11"}


def km(project):
    return f"/v2/publicCloud/project/{project}/keyManager"


async def make(client, settle, url, spec):
    r = await client.post(url, json={"targetSpec": spec})
    assert r.status_code == 200, r.text
    await settle()
    got = await client.get(f"{url}/{r.json()['id']}")
    assert got.json()["resourceStatus"] == "READY", got.text
    return got.json()


def error(r, status, cls):
    assert r.status_code == status, r.text
    assert r.json()["class"] == cls, r.text
    return r.json()


async def test_a_secret_payload_is_never_shown_but_read_through_its_route(client, settle):
    project = await create_project(client, settle)
    payload = base64.b64encode(b"my-secret-payload").decode()
    spec = {
        "name": "s",
        "secretType": "opaque",
        "location": LOC,
        "payload": payload,
        "payloadContentType": "APPLICATION_OCTET_STREAM",
    }
    secret = await make(client, settle, f"{km(project)}/secret", spec)
    assert "payload" not in secret["targetSpec"] and "payload" not in secret["currentState"]
    assert secret["targetSpec"]["secretType"] == "OPAQUE"
    assert (
        secret["currentState"]["status"] == "ACTIVE" and secret["id"] in secret["currentState"]["secretRef"]
    )
    read = await client.post(f"{km(project)}/secret/{secret['id']}/payload")
    assert read.json() == {"payload": payload}

    url = f"{km(project)}/secret/{secret['id']}"
    r = await client.put(
        url, json={"checksum": secret["checksum"], "targetSpec": {"metadata": {"env": "prod"}}}
    )
    assert r.status_code == 200, r.text
    await settle()
    got = (await client.get(url)).json()
    assert got["currentState"]["metadata"] == {"env": "prod"} and got["targetSpec"]["name"] == "s"
    body = error(
        await client.put(url, json={"targetSpec": {"metadata": {}, "name": "other"}}),
        400,
        "Client::BadRequest::ImmutableField",
    )
    assert body["details"] == {"field": "name"}


async def test_a_generated_symmetric_key_reports_its_algorithm(client, settle):
    project = await create_project(client, settle)
    spec = {
        "name": "k",
        "secretType": "SYMMETRIC",
        "location": LOC,
        "algorithm": "aes",
        "bitLength": 256,
        "mode": "cbc",
    }
    secret = await make(client, settle, f"{km(project)}/secret", spec)
    state = secret["currentState"]
    assert (state["algorithm"], state["bitLength"], state["mode"]) == ("AES", 256, "CBC")
    key = (await client.post(f"{km(project)}/secret/{secret['id']}/payload")).json()["payload"]
    assert len(base64.b64decode(key)) == 32


@pytest.mark.parametrize(
    "extra",
    [
        {"secretType": "MAGIC"},
        {"payload": "abc"},
        {"expiration": "2001-01-01T00:00:00Z"},
        {"algorithm": "AES", "bitLength": 100},
    ],
)
async def test_a_secret_spec_is_validated(client, settle, extra):
    project = await create_project(client, settle)
    spec = {"name": "s", "secretType": "OPAQUE", "location": LOC, **extra}
    error(
        await client.post(f"{km(project)}/secret", json={"targetSpec": spec}),
        400,
        "Client::BadRequest::InvalidSecret",
    )


async def test_containers_refer_to_secrets_and_consumers_register(client, settle, credentials, connect):
    project = await create_project(client, settle)
    secret = await make(
        client, settle, f"{km(project)}/secret", {"name": "s", "secretType": "OPAQUE", "location": LOC}
    )
    ref = {"name": "cert", "secret": {"id": secret["id"]}}
    missing = {"name": "x", "secret": {"id": "8d0bb3f6-0c8b-4a0e-9d0e-6c1f1e2d3c4b"}}
    spec = {"name": "c", "type": "GENERIC", "location": LOC}
    body = error(
        await client.post(f"{km(project)}/container", json={"targetSpec": {**spec, "secretRefs": [missing]}}),
        400,
        "Client::BadRequest::InvalidReference",
    )
    assert body["details"] == {"field": "secretRefs[0].secret.id"}
    container = await make(client, settle, f"{km(project)}/container", {**spec, "secretRefs": [ref]})
    assert container["currentState"]["secretRefs"] == [ref]
    error(await client.delete(f"{km(project)}/secret/{secret['id']}"), 409, "Client::Conflict::ResourceInUse")

    consumers = f"{km(project)}/secret/{secret['id']}/consumer"
    consumer = {
        "service": "COMPUTE",
        "resourceType": "INSTANCE",
        "resourceId": "3b2f3f8e-1e0b-4c55-9a52-2f0c7d4b6a11",
    }
    made = (await client.post(consumers, json=consumer)).json()
    expected = (
        base64.urlsafe_b64encode(b"COMPUTE:INSTANCE:3b2f3f8e-1e0b-4c55-9a52-2f0c7d4b6a11")
        .decode()
        .rstrip("=")
    )
    assert made == {"id": expected, **consumer}
    assert (await client.get(consumers)).json() == [made]
    assert (await client.get(f"{consumers}/{expected}")).json() == made
    error(await client.post(consumers, json=consumer), 409, "Client::Conflict::ConsumerAlreadyExists")
    other = connect(await credentials("yy2222-ovh"))
    error(await other.get(consumers), 404, "Client::NotFound::SecretNotFound")
    assert (await client.delete(f"{consumers}/{expected}")).status_code == 200
    error(await client.get(f"{consumers}/{expected}"), 404, "Client::NotFound::ConsumerNotFound")
