"""The embedded store: one SQLite file in WAL mode, used from the event loop.

A point read costs microseconds, far less than handing it to a thread, so reads run inline.
Writes run inline too, one transaction at a time behind an asyncio lock: on one connection in
one process that lock is the single writer. One process runs the engine: claims record no
leases (`leases` is False), and the engine's compare-and-swap keeps transitions exactly-once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
from contextlib import asynccontextmanager

from ..model.records import Event, Item, Resource, Task
from .base import EPOCH_TTL, STATE_TABLES, Page, Store, StoreFull, StoreUnavailable, Tx
from .migrate import pending, statements
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

__all__ = ["SqliteStore"]

_CACHED_RESOURCES = 10_000  # resources a process keeps decoded (SQLite only)


class SqliteTx(Tx):
    def __init__(self, db: sqlite3.Connection, store: SqliteStore):
        self.db = db
        self.store = store

    @asynccontextmanager
    async def savepoint(self):
        self.db.execute("SAVEPOINT step")
        try:
            yield self
        except BaseException:
            self.db.execute("ROLLBACK TO step")
            self.db.execute("RELEASE step")
            raise
        self.db.execute("RELEASE step")

    async def get_resource(self, kind: str, id: str) -> Resource | None:
        row = self.db.execute(
            f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE kind = ? AND id = ?", (kind, id)
        ).fetchone()
        return to_resource(row) if row else None

    async def account_resources(self, account: str, kind: str) -> list[Resource]:
        rows = self.db.execute(
            f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE account = ? AND kind = ? ORDER BY seq",
            (account, kind),
        ).fetchall()
        return [to_resource(row) for row in rows]

    async def insert_resource(self, r: Resource) -> None:
        self.store._forget(r.kind, r.id)
        cur = self.db.execute(
            "INSERT INTO resources (account, kind, id, parent_id, path, status, target_spec, "
            "current_state, checksum, current_tasks, iam_id, tags, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
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
            ),
        )
        r.seq = cur.lastrowid

    async def update_resource(self, r: Resource) -> None:
        self.store._forget(r.kind, r.id)
        self.db.execute(
            "UPDATE resources SET status = ?, target_spec = ?, current_state = ?, checksum = ?, "
            "current_tasks = ?, tags = ?, updated_at = ? WHERE seq = ?",
            (
                r.status,
                to_json(r.target_spec),
                to_json(r.current_state),
                r.checksum,
                to_json(r.current_tasks),
                to_json(r.tags),
                r.updated_at,
                r.seq,
            ),
        )

    async def delete_resource(self, r: Resource) -> None:
        self.store._forget(r.kind, r.id)
        self.db.execute("DELETE FROM resources WHERE seq = ?", (r.seq,))

    async def get_task(self, id: str) -> Task | None:
        row = self.db.execute(f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?", (id,)).fetchone()
        return to_task(row) if row else None

    async def insert_task(self, t: Task) -> None:
        cur = self.db.execute(
            "INSERT INTO tasks (id, account, kind, resource_id, action, type, status, message, link, "
            "steps, progress, step, due_at, errors, attempts, created_at, updated_at, started_at, "
            "finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
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
            ),
        )
        t.seq = cur.lastrowid

    async def update_task(self, t: Task) -> None:
        self.db.execute(
            "UPDATE tasks SET status = ?, message = ?, progress = ?, step = ?, due_at = ?, errors = ?, "
            "attempts = ?, updated_at = ?, started_at = ?, finished_at = ?, lease_owner = ?, lease_until = ? "
            "WHERE id = ?",
            (
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
            ),
        )

    async def insert_event(self, e: Event) -> None:
        cur = self.db.execute(
            "INSERT INTO events (account, kind, resource_id, type, name, message, link, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (e.account, e.kind, e.resource_id, e.type, e.name, e.message, e.link, e.created_at),
        )
        e.seq = cur.lastrowid

    async def get_item(self, kind: str, id: str) -> Item | None:
        row = self.db.execute(
            f"SELECT {ITEM_COLUMNS} FROM objects WHERE kind = ? AND id = ?", (kind, id)
        ).fetchone()
        return to_item(row) if row else None

    def _bump(self) -> None:
        self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'items_epoch'")
        self.store._epoch_read_at = float("-inf")  # this process sees its own writes at once

    async def insert_item(self, item: Item) -> None:
        try:
            cur = self.db.execute(
                "INSERT INTO objects (account, kind, id, key, body, created_at, updated_at, parent, version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item.account,
                    item.kind,
                    item.id,
                    item.key,
                    to_json(item.body),
                    item.created_at,
                    item.updated_at,
                    item.parent,
                    item.version,
                ),
            )
        except sqlite3.IntegrityError:
            raise KeyError(f"{item.kind} {item.id} already exists") from None
        item.seq = cur.lastrowid
        self._bump()

    async def update_item(self, item: Item) -> None:
        self.db.execute(
            "UPDATE objects SET account = ?, key = ?, body = ?, updated_at = ?, version = version + 1 WHERE seq = ?",
            (item.account, item.key, to_json(item.body), item.updated_at, item.seq),
        )
        item.version += 1
        self._bump()

    async def delete_item(self, item: Item) -> None:
        self.db.execute("DELETE FROM objects WHERE seq = ?", (item.seq,))
        self._bump()

    async def delete_children(self, kind: str, parent: str) -> int:
        count = self.db.execute("DELETE FROM objects WHERE kind = ? AND parent = ?", (kind, parent)).rowcount
        self._bump()
        return count

    async def delete_items_before(self, kind: str, before: float, account: str | None = None) -> int:
        sql, args = "DELETE FROM objects WHERE kind = ? AND created_at < ?", [kind, before]
        if account is not None:
            sql, args = sql + " AND account = ?", [*args, account]
        count = self.db.execute(sql, args).rowcount
        if count:
            self._bump()
        return count


# SQLite's primary result codes that say the file, not the query, is at fault.
_FULL = 13  # SQLITE_FULL: the disk (or max_page_count) is full
_FAULTS = {
    5: "the database file is locked by another process",  # SQLITE_BUSY
    8: "the database is read-only",  # SQLITE_READONLY
    10: "the database file cannot be read or written (I/O error)",  # SQLITE_IOERR
    14: "the database file cannot be opened",  # SQLITE_CANTOPEN
}


def storage_fault(error: sqlite3.DatabaseError) -> StoreUnavailable | None:
    """What a driver error means for callers when the file is at fault; None for a query's own
    error (a constraint, a bug), which stays as it is."""
    code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    if code == _FULL:
        return StoreFull("the disk holding the database is full")
    reason = _FAULTS.get(code)
    return StoreUnavailable(reason) if reason else None


class SqliteStore(Store):
    def __init__(self, path: str):
        self.path = path
        self.url = f"sqlite:///{path}"
        self.db: sqlite3.Connection | None = None
        self._writer: asyncio.Lock | None = None
        self._epoch = 0
        self._epoch_read_at = float("-inf")
        self._resources: dict[tuple[str, str], Resource] = {}
        self._data_version = None
        self._version_read_at = float("-inf")

    async def open(self) -> None:
        """Open the file, creating and migrating it; `StoreUnavailable` with one line saying why
        when it cannot be (unwritable folder, read-only file, not a database)."""
        try:
            directory = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(directory, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except OSError as error:
            raise StoreUnavailable(f"cannot use {self.path}: {error.strerror or error}") from None
        except sqlite3.DatabaseError as error:
            raise StoreUnavailable(f"cannot use {self.path}: {error}") from None
        try:
            self._migrate(db)
        except sqlite3.DatabaseError as error:
            db.close()
            fault = storage_fault(error) or StoreUnavailable(str(error))
            raise type(fault)(f"cannot use {self.path}: {fault}") from None
        self.db = db
        self._writer = asyncio.Lock()

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA busy_timeout = 5000")
        # Checkpoint every ~40 MB of WAL rather than 4 MB: a page written by many transactions
        # (a table's last page, its indexes' ends) is copied back once per checkpoint.
        db.execute("PRAGMA wal_autocheckpoint = 10000")
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
        )
        applied = {row[0] for row in db.execute("SELECT version FROM schema_migrations")}
        for migration in pending("sqlite", applied):
            db.execute("BEGIN IMMEDIATE")
            try:
                for statement in statements(migration.sql):
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, time.time()),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    async def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    @asynccontextmanager
    async def write(self):
        async with self._writer:
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as error:  # busy past busy_timeout, read-only, I/O error
                raise storage_fault(error) or StoreUnavailable(f"database busy: {error}") from None
            try:
                yield SqliteTx(self.db, self)
                self.db.execute("COMMIT")
            except BaseException as error:
                with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already
                    self.db.execute("ROLLBACK")
                fault = storage_fault(error) if isinstance(error, sqlite3.DatabaseError) else None
                if fault is not None:
                    raise fault from None
                raise

    async def get_resource(self, kind: str, id: str) -> Resource | None:
        """A resource, from the read cache when this process has it: SQLite has one writer per
        file, this process's writes drop what they change at once, and another connection's
        commits (a CLI, a second server on the file) empty the cache within EPOCH_TTL. The record
        is shared: callers must not change it (writes read their own through a transaction)."""
        self._check_cache()
        key = (kind, id)
        cached = self._resources.get(key)
        if cached is not None:
            return cached
        row = self.db.execute(
            f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE kind = ? AND id = ?", (kind, id)
        ).fetchone()
        if row is None:
            return None
        if len(self._resources) >= _CACHED_RESOURCES:
            self._resources.clear()
        resource = self._resources[key] = to_resource(row)
        return resource

    def _check_cache(self) -> None:
        """Empty the read cache if another connection committed (read at most every EPOCH_TTL)."""
        now = time.monotonic()
        if now - self._version_read_at > EPOCH_TTL:
            version = self.db.execute("PRAGMA data_version").fetchone()[0]
            if version != self._data_version:
                self._resources.clear()
                self._data_version = version
            self._version_read_at = now

    def _forget(self, kind: str, id: str) -> None:
        self._resources.pop((kind, id), None)

    async def list_resources(self, account, kind, parent_id, after, limit) -> Page:
        """A page of ids by keyset, then the records: from the read cache, the rest in one query
        (and kept), so a page read again decodes nothing (callers must not change the records)."""
        self._check_cache()
        ids = self.db.execute(
            "SELECT id FROM resources WHERE account = ? AND kind = ? AND parent_id = ? "
            "AND seq > ? ORDER BY seq LIMIT ?",
            (account, kind, parent_id, after or 0, limit + 1),
        ).fetchall()
        cache = self._resources
        found = {id: cache.get((kind, id)) for (id,) in ids[:limit]}
        missing = [id for id, resource in found.items() if resource is None]
        if missing:
            marks = ", ".join("?" * len(missing))
            rows = self.db.execute(
                f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE kind = ? AND id IN ({marks})",
                (kind, *missing),
            ).fetchall()
            if len(cache) + len(rows) > _CACHED_RESOURCES:
                cache.clear()
            for row in rows:
                found[row[3]] = cache[(kind, row[3])] = to_resource(row)
        page = Page(found[id] for (id,) in ids[:limit])
        page.more = len(ids) > limit
        return page

    async def get_task(self, kind, resource_id, task_id) -> Task | None:
        row = self.db.execute(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = ? AND kind = ? AND resource_id = ?",
            (task_id, kind, resource_id),
        ).fetchone()
        return to_task(row) if row else None

    async def list_tasks(self, kind, resource_id, before, limit) -> Page:
        rows = self.db.execute(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE kind = ? AND resource_id = ? AND seq < ? "
            "ORDER BY seq DESC LIMIT ?",
            (kind, resource_id, before or 2**62, limit + 1),
        ).fetchall()
        return to_page(rows, limit, to_task)

    async def list_events(self, kind, resource_id, before, limit) -> Page:
        rows = self.db.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE kind = ? AND resource_id = ? AND seq < ? "
            "ORDER BY seq DESC LIMIT ?",
            (kind, resource_id, before or 2**62, limit + 1),
        ).fetchall()
        return to_page(rows, limit, to_event)

    async def due_tasks(self, now: float, limit: int) -> list[Task]:
        rows = self.db.execute(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE due_at IS NOT NULL AND due_at <= ? "
            "ORDER BY due_at LIMIT ?",
            (now, limit),
        ).fetchall()
        return [to_task(row) for row in rows]

    async def claim_tasks(self, owner: str, now: float, until: float, limit: int) -> list[Task]:
        return await self.due_tasks(now, limit)

    async def renew_leases(self, owner: str, ids: list[str], until: float) -> None:
        pass

    async def release_leases(self, owner: str, ids: list[str]) -> None:
        pass

    async def next_due(self) -> float | None:
        return self.db.execute("SELECT min(due_at) FROM tasks WHERE due_at IS NOT NULL").fetchone()[0]

    async def get_item(self, kind: str, id: str) -> Item | None:
        row = self.db.execute(
            f"SELECT {ITEM_COLUMNS} FROM objects WHERE kind = ? AND id = ?", (kind, id)
        ).fetchone()
        return to_item(row) if row else None

    async def items_epoch(self) -> int:
        # Read at most every EPOCH_TTL seconds: this process's own writes reset the clock, so
        # only another process's writes (a CLI, a second server on the file) wait that long.
        now = time.monotonic()
        if now - self._epoch_read_at > EPOCH_TTL:
            self._epoch = int(
                self.db.execute("SELECT value FROM meta WHERE key = 'items_epoch'").fetchone()[0]
            )
            self._epoch_read_at = now
        return self._epoch

    async def any_item(self, kind: str) -> bool:
        return self.db.execute("SELECT 1 FROM objects WHERE kind = ? LIMIT 1", (kind,)).fetchone() is not None

    async def find_item(self, kind: str, key: str) -> Item | None:
        row = self.db.execute(
            f"SELECT {ITEM_COLUMNS} FROM objects WHERE kind = ? AND key = ?", (kind, key)
        ).fetchone()
        return to_item(row) if row else None

    async def list_items(self, account, kind, after, limit, parent=None) -> Page:
        if parent is None:
            rows = self.db.execute(
                f"SELECT {ITEM_COLUMNS} FROM objects WHERE account = ? AND kind = ? AND seq > ? ORDER BY seq LIMIT ?",
                (account, kind, after or 0, limit + 1),
            ).fetchall()
        else:
            rows = self.db.execute(
                f"SELECT {ITEM_COLUMNS} FROM objects WHERE account = ? AND kind = ? AND parent = ? AND seq > ? "
                "ORDER BY seq LIMIT ?",
                (account, kind, parent, after or 0, limit + 1),
            ).fetchall()
        return to_page(rows, limit, to_item)

    async def list_resources_of(self, account, kinds, after, limit) -> Page:
        marks = ", ".join("?" * len(kinds))
        rows = self.db.execute(
            f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE account = ? AND kind IN ({marks}) AND seq > ? "
            "ORDER BY seq LIMIT ?",
            (account, *kinds, after or 0, limit + 1),
        ).fetchall()
        return to_page(rows, limit, to_resource)

    async def add_usage(self, rows) -> None:
        async with self.write():
            self.db.executemany(
                "INSERT INTO usage (account, section, major, route, field, count, last_seen) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account, section, major, route, field) "
                "DO UPDATE SET count = count + excluded.count, last_seen = max(last_seen, excluded.last_seen)",
                rows,
            )

    async def usage(self, account, section, since):
        return self.db.execute(
            "SELECT major, route, field, count, last_seen FROM usage WHERE account = ? AND section = ? "
            "AND last_seen >= ? ORDER BY route, field",
            (account, section, since),
        ).fetchall()

    async def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        async with self.write():
            self.db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def reset(self, account: str | None) -> None:
        self._resources.clear()
        async with self.write() as tx:
            for table in STATE_TABLES:
                if account is None:
                    self.db.execute(f"DELETE FROM {table}")
                else:
                    self.db.execute(f"DELETE FROM {table} WHERE account = ?", (account,))
            tx._bump()

    async def task_counts(self) -> list[tuple[str, str, int]]:
        return [
            tuple(row)
            for row in self.db.execute("SELECT kind, status, count(*) FROM tasks GROUP BY kind, status")
        ]

    async def migrations_behind(self) -> int:
        applied = {row[0] for row in self.db.execute("SELECT version FROM schema_migrations")}
        return len(pending("sqlite", applied))

    def _schema_version(self) -> int:
        return self.db.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]

    async def dump(self) -> dict:
        tables = {}
        for table in STATE_TABLES:
            cursor = self.db.execute(f"SELECT * FROM {table}")
            columns = [c[0] for c in cursor.description]
            tables[table] = {"columns": columns, "rows": [list(row) for row in cursor.fetchall()]}
        return {"schema": self._schema_version(), "tables": tables}

    async def restore(self, dump: dict) -> None:
        self._resources.clear()
        if dump.get("schema") != self._schema_version():
            raise ValueError(
                f"the snapshot has schema version {dump.get('schema')}, this database {self._schema_version()}"
            )
        async with self.write() as tx:
            for table in STATE_TABLES:
                content = dump["tables"][table]
                self.db.execute(f"DELETE FROM {table}")
                marks = ", ".join("?" * len(content["columns"]))
                self.db.executemany(
                    f"INSERT INTO {table} ({', '.join(content['columns'])}) VALUES ({marks})", content["rows"]
                )
            tx._bump()

    async def secret(self, name: str) -> bytes:
        key = f"secret:{name}"
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, os.urandom(32).hex())
            )
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return bytes.fromhex(row[0])
