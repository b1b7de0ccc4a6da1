"""A policy's or a permissions group's `permissions`, as stored."""

from __future__ import annotations

import msgspec

__all__ = ["permissions"]


def permissions(p) -> dict:
    return {
        "allow": [msgspec.to_builtins(a) for a in p.allow or []],
        "except": [msgspec.to_builtins(a) for a in p.except_ or []],
        "deny": [msgspec.to_builtins(a) for a in p.deny or []],
    }
