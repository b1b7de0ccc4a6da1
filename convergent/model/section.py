"""A section: an API area with its as-code kinds and its other operations."""

from __future__ import annotations

from dataclasses import dataclass, field

from .kind import Kind
from .operation import Operation

__all__ = ["Section"]


@dataclass(frozen=True)
class Section:
    """`kinds` get the standard as-code operations; `operations` are the section's own routes
    (references, capabilities, actions on a resource)."""

    name: str
    description: str
    kinds: tuple[Kind, ...] = ()
    operations: tuple[Operation, ...] = field(default_factory=tuple)
