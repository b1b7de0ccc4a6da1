"""What `apply` would do for one declaration: find the live item, compare, decide.

Only the fields a file declares are compared: what the server adds (defaults such as a
rancher's `version` or `ipRestrictions: []`, server-owned fields such as `id` or `owner`) is
not drift. Empty values (null, [], {}, "") read as absent, as the checksum reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..client import Client
from .document import Declaration
from .refs import is_known, resolve

__all__ = ["Change", "plan_one", "differences", "merged", "same"]

CREATE, UPDATE, NONE = "create", "update", "none"


@dataclass
class Change:
    """`action` is create, update or none; `fields` lists (field, live value, declared value).

    `path` is the collection for a create, the item's path otherwise; `spec` is the declared
    spec with its references resolved (UNKNOWN where they cannot be yet); `current` the item.
    `task` and `refused` are filled by `run.preview`.
    """

    declaration: Declaration
    action: str
    path: str
    spec: dict
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)
    current: dict | None = None
    # What the server says the change would start (`--dry-run`, X-Dry-Run): the task's type,
    # message and steps; or why it would refuse it.
    task: dict | None = None
    refused: str | None = None


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ""


def same(want: Any, have: Any) -> bool:
    """`want` (declared) holds in `have` (live): mappings compared on declared keys only."""
    if _empty(want) and _empty(have):
        return True
    if isinstance(want, dict) and isinstance(have, dict):
        return not differences(want, have)
    if isinstance(want, list) and isinstance(have, list):
        return len(want) == len(have) and all(same(w, h) for w, h in zip(want, have))
    return want == have


def differences(declared: dict, live: dict | None, prefix: str = "") -> list[tuple[str, Any, Any]]:
    out = []
    for key, want in declared.items():
        name = f"{prefix}.{key}" if prefix else key
        have = live.get(key) if isinstance(live, dict) else None
        if isinstance(want, dict) and isinstance(have, dict):
            out += differences(want, have, name)
        elif not same(want, have):
            out.append((name, have, want))
    return out


def merged(live: dict, declared: dict) -> dict:
    """The live spec with the declared fields laid over it (mappings merged key by key)."""
    out = dict(live)
    for key, want in declared.items():
        have = out.get(key)
        out[key] = merged(have, want) if isinstance(want, dict) and isinstance(have, dict) else want
    return out


def _compared(declaration: Declaration, item: dict) -> dict:
    return item.get("targetSpec") or {} if declaration.kind == "resource" else item


def _find(client: Client, declaration: Declaration, collection: str, match: dict) -> dict | None:
    found = [
        item
        for item in client.iterate(collection)
        if isinstance(item, dict) and same(match, _compared(declaration, item))
    ]
    if len(found) > 1:
        ids = ", ".join(str(item.get("id")) for item in found)
        raise LookupError(
            f"{declaration.name}: {len(found)} items of {collection} match {match} ({ids}): make 'match' narrower"
        )
    return found[0] if found else None


def plan_one(client: Client, declaration: Declaration, known: dict[str, dict | None]) -> Change:
    """Resolve the declaration against `known` (name -> live item, None if not created yet)
    and compare it with its live item. A path that depends on an item not created yet is a
    create, with no lookup."""
    collection = resolve(declaration.path, known)
    spec = resolve(declaration.spec, known)
    prefix = declaration.spec_key
    if not is_known(collection):
        return Change(declaration, CREATE, collection, spec, differences(spec, None, prefix))
    if declaration.id is not None:
        ident = resolve(declaration.id, known)
        item = client.get(f"{collection}/{ident}")
    else:
        match = resolve(declaration.match, known)
        item = _find(client, declaration, collection, match) if is_known(match) else None
    if item is None:
        return Change(declaration, CREATE, collection, spec, differences(spec, None, prefix))
    path = f"{collection}/{item['id']}"
    fields = differences(spec, _compared(declaration, item), prefix)
    return Change(declaration, UPDATE if fields else NONE, path, spec, fields, item)
