"""Conformance of /v2/vrackServices to the reference OpenAPI export (vrackServices.json).

The approach of test_reference_publiccloud.py (its module doc says how the reference is read):
every operation of the reference is served, and every 2xx body convergent answers, in every
state a vRack Services passes through (READY as delivered, a task PENDING then RUNNING step by
step, READY, ERROR), validates against that operation's 200 schema, with the `ipv4` and
`ipv4-block` formats checked too (convergent.conformance.schema checks them). Error answers
follow the reference's common error model.
"""

from __future__ import annotations

import pytest
from conftest import ACCOUNT
from test_reference_publiccloud import HTTP_METHODS, Driver, Reference, _OneStepAtATime, _undeclared

from convergent.engine.orders import Order
from convergent.model.kind import StepFailed
from convergent.sections.vrackservices import VRACK_SERVICES, provision_storage

pytestmark = pytest.mark.anyio

BRANCH = "/v2"
LIST = "/vrackServices/resource"
ITEM = "/vrackServices/resource/{vrackServicesId}"
ELIGIBLE = ITEM + "/eligibleManagedService"
TASKS = ITEM + "/task"
TASK = ITEM + "/task/{taskId}"
TYPES = "/vrackServices/reference/compatibleManagedServiceType"
REGIONS = "/vrackServices/reference/region"
EMPTY = "d41d8cd98f00b204e9800998ecf8427e"

# Fields convergent adds that the reference does not declare where they sit.
KNOWN_EXTENSIONS = {
    # A failed task's entry in currentTasks carries its errors.
    ("common.CurrentTask", "errors"),
    # PUT answers the envelope with its IAM metadata, as GET does (the reference's PUT model
    # leaves it out), as on publicCloud.
    ("vrackServices.VrackServices", "iam"),
}


@pytest.fixture
def ref(reference) -> Reference:
    return Reference(reference("vrackServices"), "vrackServices")


class Recorder(Driver):
    """A driver that also collects the fields the reference does not declare."""

    def __init__(self, client, ref):
        super().__init__(client, ref)
        self.undeclared: dict[tuple[str, str], str] = {}

    async def call(self, method, template, params=None, *, what="", **kw):
        r = await super().call(method, template, params, what=what, **kw)
        found: set = set()
        _undeclared(self.ref, self.ref.response_schema(method, template), r.json(), found)
        for field in found:
            self.undeclared.setdefault(field, f"{method} {template}")
        return r

    async def views(self, id: str, *, what: str) -> dict:
        ids = {"vrackServicesId": id}
        got = await self.body("GET", ITEM, ids, what=what)
        assert id in [v["id"] for v in await self.list_both_ways(LIST, what=what)]
        tasks = await self.list_both_ways(TASKS, ids, what=what)
        for task in tasks:
            assert await self.body("GET", TASK, {**ids, "taskId": task["id"]}, what=what) == task
        await self.list_both_ways(ELIGIBLE, ids, what=what)
        return got


@pytest.fixture
def api(client, ref) -> Recorder:
    return Recorder(client, ref)


async def _storage(app, **kw) -> str:
    order = Order(app.state.ctx.changes, ACCOUNT)
    await provision_storage(order, **kw)
    return f"urn:v1:eu:resource:storageNetApp:{order.delivered[0].id}"


async def test_every_reference_operation_is_served(app, ref):
    served = set(app.state.table.entries)
    assert len(ref.operations) == 8, sorted(ref.operations)
    missing = sorted(f"{m} {BRANCH}{p}" for m, p in ref.operations if (m, BRANCH + p) not in served)
    assert not missing, f"operations of the reference not served: {missing}"
    ours = {(m, p) for m, p in served if p.startswith(BRANCH + "/vrackServices/")}
    extra = sorted(f"{m} {p}" for m, p in ours if (m, p[len(BRANCH) :]) not in ref.operations)
    assert not extra, f"operations the reference does not have: {extra}"


