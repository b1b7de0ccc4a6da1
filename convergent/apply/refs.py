"""`${name.field.path}` references from one declaration to what an earlier one became.

`name` is an earlier declaration's name; the rest is a dotted path into that resource as the
API answers it (`${demo.id}`, `${demo.iam.urn}`, `${demo.currentState.url}`). A string that is
one whole reference takes the value as it is (a list stays a list); a reference inside a longer
string is replaced by its text.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["UNKNOWN", "resolve", "references", "is_known", "UnresolvedReference"]

_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_-]*)((?:\.[A-Za-z0-9_-]+)+)\}")

UNKNOWN = "(known after apply)"


class UnresolvedReference(ValueError):
    """A reference to a name not declared before, or to a field its resource does not have."""


def references(value: Any) -> set[str]:
    """The declaration names `value` refers to."""
    if isinstance(value, str):
        return {m.group(1) for m in _REF.finditer(value)}
    if isinstance(value, dict):
        return set().union(*(references(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(references(v) for v in value)) if value else set()
    return set()


def _lookup(known: dict[str, dict | None], name: str, dotted: str) -> Any:
    if name not in known:
        raise UnresolvedReference(
            f"${{{name}{dotted}}}: no resource named {name!r} is declared before this one"
        )
    value = known[name]
    if value is None:
        return UNKNOWN
    for part in dotted.strip(".").split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise UnresolvedReference(f"${{{name}{dotted}}}: {name!r} has no field {dotted.strip('.')!r}")
    return value


def resolve(value: Any, known: dict[str, dict | None]) -> Any:
    """`value` with every reference replaced; a resource not created yet (None) reads UNKNOWN."""
    if isinstance(value, str):
        whole = _REF.fullmatch(value)
        if whole:
            return _lookup(known, whole.group(1), whole.group(2))
        return _REF.sub(lambda m: str(_lookup(known, m.group(1), m.group(2))), value)
    if isinstance(value, dict):
        return {k: resolve(v, known) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, known) for v in value]
    return value


def is_known(value: Any) -> bool:
    if isinstance(value, str):
        return UNKNOWN not in value
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    return True
