"""Conformance of /v2/publicCloud to the reference OpenAPI export (publicCloud.json).

Every operation of the reference must be served with the same method and path template, and
every 2xx body convergent answers, in every state a resource passes through (CREATING, a task
RUNNING, READY, UPDATING, DELETING, ERROR), must validate against that operation's `200`
response schema. Error answers must follow the reference's common error model.

The reference is read by convergent.conformance (its schema module says how: refs resolved
against the document's components, `{"allOf": [...], "nullable": true}` read as "that, or
null", the formats of identifiers, times and addresses checked). Objects allow properties the
reference does not declare (OpenAPI's default), so `checksum` and the like validate.
`test_no_undeclared_fields_beyond_known_extensions` lists each such field convergent adds, so
that a misspelt field name cannot hide behind that default.
"""

from __future__ import annotations

import pytest
from conftest import create_project

from convergent import conformance
from convergent.conformance.reference import HTTP_METHODS
from convergent.conformance.schema import undeclared
from convergent.model.kind import StepFailed
from convergent.sections.publiccloud import RANCHER

pytestmark = pytest.mark.anyio

BRANCH = "/v2"

PROJECT = "/publicCloud/project"
PROJECT_ITEM = "/publicCloud/project/{projectId}"
RANCHERS = "/publicCloud/project/{projectId}/rancher"
RANCHER_ITEM = "/publicCloud/project/{projectId}/rancher/{rancherId}"
TASKS = RANCHER_ITEM + "/task"
TASK = RANCHER_ITEM + "/task/{taskId}"
EVENTS = RANCHER_ITEM + "/event"
CREDENTIALS = RANCHER_ITEM + "/adminCredentials"
PLAN_CAPS = RANCHER_ITEM + "/capabilities/plan"
VERSION_CAPS = RANCHER_ITEM + "/capabilities/version"
PROJECT_PLAN_REFS = "/publicCloud/project/{projectId}/reference/rancher/plan"
PROJECT_VERSION_REFS = "/publicCloud/project/{projectId}/reference/rancher/version"
PLAN_REFS = "/publicCloud/reference/rancher/plan"
VERSION_REFS = "/publicCloud/reference/rancher/version"

MISSING_UUID = "00000000-0000-4000-8000-000000000000"
MISSING_PROJECT = "0" * 32


# --- reading the reference -------------------------------------------------------------------


class Reference(conformance.Reference):
    """The publicCloud reference, its answers checked as test failures."""

    def __init__(self, spec: dict, name: str = "publicCloud"):
        super().__init__(name, spec)

    def check(self, method: str, path: str, body, what: str = "") -> None:
        problems = super().check(method, path, body)
        if problems:
            pytest.fail(
                f"{method} {path}{f' ({what})' if what else ''}: the 200 body does not validate "
                f"against the reference:\n  " + "\n  ".join(problems) + f"\nbody: {body!r}",
                pytrace=False,
            )

    def error_model(self) -> dict:
        """The reference's common error model (declared on its error responses)."""
        for path, item in self.spec["paths"].items():
            for method, op in item.items():
                if method not in HTTP_METHODS:
                    continue
                for status, response in op.get("responses", {}).items():
                    if not status.startswith("2"):
                        schema = response["content"]["application/json"]["schema"]
                        if schema.get("description") == "Common error model":
                            return schema
        raise AssertionError("the reference declares no common error model")


@pytest.fixture
def ref(reference) -> Reference:
    return Reference(reference("publicCloud"))


# --- driving the API -------------------------------------------------------------------------


