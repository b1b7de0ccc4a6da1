"""The write path of plain objects: one registry that every kind of plain object shares.

Plain objects (policies, groups, users, applications, consumer keys, OAuth2 clients...) are
not as-code: a write takes effect at once, without a task. An `ObjectKind` (model/objects.py)
declares what is special to one kind (its name in the store, its label in errors, who owns it,
how its ids are made, its unique key, the event it writes and an `ObjectStrategy`); `Objects`
serves every kind the same way:

- every read that decides a write, and the write, happen in one store transaction;
- each object carries a version that every write bumps; `etag(item)` is its entity tag, and a
  write given an `If-Match` that names another version is refused with 412
  `Client::PreconditionFailed::VersionMismatch` (no If-Match: the write is unconditional, as on
  OVHcloud's API);
- the store bumps the items epoch in the same transaction (caches of credentials and policies
  drop what they hold, store/cache.py);
- a kind that declares `event` gets one event per create, update and delete;
- lists are read a page at a time, in creation order (keyset on the store's sequence).

The generic code never looks at a kind's name: what differs lives in the declaration (as in
the Kubernetes generic registry, k8s.io/apiserver registry/generic).
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

from ..errors import ApiError
from ..model.objects import ALL, ObjectKind, etag, matches
from ..model.records import Event, Item
from ..model.status import EventType
from ..store import Page, Store

__all__ = ["Objects", "Collection"]


def _owned(item: Item | None, account: str | None, parent: str | None) -> bool:
    return (
        item is not None
        and (account is None or item.account == account)
        and (parent is None or item.parent == parent)
    )


class Objects:
    """The registry: get, list, create, update and delete for every `ObjectKind`.

    `account` scopes every call: an object of another account is answered 404 as if it did not
    exist. `None` is for the authentication flows only (a consumer key before an account
    validated it, a token's client): the object is found whoever owns it. `parent`, where
    given, scopes the same way to the objects that belong to that object.
    """

    def __init__(self, store: Store, now: Callable[[], float], new_uuid: Callable[[], str]):
        self.store = store
        self.now = now
        self.new_uuid = new_uuid

    # reads

    async def find(
        self, kind: ObjectKind, account: str | None, id: str, parent: str | None = None
    ) -> Item | None:
        item = await self.store.get_item(kind.key, kind.stored_id(account, id))
        return item if _owned(item, account, parent) else None

    async def get(self, kind: ObjectKind, account: str | None, id: str, parent: str | None = None) -> Item:
        item = await self.find(kind, account, id, parent)
        if item is None:
            raise kind.not_found(id)
        return item

    async def by_key(self, kind: ObjectKind, key: str) -> Item | None:
        """The object of this kind whose unique key is `key`, whoever owns it."""
        return await self.store.find_item(kind.key, key)

    async def page(
        self, kind: ObjectKind, account: str, after: int | None, limit: int, parent: str | None = None
    ) -> Page:
        """Objects in creation order, those after the position `after`, at most `limit`."""
        return await self.store.list_items(account, kind.key, after, limit, parent)

    async def all(self, kind: ObjectKind, account: str, parent: str | None = None) -> list[Item]:
        return list(await self.page(kind, account, None, ALL, parent))

    # writes

    async def create(
        self,
        kind: ObjectKind,
        account: str,
        body: dict,
        *,
        id: str | None = None,
        key: str | None = None,
        parent: str = "",
    ) -> Item:
        """A new object; 409 `<label>AlreadyExists` when its id or key is taken."""
        now = self.now()
        stored_id = kind.stored_id(account, id if id is not None else kind.new_id(self.new_uuid()))
        strategy = kind.strategy
        body = strategy.prepare_create(account, stored_id, body)
        strategy.validate(body)
        body = strategy.canonical(body)
        item = Item(
            account=account,
            kind=kind.key,
            id=stored_id,
            body=body,
            created_at=now,
            updated_at=now,
            key=key if key is not None else strategy.key(body),
            parent=parent,
        )
        async with self.store.write() as tx:
            try:
                await tx.insert_item(item)
            except KeyError:
                raise kind.already_exists(stored_id) from None
            await self._event(tx, kind, item, EventType.OBJECT_CREATE, "created", now)
        return item

    async def update(
        self,
        kind: ObjectKind,
        account: str | None,
        id: str,
        change: Callable[[Item], Awaitable[Any] | Any],
        *,
        if_match: str | None = None,
        parent: str | None = None,
    ) -> Item:
        """Read the object, apply `change` to a copy of it (it edits the copy's body, or moves it
        to an account; it may raise ApiError), check the version, write. A change that leaves
        the object as it was writes nothing."""
        async with self.store.write() as tx:
            current = await tx.get_item(kind.key, kind.stored_id(account, id))
            if not _owned(current, account, parent):
                raise kind.not_found(id)
            self._check_version(kind, current, if_match)
            new = copy.copy(current)
            new.body = copy.deepcopy(current.body)
            done = change(new)
            if isinstance(done, Awaitable):
                await done
            strategy = kind.strategy
            body = strategy.prepare_update(current, new.body)
            strategy.validate(body)
            new.body = strategy.canonical(body)
            new.key = strategy.key(new.body) or current.key
            if new.body == current.body and new.account == current.account and new.key == current.key:
                return current
            now = self.now()
            new.updated_at = now
            await tx.update_item(new)
            await self._event(tx, kind, new, EventType.OBJECT_UPDATE, "updated", now)
        return new

    async def delete(
        self,
        kind: ObjectKind,
        account: str,
        id: str,
        *,
        if_match: str | None = None,
        parent: str | None = None,
    ) -> Item:
        """Delete the object and the objects that belong to it (its kind's `children`)."""
        async with self.store.write() as tx:
            current = await tx.get_item(kind.key, kind.stored_id(account, id))
            if not _owned(current, account, parent):
                raise kind.not_found(id)
            self._check_version(kind, current, if_match)
            for child in kind.children:
                await tx.delete_children(child, current.id)
            await tx.delete_item(current)
            await self._event(tx, kind, current, EventType.OBJECT_DELETE, "deleted", self.now())
        return current

    @staticmethod
    def _check_version(kind: ObjectKind, item: Item, if_match: str | None) -> None:
        if if_match is not None and not matches(if_match, item):
            raise ApiError.version_mismatch(kind.label, kind.name_of(item.id), if_match, etag(item))

    @staticmethod
    async def _event(tx, kind: ObjectKind, item: Item, type: EventType, done: str, now: float) -> None:
        if kind.event is None:
            return
        await tx.insert_event(
            Event(
                account=item.account,
                kind=kind.key,
                resource_id=item.id,
                type=type,
                name=f"{kind.event}_{type.removeprefix('OBJECT_')}",
                message=f"{kind.label} '{kind.name_of(item.id)}' {done}",
                link=None,
                created_at=now,
            )
        )


class Collection:
    """One kind's objects as one account sees them (and, where given, those that belong to the
    object `parent`); writes carry the caller's `If-Match`. What a handler holds."""

    __slots__ = ("objects", "kind", "account", "if_match", "parent")

    def __init__(
        self,
        objects: Objects,
        kind: ObjectKind,
        account: str,
        if_match: str | None = None,
        parent: str | None = None,
    ):
        self.objects = objects
        self.kind = kind
        self.account = account
        self.if_match = if_match
        self.parent = parent

    async def find(self, id: str) -> Item | None:
        return await self.objects.find(self.kind, self.account, id, self.parent)

    async def get(self, id: str) -> Item:
        return await self.objects.get(self.kind, self.account, id, self.parent)

    async def page(self, after: int | None, limit: int) -> Page:
        return await self.objects.page(self.kind, self.account, after, limit, self.parent)

    async def all(self) -> list[Item]:
        return await self.objects.all(self.kind, self.account, self.parent)

    async def create(self, body: dict, *, id: str | None = None, key: str | None = None) -> Item:
        return await self.objects.create(
            self.kind, self.account, body, id=id, key=key, parent=self.parent or ""
        )

    async def update(self, id: str, change: Callable[[Item], Awaitable[Any] | Any]) -> Item:
        return await self.objects.update(
            self.kind, self.account, id, change, if_match=self.if_match, parent=self.parent
        )

    async def delete(self, id: str) -> Item:
        return await self.objects.delete(
            self.kind, self.account, id, if_match=self.if_match, parent=self.parent
        )
