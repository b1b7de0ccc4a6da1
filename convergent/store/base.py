"""The storage interface every engine implements, and how a database URL picks one.

Reads are plain calls; what they return may be shared with other readers (the SQLite store
caches decoded resources): treat it as read-only. Writes happen in `async with store.write() as tx:`, one transaction:
everything done through `tx` commits together or not at all, and a resource, task or item read
through `tx` stays locked against other writers until the end of the block. Do no network I/O
inside a write block: it holds a lock (SQLite: the single writer; PostgreSQL: the rows read).

Any call may raise `StoreUnavailable` when the database cannot be reached or asks for the
transaction to be retried; the API answers it with 503 `Server::ServiceUnavailable`. A write
that raised it may or may not have committed (the connection was lost during COMMIT).
`StoreFull`, a kind of it, says the disk is full (answered 507 `Server::InsufficientStorage`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from urllib.parse import urlsplit, urlunsplit

from ..model.records import Event, Item, Resource, Task

__all__ = ["Store", "Tx", "Page", "StoreUnavailable", "StoreFull", "open_store", "redact"]


class StoreUnavailable(Exception):
    """The database cannot be reached, cannot be written (read-only, I/O error) or asked to
    retry: the call may succeed later."""


class StoreFull(StoreUnavailable):
    """The database's disk (or its configured size) is full: nothing more can be written."""


# Seconds another process's change to plain objects may take to be seen (its own: at once).
EPOCH_TTL = 0.05
# The tables that hold an account's state (reset, snapshots); the server's own settings are in `meta`.
STATE_TABLES = ("resources", "tasks", "events", "objects", "usage")


class Page(list):
    """A list of records, and whether more remain after them."""

    more: bool = False


class Tx(ABC):
    def savepoint(self) -> AbstractAsyncContextManager:
        """A block whose writes are undone if it raises, the rest of the transaction kept (the
        engine runs a pass of transitions in one transaction where `Store.leases` is False)."""
        raise NotImplementedError

    @abstractmethod
    async def get_resource(self, kind: str, id: str) -> Resource | None: ...

    @abstractmethod
    async def account_resources(self, account: str, kind: str) -> list[Resource]:
        """Every resource of this kind the account has, in creation order (for cross-resource rules)."""

    @abstractmethod
    async def insert_resource(self, resource: Resource) -> None: ...

    @abstractmethod
    async def update_resource(self, resource: Resource) -> None: ...

    @abstractmethod
    async def delete_resource(self, resource: Resource) -> None: ...

    @abstractmethod
    async def get_task(self, id: str) -> Task | None: ...

    @abstractmethod
    async def insert_task(self, task: Task) -> None: ...

    @abstractmethod
    async def update_task(self, task: Task) -> None: ...

    @abstractmethod
    async def insert_event(self, event: Event) -> None: ...

    @abstractmethod
    async def get_item(self, kind: str, id: str) -> Item | None: ...

    @abstractmethod
    async def insert_item(self, item: Item) -> None:
        """Raises KeyError when the kind already has this id or key."""

    @abstractmethod
    async def update_item(self, item: Item) -> None:
        """Writes the item and bumps its version (in the store and on `item`)."""

    @abstractmethod
    async def delete_item(self, item: Item) -> None: ...

    @abstractmethod
    async def delete_children(self, kind: str, parent: str) -> int:
        """Deletes the items of `kind` that belong to the object `parent`; how many there were."""

    @abstractmethod
    async def delete_items_before(self, kind: str, before: float, account: str | None = None) -> int:
        """Deletes the items of `kind` created before `before` (of `account` only, when given);
        how many there were. Housekeeping collects what has expired with it."""


