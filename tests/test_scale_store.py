"""The PostgreSQL store's own contract, in process: leases, SKIP LOCKED claims, takeover after a
lease expires, NOTIFY wake-ups, migrations raced by several processes, 503 when the database
is gone. (Everything else runs on both engines through the shared fixtures.)"""

from __future__ import annotations

import asyncio
import time

import pytest

from convergent.engine import Clock, Engine
from convergent.model.records import Task
from convergent.model.status import TaskStatus
from convergent.store import open_store, redact
from convergent.store.migrate import migrations

pytestmark = pytest.mark.anyio


def a_task(i: int, due: float) -> Task:
    return Task(
        id=f"task-{i}",
        account="xx1111-ovh",
        kind="k",
        resource_id=f"r{i}",
        action="CREATE",
        type="T",
        status=TaskStatus.PENDING,
        message="m",
        link=f"/v2/k/r{i}",
        steps=[],
        progress=[],
        created_at=due,
        updated_at=due,
        due_at=due,
    )


@pytest.fixture
async def stores(pg_database):
    opened = []

    async def make():
        store = open_store(pg_database)
        await store.open()
        opened.append(store)
        return store

    yield make
    for store in opened:
        await store.close()


async def test_two_claimers_split_the_due_tasks_and_leases_keep_them(stores):
    one, two = await stores(), await stores()
    now = time.time()
    async with one.write() as tx:
        for i in range(10):
            await tx.insert_task(a_task(i, now - 1))
    a, b = await asyncio.gather(
        one.claim_tasks("a", now, now + 30, 6), two.claim_tasks("b", now, now + 30, 6)
    )
    ids_a, ids_b = {t.id for t in a}, {t.id for t in b}
    assert not ids_a & ids_b and len(ids_a | ids_b) == 10
    assert all(t.lease_owner == "a" for t in a) and all(t.lease_owner == "b" for t in b)
    # Leased tasks are not due for anyone else until their lease ends.
    assert await one.claim_tasks("c", now, now + 30, 100) == []
    assert await one.next_due() == pytest.approx(now + 30)
    # A lease that was not renewed expires; one that was stays.
    await one.renew_leases("a", list(ids_a), now + 60)
    later = now + 45
    taken = await two.claim_tasks("c", later, later + 30, 100)
    assert {t.id for t in taken} == ids_b
    await one.release_leases("a", list(ids_a))
    assert {t.id for t in await two.claim_tasks("c", later, later + 30, 100)} == ids_a | ids_b


async def test_a_stalled_engine_loses_its_task_and_cannot_commit_late(stores):
    from convergent.sections import builtin_sections

    store = await stores()
    kinds = {k.key: k for s in builtin_sections() for k in s.kinds}
    now = [time.time()]
    clock = Clock(1.0)
    clock.now = lambda: now[0]
    stalled = Engine(store, kinds, clock, lease=10, owner="stalled")
    healthy = Engine(store, kinds, clock, lease=10, owner="healthy")
    task = a_task(1, now[0])
    task.kind = "publicCloud.project"
    async with store.write() as tx:
        await tx.insert_task(task)
    [claimed] = await store.claim_tasks("stalled", now[0], now[0] + 10, 10)
    now[0] += 11  # the stalled engine did not renew: its lease has expired
    [taken] = await store.claim_tasks("healthy", now[0], now[0] + 10, 10)
    assert taken.lease_owner == "healthy"
    await stalled.advance(claimed)  # wakes up late: refused, nothing changes
    assert (await store.due_tasks(now[0], 10))[0].status == TaskStatus.PENDING
    await healthy.advance(taken)
    after = await store.get_task(task.kind, task.resource_id, task.id)
    assert after.status == TaskStatus.DONE  # a task without steps starts and ends in one pass
    assert (after.lease_owner, after.lease_until) == (None, None)  # the commit released the lease


async def test_a_new_task_wakes_a_listener_in_another_process(stores):
    writer, listener = await stores(), await stores()
    assert listener.notify
    woken = asyncio.Event()
    listening = asyncio.create_task(listener.listen(woken.set))
    try:
        await asyncio.wait_for(woken.wait(), 5)  # listen wakes once when it (re)connects
        woken.clear()
        async with writer.write() as tx:
            await tx.insert_task(a_task(1, time.time()))
        await asyncio.wait_for(woken.wait(), 5)
    finally:
        listening.cancel()


async def test_processes_starting_together_migrate_once(pg_cluster):
    url = pg_cluster.create_database("race_migrations")
    try:
        stores = [open_store(url) for _ in range(6)]
        await asyncio.gather(*(s.open() for s in stores))
        rows = await stores[0]._fetchall("SELECT version FROM schema_migrations ORDER BY version")
        assert [r[0] for r in rows] == [m.version for m in migrations("postgres")]
        for s in stores:
            await s.close()
    finally:
        pg_cluster.drop_database("race_migrations")


async def test_while_the_database_is_down_calls_are_503_and_then_recover():
    import httpx
    from pgcluster import Cluster

    from convergent.auth import accounts
    from convergent.client import OvhSignature
    from convergent.config import Config
    from convergent.server import create_app

    cluster = Cluster.create()
    try:
        app = create_app(Config(database=cluster.create_database("outage"), instant=True, workers=0))
        async with app.router.lifespan_context(app):
            issued = await accounts.issue_credential(app.state.ctx.store, "xx1111-ovh", time.time())
            auth = OvhSignature(issued.application_key, issued.application_secret, issued.consumer_key)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t", auth=auth) as client:
                assert (await client.get("/v2/publicCloud/project")).status_code == 200
                cluster.stop()
                for _ in range(3):
                    r = await client.get("/v2/publicCloud/project")
                    assert r.status_code == 503, r.text
                    assert r.json()["class"] == "Server::ServiceUnavailable"
                    assert r.headers["retry-after"] == "1"
                r = await client.post(
                    "/v2/publicCloud/project", json={"targetSpec": {"name": "p", "mode": "CLASSIC"}}
                )
                assert r.status_code == 503
                cluster.start()
                assert (await client.get("/v2/publicCloud/project")).status_code == 200
    finally:
        cluster.destroy()


def test_database_urls_show_no_password():
    assert redact("postgresql://app:s3cret@db:5432/c") == "postgresql://app:***@db:5432/c"
    assert redact("postgresql://app@db/c") == "postgresql://app@db/c"
    assert redact("./convergent.db") == "./convergent.db"
