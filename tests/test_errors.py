"""Bad input gets a clear JSON error with a stable class, names the field, and changes nothing."""

import json

import pytest
from conftest import create_project, create_rancher
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.anyio

GOOD = {"name": "r1", "plan": "STANDARD"}
UPDATE = {**GOOD, "version": "2.10.3"}

# (what is wrong, body, expected class, expected field)
CREATE_CASES = [
    ("not json", b"{nope", "Client::BadRequest::InvalidJSON", None),
    ("empty body", b"", "Client::BadRequest::InvalidJSON", None),
    ("array body", [], "Client::BadRequest::InvalidInput", "body"),
    ("missing targetSpec", {}, "Client::BadRequest::InvalidInput", "targetSpec"),
    ("unknown top field", {"targetSpec": GOOD, "extra": 1}, "Client::BadRequest::InvalidInput", "extra"),
    ("missing plan", {"targetSpec": {"name": "r"}}, "Client::BadRequest::InvalidInput", "targetSpec.plan"),
    (
        "wrong type",
        {"targetSpec": {"name": 5, "plan": "STANDARD"}},
        "Client::BadRequest::InvalidInput",
        "targetSpec.name",
    ),
    (
        "bad enum",
        {"targetSpec": {"name": "r", "plan": "GOLD"}},
        "Client::BadRequest::InvalidInput",
        "targetSpec.plan",
    ),
    (
        "unknown spec field",
        {"targetSpec": {**GOOD, "colour": "red"}},
        "Client::BadRequest::InvalidInput",
        "targetSpec.colour",
    ),
    (
        "ipRestrictions on create",
        {"targetSpec": {**GOOD, "ipRestrictions": []}},
        "Client::BadRequest::InvalidInput",
        "targetSpec.ipRestrictions",
    ),
    (
        "blank name",
        {"targetSpec": {"name": "  ", "plan": "STANDARD"}},
        "Client::BadRequest::InvalidInput",
        "targetSpec",
    ),
    (
        "unknown version",
        {"targetSpec": {**GOOD, "version": "9.9.9"}},
        "Client::BadRequest::InvalidVersion",
        None,
    ),
    ("null targetSpec", {"targetSpec": None}, "Client::BadRequest::InvalidInput", "targetSpec"),
]