class Store(ABC):
    url: str
    # Whether claims record leases, so that several engines (in any processes) share the work.
    leases: bool = False

    @abstractmethod
    async def open(self) -> None:
        """Connect and bring the schema to the latest migration."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    def write(self) -> AbstractAsyncContextManager[Tx]: ...

    @abstractmethod
    async def get_resource(self, kind: str, id: str) -> Resource | None: ...

    @abstractmethod
    async def list_resources(
        self, account: str, kind: str, parent_id: str, after: int | None, limit: int
    ) -> Page:
        """Resources in creation order, those with seq > after, at most `limit`."""

    @abstractmethod
    async def get_task(self, kind: str, resource_id: str, task_id: str) -> Task | None: ...

    @abstractmethod
    async def list_tasks(self, kind: str, resource_id: str, before: int | None, limit: int) -> Page:
        """Tasks of a resource, newest first, those with seq < before."""

    @abstractmethod
    async def list_events(self, kind: str, resource_id: str, before: int | None, limit: int) -> Page:
        """Events of a resource, newest first, those with seq < before."""

    @abstractmethod
    async def due_tasks(self, now: float, limit: int) -> list[Task]:
        """Unfinished tasks whose due time has come, the earliest first (leases ignored)."""

    @abstractmethod
    async def claim_tasks(self, owner: str, now: float, until: float, limit: int) -> list[Task]:
        """Due tasks that no other engine holds, leased to `owner` until `until`, the earliest
        first. A lease expired (`lease_until < now`) is free to take. Where `leases` is False
        (one engine) this is `due_tasks`."""

    @abstractmethod
    async def renew_leases(self, owner: str, ids: list[str], until: float) -> None:
        """Extend `owner`'s leases on these tasks (those it still holds) to `until`."""

    @abstractmethod
    async def release_leases(self, owner: str, ids: list[str]) -> None:
        """Give up `owner`'s leases on these tasks. A committed transition releases its own."""

    @abstractmethod
    async def next_due(self) -> float | None:
        """The earliest time an unfinished task is due and not leased, or None."""

    async def listen(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever another process creates a task, until cancelled. Engines that
        cannot be told (SQLite, databases without LISTEN) return at once and engines poll."""

    @abstractmethod
    async def get_item(self, kind: str, id: str) -> Item | None: ...

    @abstractmethod
    async def items_epoch(self) -> int:
        """A number that changes, in the same transaction, with every write of any item: what
        was read from items while it stays the same is still current."""

    @abstractmethod
    async def any_item(self, kind: str) -> bool:
        """Whether any account has an item of this kind."""

    @abstractmethod
    async def find_item(self, kind: str, key: str) -> Item | None:
        """The item of `kind` whose unique `key` is this one."""

    @abstractmethod
    async def list_items(
        self, account: str, kind: str, after: int | None, limit: int, parent: str | None = None
    ) -> Page:
        """An account's items of a kind in creation order, those with seq > after (and that belong
        to the object `parent`, when given)."""

    @abstractmethod
    async def list_resources_of(self, account: str, kinds: list[str], after: int | None, limit: int) -> Page:
        """An account's resources of any of these kinds, in creation order."""

    @abstractmethod
    async def add_usage(self, rows: list[tuple[str, str, int, str, str, int, float]]) -> None:
        """Add (account, section, major, route, field, count, last_seen) to the usage counters."""

    @abstractmethod
    async def usage(self, account: str, section: str, since: float) -> list[tuple[int, str, str, int, float]]:
        """An account's (major, route, field, count, last_seen) in a section, seen since `since`."""

    @abstractmethod
    async def task_counts(self) -> list[tuple[str, str, int]]:
        """(kind, status, count) of every task kept (metrics)."""

    @abstractmethod
    async def migrations_behind(self) -> int:
        """How many known migrations this database lacks (health: 0 when current). Also a
        round trip that fails with StoreUnavailable when the database cannot be reached."""

    @abstractmethod
    async def get_meta(self, key: str) -> str | None: ...

    @abstractmethod
    async def set_meta(self, key: str, value: str) -> None: ...

    @abstractmethod
    async def reset(self, account: str | None) -> None:
        """Delete everything an account has (resources, tasks, events, objects, usage), or
        everything there is (account None); the server's own settings stay."""

    @abstractmethod
    async def dump(self) -> dict:
        """The whole state (not the server's own secrets and settings) as JSON-able rows per
        table, with the schema version it has."""

    @abstractmethod
    async def restore(self, dump: dict) -> None:
        """Replace the whole state by a dump of the same schema version (else ValueError)."""

    @abstractmethod
    async def secret(self, name: str) -> bytes:
        """A random secret kept in the database, made on first use (shared by all processes)."""


def open_store(url: str, *, pool_size: int = 10) -> Store:
    """A store for a database URL or path: `postgresql://...` (or `postgres://`),
    `sqlite:///path`, or a plain file path (SQLite)."""
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore(url, pool_size=pool_size)
    from .sqlite import SqliteStore

    if url.startswith("sqlite:///"):
        return SqliteStore(url.removeprefix("sqlite:///"))
    if "://" in url:
        scheme = url.split("://", 1)[0]
        raise ValueError(
            f"unsupported database URL scheme {scheme!r}: use postgresql://..., a file path or sqlite:///path"
        )
    return SqliteStore(url)


def redact(url: str) -> str:
    """The database URL with any password hidden, for logs and messages."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
