"""The sections convergent serves out of the box. Each is a `Section` declaration."""

from __future__ import annotations

from ..model.section import Section

__all__ = ["builtin_sections"]


def builtin_sections() -> tuple[Section, ...]:
    from .publiccloud import SECTION as public_cloud

    return (public_cloud,)
