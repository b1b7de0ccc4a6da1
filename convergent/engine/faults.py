"""Injected faults: deterministic failures that tests arm and the server spends.

Two kinds of rule, each with a count of times it still fires:
- operation: the next N calls of an operation (`PUT /v2/vrackServices/resource/{vrackServicesId}`)
  answer status S with class C, before their handler runs;
- task: the next N tasks of a kind (`vrackServices.resource`) fail at step S with message M.
A rule is spent in the same transaction as its effect, so N means N in every process. Rules
naming an operation or a kind that does not exist are refused when they are written.
"""

from __future__ import annotations

import uuid

import msgspec

from ..errors import ApiError
from ..model.records import Item
from ..store import Store, Tx
from ..store.cache import ItemsCache
from .clock import Clock

__all__ = ["Faults", "FaultRule", "FAULT"]

FAULT = "admin.fault"
_GLOBAL = ""  # faults belong to the server, not to an account


class FaultRule(msgspec.Struct, forbid_unknown_fields=True):
    type: str  # "operation" or "task"
    count: int = 1
    operation: str | None = None
    status: int = 500
    cls: str | None = msgspec.field(default=None, name="class")
    kind: str | None = None
    step: str | None = None
    message: str = "Injected fault"


class Faults:
    def __init__(self, store: Store, clock: Clock, operations: set[str], kinds: set[str]):
        self.store = store
        self.clock = clock
        self.operations = operations
        self.kinds = kinds
        self._rules = ItemsCache(store, limit=1)

    def _check(self, rule: FaultRule) -> dict:
        if rule.count < 1:
            raise ApiError.invalid_field("count", "at least 1")
        if rule.type == "operation":
            if rule.operation not in self.operations:
                raise ApiError.invalid_field(
                    "operation",
                    f"{rule.operation!r} is not an operation of this server, "
                    "e.g. 'PUT /v2/publicCloud/project/{projectId}/rancher/{rancherId}'",
                )
            if not 400 <= rule.status <= 599:
                raise ApiError.invalid_field("status", "an error status, 400 to 599")
            prefix = "Client" if rule.status < 500 else "Server"
            cls = rule.cls or f"{prefix}::Injected"
            if not cls.startswith(("Client::", "Server::")):
                raise ApiError.invalid_field("class", "Client::... or Server::...")
            return {
                "type": "operation",
                "operation": rule.operation,
                "status": rule.status,
                "class": cls,
                "message": rule.message,
                "remaining": rule.count,
            }
        if rule.type == "task":
            if rule.kind not in self.kinds:
                raise ApiError.invalid_field(
                    "kind", f"{rule.kind!r} is not a kind; one of {', '.join(sorted(self.kinds))}"
                )
            if not rule.step:
                raise ApiError.invalid_field("step", "the name of the step that fails")
            return {
                "type": "task",
                "kind": rule.kind,
                "step": rule.step,
                "message": rule.message,
                "remaining": rule.count,
            }
        raise ApiError.invalid_field("type", "operation or task")

    async def add(self, rule: FaultRule) -> dict:
        body = self._check(rule)
        now = self.clock.now()
        item = Item(
            account=_GLOBAL, kind=FAULT, id=str(uuid.uuid4()), body=body, created_at=now, updated_at=now
        )
        async with self.store.write() as tx:
            await tx.insert_item(item)
        return self.view(item)

    @staticmethod
    def view(item: Item) -> dict:
        return {"id": item.id, **item.body}

    async def rules(self, epoch: int | None = None) -> list[Item]:
        async def load():
            return list(await self.store.list_items(_GLOBAL, FAULT, None, 100_000))

        return await self._rules.get("rules", load, epoch)

    async def remove(self, id: str) -> None:
        async with self.store.write() as tx:
            item = await tx.get_item(FAULT, id)
            if item is None:
                raise ApiError.not_found("FaultNotFound", f"Fault '{id}' does not exist")
            await tx.delete_item(item)

    async def clear(self) -> None:
        async with self.store.write() as tx:
            for item in await self.rules():
                current = await tx.get_item(FAULT, item.id)
                if current is not None:
                    await tx.delete_item(current)

    async def take_operation(self, operation: str, epoch: int | None = None) -> ApiError | None:
        """The error an armed rule makes this call answer (spending it), or None. `epoch` is the
        items epoch the caller read in this same request, if any."""
        rules = await self.rules(epoch)
        if not rules:
            return None
        for rule in rules:
            if rule.body["type"] == "operation" and rule.body["operation"] == operation:
                async with self.store.write() as tx:
                    if await _spend(tx, rule.id):
                        b = rule.body
                        return ApiError(b["status"], b["class"], b["message"])
        return None

    async def take_task(self, tx: Tx, kind: str, step: str) -> str | None:
        """The message a task of `kind` fails with at `step` (spending the rule), or None."""
        rules = await self.rules()
        for rule in rules:
            b = rule.body
            if b["type"] == "task" and b["kind"] == kind and b["step"] == step and await _spend(tx, rule.id):
                return b["message"]
        return None


async def _spend(tx: Tx, id: str) -> bool:
    item = await tx.get_item(FAULT, id)
    if item is None or item.body["remaining"] < 1:
        return False
    item.body["remaining"] -= 1
    if item.body["remaining"] == 0:
        await tx.delete_item(item)
    else:
        await tx.update_item(item)
    return True
