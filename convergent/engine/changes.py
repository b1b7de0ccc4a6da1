"""The write path of as-code resources: a new target, its task and its event, in one transaction.

Every create, update and delete of every kind goes through here. Within the transaction the
resource is read and locked, the client's checksum compared (412), a resource with work in
flight refused (423), the kind's strategy consulted, the reconciler asked for a plan, and the
target, the task (PENDING) and a TARGET_SPEC_UPDATE event written together. The engine is then
woken to run the task.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import uuid
from collections.abc import Callable

from ..errors import ApiError
from ..model.checksum import canonical, checksum
from ..model.kind import Kind, Plan
from ..model.records import Event, Resource, Task
from ..model.status import Action, EventType, ResourceStatus, TaskStatus
from ..store import Store
from .clock import Clock

__all__ = ["Changes", "DryRun", "task_ref"]


class DryRun(Exception):
    """What a change would do, raised out of its write transaction so that it writes nothing:
    the resource as it would be and the task it would start (None when nothing would change)."""

    def __init__(self, resource: Resource, task: Task | None):
        super().__init__("dry run")
        self.resource = resource
        self.task = task


# A resource in one of these states has a task in flight and takes no new target.
BUSY = frozenset({ResourceStatus.CREATING, ResourceStatus.UPDATING, ResourceStatus.DELETING})

_STATUS_OF = {
    Action.CREATE: ResourceStatus.CREATING,
    Action.UPDATE: ResourceStatus.UPDATING,
    Action.DELETE: ResourceStatus.DELETING,
}


def task_ref(task: Task) -> dict:
    """The entry of a task in its resource's `currentTasks`."""
    ref = {"id": task.id, "link": f"{task.link}/task/{task.id}", "status": task.status, "type": task.type}
    if task.errors:
        ref["errors"] = task.errors
    return ref


class _AccountView:
    """The account's resources as the write transaction sees them (model.kind.AccountView)."""

    def __init__(self, tx, account: str, now: float):
        self.tx = tx
        self.account = account
        self.now = now

    async def resources(self, kind: Kind) -> list[Resource]:
        return await self.tx.account_resources(self.account, kind.key)

    async def resource(self, kind: Kind, id: str) -> Resource | None:
        found = await self.tx.get_resource(kind.key, id)
        return found if found is not None and found.account == self.account else None


