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
