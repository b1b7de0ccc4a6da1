"""Conformance of /v2/vmwareCloudDirector to the reference OpenAPI export (vmwareCloudDirector.json).

Every operation of the reference is served with the same method and path template, and every
2xx body, in every state the resources pass through (READY as delivered, UPDATING with a task
PENDING then RUNNING step by step, READY again, ERROR), validates against that operation's
`200` schema. The reference is read as test_reference_publiccloud reads publicCloud's (same
`Reference`: nullable `allOf` nodes mean "or null", formats checked). Fields convergent adds
are listed in KNOWN_EXTENSIONS; anything else undeclared fails.

One deviation is asserted rather than hidden: the reference's backup status enum has no ERROR,
so a backup whose task failed answers `resourceStatus: ERROR`, outside that enum, as every other
as-code resource does (the engine's one failure state; Terraform and the control panel read it).
"""

from __future__ import annotations

import pytest
from conftest import ACCOUNT
from test_reference_publiccloud import Reference, _undeclared
from test_vmwareclouddirector import step_by_step

from convergent.model.kind import StepFailed
from convergent.sections.vmwareclouddirector import BACKUP, DATACENTER, ORGANIZATION

pytestmark = pytest.mark.anyio

BRANCH = "/v2"
ORGS = "/vmwareCloudDirector/organization"
ORG = ORGS + "/{organizationId}"
ORG_TASKS = ORG + "/task"
ORG_TASK = ORG + "/task/{taskId}"
ORG_EVENTS = ORG + "/event"
PASSWORD = ORG + "/password"
VDCS = ORG + "/virtualDataCenter"
VDC = VDCS + "/{virtualDataCenterId}"
VDC_TASKS = VDC + "/task"
VDC_TASK = VDC + "/task/{taskId}"
COMPUTES = VDC + "/compute"
COMPUTE = COMPUTES + "/{computeId}"
STORAGES = VDC + "/storage"
STORAGE = STORAGES + "/{storageId}"
ORDERABLE = VDC + "/orderableResource"
BACKUPS = "/vmwareCloudDirector/backup"
BACKUP_ITEM = BACKUPS + "/{backupId}"
BACKUP_TASKS = BACKUP_ITEM + "/task"
BACKUP_TASK = BACKUP_ITEM + "/task/{taskId}"
BACKUP_EVENTS = BACKUP_ITEM + "/event"
REGIONS = "/vmwareCloudDirector/reference/region"

# Fields convergent adds that the reference does not declare, each on purpose.
KNOWN_EXTENSIONS = {
    # As-code resources carry their checksum (sent back on PUT), though the export leaves it out.
    ("vmwareCloudDirector.Organization", "checksum"),
    ("vmwareCloudDirector.OrganizationWithIAM", "checksum"),
    ("vmwareCloudDirector.VirtualDataCenter", "checksum"),
    ("vmwareCloudDirector.VirtualDataCenterWithIAM", "checksum"),
    ("vmwareCloudDirector.backup.BackupDetails", "checksum"),
    ("vmwareCloudDirector.backup.BackupDetailsWithIAM", "checksum"),
    # PUT answers the resource as GET does, IAM block included.
    ("vmwareCloudDirector.Organization", "iam"),
    ("vmwareCloudDirector.VirtualDataCenter", "iam"),
    ("vmwareCloudDirector.backup.BackupDetails", "iam"),
    # A failed task's entry in currentTasks carries its errors.
    ("common.CurrentTask", "errors"),
}


@pytest.fixture
def ref(reference) -> Reference:
    return Reference(reference("vmwareCloudDirector"), "vmwareCloudDirector")


