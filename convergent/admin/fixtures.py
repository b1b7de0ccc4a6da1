"""Fixtures: accounts, credentials, orders and resources loaded from a YAML or JSON file.

```yaml
accounts:
  - account: xx1111-ovh
    password: a-long-password          # the owner's, for the validation page (optional)
    credentials:                       # fixed keys, so that tests know them in advance
      - applicationKey: ak-ci
        applicationSecret: as-ci
        consumerKey: ck-ci
        rules: [{method: GET, path: "/*"}]   # optional: every route by default
    provision: [vrackServices]         # orders, delivered READY
    resources:                         # created through the API's own write path, then READY
      - path: /v2/publicCloud/project
        targetSpec: {name: demo, mode: CLASSIC}
        as: demo                       # later paths may say ${demo.id}
      - path: /v2/publicCloud/project/${demo.id}/rancher
        targetSpec: {name: r1, plan: STANDARD}
```
Each resource is validated as a `POST` would be; the whole file is refused at the first error.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import msgspec
import yaml

from ..auth import accounts
from ..errors import ApiError
from ..model.kind import Kind

__all__ = ["load_fixtures"]

_REF = re.compile(r"\$\{([A-Za-z0-9_-]+)\.id\}")


def _read(path: str) -> dict:
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("accounts", []), list):
        raise ValueError(f"{path}: expected a mapping with an `accounts` list")
    return data


def _kind_for(kinds: dict[str, Kind], path: str) -> tuple[Kind, dict[str, str]]:
    for kind in kinds.values():
        names = re.findall(r"{([^}]+)}", kind.collection)
        pattern = "/v2" + re.sub(r"{[^}]+}", "([^/]+)", kind.collection)
        found = re.fullmatch(pattern, path)
        if found and "create" in kind.operations:
            return kind, dict(zip(names, found.groups()))
    raise ValueError(f"no kind is created by POST {path}")


async def load_fixtures(ctx, path: str) -> dict:
    """Load a fixtures file into the server behind `ctx`; returns what was made, by alias."""
    data = _read(path)
    store, now = ctx.store, ctx.clock.now()
    made: dict[str, str] = {}
    for entry in data.get("accounts", []):
        nic = entry["account"]
        await accounts.ensure_account(store, nic, now, password=entry.get("password"))
        for credential in entry.get("credentials", []):
            await accounts.issue_credential(store, nic, now, credential.get("rules"), keys=credential)
        for product in entry.get("provision", []):
            await ctx.provision(product, nic)
        for resource in entry.get("resources", []):
            target = _REF.sub(lambda m: made[m.group(1)], resource["path"])
            kind, params = _kind_for(ctx.kinds, target)
            parent = None
            if kind.parent is not None:
                parent = await store.get_resource(kind.parent.key, params[kind.parent.id_param])
                if parent is None or parent.account != nic:
                    raise ValueError(f"{target}: the parent {kind.parent.label} does not exist")
            try:
                spec = msgspec.to_builtins(msgspec.convert(resource["targetSpec"], kind.spec_create))
                created = await ctx.changes.create(kind, nic, target, parent, spec)
            except (msgspec.ValidationError, ApiError) as error:
                raise ValueError(f"{target}: {getattr(error, 'message', error)}") from None
            if "as" in resource:
                made[resource["as"]] = created.id
    await _settle_now(ctx)
    return made


async def _settle_now(ctx) -> None:
    """Run the fixtures' tasks to their end now, whatever the clock's pace."""
    saved = ctx.clock.scale
    ctx.clock.scale = 0.0
    try:
        for _ in range(100):
            for task in await ctx.store.due_tasks(float("inf"), 1000):
                await ctx.engine.advance(task)
            if await ctx.store.next_due() is None:
                return
    finally:
        ctx.clock.scale = saved
