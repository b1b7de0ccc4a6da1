"""The scale-out store: PostgreSQL through an asyncpg pool, shared by any number of processes.

Same tables, same JSON text and same behaviour as the SQLite store. A write is one transaction
on one pooled connection; what it reads through `tx` it reads `FOR UPDATE`, so concurrent
writers of the same row queue behind each other and see each other's result (READ COMMITTED),
which is what makes the checksum and busy checks exact across processes. Engines claim due
tasks with `FOR UPDATE SKIP LOCKED` and a lease; a transaction that creates a task sends a
NOTIFY, delivered at COMMIT, that wakes the engines LISTENing in other processes.

Every lost connection, refused connection, exhausted pool or retry-me answer of the server
becomes `StoreUnavailable` here and nowhere else. A read is tried a second time on a fresh
connection first: after a database restart the pool still holds dead connections.
The SQL stays within what PostgreSQL-compatible distributed engines also accept (see
docs/scale-out.md); LISTEN/NOTIFY and the advisory lock are used only where the server has them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from contextlib import asynccontextmanager

try:
    import asyncpg
except ImportError as missing:  # pragma: no cover - depends on the installation
    raise ImportError("PostgreSQL needs the asyncpg driver: pip install 'convergent[postgres]'") from missing

from ..model.records import Event, Item, Resource, Task
from .base import EPOCH_TTL, STATE_TABLES, Page, Store, StoreFull, StoreUnavailable, Tx, redact
from .migrate import pending
from .rows import (
    EVENT_COLUMNS,
    ITEM_COLUMNS,
    RESOURCE_COLUMNS,
    TASK_COLUMNS,
    to_event,
    to_item,
    to_json,
    to_page,
    to_resource,
    to_task,
)

__all__ = ["PostgresStore", "CHANNEL"]

log = logging.getLogger("convergent.store")

CHANNEL = "convergent_tasks"
_MIGRATION_LOCK = 0x636F6E76  # "conv": the advisory lock key migrations are applied under

# What says "the database is not there right now", as opposed to a bug in a query.
_LOST = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InternalClientError,  # a pooled connection an outage left mid-operation
)
_RETRY = (asyncpg.SerializationError, asyncpg.DeadlockDetectedError)
# The database refuses to write: its disk is full, or it is a read-only replica or in recovery.
_FULL = (asyncpg.DiskFullError,)
_READ_ONLY = (asyncpg.ReadOnlySQLTransactionError,)
_UNAVAILABLE = _LOST + _RETRY + _FULL + _READ_ONLY


def _unavailable(error: BaseException) -> StoreUnavailable:
    if isinstance(error, _FULL):
        return StoreFull("the disk holding the database is full")
    if isinstance(error, _READ_ONLY):
        return StoreUnavailable("the database is read-only")
    if isinstance(error, _RETRY):
        return StoreUnavailable(f"the database asked for the transaction to be retried ({error})")
    if isinstance(error, asyncio.TimeoutError):
        return StoreUnavailable(
            "no database connection could be had in time (the database is down or every connection is busy)"
        )
    reason = str(error) or type(error).__name__
    return StoreUnavailable(f"the database cannot be reached ({reason})")


_INSERT_TASK = (
    "INSERT INTO tasks (id, account, kind, resource_id, action, type, status, message, link, steps, "
    "progress, step, due_at, errors, attempts, created_at, updated_at, started_at, finished_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) "
    "RETURNING seq"
)
# The same, and a NOTIFY delivered at COMMIT, in one round trip.
_INSERT_TASK_NOTIFY = f"WITH t AS ({_INSERT_TASK}) SELECT seq, pg_notify('{CHANNEL}', '') FROM t"


class PostgresTx(Tx):
    def __init__(self, conn, notify: bool, store: PostgresStore):
        self.conn = conn
        self.notify = notify
        self.store = store

    async def account_resources(self, account: str, kind: str) -> list[Resource]:
        """The account's resources of `kind`. Under READ COMMITTED, two writes could both read
        them before either inserts (two creates of one unique name both admitted): a
        transaction-scoped advisory lock on (account, kind) queues such writes, and the second
        reads after the first commits. Servers without advisory locks run SERIALIZABLE (the
        distributed engines), where the second write fails and is retried."""
        if self.store.advisory:
            await self.conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"{account}/{kind}"
            )
        rows = await self.conn.fetch(
            f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE account = $1 AND kind = $2 ORDER BY seq",
            account,
            kind,
        )
        return [to_resource(row) for row in rows]

    async def get_resource(self, kind: str, id: str) -> Resource | None:
        row = await self.conn.fetchrow(
            f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE kind = $1 AND id = $2 FOR UPDATE", kind, id
        )
        return to_resource(row) if row else None

    async def insert_resource(self, r: Resource) -> None:
        r.seq = await self.conn.fetchval(
            "INSERT INTO resources (account, kind, id, parent_id, path, status, target_spec, "
            "current_state, checksum, current_tasks, iam_id, tags, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING seq",
            r.account,
            r.kind,
            r.id,
            r.parent_id,
            r.path,
            r.status,
            to_json(r.target_spec),
            to_json(r.current_state),
            r.checksum,
            to_json(r.current_tasks),
            r.iam_id,
            to_json(r.tags),
            r.created_at,
            r.updated_at,
        )

    async def update_resource(self, r: Resource) -> None:
        await self.conn.execute(
            "UPDATE resources SET status = $1, target_spec = $2, current_state = $3, checksum = $4, "
            "current_tasks = $5, tags = $6, updated_at = $7 WHERE seq = $8",
            r.status,
            to_json(r.target_spec),
            to_json(r.current_state),
            r.checksum,
            to_json(r.current_tasks),
            to_json(r.tags),
            r.updated_at,
            r.seq,
        )

    async def delete_resource(self, r: Resource) -> None:
        await self.conn.execute("DELETE FROM resources WHERE seq = $1", r.seq)

    async def get_task(self, id: str) -> Task | None:
        row = await self.conn.fetchrow(f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1 FOR UPDATE", id)
        return to_task(row) if row else None

    async def insert_task(self, t: Task) -> None:
        row = await self.conn.fetchrow(
            _INSERT_TASK_NOTIFY if self.notify else _INSERT_TASK,
            t.id,
            t.account,
            t.kind,
            t.resource_id,
            t.action,
            t.type,
            t.status,
            t.message,
            t.link,
            to_json(t.steps),
            to_json(t.progress),
            t.step,
            t.due_at,
            to_json(t.errors),
            t.attempts,
            t.created_at,
            t.updated_at,
            t.started_at,
            t.finished_at,
        )
        t.seq = row[0]

    async def update_task(self, t: Task) -> None:
        await self.conn.execute(
            "UPDATE tasks SET status = $1, message = $2, progress = $3, step = $4, due_at = $5, errors = $6, "
            "attempts = $7, updated_at = $8, started_at = $9, finished_at = $10, lease_owner = $11, "
            "lease_until = $12 WHERE id = $13",
            t.status,
            t.message,
            to_json(t.progress),
            t.step,
            t.due_at,
            to_json(t.errors),
            t.attempts,
            t.updated_at,
            t.started_at,
            t.finished_at,
            t.lease_owner,
            t.lease_until,
            t.id,
        )

    async def insert_event(self, e: Event) -> None:
        e.seq = await self.conn.fetchval(
            "INSERT INTO events (account, kind, resource_id, type, name, message, link, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq",
            e.account,
            e.kind,
            e.resource_id,
            e.type,
            e.name,
            e.message,
            e.link,
            e.created_at,
        )

    async def get_item(self, kind: str, id: str) -> Item | None:
        row = await self.conn.fetchrow(
            f"SELECT {ITEM_COLUMNS} FROM objects WHERE kind = $1 AND id = $2 FOR UPDATE", kind, id
        )
        return to_item(row) if row else None

    async def _bump(self) -> None:
        await self.conn.execute(
            "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'items_epoch'"
        )
        self.store._epoch_read_at = float("-inf")  # this process sees its own writes at once

    async def insert_item(self, item: Item) -> None:
        # ON CONFLICT rather than catching the violation: a failed statement would abort the
        # whole transaction on PostgreSQL, where SQLite lets the caller carry on.
        seq = await self.conn.fetchval(
            "INSERT INTO objects (account, kind, id, key, body, created_at, updated_at, parent, version) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING seq",
            item.account,
            item.kind,
            item.id,
            item.key,
            to_json(item.body),
            item.created_at,
            item.updated_at,
            item.parent,
            item.version,
        )
        if seq is None:
            raise KeyError(f"{item.kind} {item.id} already exists")
        item.seq = seq
        await self._bump()

    async def update_item(self, item: Item) -> None:
        await self.conn.execute(
            "UPDATE objects SET account = $1, key = $2, body = $3, updated_at = $4, version = version + 1 "
            "WHERE seq = $5",
            item.account,
            item.key,
            to_json(item.body),
            item.updated_at,
            item.seq,
        )
        item.version += 1
        await self._bump()

    async def delete_item(self, item: Item) -> None:
        await self.conn.execute("DELETE FROM objects WHERE seq = $1", item.seq)
        await self._bump()

    async def delete_children(self, kind: str, parent: str) -> int:
        status = await self.conn.execute("DELETE FROM objects WHERE kind = $1 AND parent = $2", kind, parent)
        await self._bump()
        return int(status.rsplit(" ", 1)[-1])

    async def delete_items_before(self, kind: str, before: float, account: str | None = None) -> int:
        if account is None:
            status = await self.conn.execute(
                "DELETE FROM objects WHERE kind = $1 AND created_at < $2", kind, before
            )
        else:
            status = await self.conn.execute(
                "DELETE FROM objects WHERE kind = $1 AND created_at < $2 AND account = $3",
                kind,
                before,
                account,
            )
        count = int(status.rsplit(" ", 1)[-1])
        if count:
            await self._bump()
        return count


class PostgresStore(Store):
    leases = True

    def __init__(self, url: str, *, pool_size: int = 10, timeout: float = 5.0):
        self.url = url
        self.pool_size = pool_size
        self.timeout = timeout  # to connect, and to wait for a pooled connection
        self.pool: asyncpg.Pool | None = None
        self._epoch = 0
        self._epoch_read_at = float("-inf")
        self.notify = False  # whether the server has NOTIFY (CockroachDB, YugabyteDB do not)
        self.advisory = False  # whether it has advisory locks (the same)

    def __repr__(self) -> str:
        return f"PostgresStore({redact(self.url)!r})"

    # ------------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        try:
            conn = await asyncpg.connect(self.url, timeout=self.timeout)
        except _LOST as error:
            raise _unavailable(error) from None
        try:
            await self._migrate(conn)
            self.notify = await self._has_notify(conn)
        finally:
            await conn.close()
        self.pool = await asyncpg.create_pool(
            self.url,
            min_size=1,
            max_size=self.pool_size,
            timeout=self.timeout,
            command_timeout=60,
            max_inactive_connection_lifetime=60,
        )

    async def close(self) -> None:
        if self.pool is not None:
            pool, self.pool = self.pool, None
            try:
                await asyncio.wait_for(pool.close(), 10)
            except (TimeoutError, *_LOST):
                pool.terminate()

    async def _migrate(self, conn) -> None:
        locked = self.advisory = await _try(conn, "SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        if not locked:
            log.warning(
                "no advisory locks on %s: run `convergent migrate` once before starting processes",
                redact(self.url),
            )
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
            )
            applied = {row[0] for row in await conn.fetch("SELECT version FROM schema_migrations")}
            for migration in pending("postgres", applied):
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                        migration.version,
                        migration.name,
                        time.time(),
                    )
        finally:
            if locked:
                await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)

    @staticmethod
    async def _has_notify(conn) -> bool:
        return await _try(conn, f"SELECT pg_notify('{CHANNEL}', '')")  # wakes whoever listens: harmless

    # ------------------------------------------------------------------ plumbing

    async def _fetch(self, method: str, sql: str, *args):
        for attempt in (1, 2):
            try:
                async with self.pool.acquire() as conn:
                    return await getattr(conn, method)(sql, *args)
            except _UNAVAILABLE as error:
                if attempt == 2:
                    raise _unavailable(error) from None

    async def _fetchrow(self, sql: str, *args):
        return await self._fetch("fetchrow", sql, *args)

    async def _fetchall(self, sql: str, *args):
        return await self._fetch("fetch", sql, *args)

    async def _begin(self):
        """A pooled connection in a new transaction (a dead pooled connection is replaced)."""
        for attempt in (1, 2):
            conn = None
            try:
                conn = await self.pool.acquire()
                transaction = conn.transaction()
                await transaction.start()
                return conn, transaction
            except _UNAVAILABLE as error:
                if conn is not None:
                    await self._release(conn, discard=True)
                if attempt == 2:
                    raise _unavailable(error) from None

    async def _release(self, conn, discard: bool = False) -> None:
        """Give a connection back; one the pool cannot take back (lost, or left mid-operation by
        an outage), or a suspect one (`discard`), is closed instead and the pool opens a fresh
        one. Never raises: it runs where it would hide the error that matters."""
        if discard:
            with contextlib.suppress(Exception):
                conn.terminate()
        try:
            await self.pool.release(conn)
        except Exception:
            with contextlib.suppress(Exception):
                conn.terminate()

    @asynccontextmanager
    async def write(self):
        conn, transaction = await self._begin()
        try:
            try:
                yield PostgresTx(conn, self.notify, self)
            except BaseException as error:
                try:
                    await transaction.rollback()
                except _LOST:
                    pass  # the connection is gone, and the transaction with it
                if isinstance(error, _UNAVAILABLE):
                    raise _unavailable(error) from None
                raise
            try:
                await transaction.commit()
            except _UNAVAILABLE as error:
                raise _unavailable(error) from None
        finally:
            await self._release(conn)

    # ------------------------------------------------------------------ reads

    async def get_resource(self, kind: str, id: str) -> Resource | None:
        row = await self._fetchrow(
            f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE kind = $1 AND id = $2", kind, id
        )
        return to_resource(row) if row else None

    async def list_resources(self, account, kind, parent_id, after, limit) -> Page:
        rows = await self._fetchall(
            f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE account = $1 AND kind = $2 AND parent_id = $3 "
            "AND seq > $4 ORDER BY seq LIMIT $5",
            account,
            kind,
            parent_id,
            after or 0,
            limit + 1,
        )
        return to_page(rows, limit, to_resource)

    async def get_task(self, kind, resource_id, task_id) -> Task | None:
        row = await self._fetchrow(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1 AND kind = $2 AND resource_id = $3",
            task_id,
            kind,
            resource_id,
        )
        return to_task(row) if row else None

    async def list_tasks(self, kind, resource_id, before, limit) -> Page:
        rows = await self._fetchall(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE kind = $1 AND resource_id = $2 AND seq < $3 "
            "ORDER BY seq DESC LIMIT $4",
            kind,
            resource_id,
            before or 2**62,
            limit + 1,
        )
        return to_page(rows, limit, to_task)

    async def list_events(self, kind, resource_id, before, limit) -> Page:
        rows = await self._fetchall(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE kind = $1 AND resource_id = $2 AND seq < $3 "
            "ORDER BY seq DESC LIMIT $4",
            kind,
            resource_id,
            before or 2**62,
            limit + 1,
        )
        return to_page(rows, limit, to_event)

    async def get_item(self, kind: str, id: str) -> Item | None:
        row = await self._fetchrow(
            f"SELECT {ITEM_COLUMNS} FROM objects WHERE kind = $1 AND id = $2", kind, id
        )
        return to_item(row) if row else None

    async def items_epoch(self) -> int:
        # As on SQLite: read at most every EPOCH_TTL seconds, at once after this process's writes.
        now = time.monotonic()
        if now - self._epoch_read_at > EPOCH_TTL:
            row = await self._fetchrow("SELECT value FROM meta WHERE key = 'items_epoch'")
            self._epoch, self._epoch_read_at = int(row[0]), now
        return self._epoch

    async def any_item(self, kind: str) -> bool:
        return await self._fetchrow("SELECT 1 FROM objects WHERE kind = $1 LIMIT 1", kind) is not None

    async def find_item(self, kind: str, key: str) -> Item | None:
        row = await self._fetchrow(
            f"SELECT {ITEM_COLUMNS} FROM objects WHERE kind = $1 AND key = $2", kind, key
        )
        return to_item(row) if row else None

    async def list_items(self, account, kind, after, limit, parent=None) -> Page:
        if parent is None:
            rows = await self._fetchall(
                f"SELECT {ITEM_COLUMNS} FROM objects WHERE account = $1 AND kind = $2 AND seq > $3 ORDER BY seq LIMIT $4",
                account,
                kind,
                after or 0,
                limit + 1,
            )
        else:
            rows = await self._fetchall(
                f"SELECT {ITEM_COLUMNS} FROM objects WHERE account = $1 AND kind = $2 AND parent = $3 AND seq > $4 "
                "ORDER BY seq LIMIT $5",
                account,
                kind,
                parent,
                after or 0,
                limit + 1,
            )
        return to_page(rows, limit, to_item)

    async def list_resources_of(self, account, kinds, after, limit) -> Page:
        rows = await self._fetchall(
            f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE account = $1 AND kind = ANY($2::TEXT[]) AND seq > $3 "
            "ORDER BY seq LIMIT $4",
            account,
            list(kinds),
            after or 0,
            limit + 1,
        )
        return to_page(rows, limit, to_resource)

    async def add_usage(self, rows) -> None:
        async with self.write() as tx:
            await tx.conn.executemany(
                "INSERT INTO usage (account, section, major, route, field, count, last_seen) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account, section, major, route, field) "
                "DO UPDATE SET count = usage.count + excluded.count, "
                "last_seen = GREATEST(usage.last_seen, excluded.last_seen)",
                rows,
            )

    async def usage(self, account, section, since):
        rows = await self._fetchall(
            "SELECT major, route, field, count, last_seen FROM usage WHERE account = $1 AND section = $2 "
            "AND last_seen >= $3 ORDER BY route, field",
            account,
            section,
            since,
        )
        return [tuple(row) for row in rows]

    async def get_meta(self, key: str) -> str | None:
        row = await self._fetchrow("SELECT value FROM meta WHERE key = $1", key)
        return row[0] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        async with self.write() as tx:
            await tx.conn.execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                key,
                value,
            )

    async def reset(self, account: str | None) -> None:
        async with self.write() as tx:
            for table in STATE_TABLES:
                if account is None:
                    await tx.conn.execute(f"DELETE FROM {table}")
                else:
                    await tx.conn.execute(f"DELETE FROM {table} WHERE account = $1", account)
            await tx._bump()

    async def task_counts(self) -> list[tuple[str, str, int]]:
        rows = await self._fetchall("SELECT kind, status, count(*) FROM tasks GROUP BY kind, status")
        return [tuple(row) for row in rows]

    async def migrations_behind(self) -> int:
        applied = {row[0] for row in await self._fetchall("SELECT version FROM schema_migrations")}
        return len(pending("postgres", applied))

    async def _schema_version(self) -> int:
        return (await self._fetchrow("SELECT max(version) FROM schema_migrations"))[0]

    async def dump(self) -> dict:
        tables = {}
        for table in STATE_TABLES:
            rows = await self._fetchall(f"SELECT * FROM {table} ORDER BY 1")
            columns = list(rows[0].keys()) if rows else await self._columns(table)
            tables[table] = {"columns": columns, "rows": [list(row.values()) for row in rows]}
        return {"schema": await self._schema_version(), "tables": tables}

    async def _columns(self, table: str) -> list[str]:
        rows = await self._fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
            table,
        )
        return [row[0] for row in rows]

    async def restore(self, dump: dict) -> None:
        schema = await self._schema_version()
        if dump.get("schema") != schema:
            raise ValueError(f"the snapshot has schema version {dump.get('schema')}, this database {schema}")
        async with self.write() as tx:
            for table in STATE_TABLES:
                content = dump["tables"][table]
                await tx.conn.execute(f"DELETE FROM {table}")
                if content["rows"]:
                    columns = ", ".join(content["columns"])
                    marks = ", ".join(f"${i}" for i in range(1, len(content["columns"]) + 1))
                    await tx.conn.executemany(
                        f"INSERT INTO {table} ({columns}) VALUES ({marks})", content["rows"]
                    )
                if "seq" in content["columns"]:
                    # Keep the keyset sequence past the restored rows.
                    await tx.conn.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'seq'), GREATEST((SELECT max(seq) FROM {table}), 1))"
                    )
            await tx._bump()

    async def secret(self, name: str) -> bytes:
        key = f"secret:{name}"
        row = await self._fetchrow("SELECT value FROM meta WHERE key = $1", key)
        if row is None:
            await self._fetchrow(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                key,
                os.urandom(32).hex(),
            )
            row = await self._fetchrow("SELECT value FROM meta WHERE key = $1", key)
        return bytes.fromhex(row[0])

    # ------------------------------------------------------------------ the engine's work

    async def due_tasks(self, now: float, limit: int) -> list[Task]:
        rows = await self._fetchall(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at LIMIT $2",
            now,
            limit,
        )
        return [to_task(row) for row in rows]

    async def claim_tasks(self, owner: str, now: float, until: float, limit: int) -> list[Task]:
        # Rows another engine is claiming or advancing right now are locked: skipped, not waited for.
        rows = await self._fetchall(
            f"UPDATE tasks SET lease_owner = $1, lease_until = $2 WHERE id IN ("
            "SELECT id FROM tasks WHERE due_at IS NOT NULL AND due_at <= $3 "
            "AND (lease_until IS NULL OR lease_until < $3 OR lease_owner = $1) "
            f"ORDER BY due_at LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING {TASK_COLUMNS}",
            owner,
            until,
            now,
            limit,
        )
        return sorted((to_task(row) for row in rows), key=lambda t: t.due_at)

    async def renew_leases(self, owner: str, ids: list[str], until: float) -> None:
        await self._fetchall(
            "UPDATE tasks SET lease_until = $1 WHERE id = ANY($2::TEXT[]) AND lease_owner = $3",
            until,
            list(ids),
            owner,
        )

    async def release_leases(self, owner: str, ids: list[str]) -> None:
        await self._fetchall(
            "UPDATE tasks SET lease_owner = NULL, lease_until = NULL WHERE id = ANY($1::TEXT[]) AND lease_owner = $2",
            list(ids),
            owner,
        )

    async def next_due(self) -> float | None:
        # A leased task is not workable before its lease ends, whatever its due time.
        row = await self._fetchrow(
            "SELECT min(CASE WHEN lease_until IS NOT NULL AND lease_until > due_at THEN lease_until ELSE due_at END) "
            "FROM tasks WHERE due_at IS NOT NULL"
        )
        return row[0]

    async def listen(self, wake) -> None:
        if not self.notify:
            return
        delay = 0.5
        while True:
            conn = None
            try:
                conn = await asyncpg.connect(self.url, timeout=self.timeout)
                await conn.add_listener(CHANNEL, lambda *_: wake())
                delay = 0.5
                wake()  # whatever was created while no one listened
                while True:
                    await asyncio.sleep(5.0)
                    await asyncio.wait_for(conn.execute("SELECT 1"), self.timeout)  # still there?
            except _LOST as error:
                log.warning(
                    "LISTEN connection lost (%s); reconnecting in %.1f s",
                    error or type(error).__name__,
                    delay,
                )
            finally:
                if conn is not None:
                    conn.terminate()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def _try(conn, sql: str, *args) -> bool:
    """Run a statement the server may not have (CockroachDB, YugabyteDB); False if it has not."""
    try:
        await conn.execute(sql, *args)
        return True
    except (asyncpg.FeatureNotSupportedError, asyncpg.UndefinedFunctionError, asyncpg.PostgresSyntaxError):
        return False
