"""How a plain object kind is declared: its name, owner, ids, unique key, events and strategy.

Plain objects (policies, groups, users, applications, consumer keys, OAuth2 clients...) are
not as-code: a write takes effect at once, without a task. `engine/objects.py` serves every
kind declared here the same way (one transaction, versions, events, paging) and never looks at
a kind's name: what differs between kinds lives in the declaration and its strategy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import ApiError
from .records import Item

__all__ = ["ObjectKind", "ObjectStrategy", "etag", "matches", "ALL"]

# Enough for "every object of an account" wherever a whole list is needed at once.
ALL = 100_000


def etag(item: Item) -> str:
    """The entity tag of an object's current version (its row and its write count)."""
    return f'"{item.seq}.{item.version}"'


def matches(if_match: str, item: Item) -> bool:
    """Whether an If-Match header names the object's current version (or is `*`)."""
    tags = [tag.strip() for tag in if_match.split(",")]
    return "*" in tags or etag(item) in tags


class ObjectStrategy:
    """Per-kind rules of the registry, each with a harmless default.

    On create: `prepare_create(account, id, body)` fills what the server owns (derived names,
    URNs) and may refuse (raise ApiError); then `validate(body)`, then `canonical(body)` is what
    is stored, and `key(body)` its unique key (unless the caller gives one). On update: the
    caller's change is applied to a copy of the stored object, then `prepare_update(old, body)`
    may keep from the stored object what a change must not touch, then `validate` and
    `canonical` as on create. Every hook runs inside the write transaction and must not do I/O.
    """

    def prepare_create(self, account: str, id: str, body: dict) -> dict:
        return body

    def prepare_update(self, old: Item, body: dict) -> dict:
        return body

    def validate(self, body: dict) -> None:
        return None

    def canonical(self, body: dict) -> dict:
        return body

    def key(self, body: dict) -> str | None:
        return None


def _same(fresh: str) -> str:
    return fresh


@dataclass(frozen=True)
class ObjectKind:
    """One kind of plain object.

    `key` names it in the store; `label` in errors (404 `<label>NotFound`, 409
    `<label>AlreadyExists`). `actions` are the IAM actions its routes check, by operation name
    (`get`, `create`, `edit`, `delete`, ...). An object is owned by an account; objects of a
    kind may also belong to another object (`parent` given on create), and `children` names the
    kinds whose objects belong to this one: deleting it deletes them, in the same transaction
    (one level: their own children are not followed). `new_id(fresh uuid)` makes
    an id when the caller gives none. With `per_account_ids`, ids are named within the account
    (a user's login) and stored as `<account>/<id>`. `event`, when set, is the prefix of the
    events every write records (`<event>_CREATE`, `_UPDATE`, `_DELETE`).
    """

    key: str
    label: str
    strategy: ObjectStrategy = field(default_factory=ObjectStrategy)
    actions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    children: tuple[str, ...] = ()
    new_id: Callable[[str], str] = _same
    per_account_ids: bool = False
    event: str | None = None

    def stored_id(self, account: str | None, id: str) -> str:
        return f"{account}/{id}" if self.per_account_ids and account is not None else id

    @staticmethod
    def name_of(id: str) -> str:
        """The id as the caller named it (a user's login rather than `<account>/<login>`)."""
        return id.rpartition("/")[2]

    def errors(self, operation: str) -> tuple[tuple[int, str], ...]:
        """The error classes the registry may answer on a route of this kind, for an operation's
        `errors`: `list`, `create`, `get`, or a write of one object (any other name)."""
        if operation == "list":
            return ()
        if operation == "create":
            return ((409, f"Client::Conflict::{self.label}AlreadyExists"),)
        found = (404, f"Client::NotFound::{self.label}NotFound")
        if operation == "get":
            return (found,)
        return (found, (412, "Client::PreconditionFailed::VersionMismatch"))

    def not_found(self, id: str) -> ApiError:
        return ApiError.not_found(
            f"{self.label}NotFound", f"{self.label} '{self.name_of(id)}' does not exist"
        )

    def already_exists(self, id: str) -> ApiError:
        return ApiError.conflict(
            f"{self.label}AlreadyExists", f"{self.label} '{self.name_of(id)}' already exists"
        )