class Driver:
    """Calls an operation by its reference template, checks the answer, records coverage."""

    def __init__(self, client, ref: Reference):
        self.client = client
        self.ref = ref
        self.validated: set[tuple[str, str]] = set()

    async def call(self, method: str, template: str, params: dict | None = None, *, what: str = "", **kw):
        assert (method, template) in self.ref.operations, f"{method} {template} is not in the reference"
        url = BRANCH + template.format(**(params or {}))
        r = await self.client.request(method, url, **kw)
        assert r.status_code == 200, f"{method} {url} ({what}) -> {r.status_code} {r.text}"
        assert r.headers["content-type"].startswith("application/json"), r.headers["content-type"]
        body = r.json()
        self.ref.check(method, template, body, what)
        self.validated.add((method, template))
        return r

    async def body(self, method: str, template: str, params: dict | None = None, *, what: str = "", **kw):
        return (await self.call(method, template, params, what=what, **kw)).json()

    async def pages(self, template: str, params: dict | None = None, *, size: int, what: str = "") -> list:
        """Every item of a list, read `size` at a time through the cursor; each page validated."""
        items: list = []
        headers = {"X-Pagination-Size": str(size)}
        for _ in range(1000):
            r = await self.call("GET", template, params, what=f"{what}, page of {size}", headers=headers)
            page = r.json()
            assert len(page) <= size, f"GET {template}: {len(page)} items on a page of {size}"
            items.extend(page)
            cursor = r.headers.get("X-Pagination-Cursor-Next")
            if not cursor:
                return items
            headers = {"X-Pagination-Size": str(size), "X-Pagination-Cursor": cursor}
        raise AssertionError(f"GET {template}: the cursor never ends")

    async def list_both_ways(self, template: str, params: dict | None = None, *, what: str = "") -> list:
        """The list in one call and page by page (size 1 and 2): the same items, each validated."""
        whole = await self.body("GET", template, params, what=what)
        for size in (1, 2):
            paged = await self.pages(template, params, size=size, what=what)
            assert paged == whole, f"GET {template} ({what}): paging by {size} differs from the whole list"
        return whole

    async def rancher_views(self, project: str, rancher: str, *, what: str) -> dict:
        """GET the rancher, its tasks (and each task), its events and the project's list of them."""
        ids = {"projectId": project, "rancherId": rancher}
        got = await self.body("GET", RANCHER_ITEM, ids, what=what)
        listed = await self.list_both_ways(RANCHERS, ids, what=what)
        assert rancher in [r["id"] for r in listed]
        tasks = await self.list_both_ways(TASKS, ids, what=what)
        for task in tasks:
            one = await self.body("GET", TASK, {**ids, "taskId": task["id"]}, what=what)
            assert one == task
        for current in got["currentTasks"] or []:
            assert current["id"] in [t["id"] for t in tasks], "a currentTasks entry names no listed task"
        await self.list_both_ways(EVENTS, ids, what=what)
        return got


@pytest.fixture
def api(client, ref) -> Driver:
    return Driver(client, ref)


class _OneStepAtATime:
    """The engine, one transition per pass. In instant mode a pass runs a whole task at once;
    here step durations are made tiny but not zero, so each pass completes the running step and
    starts the next, as passing time would, and every intermediate state can be read."""

    def __init__(self, ctx):
        self.ctx = ctx

    async def run_due(self) -> int:
        clock = self.ctx.clock
        saved, clock.scale = clock.scale, 1e-5  # above float resolution at today's epoch
        try:
            return await self.ctx.engine.run_due()
        finally:
            clock.scale = saved


def _engine(app):
    return _OneStepAtATime(app.state.ctx)


def _ids(project: str, rancher: str | None = None) -> dict:
    return {"projectId": project} if rancher is None else {"projectId": project, "rancherId": rancher}


def _update_spec(current: dict, **changes) -> dict:
    spec = {k: current[k] for k in ("name", "plan", "version")}
    spec["ipRestrictions"] = current.get("ipRestrictions") or []
    spec.update(changes)
    return spec


# --- 1. every reference operation is served --------------------------------------------------


async def test_every_reference_operation_is_served(app, ref):
    served = set(app.state.table.entries)
    assert len(ref.operations) == 19, sorted(ref.operations)
    missing = sorted(f"{m} {BRANCH}{p}" for m, p in ref.operations if (m, BRANCH + p) not in served)
    assert not missing, f"operations of the reference not served: {missing}"


async def test_deprecated_reference_operations_say_so(api, ref):
    for method, path in sorted(ref.operations):
        if ref.spec["paths"][path][method.lower()].get("deprecated"):
            r = await api.call(method, path, what="deprecated")
            assert r.headers.get("Deprecation") == "true", f"{method} {path} is deprecated in the reference"


# --- the harness itself: it accepts the reference's examples and rejects what it should --------


