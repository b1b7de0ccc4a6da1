"""How a section declares an as-code kind: its paths, inputs, rules and reconciler.

A kind is data plus a small strategy and a reconciler. The generic layers (HTTP surface,
write path, engine, store) serve every kind the same way from this declaration and never look
at a kind's name.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import msgspec

from ..errors import ApiError
from .records import Resource
from .status import Action

__all__ = [
    "AccountView",
    "Kind",
    "Plan",
    "Reconciler",
    "Step",
    "StepFailed",
    "Strategy",
    "STANDARD_OPERATIONS",
    "standard_actions",
    "uuid4",
    "same_uuid",
    "is_uuid",
]

# The operations the generic layer can serve for an as-code kind.
STANDARD_OPERATIONS = frozenset({"list", "create", "get", "update", "delete", "tasks", "task", "events"})


def uuid4() -> str:
    return str(uuid.uuid4())


def same_uuid(fresh: str) -> str:
    """The default id scheme: the fresh UUID the framework draws."""
    return fresh


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_uuid(value: str) -> bool:
    return _UUID.fullmatch(value) is not None


def any_id(value: str) -> bool:
    return 0 < len(value) <= 256


@dataclass(frozen=True)
class Step:
    """One named progress step of a task; `seconds` is its simulated duration at 1x."""

    name: str
    seconds: float = 0.0


@dataclass(frozen=True)
class Plan:
    """What a change will do: the task's type, its message and its ordered steps."""

    type: str
    message: str
    steps: tuple[Step, ...]


class StepFailed(Exception):
    """Raised by a reconciler step: the task ends in ERROR with this message."""


class Reconciler(Protocol):
    """Brings a resource's currentState to its targetSpec.

    `plan` runs inside the write path when a client creates, changes or deletes a target; it
    must be pure and fast: it only names the steps. `apply` runs in the engine once for each
    step, in order, and returns the new currentState. A pure `apply` (no I/O, as in every
    emulated section) is committed in the same transaction as the step's progress, so a crash
    never shows a step twice. An `apply` that does real I/O may return an awaitable; it is then
    awaited before that transaction and must be safe to repeat, since a worker that dies after
    the I/O and before the commit leaves the step to be run again. Raise StepFailed to end the
    task in ERROR; any other exception is retried with backoff, then fails the task. While a
    step runs, `resource.updated_at` is the time of the step on the server's clock (which the
    admin surface may freeze and advance): a state that records when something happened reads it.
    """

    def plan(self, action: Action, resource: Resource) -> Plan: ...

    def apply(self, step: str, resource: Resource) -> dict | Awaitable[dict]: ...


class AccountView(Protocol):
    """A read-only view of the calling account's resources, inside the write transaction, and
    `now`, the time of the write on the server's clock (which the admin surface may move)."""

    now: float

    async def resources(self, kind: Kind) -> list[Resource]:
        """Every resource of `kind` the account has, in creation order."""
        ...

    async def resource(self, kind: Kind, id: str) -> Resource | None:
        """The account's resource of `kind` with this id, or None (also when another account has it)."""
        ...


class Strategy:
    """Per-kind rules of the generic write path, each with a harmless default.

    On create: the body is decoded and validated against the kind's spec type, then
    `prepare_create` may fill defaults and check cross-field rules (raise ApiError), then the
    `admit_create` checks rules that involve the account's other resources (a referenced
    resource exists, an address is free) and may fill what depends on them (a free VLAN); the
    checksum is computed on what it returns. On update:
    the same with `prepare_update`, which also sees the stored resource; then `admit_update`.
    On delete: `admit_delete` refuses while something depends on the resource. The `admit_*`
    hooks run in the write transaction, so what they read cannot change before the write.
    `extra_fields` adds top-level wire fields to the envelope; `hidden` names envelope fields
    the kind's wire shape does not carry (a resource delivered with no target spec shows
    neither `targetSpec` nor `checksum`); `secret_spec` names targetSpec fields that are stored
    but never shown (a secret's payload); `display_name` names the resource in its IAM
    metadata; `task_not_found` is the error for a task id the resource does not have;
    `list_filter` turns a list's query parameters into a predicate on its resources (or None);
    `initial_state` is the currentState of a resource just created.
    """

    hidden: frozenset[str] = frozenset()
    secret_spec: frozenset[str] = frozenset()

    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        return spec

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        return spec

    async def admit_create(self, view: AccountView, spec: dict, parent: Resource | None) -> dict:
        return spec

    async def admit_update(self, view: AccountView, resource: Resource, spec: dict) -> None:
        return None

    def initial_state(self, spec: dict) -> dict:
        """The currentState a new resource shows before its first step (what the cloud knows at once)."""
        return {}

    async def admit_delete(self, view: AccountView, resource: Resource) -> None:
        return None

    def list_filter(self, query: Mapping[str, str]) -> Callable[[Resource], bool] | None:
        return None

    def extra_fields(self, resource: Resource) -> dict:
        return {}

    def display_name(self, resource: Resource) -> str | None:
        return None

    def task_not_found(self, resource: Resource, task_id: str) -> ApiError:
        return ApiError.not_found("TaskNotFound", f"Task '{task_id}' does not exist")


