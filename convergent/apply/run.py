"""Planning a whole file, then carrying it out in order.

`plan` looks everything up without writing. `apply` walks the declarations again in order,
re-planning each against the live API with what the earlier ones became, then creates
(POST to the collection), updates (PUT; for a resource, the live targetSpec with the declared
fields laid over it and the checksum read with it) or leaves it, and waits for READY before
the next one, so that later declarations can refer to it.
"""

from __future__ import annotations

from collections.abc import Callable

from ..client import Client
from ..client.errors import ApiError
from .document import Declaration
from .plan import CREATE, NONE, UPDATE, Change, merged, plan_one
from .refs import UNKNOWN

__all__ = ["plan", "apply", "drift", "preview", "Progress"]

Progress = Callable[[Declaration, dict, list[dict]], None]


def plan(client: Client, declarations: list[Declaration]) -> list[Change]:
    known: dict[str, dict | None] = {}
    changes = []
    for declaration in declarations:
        change = plan_one(client, declaration, known)
        known[declaration.name] = change.current
        changes.append(change)
    return changes


def _body(change: Change) -> dict:
    resource = change.declaration.kind == "resource"
    if change.action == CREATE:
        return {"targetSpec": change.spec} if resource else change.spec
    current = change.current
    return (
        {"checksum": current["checksum"], "targetSpec": merged(current["targetSpec"], change.spec)}
        if resource
        else change.spec
    )


def _unknown(value) -> bool:
    if isinstance(value, dict):
        return any(_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_unknown(v) for v in value)
    return isinstance(value, str) and UNKNOWN in value


def preview(client: Client, changes: list[Change]) -> None:
    """Ask the server, with `X-Dry-Run: true`, what each planned create or update of a resource
    would start (its task's steps and durations) or why it would refuse it; nothing is
    written. Changes whose path or spec depends on an earlier one not made yet are left."""
    for change in changes:
        if change.declaration.kind != "resource" or change.action == NONE:
            continue
        if _unknown(change.path) or _unknown(change.spec):
            continue
        method = "POST" if change.action == CREATE else "PUT"
        try:
            answer = client.call(method, change.path, json=_body(change), headers={"X-Dry-Run": "true"})
        except ApiError as error:
            change.refused = str(error)
            continue
        change.task = (answer or {}).get("plan")


def _execute(client: Client, change: Change, on_progress: Progress | None, poll: float) -> dict:
    declaration = change.declaration
    resource = declaration.kind == "resource"
    if change.action == CREATE:
        answer = client.post(change.path, _body(change))
        item_path = f"{change.path}/{answer['id']}"
    elif change.action == UPDATE:
        answer = client.put(change.path, _body(change)) or client.get(change.path)
        item_path = change.path
    else:
        return change.current
    change.path = item_path
    if resource and declaration.wait:
        report = (lambda item, tasks: on_progress(declaration, item, tasks)) if on_progress else None
        return client.wait(answer, path=item_path, poll=poll, on_progress=report)
    return answer


def apply(
    client: Client, declarations: list[Declaration], *, on_progress: Progress | None = None, poll: float = 1.0
) -> list[Change]:
    """Carry out every declaration in order; the changes made (their `current` the result)."""
    known: dict[str, dict | None] = {}
    done = []
    for declaration in declarations:
        change = plan_one(client, declaration, known)
        change.current = _execute(client, change, on_progress, poll)
        known[declaration.name] = change.current
        done.append(change)
    return done


def drift(changes: list[Change]) -> bool:
    return any(change.action != NONE for change in changes)