class Driver:
    """Calls an operation by its reference template, validates the 200 body, records coverage
    and every field the reference does not declare."""

    def __init__(self, client, ref: Reference):
        self.client = client
        self.ref = ref
        self.validated: set[tuple[str, str]] = set()
        self.undeclared: dict[tuple[str, str], str] = {}

    async def call(self, method: str, template: str, params: dict | None = None, *, what: str = "", **kw):
        assert (method, template) in self.ref.operations, f"{method} {template} is not in the reference"
        url = BRANCH + template.format(**(params or {}))
        r = await self.client.request(method, url, **kw)
        assert r.status_code == 200, f"{method} {url} ({what}) -> {r.status_code} {r.text}"
        assert r.headers["content-type"].startswith("application/json"), r.headers["content-type"]
        body = r.json()
        op = self.ref.spec["paths"][template][method.lower()]
        if "content" in op["responses"]["200"]:
            self.ref.check(method, template, body, what)
            found: set = set()
            _undeclared(self.ref, self.ref.response_schema(method, template), body, found)
            for field in found:
                self.undeclared.setdefault(field, f"{method} {template} ({what})")
        else:
            assert body is None, f"{method} {template} declares no content: answer null, not {body!r}"
        self.validated.add((method, template))
        return r

    async def body(self, method: str, template: str, params: dict | None = None, *, what: str = "", **kw):
        return (await self.call(method, template, params, what=what, **kw)).json()

    async def list_both_ways(self, template: str, params: dict | None = None, *, what: str = "") -> list:
        """The list in one call, then page by page (1 and 2 at a time): the same items."""
        whole = await self.body("GET", template, params, what=what)
        for size in (1, 2):
            items, headers = [], {"X-Pagination-Size": str(size)}
            for _ in range(100):
                r = await self.call("GET", template, params, what=f"{what}, page of {size}", headers=headers)
                assert len(r.json()) <= size
                items += r.json()
                cursor = r.headers.get("X-Pagination-Cursor-Next")
                if not cursor:
                    break
                headers = {"X-Pagination-Size": str(size), "X-Pagination-Cursor": cursor}
            assert items == whole, f"GET {template} ({what}): paging by {size} differs from the whole list"
        return whole

    async def with_tasks(self, item: str, tasks: str, task: str, ids: dict, what: str) -> dict:
        got = await self.body("GET", item, ids, what=what)
        listed = await self.list_both_ways(tasks, ids, what=what)
        for entry in listed:
            assert await self.body("GET", task, {**ids, "taskId": entry["id"]}, what=what) == entry
        for current in got["currentTasks"] or []:
            assert current["id"] in [t["id"] for t in listed]
        return got

    async def everything(self, ids: dict, *, what: str) -> dict:
        """Every read operation of the reference on one delivery; the organization, datacenter
        and backup as read."""
        org = await self.with_tasks(ORG, ORG_TASKS, ORG_TASK, ids, what)
        await self.list_both_ways(ORGS, what=what)
        await self.list_both_ways(ORG_EVENTS, ids, what=what)
        vdc = await self.with_tasks(VDC, VDC_TASKS, VDC_TASK, ids, what)
        await self.list_both_ways(VDCS, ids, what=what)
        for listed, one, name in ((COMPUTES, COMPUTE, "computeId"), (STORAGES, STORAGE, "storageId")):
            for entry in await self.list_both_ways(listed, ids, what=what):
                assert await self.body("GET", one, {**ids, name: entry["id"]}, what=what) == entry
        await self.body("GET", ORDERABLE, ids, what=what)
        backup = await self.with_tasks(BACKUP_ITEM, BACKUP_TASKS, BACKUP_TASK, ids, what)
        await self.list_both_ways(BACKUPS, what=what)
        await self.list_both_ways(BACKUP_EVENTS, ids, what=what)
        await self.list_both_ways(REGIONS, what=what)
        return {"org": org, "vdc": vdc, "backup": backup}


@pytest.fixture
def api(client, ref) -> Driver:
    return Driver(client, ref)


async def _deliver(app) -> dict:
    out = {
        d["kind"].split(".")[1]: d["id"]
        for d in await app.state.ctx.provision("vmwareCloudDirector", ACCOUNT)
    }
    return {
        "organizationId": out["organization"],
        "virtualDataCenterId": out["virtualDataCenter"],
        "backupId": out["backup"],
    }


def _no_surprises(api: Driver) -> None:
    unexpected = {f: where for f, where in api.undeclared.items() if f not in KNOWN_EXTENSIONS}
    assert not unexpected, f"fields the reference does not declare: {unexpected}"


