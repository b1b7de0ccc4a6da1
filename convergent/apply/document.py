"""The YAML file `convergent apply` reads: resources declared by collection path and desired spec.

```yaml
resources:
  - name: demo                                   # this file's name for it; others say ${demo.id}
    path: /v2/publicCloud/project                # the collection it lives in
    targetSpec: {name: demo, mode: CLASSIC}      # an as-code resource (the default kind)
  - name: r1
    path: /v2/publicCloud/project/${demo.id}/rancher
    targetSpec: {name: r1, plan: STANDARD}
  - name: admins
    kind: object                                 # a plain object: POST creates, PUT replaces
    path: /v2/iam/policy
    body: {name: admins, identities: [...], resources: [{urn: "${demo.iam.urn}"}], permissions: {...}}
```

A declared item is found in its collection by `match` (fields compared with the resource's
targetSpec, or with the object itself), by default `{name: <its name field>}`; or by `id`.
A file may also be a stream of YAML documents, one resource each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Declaration", "DocumentError", "load", "parse", "KINDS"]

KINDS = ("resource", "object")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_KEYS = {"name", "path", "kind", "targetSpec", "body", "match", "id", "wait"}


class DocumentError(ValueError):
    """The file does not declare resources as documented; the message names the entry."""


@dataclass(frozen=True)
class Declaration:
    """One declared resource or object, its strings still holding `${...}` references."""

    name: str
    path: str
    kind: str = "resource"
    spec: dict = field(default_factory=dict)
    match: dict = field(default_factory=dict)
    id: str | None = None
    wait: bool = True

    @property
    def spec_key(self) -> str:
        return "targetSpec" if self.kind == "resource" else "body"


def load(text: str) -> list[Declaration]:
    """Parse YAML text; see `parse`."""
    try:
        import yaml
    except ImportError:  # pragma: no cover - pyyaml is a core dependency
        raise DocumentError("reading YAML needs PyYAML: pip install pyyaml") from None
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as error:
        raise DocumentError(f"not valid YAML: {error}") from None
    if len(documents) == 1 and isinstance(documents[0], dict) and "resources" in documents[0]:
        extra = set(documents[0]) - {"resources"}
        if extra:
            raise DocumentError(f"unknown top-level key(s) {', '.join(sorted(extra))}; expected 'resources'")
        documents = documents[0]["resources"]
    if not isinstance(documents, list):
        raise DocumentError("'resources' must be a list")
    return parse(documents)


def parse(entries: list[Any]) -> list[Declaration]:
    """Check entries (dicts as documented above) and return them in order, names unique."""
    out, names = [], set()
    for index, entry in enumerate(entries):
        where = f"resource #{index + 1}"
        if not isinstance(entry, dict):
            raise DocumentError(f"{where}: expected a mapping")
        name = entry.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise DocumentError(
                f"{where}: 'name' must be letters, digits, _ or - (it is how ${{name.id}} refers to it)"
            )
        where = f"resource {name!r}"
        if name in names:
            raise DocumentError(f"{where}: declared twice")
        names.add(name)
        unknown = set(entry) - _KEYS
        if unknown:
            raise DocumentError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        kind = entry.get("kind", "resource")
        if kind not in KINDS:
            raise DocumentError(f"{where}: kind must be one of {', '.join(KINDS)}")
        spec_key, other = ("targetSpec", "body") if kind == "resource" else ("body", "targetSpec")
        if other in entry:
            raise DocumentError(f"{where}: a {kind} declares '{spec_key}', not '{other}'")
        spec = entry.get(spec_key)
        if not isinstance(spec, dict):
            raise DocumentError(f"{where}: '{spec_key}' must be a mapping")
        path = entry.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise DocumentError(f"{where}: 'path' must be the collection's path, like /v2/iam/policy")
        match = entry.get("match")
        if match is None and entry.get("id") is None:
            if "name" not in spec:
                raise DocumentError(
                    f"{where}: say how to find it: a 'match' mapping, an 'id', or a name in {spec_key}"
                )
            match = {"name": spec["name"]}
        if match is not None and (not isinstance(match, dict) or not match):
            raise DocumentError(f"{where}: 'match' must be a non-empty mapping of fields to values")
        wait = entry.get("wait", True)
        if not isinstance(wait, bool):
            raise DocumentError(f"{where}: 'wait' must be true or false")
        ident = entry.get("id")
        out.append(
            Declaration(
                name, path.rstrip("/"), kind, spec, match or {}, None if ident is None else str(ident), wait
            )
        )
    return out
