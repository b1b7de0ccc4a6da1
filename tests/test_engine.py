"""The task engine, through a section declared here the way a framework user declares one."""

import asyncio
import time

import msgspec
import pytest
from conftest import serve_sections

from convergent.model.kind import Kind, Plan, Step, StepFailed, standard_actions
from convergent.model.section import Section
from convergent.model.status import Action

pytestmark = pytest.mark.anyio


class WidgetSpec(msgspec.Struct, forbid_unknown_fields=True):
    size: int
    fail_at: str | None = None
    flaky: int = 0


class WidgetReconciler:
    def __init__(self):
        self.calls: list[str] = []
        self.flaky_left: dict[str, int] = {}

    def plan(self, action, resource):
        if action == Action.DELETE:
            return Plan("WIDGET_DELETE", "delete", (Step("Dismantle", 5),))
        return Plan(
            f"WIDGET_{action.upper()}",
            f"{action} widget",
            (Step("Cut", 10), Step("Paint", 20), Step("Ship", 30)),
        )

    def apply(self, step, resource):
        self.calls.append(step)
        spec = resource.target_spec
        if spec.get("fail_at") == step:
            raise StepFailed(f"{step} failed: out of paint")
        left = self.flaky_left.setdefault(resource.id, spec.get("flaky", 0))
        if left:
            self.flaky_left[resource.id] = left - 1
            raise RuntimeError("transient")
        return {**resource.current_state, step.lower(): spec["size"]}


@pytest.fixture
def reconciler():
    return WidgetReconciler()


@pytest.fixture
async def lab(database, reconciler):
    kind = Kind(
        section="lab",
        name="widget",
        label="Widget",
        collection="/lab/widget",
        id_param="widgetId",
        spec_create=WidgetSpec,
        spec_update=WidgetSpec,
        reconciler=reconciler,
        iam_type="labWidget",
        actions=standard_actions("labWidget"),
        checksum_required=True,
    )
    async with serve_sections(database, (Section("lab", "a test section", kinds=(kind,)),)) as (client, ctx):
        now = [1_800_000_000.0]
        ctx.clock.now = lambda: now[0]  # a manual clock: tests move time themselves
        yield client, ctx, now


async def test_steps_advance_with_the_clock(lab, reconciler):
    client, ctx, now = lab
    created = (await client.post("/v2/lab/widget", json={"targetSpec": {"size": 3}})).json()
    url = f"/v2/lab/widget/{created['id']}"
    link = created["currentTasks"][0]["link"]
    assert created["iam"]["urn"] == f"urn:v1:eu:resource:labWidget:{created['id']}"

    async def progress():
        return [p["status"] for p in (await client.get(link)).json()["progress"]]

    await ctx.engine.run_due()
    assert await progress() == ["RUNNING", "PENDING", "PENDING"]
    assert (await client.get(url)).json()["currentTasks"][0]["status"] == "RUNNING"
    await ctx.engine.run_due()
    assert await progress() == ["RUNNING", "PENDING", "PENDING"], "Cut takes 10 s"
    now[0] += 10
    await ctx.engine.run_due()
    assert await progress() == ["DONE", "RUNNING", "PENDING"]
    assert (await client.get(url)).json()["currentState"] == {"cut": 3}
    now[0] += 20
    await ctx.engine.run_due()
    now[0] += 30
    await ctx.engine.run_due()
    assert await progress() == ["DONE", "DONE", "DONE"]
    done = (await client.get(url)).json()
    assert done["resourceStatus"] == "READY" and done["currentTasks"] == []
    assert reconciler.calls == ["Cut", "Paint", "Ship"]


async def test_a_failed_step_puts_task_and_resource_in_error(lab):
    client, ctx, now = lab
    created = (
        await client.post("/v2/lab/widget", json={"targetSpec": {"size": 1, "fail_at": "Paint"}})
    ).json()
    url = f"/v2/lab/widget/{created['id']}"
    for _ in range(4):
        now[0] += 60
        await ctx.engine.run_due()
    failed = (await client.get(url)).json()
    assert failed["resourceStatus"] == "ERROR"
    [ref] = failed["currentTasks"]
    assert ref["status"] == "ERROR" and ref["errors"] == [{"message": "Paint failed: out of paint"}]
    task = (await client.get(ref["link"])).json()
    assert task["status"] == "ERROR" and [p["status"] for p in task["progress"]] == [
        "DONE",
        "ERROR",
        "PENDING",
    ]
    assert task["errors"] == [{"message": "Paint failed: out of paint"}]
    events = (await client.get(f"{url}/event")).json()
    assert events[0]["type"] == "TASK_ERROR"

    # A resource in ERROR takes a new target; the failed task leaves currentTasks.
    fixed = await client.put(url, json={"checksum": failed["checksum"], "targetSpec": {"size": 1}})
    assert fixed.status_code == 200
    assert [t["status"] for t in fixed.json()["currentTasks"]] == ["PENDING"]
    for _ in range(5):
        now[0] += 60
        await ctx.engine.run_due()
    assert (await client.get(url)).json()["resourceStatus"] == "READY"