class Changes:
    def __init__(self, store: Store, clock: Clock, wake: Callable[[], None], seed: int | None = None):
        self.store = store
        self.clock = clock
        self.wake = wake
        self.reseed(seed)

    def reseed(self, seed: int | None) -> None:
        """Draw ids from a generator seeded with `seed` (deterministic ids), or from the system."""
        self._ids = random.Random(seed) if seed is not None else random.SystemRandom()

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    async def create(
        self,
        kind: Kind,
        account: str,
        collection_path: str,
        parent: Resource | None,
        spec: dict,
        dry_run: bool = False,
    ) -> Resource:
        """With `dry_run`, every check runs in the transaction and DryRun is raised instead of
        the writes (the transaction rolls back)."""
        spec = kind.strategy.prepare_create(spec, parent)
        async with self._ids_kept(dry_run), self.store.write() as tx:
            spec = canonical(
                await kind.strategy.admit_create(_AccountView(tx, account, self.clock.now()), spec, parent)
            )
            now = self.clock.now()
            resource = Resource(
                account=account,
                kind=kind.key,
                id="",
                parent_id=parent.id if parent else "",
                path="",
                status=ResourceStatus.CREATING,
                target_spec=spec,
                current_state=canonical(kind.strategy.initial_state(spec)),
                checksum=checksum(spec),
                created_at=now,
                updated_at=now,
                iam_id=self.new_uuid() if kind.iam_type else "",
            )
            # A collision of random ids is astronomically rare; a declared id scheme with a small
            # space would show up here as an endless loop rather than an overwrite.
            while True:
                resource.id = kind.new_id(self.new_uuid())
                if await tx.get_resource(kind.key, resource.id) is None:
                    break
            resource.path = f"{collection_path}/{resource.id}"
            task, event = self._task(kind, Action.CREATE, resource, now)
            resource.current_tasks = [task_ref(task)]
            if dry_run:
                raise DryRun(resource, task)
            await tx.insert_resource(resource)
            await tx.insert_task(task)
            await tx.insert_event(event)
        self.wake()
        return resource

    async def update(
        self,
        kind: Kind,
        account: str,
        path: str,
        id: str,
        to_hub: Callable[[dict], dict],
        provided: str | None,
        dry_run: bool = False,
    ) -> Resource:
        """`to_hub(stored spec)` is the new spec in hub form (a major's codec may keep from the
        stored spec what its shape cannot express). `dry_run` as in `create`."""
        async with self._ids_kept(dry_run), self.store.write() as tx:
            resource = await self._load(tx, kind, account, path, id, copy=dry_run)
            if provided is not None and provided != resource.checksum:
                raise ApiError.checksum_mismatch(provided, resource.checksum, path)
            self._check_idle(kind, resource)
            spec = canonical(kind.strategy.prepare_update(resource, to_hub(resource.target_spec)))
            await kind.strategy.admit_update(_AccountView(tx, account, self.clock.now()), resource, spec)
            new_checksum = checksum(spec)
            if new_checksum == resource.checksum and resource.status == ResourceStatus.READY:
                if dry_run:
                    raise DryRun(resource, None)
                return resource  # the target is already what was asked: nothing to do
            resource.target_spec = spec
            resource.checksum = new_checksum
            await self._begin(tx, kind, Action.UPDATE, resource, dry_run)
        self.wake()
        return resource

    async def delete(self, kind: Kind, account: str, path: str, id: str, dry_run: bool = False) -> Resource:
        async with self._ids_kept(dry_run), self.store.write() as tx:
            resource = await self._load(tx, kind, account, path, id, copy=dry_run)
            self._check_idle(kind, resource)
            await kind.strategy.admit_delete(_AccountView(tx, account, self.clock.now()), resource)
            await self._begin(tx, kind, Action.DELETE, resource, dry_run)
        self.wake()
        return resource

    async def _load(self, tx, kind: Kind, account: str, path: str, id: str, copy: bool = False) -> Resource:
        """The stored resource, or 404; with `copy`, a copy that a dry run may change freely
        (the store's read cache may hold the very record)."""
        resource = await tx.get_resource(kind.key, id)
        if resource is None or resource.account != account or resource.path != path:
            raise ApiError.not_found(kind.not_found_class, f"{kind.label} '{id}' does not exist")
        if copy:
            resource = dataclasses.replace(
                resource,
                target_spec=dict(resource.target_spec),
                current_tasks=list(resource.current_tasks),
                rendered=None,
            )
        return resource

    @contextlib.asynccontextmanager
    async def _ids_kept(self, dry_run: bool):
        """A dry run draws ids from the seeded generator and puts its state back afterwards, so
        that ids stay deterministic whether or not a dry run came first."""
        state = self._ids.getstate() if dry_run and not isinstance(self._ids, random.SystemRandom) else None
        try:
            yield
        finally:
            if state is not None:
                self._ids.setstate(state)

    @staticmethod
    def _check_idle(kind: Kind, resource: Resource) -> None:
        if resource.status in BUSY:
            raise ApiError.locked(
                kind.locked_class,
                f"{kind.label} '{resource.id}' is already locked: a task is in progress "
                f"(resourceStatus {resource.status}); retry once it is READY",
            )

    async def _begin(self, tx, kind: Kind, action: Action, resource: Resource, dry_run: bool = False) -> None:
        now = self.clock.now()
        resource.status = _STATUS_OF[action]
        resource.updated_at = now
        task, event = self._task(kind, action, resource, now)
        # Failed tasks leave currentTasks once a new change is accepted.
        resource.current_tasks = [task_ref(task)]
        if dry_run:
            raise DryRun(resource, task)
        await tx.update_resource(resource)
        await tx.insert_task(task)
        await tx.insert_event(event)

    def _task(self, kind: Kind, action: Action, resource: Resource, now: float) -> tuple[Task, Event]:
        plan: Plan = kind.reconciler.plan(action, resource)
        task = Task(
            id=self.new_uuid(),
            account=resource.account,
            kind=kind.key,
            resource_id=resource.id,
            action=action,
            type=plan.type,
            status=TaskStatus.PENDING,
            message=plan.message,
            link=resource.path,
            steps=[{"name": s.name, "seconds": s.seconds} for s in plan.steps],
            progress=[{"name": s.name, "status": TaskStatus.PENDING} for s in plan.steps],
            created_at=now,
            updated_at=now,
            due_at=now,
        )
        event = Event(
            account=resource.account,
            kind=kind.key,
            resource_id=resource.id,
            type=EventType.TARGET_SPEC_UPDATE,
            name=plan.type,
            message=f"{kind.label} target spec updated ({action})",
            link=resource.path,
            created_at=now,
        )
        return task, event