# --- 1. every reference operation is served --------------------------------------------------


async def test_every_reference_operation_is_served(app, ref):
    served = set(app.state.table.entries)
    assert len(ref.operations) == 24, sorted(ref.operations)
    missing = sorted(f"{m} {BRANCH}{p}" for m, p in ref.operations if (m, BRANCH + p) not in served)
    assert not missing, f"operations of the reference not served: {missing}"
    ours = {(m, p[len(BRANCH) :]) for m, p in served if p.startswith(BRANCH + "/vmwareCloudDirector/")}
    assert ours == ref.operations, f"routes the reference does not have: {sorted(ours - ref.operations)}"


async def test_iam_actions_are_the_references(app, ref):
    from convergent.api.routing import operations_of
    from convergent.sections.vmwareclouddirector import SECTION

    ours = {(op.method, op.path): set(op.actions) for op in operations_of(SECTION)}
    for method, path in ref.operations:
        declared = {a["name"] for a in ref.spec["paths"][path][method.lower()].get("x-iam-actions", [])}
        assert ours[(method, path)] == declared, f"{method} {path}"


# --- 2. every operation, every state, through HTTP -------------------------------------------


async def test_every_operation_in_every_state(app, api, ref, settle):
    await _deliver(app)  # a second delivery, so that lists page
    ids = await _deliver(app)
    seen = await api.everything(ids, what="READY as delivered")
    assert {seen[k]["resourceStatus"] for k in seen} == {"READY"}
    await api.body("POST", PASSWORD, ids, what="READY")

    org = seen["org"]
    changes = [
        (ORG, {"checksum": org["checksum"], "targetSpec": {"fullName": "Acme", "description": "Production"}}),
        (
            VDC,
            {"checksum": seen["vdc"]["checksum"], "targetSpec": {"description": "Primary", "vCPUSpeed": 3.0}},
        ),
        (
            BACKUP_ITEM,
            {
                "checksum": seen["backup"]["checksum"],
                "targetSpec": {
                    "offers": [{"name": "SILVER", "quotaInTB": 3}, {"name": "GOLD", "quotaInTB": 2}]
                },
            },
        ),
    ]
    for template, body in changes:
        updated = await api.body("PUT", template, ids, json=body, what="UPDATING")
        assert updated["resourceStatus"] == "UPDATING", updated
    await api.everything(ids, what="UPDATING, tasks PENDING")
    await api.body("POST", PASSWORD, ids, what="UPDATING")

    async def look(passes):
        await api.everything(ids, what=f"UPDATING, after {passes} engine passes")

    assert await step_by_step(app.state.ctx, look) >= 5, "too few transitions to see the tasks RUNNING"
    await settle()
    seen = await api.everything(ids, what="READY after updates")
    assert {seen[k]["resourceStatus"] for k in seen} == {"READY"}
    assert [o["name"] for o in seen["backup"]["currentState"]["offers"]] == ["SILVER", "GOLD"]

    assert api.validated == ref.operations, sorted(ref.operations - api.validated)
    _no_surprises(api)


@pytest.mark.parametrize("kind", [ORGANIZATION, DATACENTER], ids=lambda k: k.name)
async def test_a_failed_update_leaves_a_valid_error_state(app, api, settle, monkeypatch, kind):
    ids = await _deliver(app)
    template = {ORGANIZATION: ORG, DATACENTER: VDC}[kind]
    got = await api.body("GET", template, ids)
    spec = {"fullName": "Broken"} if kind is ORGANIZATION else {"description": "Broken", "vCPUSpeed": 1.5}

    def fail(step, resource):
        raise StepFailed(f"simulated failure in {step}")

    monkeypatch.setattr(kind.reconciler, "apply", fail)
    await api.body("PUT", template, ids, json={"checksum": got["checksum"], "targetSpec": spec})
    await settle()
    seen = await api.everything(ids, what="ERROR")
    failed = seen["org" if kind is ORGANIZATION else "vdc"]
    assert failed["resourceStatus"] == "ERROR" and failed["currentTasks"][0]["status"] == "ERROR", failed
    _no_surprises(api)