async def test_unexpected_errors_are_retried_then_succeed(lab, reconciler):
    client, ctx, now = lab
    created = (await client.post("/v2/lab/widget", json={"targetSpec": {"size": 2, "flaky": 2}})).json()
    url = f"/v2/lab/widget/{created['id']}"
    for _ in range(12):
        now[0] += 60
        await ctx.engine.run_due()
    assert (await client.get(url)).json()["resourceStatus"] == "READY"
    assert reconciler.calls.count("Cut") == 3


async def test_checksum_is_mandatory_where_the_kind_requires_it(lab):
    client, ctx, now = lab
    created = (await client.post("/v2/lab/widget", json={"targetSpec": {"size": 2}})).json()
    r = await client.put(f"/v2/lab/widget/{created['id']}", json={"targetSpec": {"size": 3}})
    assert r.status_code == 400 and r.json()["details"]["field"] == "checksum"


async def test_two_engines_never_apply_a_step_twice(lab, reconciler):
    client, ctx, now = lab
    for size in range(5):
        await client.post("/v2/lab/widget", json={"targetSpec": {"size": size}})
    for _ in range(4):
        now[0] += 60
        seen = await ctx.store.due_tasks(now[0], 100)
        # Both engines read the same due tasks; only the first transition of each may land.
        for task in seen:
            await ctx.engine.advance(task)
        for task in seen:
            await ctx.engine.advance(task)
    # A pure step is applied inside the transaction that records it: the loser never runs it.
    assert [reconciler.calls.count(step) for step in ("Cut", "Paint", "Ship")] == [5, 5, 5]
    widgets = (await client.get("/v2/lab/widget")).json()
    assert all(w["resourceStatus"] == "READY" for w in widgets)
    assert sorted(w["currentState"]["ship"] for w in widgets) == list(range(5))
    for w in widgets:
        tasks = (await client.get(f"/v2/lab/widget/{w['id']}/task")).json()
        events = (await client.get(f"/v2/lab/widget/{w['id']}/event")).json()
        assert [t["status"] for t in tasks] == ["DONE"]
        assert [e["type"] for e in events] == ["TASK_SUCCESS", "TASK_START", "TARGET_SPEC_UPDATE"]


class IoReconciler(WidgetReconciler):
    """A reconciler that does I/O: `apply` is a coroutine, awaited outside the transaction."""

    async def apply(self, step, resource):
        await asyncio.sleep(0)
        return WidgetReconciler.apply(self, step, resource)


async def test_io_steps_run_outside_the_transaction_and_count_once(database):
    reconciler = IoReconciler()
    kind = Kind(
        section="lab",
        name="gadget",
        label="Gadget",
        collection="/lab/gadget",
        id_param="gadgetId",
        spec_create=WidgetSpec,
        spec_update=WidgetSpec,
        reconciler=reconciler,
        iam_type="labGadget",
        actions=standard_actions("labGadget"),
    )
    async with serve_sections(database, (Section("lab", "io", kinds=(kind,)),), instant=True) as (
        client,
        ctx,
    ):
        created = (await client.post("/v2/lab/gadget", json={"targetSpec": {"size": 4}})).json()
        for _ in range(10):
            seen = await ctx.store.due_tasks(time.time() + 1, 100)
            # Two engines race on each transition: both may run the I/O, one result lands.
            await asyncio.gather(
                *(ctx.engine.advance(t) for t in seen), *(ctx.engine.advance(t) for t in seen)
            )
        done = (await client.get(f"/v2/lab/gadget/{created['id']}")).json()
        assert done["resourceStatus"] == "READY"
        assert done["currentState"] == {"cut": 4, "paint": 4, "ship": 4}
        events = (await client.get(f"/v2/lab/gadget/{created['id']}/event")).json()
        assert [e["type"] for e in events] == ["TASK_SUCCESS", "TASK_START", "TARGET_SPEC_UPDATE"]
        assert all(reconciler.calls.count(step) in (1, 2) for step in ("Cut", "Paint", "Ship"))
