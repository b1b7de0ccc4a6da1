"""Discovery documents: error classes and status per operation, and the v1 sections' documents."""

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.anyio

RANCHER = "/publicCloud/project/{projectId}/rancher/{rancherId}"


async def test_operations_name_the_error_classes_they_may_answer(client):
    doc = (await client.get("/v2/publicCloud.openapi.json", params={"version": "2.0"})).json()
    validate(doc)
    put = doc["paths"][RANCHER]["put"]
    classes = {(e["status"], e["class"]) for e in put["x-error-classes"]}
    assert {
        (400, "Client::BadRequest::ChecksumBadFormat"),
        (400, "Client::BadRequest::InvalidParameter"),
        (400, "Client::BadRequest::InvalidInput"),
        (404, "Client::NotFound::ProjectNotFound"),
        (404, "Client::NotFound::RancherNotFound"),
        (412, "Client::PreconditionFailed::ChecksumMismatch"),
        (423, "Client::Locked::RancherLocked"),
        (403, "Client::Forbidden"),
        (400, "Client::BadRequest::UnknownSchemasVersion"),
    } <= classes
    assert "Client::PreconditionFailed::ChecksumMismatch" in put["responses"]["412"]["description"]
    listing = {
        (e["status"], e["class"]) for e in doc["paths"]["/publicCloud/project"]["get"]["x-error-classes"]
    }
    assert (400, "Client::BadRequest::InvalidCursor") in listing and not any(s == 404 for s, _ in listing)
    reset = doc["paths"][f"{RANCHER}/adminCredentials"]["post"]["x-error-classes"]
    assert {"status": 423, "class": "Client::Locked::RancherLocked"} in reset, "declared by the operation"
    task = doc["paths"][f"{RANCHER}/task/{{taskId}}"]["get"]["x-error-classes"]
    assert {"status": 404, "class": "Client::NotFound::TaskNotFound"} in task


async def test_operation_status_in_both_formats(client):
    doc = (await client.get("/v2/publicCloud.openapi.json")).json()
    assert doc["paths"]["/publicCloud/project"]["get"]["x-status"] == "stable"
    assert doc["paths"]["/publicCloud/reference/rancher/plan"]["get"]["x-status"] == "deprecated"
    console = (await client.get("/v2/publicCloud.json")).json()
    statuses = {
        (a["path"], o["httpMethod"]): o["apiStatus"]["value"]
        for a in console["apis"]
        for o in a["operations"]
    }
    assert statuses[("/publicCloud/project", "GET")] == "PRODUCTION"
    assert statuses[("/publicCloud/reference/rancher/plan", "GET")] == "DEPRECATED"


async def test_v1_sections_are_described_without_schemas_versions(connect):
    anonymous = connect()
    me = await anonymous.get("/1.0/me.json")
    assert me.status_code == 200 and "x-schemas-version" not in me.headers
    body = me.json()
    assert body["basePath"].endswith("/1.0") and body["resourcePath"] == "/me"
    [get_me] = [o for a in body["apis"] if a["path"] == "/me" for o in a["operations"]]
    assert get_me["iamActions"] == [{"name": "account:apiovh:me/get", "required": True}]
    assert not any(p["name"] == "X-Schemas-Version" for p in get_me["parameters"])
    auth = (await anonymous.get("/1.0/auth.json")).json()
    [time_op] = [o for a in auth["apis"] if a["path"] == "/auth/time" for o in a["operations"]]
    assert time_op["noAuthentication"] is True and time_op["errors"] == []
    document = (await anonymous.get("/1.0/me.openapi.json")).json()
    validate(document)
    assert document["servers"][0]["url"].endswith("/1.0")
