"""The SQLite read cache: this process's writes show at once, another connection's within the
epoch's refresh time, and nothing cached outlives a reset."""

import asyncio
import time

import pytest

from convergent.model.records import Resource
from convergent.store.base import EPOCH_TTL
from convergent.store.sqlite import SqliteStore

pytestmark = pytest.mark.anyio


def a_resource(name: str) -> Resource:
    now = time.time()
    return Resource(
        account="xx1111-ovh",
        kind="lab.box",
        id="b1",
        parent_id="",
        path="/v2/lab/box/b1",
        status="READY",
        target_spec={"name": name},
        current_state={},
        checksum="0" * 32,
        created_at=now,
        updated_at=now,
    )


async def test_own_writes_at_once_other_connections_within_the_refresh_time(tmp_path):
    path = str(tmp_path / "c.db")
    server, other = SqliteStore(path), SqliteStore(path)
    await server.open()
    await other.open()
    try:
        async with server.write() as tx:
            await tx.insert_resource(a_resource("one"))
        first = await server.get_resource("lab.box", "b1")
        assert first.target_spec == {"name": "one"}
        assert await server.get_resource("lab.box", "b1") is first, "the second read comes from the cache"

        async with server.write() as tx:
            mine = await tx.get_resource("lab.box", "b1")
            mine.target_spec = {"name": "two"}
            await tx.update_resource(mine)
        assert (await server.get_resource("lab.box", "b1")).target_spec == {"name": "two"}, (
            "own write: at once"
        )

        async with other.write() as tx:
            theirs = await tx.get_resource("lab.box", "b1")
            theirs.target_spec = {"name": "three"}
            await tx.update_resource(theirs)
        await asyncio.sleep(EPOCH_TTL * 2)
        assert (await server.get_resource("lab.box", "b1")).target_spec == {"name": "three"}, (
            "another's: soon"
        )

        await server.reset(None)
        assert await server.get_resource("lab.box", "b1") is None
    finally:
        await server.close()
        await other.close()


async def test_a_list_page_reads_through_the_cache_and_sees_every_write(tmp_path):
    path = str(tmp_path / "c.db")
    server, other = SqliteStore(path), SqliteStore(path)
    await server.open()
    await other.open()

    def box(id: str, name: str) -> Resource:
        r = a_resource(name)
        r.id, r.path = id, f"/v2/lab/box/{id}"
        return r

    async def names(store, after=None, limit=10):
        page = await store.list_resources("xx1111-ovh", "lab.box", "", after, limit)
        return [r.target_spec["name"] for r in page], page

    try:
        async with server.write() as tx:
            for i in range(3):
                await tx.insert_resource(box(f"b{i}", f"n{i}"))
        assert (await names(server))[0] == ["n0", "n1", "n2"]
        cached = await server.get_resource("lab.box", "b1")
        shown, page = await names(server)
        assert page[1] is cached, "the page's records come from the read cache"
        shown, page = await names(server, limit=2)
        assert shown == ["n0", "n1"] and page.more
        shown, page = await names(server, after=page[-1].seq, limit=2)
        assert shown == ["n2"] and not page.more

        async with server.write() as tx:
            mine = await tx.get_resource("lab.box", "b1")
            mine.target_spec = {"name": "mine"}
            await tx.update_resource(mine)
            await tx.delete_resource(await tx.get_resource("lab.box", "b2"))
        assert (await names(server))[0] == ["n0", "mine"], "own writes: at once"

        async with other.write() as tx:
            theirs = await tx.get_resource("lab.box", "b0")
            theirs.target_spec = {"name": "theirs"}
            await tx.update_resource(theirs)
            await tx.insert_resource(box("b3", "new"))
        await asyncio.sleep(EPOCH_TTL * 2)
        assert (await names(server))[0] == ["theirs", "mine", "new"], "another's: soon"
    finally:
        await server.close()
        await other.close()
