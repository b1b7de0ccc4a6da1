"""A section: an API area with its as-code kinds and its other operations."""

from __future__ import annotations

from dataclasses import dataclass, field

from .kind import Kind
from .operation import Operation

__all__ = ["Section"]


@dataclass(frozen=True)
class Section:
    """`kinds` get the standard as-code operations; `operations` are the section's own routes
    (references, capabilities, actions on a resource). `branch` is `v2` (served under `/v2`) or
    `v1` (served under `/`, `/1.0` and `/v1` alike)."""

    name: str
    description: str
    branch: str = "v2"
    kinds: tuple[Kind, ...] = ()
    operations: tuple[Operation, ...] = field(default_factory=tuple)

    def actions(self) -> dict[str, str]:
        """Every IAM action the section's routes check, with the resource type it applies to."""
        names = [n for kind in self.kinds for ns in kind.actions.values() for n in ns]
        names += [n for op in self.operations for n in op.actions]
        return {name: name.split(":", 1)[0] for name in names}
