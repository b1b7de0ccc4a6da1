"""The engine: runs the steps of persisted tasks, one transaction per transition.

A task moves PENDING -> RUNNING (TASK_START) -> each step RUNNING then DONE -> DONE
(TASK_SUCCESS, resource READY, or gone for a delete) or ERROR (TASK_ERROR, resource ERROR).
Each transition is one transaction that also carries its effect on the resource, and is
applied only if the task is still where it was read (compare-and-swap on status and step), so
two engines, or an engine restarted after a crash, never apply a step twice. A step that is
RUNNING has a due time (its simulated duration); the engine sleeps until the earliest due
time, until it is woken by a new task (in this process, or by the store's `listen`: NOTIFY on
PostgreSQL), or for `poll` seconds at most.

Several engines, in any processes, share the work through leases (where the store keeps them):
an engine claims due tasks for `lease` seconds, renews its claims while it works on them (an
I/O step may take long), and a committed transition releases the task. Between steps, while a
task waits for its due time, nobody holds it: any engine takes the next step. An engine that
dies or stalls stops renewing; once its lease has expired another engine claims the task and
resumes from the last committed step, and the stalled engine's late commit is refused because
the lease (and the step) is no longer the one it read.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import socket
import time
import uuid
from collections.abc import Mapping

from ..model.kind import Kind, StepFailed
from ..model.records import Event, Resource, Task
from ..model.status import Action, EventType, ResourceStatus, TaskStatus
from ..store import Store, StoreUnavailable
from .changes import task_ref
from .clock import Clock

__all__ = ["Engine"]

log = logging.getLogger("convergent.engine")

MAX_ATTEMPTS = 5


def engine_id() -> str:
    """A name for one engine, unique across hosts and processes: `host:pid:random`."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Engine:
    def __init__(
        self,
        store: Store,
        kinds: Mapping[str, Kind],
        clock: Clock,
        *,
        batch: int = 64,
        poll: float = 1.0,
        lease: float = 30.0,
        owner: str | None = None,
        parallel: int | None = None,
        faults=None,
        before_pass=None,
    ):
        """`faults.take_task(tx, kind, step)` may fail a step on purpose (engine/faults.py);
        `before_pass()` runs before each pass (the clock's sync with other processes)."""
        self.store = store
        self.kinds = kinds
        self.clock = clock
        self.batch = batch
        self.poll = poll
        self.lease = lease
        self.owner = owner or engine_id()
        # Transitions of different tasks in flight at once: on PostgreSQL each waits mostly on
        # its COMMIT, on its own connection; SQLite has one writer, so one at a time.
        self.parallel = parallel or (8 if store.leases else 1)
        self.faults = faults
        self.before_pass = before_pass
        self._wake = asyncio.Event()
        self.last_pass: float | None = None  # time.monotonic() of the last pass of `run` (health)
        self.store_errors = 0  # passes that failed because the database could not be reached (metrics)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Run due work until cancelled, through database outages."""
        listener = asyncio.create_task(self.store.listen(self.wake), name=f"listen {self.owner}")
        down = False
        try:
            while True:
                self._wake.clear()
                self.last_pass = time.monotonic()
                try:
                    if self.before_pass is not None:
                        await self.before_pass()
                    if await self.run_due() >= self.batch:
                        continue  # there may be more due now; else next_due says when (0: at once)
                    due = await self.store.next_due()
                except StoreUnavailable as error:
                    self.store_errors += 1
                    if not down:
                        log.warning("engine %s: %s; retrying every second", self.owner, error)
                    down = True
                    await asyncio.sleep(1.0)
                    continue
                except Exception:
                    log.exception("engine pass failed; retrying")
                    await asyncio.sleep(1.0)
                    continue
                if down:
                    log.warning("engine %s: the database is back", self.owner)
                    down = False
                timeout = self.poll if due is None else min(self.poll, max(0.0, due - self.clock.now()))
                if self.clock.frozen is not None:
                    timeout = min(timeout, 1.0)  # manual time moves by request: look again soon
                if timeout > 0:
                    try:
                        await asyncio.wait_for(self._wake.wait(), timeout)
                    except TimeoutError:
                        pass
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener

    async def run_due(self) -> int:
        """Claim the tasks due now and advance each; return how many were claimed."""
        now = self.clock.now()
        tasks = await self.store.claim_tasks(self.owner, now, now + self.lease, self.batch)
        if not tasks:
            return 0
        if not self.store.leases:
            await self._advance_together(tasks)
            return len(tasks)
        held = {task.id for task in tasks}
        renewer = asyncio.create_task(self._renew(held)) if self.store.leases else None
        gate = asyncio.Semaphore(self.parallel)

        async def advance(task: Task) -> None:
            async with gate:
                await self.advance(task)
                held.discard(task.id)
                await asyncio.sleep(0)  # let requests in between transitions

        try:
            outcomes = await asyncio.gather(*(advance(task) for task in tasks), return_exceptions=True)
            failed = next((o for o in outcomes if isinstance(o, BaseException)), None)
            if failed is not None:
                raise failed
        finally:
            if renewer is not None:
                renewer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewer
            if held and self.store.leases:
                with contextlib.suppress(Exception):  # else they expire, or we claim them back
                    await self.store.release_leases(self.owner, list(held))
        return len(tasks)

    async def _renew(self, held: set[str]) -> None:
        """Keep our claims alive while we work through them (I/O steps may take long)."""
        while True:
            await asyncio.sleep(self.lease / 3)
            if held:
                try:
                    await self.store.renew_leases(self.owner, list(held), self.clock.now() + self.lease)
                except StoreUnavailable as error:
                    log.warning("engine %s could not renew its leases: %s", self.owner, error)

    async def settle(self, limit: int = 100_000) -> None:
        """Run transitions until nothing is due now (tests, instant mode)."""
        for _ in range(limit):
            if not await self.run_due():
                return

    async def _advance_together(self, tasks: list[Task]) -> None:
        """One writer (no leases): the transitions of a pass in one transaction, each task in a
        savepoint (one that raises is undone alone and raised once the others are committed).
        Tasks whose next step does I/O run theirs outside, each in its own transaction."""
        together, apart = [], []
        for task in tasks:
            kind = self.kinds.get(task.kind)
            if kind is not None and self._does_io(kind) and task.status == TaskStatus.RUNNING:
                apart.append(task)
            else:
                together.append(task)
        failed: BaseException | None = None
        if together:
            async with self.store.write() as tx:
                for task in together:
                    try:
                        async with tx.savepoint():
                            await self._transition(tx, task, None)
                    except Exception as error:
                        failed = failed or error
        for task in apart:
            await self.advance(task)
            await asyncio.sleep(0)  # let requests in between transitions
        if failed is not None:
            raise failed

    @staticmethod
    def _does_io(kind: Kind) -> bool:
        return inspect.iscoroutinefunction(kind.reconciler.apply)

    async def advance(self, seen: Task) -> None:
        """Apply every transition of this task that is due now, in one transaction."""
        kind = self.kinds.get(seen.kind)
        outcome = (
            await self._apply_outside(kind, seen)
            if kind is not None and self._does_io(kind) and seen.status == TaskStatus.RUNNING
            else None
        )
        async with self.store.write() as tx:
            await self._transition(tx, seen, outcome)

    async def _transition(self, tx, seen: Task, outcome: tuple[str, object] | None) -> None:
        """The transitions of `seen` due now, within `tx`; `outcome` is its I/O step's, if run."""
        kind = self.kinds.get(seen.kind)
        if kind is None:
            log.error("task %s names unknown kind %s; leaving it", seen.id, seen.kind)
            return
        does_io = self._does_io(kind)
        task = await tx.get_task(seen.id)
        if (
            task is None
            or task.status != seen.status
            or task.step != seen.step
            or task.due_at is None
            or task.lease_owner != seen.lease_owner
        ):
            return  # another engine moved it first, or took it over after our lease expired
        resource = await tx.get_resource(task.kind, task.resource_id)
        now = self.clock.now()
        events: list[tuple[str, str]] = []
        while task.due_at is not None and task.due_at <= now:
            if task.status == TaskStatus.PENDING:
                events += self._start(task, resource, now)
                continue
            if resource is None:
                events += self._fail(task, None, now, "The resource no longer exists")
                break
            if outcome is None and self.faults is not None:
                injected = await self.faults.take_task(tx, task.kind, task.steps[task.step]["name"])
                if injected is not None:
                    outcome = ("failed", injected)
            if outcome is None:
                if does_io:
                    break  # the next step does I/O: it runs outside a transaction, next pass
                resource.updated_at = now  # what `apply` reads as the time of the step
                outcome = self._apply(kind, task, resource)
            verdict, value = outcome
            outcome = None
            if verdict == "done":
                events += self._complete_step(task, resource, now, value)
            elif verdict == "failed":
                events += self._fail(task, resource, now, value)
            else:
                events += self._retry(task, resource, now)
        task.updated_at = now
        task.lease_owner = task.lease_until = None  # the transition is done: anyone may take the next
        await tx.update_task(task)
        if resource is not None:
            refs = [task_ref(task) if ref["id"] == task.id else ref for ref in resource.current_tasks]
            if task.status == TaskStatus.DONE:
                refs = [ref for ref in refs if ref["id"] != task.id]
            resource.current_tasks = refs
            if task.status == TaskStatus.DONE and task.action == Action.DELETE:
                await tx.delete_resource(resource)
            else:
                await tx.update_resource(resource)
        for type, message in events:
            await tx.insert_event(
                Event(
                    account=task.account,
                    kind=task.kind,
                    resource_id=task.resource_id,
                    type=type,
                    name=task.type,
                    message=message,
                    link=f"{task.link}/task/{task.id}",
                    created_at=now,
                )
            )

    @staticmethod
    def _apply(kind: Kind, task: Task, resource: Resource) -> tuple[str, object]:
        step = task.steps[task.step]["name"]
        try:
            return "done", kind.reconciler.apply(step, resource)
        except StepFailed as failure:
            return "failed", str(failure)
        except Exception:
            log.exception("step %r of task %s raised", step, task.id)
            return "retry", None

    async def _apply_outside(self, kind: Kind, task: Task) -> tuple[str, object] | None:
        resource = await self.store.get_resource(task.kind, task.resource_id)
        if resource is None:
            return None
        resource.updated_at = self.clock.now()  # what `apply` reads as the time of the step
        step = task.steps[task.step]["name"]
        try:
            return "done", await kind.reconciler.apply(step, resource)
        except StepFailed as failure:
            return "failed", str(failure)
        except Exception:
            log.exception("step %r of task %s raised", step, task.id)
            return "retry", None

    def _start(self, task: Task, resource: Resource | None, now: float):
        task.status = TaskStatus.RUNNING
        task.started_at = now
        events = [(EventType.TASK_START, f"Task started: {task.message}")]
        if not task.steps:
            return events + self._finish(task, resource, now)
        task.progress[0]["status"] = TaskStatus.RUNNING
        task.due_at = now + self.clock.duration(task.steps[0]["seconds"])
        return events

    def _complete_step(self, task: Task, resource: Resource | None, now: float, state: dict):
        if resource is not None:
            resource.current_state = state
            resource.updated_at = now
        task.progress[task.step]["status"] = TaskStatus.DONE
        task.attempts = 0
        task.step += 1
        if task.step < len(task.steps):
            task.progress[task.step]["status"] = TaskStatus.RUNNING
            task.due_at = now + self.clock.duration(task.steps[task.step]["seconds"])
            return ()
        return self._finish(task, resource, now)

    def _finish(self, task: Task, resource: Resource | None, now: float):
        task.status = TaskStatus.DONE
        task.finished_at = now
        task.due_at = None
        if resource is not None:
            resource.status = ResourceStatus.READY
            resource.updated_at = now
        return [(EventType.TASK_SUCCESS, f"Task succeeded: {task.message}")]

    def _fail(self, task: Task, resource: Resource | None, now: float, message: str):
        task.status = TaskStatus.ERROR
        task.finished_at = now
        task.due_at = None
        task.errors = [{"message": message}]
        if task.step < len(task.progress):
            task.progress[task.step]["status"] = TaskStatus.ERROR
        if resource is not None:
            resource.status = ResourceStatus.ERROR
            resource.updated_at = now
        return [(EventType.TASK_ERROR, f"Task failed: {message}")]

    def _retry(self, task: Task, resource: Resource | None, now: float):
        task.attempts += 1
        if task.attempts >= MAX_ATTEMPTS:
            step = task.steps[task.step]["name"]
            return self._fail(task, resource, now, f"Internal error during step '{step}'")
        task.due_at = now + min(30.0, 0.5 * 2**task.attempts)
        return ()