async def test_validator_accepts_every_reference_example_and_rejects_wrong_values(ref):
    checked = 0
    for path, item in ref.spec["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            content = op["responses"]["200"]["content"]["application/json"]
            for name, example in content.get("examples", {}).items():
                assert ref.errors(content["schema"], example["value"]) == [], f"{method} {path} {name}"
                checked += 1
    assert checked > 0
    schema = ref.response_schema("GET", ITEM)
    good = ref.spec["paths"][ITEM]["get"]["responses"]["200"]["content"]["application/json"]["examples"]
    good = good["3-TwoServiceEndpoints"]["value"]
    subnet = good["currentState"]["subnets"][0]
    wrong = [
        {**good, "resourceStatus": "SUSPENDED"},
        {**good, "currentState": {**good["currentState"], "productStatus": "GONE"}},
        {**good, "currentState": {**good["currentState"], "subnets": [{**subnet, "cidr": "192.168.0.0"}]}},
        {
            **good,
            "currentState": {
                **good["currentState"],
                "subnets": [
                    {
                        **subnet,
                        "serviceEndpoints": [
                            {"endpoints": [{"description": "", "ip": "fd00::1"}], "managedServiceURN": "u"}
                        ],
                    }
                ],
            },
        },
        {**good, "targetSpec": {"subnets": [{"cidr": "10.0.0.0/24", "serviceEndpoints": []}]}},
    ]
    for body in wrong:
        assert ref.errors(schema, body), f"should not validate: {body}"


async def test_every_operation_in_every_state(app, api, settle, monkeypatch):
    engine = _OneStepAtATime(app.state.ctx)
    assert await api.list_both_ways(TYPES) == ["storageNetApp"]
    assert {r["name"] for r in await api.list_both_ways(REGIONS)} >= {"eu-west-lim"}
    assert await api.body("GET", LIST, what="no vRack Services") == []
    [delivered] = await app.state.ctx.provision("vrackServices", ACCOUNT)
    await app.state.ctx.provision("vrackServices", ACCOUNT)
    id = delivered["id"]
    ids = {"vrackServicesId": id}
    efs = [await _storage(app) for _ in range(3)]
    got = await api.views(id, what="just delivered")
    assert got["checksum"] == EMPTY and got["resourceStatus"] == "READY"

    spec = {
        "subnets": [
            {
                "cidr": "192.168.0.0/24",
                "displayName": "My.Subnet",
                "vlan": 30,
                "serviceRange": {"cidr": "192.168.0.0/29"},
                "serviceEndpoints": [{"managedServiceURN": u} for u in efs[:2]],
            }
        ]
    }
    updated = await api.body("PUT", ITEM, ids, json={"checksum": EMPTY, "targetSpec": spec}, what="UPDATING")
    assert updated["resourceStatus"] == "UPDATING"
    passes = 0
    while await engine.run_due():
        passes += 1
        await api.views(id, what=f"UPDATING, after {passes} engine passes")
    assert passes >= 3
    got = await api.views(id, what="READY")
    assert (
        got["resourceStatus"] == "READY" and len(got["currentState"]["subnets"][0]["serviceEndpoints"]) == 2
    )

    def fail(step, resource):
        raise StepFailed("simulated")

    monkeypatch.setattr(VRACK_SERVICES.reconciler, "apply", fail)
    spec["subnets"][0]["serviceEndpoints"].append({"managedServiceURN": efs[2]})
    await api.body("PUT", ITEM, ids, json={"checksum": got["checksum"], "targetSpec": spec}, what="UPDATING")
    await settle()
    got = await api.views(id, what="ERROR")
    assert got["resourceStatus"] == "ERROR" and got["currentTasks"][0]["status"] == "ERROR"

    assert api.validated == api.ref.operations
    unexpected = {f: where for f, where in api.undeclared.items() if f not in KNOWN_EXTENSIONS}
    assert not unexpected, f"fields the reference does not declare: {unexpected}"


async def test_delivered_vrack_services_fills_every_declared_field(app, api, ref, settle):
    [delivered] = await app.state.ctx.provision("vrackServices", ACCOUNT)
    ids = {"vrackServicesId": delivered["id"]}
    efs = await _storage(app)
    spec = {
        "subnets": [
            {
                "cidr": "10.120.0.0/24",
                "displayName": "d",
                "vlan": 2,
                "serviceRange": {"cidr": "10.120.0.0/29"},
                "serviceEndpoints": [{"managedServiceURN": efs}],
            }
        ]
    }
    await api.body("PUT", ITEM, ids, json={"checksum": EMPTY, "targetSpec": spec})
    await settle()
    got = await api.body("GET", ITEM, ids)
    schemas = ref.spec["components"]["schemas"]

    def missing(name: str, value: dict) -> list[str]:
        return [k for k in schemas[name]["properties"] if k not in value]

    assert missing("vrackServices.VrackServicesWithIAM", got) == []
    assert missing("iam.ResourceMetadata", got["iam"]) == []
    assert missing("vrackServices.VrackServicesCurrentState", got["currentState"]) == []
    [subnet] = got["currentState"]["subnets"]
    assert missing("vrackServices.Subnet", subnet) == []
    assert missing("vrackServices.ServiceRange", subnet["serviceRange"]) == []
    assert missing("vrackServices.ServiceEndpoint", subnet["serviceEndpoints"][0]) == []
    assert missing("vrackServices.Endpoint", subnet["serviceEndpoints"][0]["endpoints"][0]) == []
    for task in await api.body("GET", TASKS, ids):
        assert missing("common.Task", task) == []
    for group in await api.body("GET", ELIGIBLE, ids):
        assert missing("vrackServices.EligibleManagedService", group) == []


async def test_error_answers_follow_the_common_error_model_and_name_reference_classes(
    app, client, ref, settle
):
    model = ref.error_model()
    [delivered] = await app.state.ctx.provision("vrackServices", ACCOUNT)
    url = f"{BRANCH}/vrackServices/resource/{delivered['id']}"
    spec = {"subnets": []}
    cases = [
        ("GET", f"{BRANCH}/vrackServices/resource/vrs-a00-000-000-000", {}, 404),
        ("GET", f"{url}/task/00000000-0000-4000-8000-000000000000", {}, 400),
        ("PUT", url, {"json": {"checksum": "x", "targetSpec": spec}}, 400),
        ("PUT", url, {"json": {"checksum": "0" * 32, "targetSpec": spec}}, 412),
        ("PUT", url, {"content": b"{", "headers": {"content-type": "application/json"}}, 400),
    ]
    declared = {
        example["value"]["class"]
        for item in ref.spec["paths"].values()
        for method, op in item.items()
        if method in HTTP_METHODS
        for status, response in op["responses"].items()
        if not status.startswith("2")
        for example in response["content"]["application/json"].get("examples", {}).values()
    }
    for method, target, kw, status in cases:
        r = await client.request(method, target, **kw)
        assert r.status_code == status, r.text
        assert ref.errors(model, r.json()) == []
        assert r.json()["class"] in declared, r.json()