@pytest.mark.parametrize("what,body,cls,field", CREATE_CASES, ids=[c[0] for c in CREATE_CASES])
async def test_bad_create_bodies(client, settle, what, body, cls, field):
    project = await create_project(client, settle)
    url = f"/v2/publicCloud/project/{project}/rancher"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    r = await client.post(url, content=content, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    error = r.json()
    assert error["class"] == cls
    assert isinstance(error["message"], str) and error["message"]
    if field:
        assert error["details"]["field"] == field
    assert (await client.get(url)).json() == []


async def test_an_enum_error_lists_the_accepted_values(client, settle):
    project = await create_project(client, settle)
    r = await client.post(
        f"/v2/publicCloud/project/{project}/rancher", json={"targetSpec": {"name": "r", "plan": "GOLD"}}
    )
    assert r.status_code == 400
    assert r.json()["message"] == (
        "Invalid value for targetSpec.plan: Invalid enum value 'GOLD'; accepted: OVHCLOUD_EDITION, STANDARD"
    )
    assert r.json()["details"] == {"field": "targetSpec.plan", "accepted": "OVHCLOUD_EDITION, STANDARD"}
    r = await client.post("/v2/publicCloud/project", json={"targetSpec": {"name": "p", "mode": "FAST"}})
    assert r.json()["details"]["accepted"] == "CLASSIC, DISCOVERY"


UPDATE_CASES = [
    ("bad cidr", {"cidrBlock": "10.0.0.300/8", "description": "x"}, "targetSpec.ipRestrictions[0]"),
    ("host bits set", {"cidrBlock": "10.0.0.1/8", "description": "x"}, "targetSpec.ipRestrictions[0]"),
    ("missing description", {"cidrBlock": "10.0.0.0/8"}, "targetSpec.ipRestrictions[0].description"),
]


@pytest.mark.parametrize("what,restriction,field", UPDATE_CASES, ids=[c[0] for c in UPDATE_CASES])
async def test_bad_update_bodies_change_nothing(client, settle, what, restriction, field):
    project = await create_project(client, settle)
    rancher = await create_rancher(client, settle, project)
    url = f"/v2/publicCloud/project/{project}/rancher/{rancher['id']}"
    spec = {**rancher["targetSpec"], "ipRestrictions": [restriction]}
    r = await client.put(url, json={"checksum": rancher["checksum"], "targetSpec": spec})
    assert r.status_code == 400
    assert r.json()["details"]["field"] == field
    assert (await client.get(url)).json() == rancher


async def test_duplicate_cidr_blocks_are_refused(client, settle):
    project = await create_project(client, settle)
    rancher = await create_rancher(client, settle, project)
    url = f"/v2/publicCloud/project/{project}/rancher/{rancher['id']}"
    twice = [{"cidrBlock": "10.0.0.0/8", "description": "a"}, {"cidrBlock": "10.0.0.0/8", "description": "b"}]
    r = await client.put(url, json={"targetSpec": {**rancher["targetSpec"], "ipRestrictions": twice}})
    assert r.status_code == 400 and "twice" in r.json()["message"]


@pytest.mark.parametrize(
    "path,param",
    [
        ("/v2/publicCloud/project/not-a-project-id", "projectId"),
        ("/v2/publicCloud/project/0123456789abcdef0123456789abcdef/rancher/not-a-uuid", "rancherId"),
        (
            "/v2/publicCloud/project/0123456789abcdef0123456789abcdef/rancher/"
            "0b9e1c1a-5b2e-4a39-9d44-5b3d8f6d3e11/task/nope",
            "taskId",
        ),
    ],
)
async def test_bad_path_parameters_are_400_naming_them(client, path, param):
    r = await client.get(path)
    assert r.status_code == 400
    assert r.json()["class"] == "Client::BadRequest::InvalidParameter"
    assert r.json()["details"]["parameter"] == param


async def test_unknown_route_and_wrong_method_answer_json(client):
    r = await client.get("/v2/nowhere")
    assert r.status_code == 404 and r.json()["class"] == "Client::NotFound::RouteNotFound"
    assert r.headers["x-ovh-queryid"]
    r = await client.patch("/v2/publicCloud/project")
    assert r.status_code == 405 and r.json()["class"] == "Client::MethodNotAllowed"
    assert r.headers["x-ovh-queryid"]


async def test_unknown_resources_are_404_with_their_class(client, settle):
    project = await create_project(client, settle)
    r = await client.get("/v2/publicCloud/project/0123456789abcdef0123456789abcdef")
    assert r.json()["class"] == "Client::NotFound::ProjectNotFound"
    missing = "0b9e1c1a-5b2e-4a39-9d44-5b3d8f6d3e11"
    r = await client.get(f"/v2/publicCloud/project/{project}/rancher/{missing}")
    assert r.status_code == 404 and r.json()["class"] == "Client::NotFound::RancherNotFound"
    r = await client.post(
        "/v2/publicCloud/project/0123456789abcdef0123456789abcdef/rancher", json={"targetSpec": GOOD}
    )
    assert r.status_code == 404 and r.json()["class"] == "Client::NotFound::ProjectNotFound"


async def test_oversized_body_is_413(client, settle):
    project = await create_project(client, settle)
    big = json.dumps({"targetSpec": {"name": "x" * (2 << 20), "plan": "STANDARD"}})
    r = await client.post(f"/v2/publicCloud/project/{project}/rancher", content=big)
    assert r.status_code == 413 and r.json()["class"] == "Client::PayloadTooLarge"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
spec_like = st.fixed_dictionaries(
    {},
    optional={
        "name": json_values | st.text(max_size=30),
        "plan": st.sampled_from(["STANDARD", "OVHCLOUD_EDITION", "X"]) | json_values,
        "version": st.sampled_from(["2.9.7", "2.10.3", "x"]) | json_values,
        "ipRestrictions": st.lists(
            st.fixed_dictionaries(
                {}, optional={"cidrBlock": st.text(max_size=20) | json_values, "description": json_values}
            ),
            max_size=3,
        )
        | json_values,
    },
)


def _assert_accepted_as_sent(method: str, body, answer: dict) -> None:
    """A 200 only for a body that is a target spec, kept as sent (for a PUT, with no stale checksum)."""
    assert isinstance(body, dict) and isinstance(body.get("targetSpec"), dict), (body, answer)
    if method == "PUT":
        assert body.get("checksum") is None, "a made-up checksum cannot be the rancher's"
    sent, kept = body["targetSpec"], answer["targetSpec"]
    for field in ("name", "plan", "version"):
        if field in sent:
            assert kept[field] == sent[field], (field, sent, kept)
    for sent_block, kept_block in zip(
        sent.get("ipRestrictions", []), kept.get("ipRestrictions", []), strict=True
    ):
        assert kept_block["cidrBlock"] == sent_block["cidrBlock"], (sent, kept)
    assert answer["resourceStatus"] in (("CREATING",) if method == "POST" else ("UPDATING", "READY"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.fixed_dictionaries({}, optional={"targetSpec": spec_like | json_values, "checksum": json_values})
    | json_values
)
@example(body={"targetSpec": GOOD})  # created (an update needs the version)
@example(
    body={"targetSpec": {**UPDATE, "ipRestrictions": [{"cidrBlock": "10.0.0.0/24", "description": "x"}]}}
)
@example(body={"targetSpec": UPDATE, "checksum": "0" * 32})  # a well-formed checksum, not the rancher's: 412
async def test_no_body_produces_a_500_or_corrupts_state(client, settle, body):
    project = await create_project(client, settle, "fuzz")
    rancher = await create_rancher(client, settle, project)
    url = f"/v2/publicCloud/project/{project}/rancher/{rancher['id']}"
    for method, target in (("POST", f"/v2/publicCloud/project/{project}/rancher"), ("PUT", url)):
        r = await client.request(method, target, json=body)
        event(f"{method} {r.status_code}")
        if r.status_code == 200:
            _assert_accepted_as_sent(method, body, r.json())
        elif r.status_code == 412:
            assert method == "PUT" and isinstance(body, dict) and body.get("checksum") is not None, r.text
            assert r.json()["class"] == "Client::PreconditionFailed::ChecksumMismatch", r.text
        else:  # the rancher is READY: nothing else than a bad body may refuse it
            assert r.status_code == 400, r.text
            assert r.json()["class"].startswith("Client::BadRequest"), r.text
    await settle()
    after = await client.get(url)
    assert after.status_code == 200
    assert after.json()["resourceStatus"] in ("READY", "UPDATING")
