"""Terraform's `dynamic` type: an attribute that holds any value, its type travelling with it.

On the plugin protocol (msgpack) a dynamic value is a pair: its type as cty's JSON
(`"string"`, `["object",{"name":"string"}]`, `["tuple",["number"]]`...) and the value itself;
in a state file's JSON it is `{"value": ..., "type": ...}`. `Typed` keeps that pair, so that a
value read back unchanged is handed to Terraform with exactly the type the configuration gave
(Terraform refuses a result whose type differs from the plan's: a `list(string)` variable is not
a tuple of strings). A value without a type gets the one HCL gives the same literal: an object
for a dict, a tuple for a list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tf import types
from tf.types import Unknown

__all__ = ["Dynamic", "Typed", "type_of"]


@dataclass(frozen=True)
class Typed:
    type: Any  # cty's JSON type, decoded
    value: Any  # plain Python: dict, list, str, int/float, bool, None (Unknown where not yet known)


def type_of(value: Any) -> Any:
    """The type HCL gives the literal that writes `value`."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return ["object", {key: type_of(item) for key, item in value.items()}]
    if isinstance(value, list | tuple):
        return ["tuple", [type_of(item) for item in value]]
    return "dynamic"  # null, or a value not yet known


class Dynamic(types.TfType):
    """Any value (`DynamicPseudoType`); decoded as `Typed`, encoded from `Typed` or a plain value."""

    def tf_type(self) -> bytes:
        return b'"dynamic"'

    def decode(self, value: Any) -> Any:
        if value is None or value is Unknown:
            return value
        if isinstance(value, dict) and set(value) == {"type", "value"}:  # a state file's JSON
            return Typed(value["type"], value["value"])
        if isinstance(value, list | tuple) and len(value) == 2 and isinstance(value[0], bytes | str):
            return Typed(json.loads(value[0]), value[1])
        raise ValueError(f"not a dynamic value: {value!r}")

    def encode(self, value: Any) -> Any:
        if value is None or value is Unknown:
            return value
        if not isinstance(value, Typed):
            value = Typed(type_of(value), value)
        return [json.dumps(value.type, separators=(",", ":")).encode(), value.value]
