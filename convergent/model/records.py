"""The stored shapes: a resource, a task, an event. Plain data; the store persists them."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Resource", "Task", "Event", "Item"]


@dataclass(slots=True)
class Resource:
    """One resource of a kind, owned by one account.

    `target_spec` is what the client asked for, `current_state` what the reconciler reached.
    `current_tasks` is the wire list of unfinished (or failed) tasks, kept beside the resource
    so that a read is one row. `seq` orders a kind's list and is set by the store on insert.
    """

    account: str
    kind: str
    id: str
    parent_id: str
    path: str  # the wire path of the resource, e.g. /v2/publicCloud/project/p1/rancher/r1
    status: str
    target_spec: dict
    current_state: dict
    checksum: str
    created_at: float
    updated_at: float
    iam_id: str = ""
    tags: dict = field(default_factory=dict)
    current_tasks: list = field(default_factory=list)
    seq: int = 0
    # Answers already encoded from this very record, by codec (a record read from the store's
    # cache is never changed: a write replaces it, so what was rendered from it stays true).
    rendered: dict | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True)
class Task:
    """Persisted work on one resource: its plan of named steps and how far it went.

    `step` is the index of the step in progress (or next to start); `due_at` is when the engine
    must look at the task again (Unix seconds), None once the task has ended. `lease_owner` is
    the engine working on it right now, until `lease_until` (None when nobody is).
    """

    id: str
    account: str
    kind: str
    resource_id: str
    action: str
    type: str
    status: str
    message: str
    link: str
    steps: list  # [{"name": str, "seconds": float}]
    progress: list  # [{"name": str, "status": str}]
    created_at: float
    updated_at: float
    step: int = 0
    due_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    errors: list = field(default_factory=list)
    attempts: int = 0
    lease_owner: str | None = None
    lease_until: float | None = None
    seq: int = 0


@dataclass(slots=True)
class Event:
    account: str
    kind: str
    resource_id: str
    type: str
    name: str  # the wire `kind` of the event, e.g. RANCHER_UPDATE
    message: str
    link: str | None
    created_at: float
    seq: int = 0


@dataclass(slots=True)
class Item:
    """A plain object (not as-code): a user, an application, a credential, a policy...

    `id` is unique within its kind; `key` is an optional second unique lookup within the kind.
    `parent` is the id of the object it belongs to, for kinds owned by another object ('' when
    the account owns it). `version` counts its writes: the store bumps it on every update.
    """

    account: str
    kind: str
    id: str
    body: dict
    created_at: float
    updated_at: float
    key: str | None = None
    parent: str = ""
    version: int = 1
    seq: int = 0