def standard_actions(resource_type: str, prefix: str = "") -> dict[str, tuple[str, ...]]:
    """The IAM actions of the standard operations, named as OVHcloud names them."""
    base = f"{resource_type}:apiovh:{prefix}"
    return {
        "list": (f"{base}get",),
        "get": (f"{base}get",),
        "create": (f"{base}create",),
        "update": (f"{base}edit",),
        "delete": (f"{base}delete",),
        "tasks": (f"{base}task/get",),
        "task": (f"{base}task/get",),
        "events": (f"{base}event/get",),
    }


@dataclass(frozen=True, eq=False)
class Kind:
    """An as-code resource type.

    `collection` is the list path under the branch, with the parents' path parameters, e.g.
    `/publicCloud/project/{projectId}/rancher`; the item path adds `/{id_param}`. `spec_create`
    and `spec_update` are msgspec Struct types of the targetSpec (unknown fields forbidden).
    `iam_type` gives the kind URNs of its own (`urn:v1:eu:resource:<iam_type>:<id>`) and IAM
    metadata on the wire; a kind without one is authorised on its parent's URN. `errors` names,
    by standard operation, the error classes its strategy raises beyond the generic ones, e.g.
    `{"create": ((409, "Client::Conflict::NotebookNameTaken"),)}`: the OpenAPI document, the
    console and conformance show them with the generic ones.
    """

    section: str
    name: str
    label: str
    collection: str
    id_param: str
    spec_create: type
    spec_update: type
    reconciler: Reconciler
    strategy: Strategy = field(default_factory=Strategy)
    parent: Kind | None = None
    id_valid: Callable[[str], bool] = any_id
    new_id: Callable[[str], str] = same_uuid  # from a fresh UUID (seeded when --seed is set)
    checksum_required: bool = False
    iam_type: str | None = None
    actions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    operations: frozenset[str] = STANDARD_OPERATIONS
    errors: Mapping[str, tuple[tuple[int, str], ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = self.operations - STANDARD_OPERATIONS
        if unknown:
            raise ValueError(f"{self.key}: unknown operations {sorted(unknown)}")
        stray = set(self.errors) - self.operations
        if stray:
            raise ValueError(f"{self.key}: errors declared for operations it does not serve {sorted(stray)}")
        missing = self.operations - set(self.actions)
        if missing:
            raise ValueError(f"{self.key}: no IAM action declared for {sorted(missing)}")
        if self.parent is not None and f"{{{self.parent.id_param}}}" not in self.collection:
            raise ValueError(f"{self.key}: collection must carry the parent's {{{self.parent.id_param}}}")
        object.__setattr__(self, "_bodies", {})

    def bodies(self, spec_create: type | None = None, spec_update: type | None = None) -> tuple[type, type]:
        """The request body types (create, update) around these target spec types (the kind's
        own by default): `{"targetSpec"}` and `{"checksum", "targetSpec"}`, unknown fields refused."""
        spec_create = spec_create or self.spec_create
        spec_update = spec_update or self.spec_update
        cached = self._bodies.get((spec_create, spec_update))
        if cached is None:
            checksum: tuple[Any, ...] = (
                ("checksum", str) if self.checksum_required else ("checksum", str | None, None)
            )
            cached = (
                msgspec.defstruct(
                    f"{self.label}Creation", [("targetSpec", spec_create)], forbid_unknown_fields=True
                ),
                msgspec.defstruct(
                    f"{self.label}Update", [("targetSpec", spec_update), checksum], forbid_unknown_fields=True
                ),
            )
            self._bodies[(spec_create, spec_update)] = cached
        return cached

    @cached_property
    def key(self) -> str:
        return f"{self.section}.{self.name}"

    @cached_property
    def item(self) -> str:
        return f"{self.collection}/{{{self.id_param}}}"

    @property
    def not_found_class(self) -> str:
        return f"{self.label}NotFound"

    @property
    def locked_class(self) -> str:
        return f"{self.label}Locked"

    def owner(self) -> Kind:
        """The kind whose URN authorises calls on this one (itself, or its nearest parent with one)."""
        kind: Kind | None = self
        while kind is not None and kind.iam_type is None:
            kind = kind.parent
        return kind or self

    def ancestors(self) -> list[Kind]:
        out, kind = [], self.parent
        while kind is not None:
            out.append(kind)
            kind = kind.parent
        return out[::-1]