async def test_validator_accepts_every_reference_example(ref):
    checked = 0
    for path, item in ref.spec["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            content = op["responses"]["200"]["content"]["application/json"]
            for name, example in content.get("examples", {}).items():
                problems = ref.errors(content["schema"], example["value"])
                assert not problems, f"{method.upper()} {path} example {name!r}: {problems}"
                checked += 1
    assert checked > 0


async def test_validator_rejects_wrong_values(ref):
    schema = ref.response_schema("GET", RANCHER_ITEM)
    good = {
        "id": MISSING_UUID,
        "createdAt": "2024-01-01T00:00:00.000Z",
        "updatedAt": "2024-01-01T00:00:00.000Z",
        "resourceStatus": "READY",
        "currentState": {"plan": "STANDARD", "region": "EU_WEST_GRA", "networking": None, "usage": None},
        "currentTasks": [{"id": MISSING_UUID, "link": "/x", "status": None, "type": "RANCHER_UPDATE"}],
        "targetSpec": {"name": "r", "plan": "STANDARD", "version": "2.9.7", "ipRestrictions": []},
    }
    assert ref.errors(schema, good) == []
    wrong = [
        ("resourceStatus", "DONE"),
        ("createdAt", "2024-01-01 00:00:00"),
        ("id", "not-a-uuid"),
        ("targetSpec", {"name": "r", "plan": "STANDARD"}),  # version is required
        ("targetSpec", {"name": "r", "plan": "GOLD", "version": "1"}),
        (
            "targetSpec",
            {
                "name": "r",
                "plan": "STANDARD",
                "version": "1",
                "ipRestrictions": [{"cidrBlock": "10.0.0.0/8"}],
            },
        ),
        ("currentState", {"region": "EU_NORTH"}),
        ("currentState", {"networking": {"egressCidrBlocks": ["nope"]}}),
        ("currentState", {"usage": {"orchestratedVcpus": "3"}}),
        ("currentTasks", [{"status": "DONE"}]),
        ("currentState", None),
    ]
    for field, value in wrong:
        assert ref.errors(schema, {**good, field: value}), f"{field}={value!r} should not validate"


# --- 2. every operation, every state, through HTTP -------------------------------------------


async def test_projects_through_their_states(api, settle):
    created = await api.body(
        "POST", PROJECT, json={"targetSpec": {"name": "alpha", "mode": "CLASSIC"}}, what="CREATING"
    )
    assert created["resourceStatus"] == "CREATING"
    project = created["id"]
    got = await api.body("GET", PROJECT_ITEM, _ids(project), what="CREATING")
    assert got["resourceStatus"] == "CREATING"
    await api.list_both_ways(PROJECT, what="CREATING")

    await api.body(
        "POST", PROJECT, json={"targetSpec": {"name": "beta", "mode": "DISCOVERY"}}, what="CREATING"
    )
    await settle()
    got = await api.body("GET", PROJECT_ITEM, _ids(project), what="READY")
    assert got["resourceStatus"] == "READY"
    assert got["currentState"] == {"mode": "CLASSIC", "name": "alpha"}
    listed = await api.list_both_ways(PROJECT, what="READY")
    assert len(listed) == 2 and all(p["resourceStatus"] == "READY" for p in listed)

    updated = await api.body(
        "PUT",
        PROJECT_ITEM,
        _ids(project),
        json={"targetSpec": {"name": "alpha2", "mode": "CLASSIC"}},
        what="UPDATING",
    )
    assert updated["resourceStatus"] == "UPDATING"
    got = await api.body("GET", PROJECT_ITEM, _ids(project), what="UPDATING")
    assert got["resourceStatus"] == "UPDATING" and got["targetSpec"]["name"] == "alpha2"
    await api.list_both_ways(PROJECT, what="UPDATING")
    await settle()
    got = await api.body("GET", PROJECT_ITEM, _ids(project), what="READY after update")
    assert got["resourceStatus"] == "READY" and got["currentState"]["name"] == "alpha2"
    assert {(m, p) for m, p in api.validated} == {
        ("POST", PROJECT),
        ("GET", PROJECT),
        ("GET", PROJECT_ITEM),
        ("PUT", PROJECT_ITEM),
    }


async def test_references(api, settle):
    project = await create_project(api.client, settle)
    for template, params in (
        (PROJECT_PLAN_REFS, _ids(project)),
        (PROJECT_VERSION_REFS, _ids(project)),
        (PLAN_REFS, None),
        (VERSION_REFS, None),
    ):
        items = await api.list_both_ways(template, params, what="references")
        assert items, f"GET {template} lists nothing"
        assert len({i["name"] for i in items}) == len(items), f"GET {template} lists a name twice"
    # The deprecated global routes and their replacements list the same things.
    assert await api.body("GET", PLAN_REFS) == await api.body("GET", PROJECT_PLAN_REFS, _ids(project))
    assert await api.body("GET", VERSION_REFS) == await api.body("GET", PROJECT_VERSION_REFS, _ids(project))


async def test_rancher_lifecycle_every_operation(app, api, settle, ref):
    engine = _engine(app)
    created = await api.body(
        "POST", PROJECT, json={"targetSpec": {"name": "p", "mode": "CLASSIC"}}, what="CREATING"
    )
    await api.body("GET", PROJECT, what="CREATING")
    project = created["id"]
    await api.body("GET", PROJECT_ITEM, _ids(project), what="CREATING")
    await settle()
    renamed = {"targetSpec": {"name": "p-renamed", "mode": "CLASSIC"}}
    assert (await api.body("PUT", PROJECT_ITEM, _ids(project), json=renamed, what="UPDATING"))[
        "resourceStatus"
    ] == "UPDATING"
    await settle()
    versions = await api.body("GET", PROJECT_VERSION_REFS, _ids(project))
    plans = await api.body("GET", PROJECT_PLAN_REFS, _ids(project))
    await api.body("GET", PLAN_REFS)
    await api.body("GET", VERSION_REFS)
    orderable = [v["name"] for v in versions if v["status"] == "AVAILABLE"]
    assert len(orderable) >= 2, versions
    assert {p["name"] for p in plans} == {"OVHCLOUD_EDITION", "STANDARD"}

    # --- CREATING: the task PENDING, then each step RUNNING
    body = {"targetSpec": {"name": "r1", "plan": "STANDARD", "version": orderable[0]}}
    r1 = await api.body("POST", RANCHERS, _ids(project), json=body, what="CREATING")
    assert r1["resourceStatus"] == "CREATING"
    ids = _ids(project, r1["id"])
    got = await api.rancher_views(project, r1["id"], what="CREATING, task PENDING")
    assert got["resourceStatus"] == "CREATING" and got["currentTasks"], got
    await api.list_both_ways(PLAN_CAPS, ids, what="CREATING")
    await api.list_both_ways(VERSION_CAPS, ids, what="CREATING")
    # A second rancher, created on defaults (no version), for the lists.
    r2 = await api.body(
        "POST", RANCHERS, _ids(project), json={"targetSpec": {"name": "r2", "plan": "OVHCLOUD_EDITION"}}
    )
    assert r2["targetSpec"]["version"], "a rancher created without version gets one"
    steps = 0
    while await engine.run_due():
        steps += 1
        got = await api.rancher_views(project, r1["id"], what=f"CREATING, after {steps} engine passes")
        if got["resourceStatus"] == "READY":
            break
    assert steps >= 3, "the create task went through too few transitions to see it RUNNING"
    await settle()

    # --- READY
    got = await api.rancher_views(project, r1["id"], what="READY")
    assert got["resourceStatus"] == "READY" and not got["currentTasks"], got
    assert got["currentState"]["url"] and got["currentState"]["region"], got["currentState"]
    plan_caps = await api.list_both_ways(PLAN_CAPS, ids, what="READY")
    version_caps = await api.list_both_ways(VERSION_CAPS, ids, what="READY")
    assert [p["name"] for p in plan_caps if p["status"] == "CURRENT"] == ["STANDARD"], plan_caps
    assert {v["name"] for v in version_caps} >= set(orderable)
    credentials = await api.body("POST", CREDENTIALS, ids, what="READY")
    assert credentials["username"] and credentials["password"]

    # --- UPDATING: PUT a new targetSpec with the current checksum
    checksum = got["checksum"]
    spec = _update_spec(
        got["targetSpec"],
        name="r1-renamed",
        plan="OVHCLOUD_EDITION",
        version=orderable[1],
        ipRestrictions=[
            {"cidrBlock": "198.51.100.0/24", "description": "office"},
            {"cidrBlock": "2001:db8::/48", "description": "v6"},
            # The reference: "/subnet is optional, if unspecified then /32 will be used".
            {"cidrBlock": "192.0.2.7", "description": "bare address, été"},
        ],
    )
    updated = await api.body(
        "PUT", RANCHER_ITEM, ids, json={"checksum": checksum, "targetSpec": spec}, what="UPDATING"
    )
    assert updated["resourceStatus"] == "UPDATING", updated
    assert updated["checksum"] != checksum
    got = await api.rancher_views(project, r1["id"], what="UPDATING, task PENDING")
    assert got["resourceStatus"] == "UPDATING"
    await api.list_both_ways(PLAN_CAPS, ids, what="UPDATING")
    await api.list_both_ways(VERSION_CAPS, ids, what="UPDATING")
    await api.body("POST", CREDENTIALS, ids, what="UPDATING")
    passes = 0
    while await engine.run_due():
        passes += 1
        got = await api.rancher_views(project, r1["id"], what=f"UPDATING, after {passes} engine passes")
    got = await api.rancher_views(project, r1["id"], what="READY after update")
    assert got["resourceStatus"] == "READY"
    assert got["currentState"]["name"] == "r1-renamed" and got["currentState"]["plan"] == "OVHCLOUD_EDITION"
    blocks = sorted(r["cidrBlock"] for r in got["currentState"]["ipRestrictions"])
    assert blocks == ["192.0.2.7/32", "198.51.100.0/24", "2001:db8::/48"], blocks
    tasks = await api.body("GET", TASKS, ids)
    assert sorted(t["type"] for t in tasks) == ["RANCHER_CREATE", "RANCHER_UPDATE"], tasks
    assert all(t["status"] == "DONE" and t["finishedAt"] for t in tasks), tasks
    events = await api.body("GET", EVENTS, ids)
    assert {e["type"] for e in events} >= {"TARGET_SPEC_UPDATE", "TASK_START", "TASK_SUCCESS"}

    # --- DELETING, then gone
    await settle()
    deleted = await api.body("DELETE", RANCHER_ITEM, ids, what="DELETING")
    assert deleted["resourceStatus"] == "DELETING"
    await api.rancher_views(project, r1["id"], what="DELETING")
    await settle()
    r = await api.client.get(BRANCH + RANCHER_ITEM.format(**ids))
    assert r.status_code == 404
    listed = await api.list_both_ways(RANCHERS, _ids(project), what="after delete")
    assert [r["id"] for r in listed] == [r2["id"]]

    # Every operation of the reference answered 200 with a valid body at least once here.
    assert api.validated == ref.operations, sorted(ref.operations - api.validated)


@pytest.mark.parametrize("failing_step", ["Provision control plane", "Switch plan"])
async def test_rancher_in_error(app, api, settle, monkeypatch, failing_step):
    """A task that fails (the reconciler raises StepFailed) leaves the rancher in ERROR."""
    real_apply = RANCHER.reconciler.apply

    def apply(step, resource):
        if step == failing_step:
            raise StepFailed(f"simulated failure in {step}")
        return real_apply(step, resource)

    project = await create_project(api.client, settle)
    created = await api.body(
        "POST",
        RANCHERS,
        _ids(project),
        json={"targetSpec": {"name": "r", "plan": "STANDARD"}},
        what="CREATING",
    )
    ids = _ids(project, created["id"])
    if failing_step == "Switch plan":
        await settle()
        got = await api.body("GET", RANCHER_ITEM, ids)
        spec = _update_spec(got["targetSpec"], plan="OVHCLOUD_EDITION")
        await api.body(
            "PUT", RANCHER_ITEM, ids, json={"checksum": got["checksum"], "targetSpec": spec}, what="UPDATING"
        )
    monkeypatch.setattr(RANCHER.reconciler, "apply", apply)
    await settle()

    got = await api.rancher_views(project, created["id"], what=f"ERROR in {failing_step}")
    assert got["resourceStatus"] == "ERROR", got
    failed = [t for t in got["currentTasks"] or [] if t.get("status") == "ERROR"]
    assert len(failed) == 1, got["currentTasks"]
    task = await api.body("GET", TASK, {**ids, "taskId": failed[0]["id"]}, what="ERROR")
    assert task["status"] == "ERROR" and task["errors"] and task["finishedAt"], task
    assert any(p["status"] == "ERROR" for p in task["progress"]), task["progress"]
    events = await api.body("GET", EVENTS, ids, what="ERROR")
    assert "TASK_ERROR" in {e["type"] for e in events}
    await api.list_both_ways(PLAN_CAPS, ids, what="ERROR")
    await api.list_both_ways(VERSION_CAPS, ids, what="ERROR")

    # A new target is accepted from ERROR, and the rancher recovers.
    monkeypatch.setattr(RANCHER.reconciler, "apply", real_apply)
    spec = _update_spec(got["targetSpec"], name="recovered")
    again = await api.body(
        "PUT", RANCHER_ITEM, ids, json={"checksum": got["checksum"], "targetSpec": spec}, what="from ERROR"
    )
    assert again["resourceStatus"] == "UPDATING", again
    await settle()
    got = await api.rancher_views(project, created["id"], what="READY after ERROR")
    assert got["resourceStatus"] == "READY" and got["currentState"]["name"] == "recovered", got


# --- shapes the schema's defaults let through -------------------------------------------------

# Fields convergent adds that the reference does not declare, each on purpose. Anything else
# undeclared is taken for a misspelt or invented field name.
KNOWN_EXTENSIONS = {
    # OVHcloud's as-code resources carry their checksum, though the export leaves it out.
    ("publicCloud.project.ProjectAsync", "checksum"),
    ("publicCloud.project.ProjectAsyncWithIAM", "checksum"),
    ("publicCloud.rancher.Rancher", "checksum"),
    # POST and PUT answer the project as GET does, IAM block included.
    ("publicCloud.project.ProjectAsync", "iam"),
    # A failed task's entry in currentTasks carries its errors.
    ("common.CurrentTask", "errors"),
    # Schemas version 1.1 of convergent's publicCloud added when a rancher was deployed.
    ("publicCloud.rancher.RancherCurrentState", "deployedAt"),
}


def _undeclared(ref: Reference, schema: dict, value, found: set) -> None:
    """Collect (schema name, field) for every field of `value` not declared where it sits."""
    undeclared(ref.schemas, schema, value, found)


class _Recorder(Driver):
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


async def test_no_undeclared_fields_beyond_known_extensions(app, client, ref, settle, monkeypatch):
    api = _Recorder(client, ref)
    project = (await api.body("POST", PROJECT, json={"targetSpec": {"name": "p", "mode": "CLASSIC"}}))["id"]
    await settle()
    await api.body(
        "PUT", PROJECT_ITEM, _ids(project), json={"targetSpec": {"name": "p", "mode": "DISCOVERY"}}
    )
    await settle()
    await api.list_both_ways(PROJECT)
    for template in (PROJECT_PLAN_REFS, PROJECT_VERSION_REFS):
        await api.body("GET", template, _ids(project))
    for template in (PLAN_REFS, VERSION_REFS):
        await api.body("GET", template)
    created = await api.body(
        "POST", RANCHERS, _ids(project), json={"targetSpec": {"name": "r", "plan": "STANDARD"}}
    )
    ids = _ids(project, created["id"])
    while await _engine(app).run_due():
        await api.rancher_views(project, created["id"], what="creating")
    got = await api.rancher_views(project, created["id"], what="READY")
    await api.body("POST", CREDENTIALS, ids)
    await api.body("GET", PLAN_CAPS, ids)
    await api.body("GET", VERSION_CAPS, ids)
    real_apply = RANCHER.reconciler.apply

    def fail(step, resource):
        raise StepFailed("simulated")

    monkeypatch.setattr(RANCHER.reconciler, "apply", fail)
    spec = _update_spec(got["targetSpec"], ipRestrictions=[{"cidrBlock": "192.0.2.0/24", "description": "d"}])
    await api.body("PUT", RANCHER_ITEM, ids, json={"checksum": got["checksum"], "targetSpec": spec})
    await settle()
    await api.rancher_views(project, created["id"], what="ERROR")
    monkeypatch.setattr(RANCHER.reconciler, "apply", real_apply)
    await api.body("DELETE", RANCHER_ITEM, ids)
    await api.rancher_views(project, created["id"], what="DELETING")

    unexpected = {f: where for f, where in api.undeclared.items() if f not in KNOWN_EXTENSIONS}
    assert not unexpected, f"fields the reference does not declare: {unexpected}"


async def test_ready_rancher_fills_every_declared_field(app, api, settle, ref):
    """A READY rancher's body, its tasks and events carry every property the reference declares."""
    project = await create_project(api.client, settle)
    created = await api.body(
        "POST", RANCHERS, _ids(project), json={"targetSpec": {"name": "r", "plan": "STANDARD"}}
    )
    await settle()
    ids = _ids(project, created["id"])
    got = await api.body("GET", RANCHER_ITEM, ids)
    schemas = ref.spec["components"]["schemas"]

    def missing(schema_name: str, value: dict, optional: tuple[str, ...] = ()) -> list[str]:
        declared = schemas[schema_name]["properties"]
        return [k for k in declared if k not in value and k not in optional]

    assert missing("publicCloud.rancher.Rancher", got) == []
    # bootstrapPassword is nullable and shown only until the first change: it may be absent.
    assert (
        missing("publicCloud.rancher.RancherCurrentState", got["currentState"], ("bootstrapPassword",)) == []
    )
    assert missing("publicCloud.rancher.RancherTargetSpec", got["targetSpec"]) == []
    assert missing("publicCloud.rancher.Networking", got["currentState"]["networking"]) == []
    assert missing("publicCloud.rancher.Usage", got["currentState"]["usage"]) == []
    for task in await api.body("GET", TASKS, ids):
        assert missing("common.Task", task) == []
        for step in task["progress"]:
            assert missing("common.TaskProgress", step) == []
    for event in await api.body("GET", EVENTS, ids):
        assert missing("common.Event", event) == []
    assert missing("publicCloud.rancher.Credentials", await api.body("POST", CREDENTIALS, ids)) == []
    project_body = await api.body("GET", PROJECT_ITEM, _ids(project))
    assert missing("publicCloud.project.ProjectAsyncWithIAM", project_body) == []
    assert missing("iam.ResourceMetadata", project_body["iam"]) == []
    assert missing("publicCloud.project.ProjectCurrentState", project_body["currentState"]) == []
    for entry in await api.body("GET", VERSION_CAPS, ids):
        assert missing("publicCloud.rancher.VersionCapability", entry, ("cause", "message")) == []
    for entry in await api.body("GET", PROJECT_VERSION_REFS, _ids(project)):
        assert missing("publicCloud.rancher.VersionReference", entry, ("cause", "message")) == []


# --- 3. error answers follow the reference's common error model ------------------------------


async def test_error_answers_follow_the_common_error_model(api, ref, settle):
    model = ref.error_model()
    client = api.client
    project = await create_project(client, settle)
    rancher = (
        await client.post(
            BRANCH + RANCHERS.format(projectId=project),
            json={"targetSpec": {"name": "r", "plan": "STANDARD"}},
        )
    ).json()
    ids = _ids(project, rancher["id"])
    good_spec = {
        "name": "r",
        "plan": "STANDARD",
        "version": rancher["targetSpec"]["version"],
        "ipRestrictions": [],
    }
    rancher_url = BRANCH + RANCHER_ITEM.format(**ids)

    cases = [
        # while CREATING
        ("POST", CREDENTIALS.format(**ids), {}, 423),
        ("PUT", RANCHER_ITEM.format(**ids), {"json": {"targetSpec": good_spec}}, 423),
        ("DELETE", RANCHER_ITEM.format(**ids), {}, 423),
    ]
    results = []
    for method, path, kw, status in cases:
        results.append((method, path, status, await client.request(method, BRANCH + path, **kw)))
    await settle()
    checksum = (await client.get(rancher_url)).json()["checksum"]

    unknown = _ids(project, MISSING_UUID)
    cases = [
        # unknown resources
        ("GET", RANCHER_ITEM.format(**unknown), {}, 404),
        ("PUT", RANCHER_ITEM.format(**unknown), {"json": {"targetSpec": good_spec}}, 404),
        ("DELETE", RANCHER_ITEM.format(**unknown), {}, 404),
        ("GET", TASKS.format(**unknown), {}, 404),
        ("GET", EVENTS.format(**unknown), {}, 404),
        ("POST", CREDENTIALS.format(**unknown), {}, 404),
        ("GET", PLAN_CAPS.format(**unknown), {}, 404),
        ("GET", VERSION_CAPS.format(**unknown), {}, 404),
        ("GET", TASK.format(**ids, taskId=MISSING_UUID), {}, 404),
        ("GET", PROJECT_ITEM.format(projectId=MISSING_PROJECT), {}, 404),
        ("GET", RANCHERS.format(projectId=MISSING_PROJECT), {}, 404),
        (
            "POST",
            RANCHERS.format(projectId=MISSING_PROJECT),
            {"json": {"targetSpec": {"name": "x", "plan": "STANDARD"}}},
            404,
        ),
        ("GET", PROJECT_PLAN_REFS.format(projectId=MISSING_PROJECT), {}, 404),
        ("GET", PROJECT_VERSION_REFS.format(projectId=MISSING_PROJECT), {}, 404),
        ("GET", "/publicCloud/nothing-here", {}, 404),
        # malformed identifiers and bodies
        ("GET", RANCHER_ITEM.format(projectId=project, rancherId="not-a-uuid"), {}, 400),
        ("GET", TASK.format(**ids, taskId="not-a-uuid"), {}, 400),
        (
            "POST",
            RANCHERS.format(projectId=project),
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            400,
        ),
        ("POST", RANCHERS.format(projectId=project), {"json": {}}, 400),
        ("POST", RANCHERS.format(projectId=project), {"json": {"targetSpec": {"name": "x"}}}, 400),
        (
            "POST",
            RANCHERS.format(projectId=project),
            {"json": {"targetSpec": {"name": "x", "plan": "GOLD"}}},
            400,
        ),
        (
            "POST",
            RANCHERS.format(projectId=project),
            {"json": {"targetSpec": {"name": "x", "plan": "STANDARD", "version": "0.0.1"}}},
            400,
        ),
        (
            "POST",
            RANCHERS.format(projectId=project),
            {"json": {"targetSpec": {"name": "x", "plan": "STANDARD", "extra": 1}}},
            400,
        ),
        ("POST", PROJECT, {"json": {"targetSpec": {"name": "x", "mode": "PREMIUM"}}}, 400),
        ("PUT", RANCHER_ITEM.format(**ids), {"json": {"targetSpec": {"name": "r", "plan": "STANDARD"}}}, 400),
        (
            "PUT",
            RANCHER_ITEM.format(**ids),
            {
                "json": {
                    "targetSpec": {
                        **good_spec,
                        "ipRestrictions": [{"cidrBlock": "300.1.2.3/8", "description": "d"}],
                    }
                }
            },
            400,
        ),
        (
            "PUT",
            RANCHER_ITEM.format(**ids),
            {"json": {"targetSpec": {**good_spec, "ipRestrictions": [{"cidrBlock": "10.0.0.0/8"}]}}},
            400,
        ),
        ("PUT", RANCHER_ITEM.format(**ids), {"json": {"checksum": "nope", "targetSpec": good_spec}}, 400),
        ("GET", RANCHERS.format(projectId=project), {"headers": {"X-Pagination-Size": "0"}}, 400),
        ("GET", RANCHERS.format(projectId=project), {"headers": {"X-Pagination-Cursor": "forged"}}, 400),
        # a stale checksum
        (
            "PUT",
            RANCHER_ITEM.format(**ids),
            {"json": {"checksum": "0" * 32, "targetSpec": {**good_spec, "name": "n"}}},
            412,
        ),
        # a method the path does not take
        ("PATCH", RANCHER_ITEM.format(**ids), {"json": {}}, 405),
        ("DELETE", PROJECT_ITEM.format(projectId=project), {}, 405),
    ]
    for method, path, kw, status in cases:
        results.append((method, path, status, await client.request(method, BRANCH + path, **kw)))

    for method, path, status, r in results:
        where = f"{method} {path} -> {r.status_code} {r.text}"
        assert r.status_code == status, f"expected {status}: {where}"
        assert r.headers["content-type"].startswith("application/json"), where
        body = r.json()
        assert isinstance(body, dict), where
        assert isinstance(body.get("class"), str) and body["class"], where
        assert isinstance(body.get("message"), str) and body["message"], where
        assert body["class"].startswith("Client::"), where
        assert ref.errors(model, body) == [], where
    # The rancher was left alone by all of that.
    after = (await client.get(rancher_url)).json()
    assert after["resourceStatus"] == "READY" and after["checksum"] == checksum