async def test_a_failed_backup_update_is_error_outside_the_reference_enum(app, api, ref, settle, monkeypatch):
    ids = await _deliver(app)
    got = await api.body("GET", BACKUP_ITEM, ids)

    def fail(step, resource):
        raise StepFailed("repository unavailable")

    monkeypatch.setattr(BACKUP.reconciler, "apply", fail)
    spec = {"offers": [{"name": "BRONZE", "quotaInTB": 4}]}
    await api.body("PUT", BACKUP_ITEM, ids, json={"checksum": got["checksum"], "targetSpec": spec})
    await settle()
    r = await api.client.get(BRANCH + BACKUP_ITEM.format(**ids))
    body = r.json()
    assert body["resourceStatus"] == "ERROR"
    problems = ref.errors(ref.response_schema("GET", BACKUP_ITEM), body)
    assert len(problems) == 1 and problems[0].startswith("at resourceStatus: 'ERROR' is not one of"), problems
    assert ref.errors(ref.response_schema("GET", BACKUP_ITEM), {**body, "resourceStatus": "READY"}) == []
    # Its tasks and events are plain reference shapes; a new target recovers it.
    await api.list_both_ways(BACKUP_TASKS, ids, what="ERROR")
    await api.list_both_ways(BACKUP_EVENTS, ids, what="ERROR")
    monkeypatch.undo()
    again = await api.body("PUT", BACKUP_ITEM, ids, json={"checksum": body["checksum"], "targetSpec": spec})
    assert again["resourceStatus"] == "UPDATING"
    await settle()
    assert (await api.body("GET", BACKUP_ITEM, ids))["resourceStatus"] == "READY"


# --- 3. a delivered resource fills every field its schema declares ---------------------------


async def test_delivered_resources_fill_every_declared_field(app, api, ref):
    ids = await _deliver(app)
    seen = await api.everything(ids, what="READY")
    schemas = ref.spec["components"]["schemas"]

    def missing(schema_name: str, value: dict, optional: tuple[str, ...] = ()) -> list[str]:
        return [k for k in schemas[schema_name]["properties"] if k not in value and k not in optional]

    assert missing("vmwareCloudDirector.OrganizationWithIAM", seen["org"]) == []
    assert missing("vmwareCloudDirector.organization.CurrentState", seen["org"]["currentState"]) == []
    assert missing("vmwareCloudDirector.organization.TargetSpec", seen["org"]["targetSpec"]) == []
    assert missing("iam.ResourceMetadata", seen["org"]["iam"]) == []
    assert missing("vmwareCloudDirector.VirtualDataCenterWithIAM", seen["vdc"]) == []
    assert missing("vmwareCloudDirector.virtualDataCenter.CurrentState", seen["vdc"]["currentState"]) == []
    assert missing("iam.ResourceMetadata", seen["vdc"]["iam"]) == []
    assert missing("vmwareCloudDirector.backup.BackupDetailsWithIAM", seen["backup"]) == []
    assert missing("vmwareCloudDirector.backup.CurrentState", seen["backup"]["currentState"]) == []
    for offer in seen["backup"]["currentState"]["offers"]:
        assert missing("vmwareCloudDirector.backup.CurrentStateOffer", offer) == []
    for listed, schema, state in (
        (COMPUTES, "vmwareCloudDirector.Compute", "vmwareCloudDirector.compute.CurrentState"),
        (STORAGES, "vmwareCloudDirector.Storage", "vmwareCloudDirector.storage.CurrentState"),
    ):
        for entry in await api.body("GET", listed, ids):
            assert missing(schema, entry) == [] and missing(state, entry["currentState"]) == []
    orderable = await api.body("GET", ORDERABLE, ids)
    for entry in orderable["compute"]:
        assert missing("vmwareCloudDirector.orderableResource.Compute", entry) == []
    for entry in orderable["storage"]:
        assert missing("vmwareCloudDirector.orderableResource.Storage", entry) == []
    for entry in await api.body("GET", REGIONS):
        assert missing("vmwareCloudDirector.Region", entry) == []
    for event in await api.body("GET", ORG_EVENTS, ids):
        assert missing("common.Event", event) == []
    _no_surprises(api)
