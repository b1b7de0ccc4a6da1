"""The sections convergent serves out of the box, and the ways to add one's own: named as
`module:attribute` (`--section`, `CONVERGENT_SECTIONS`), or declared by an installed package
under the `convergent.sections` entry point. Each is a `Section` declaration."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from ..model.section import Section

__all__ = ["builtin_sections", "load_sections", "installed_sections", "ENTRY_POINTS"]

ENTRY_POINTS = "convergent.sections"


def builtin_sections() -> tuple[Section, ...]:
    from .auth import SECTION as auth
    from .cloud import SECTION as cloud
    from .iam import SECTION as iam
    from .ip import SECTION as ip
    from .location import SECTION as location
    from .me import SECTION as me
    from .order import SECTION as order
    from .publiccloud import SECTION as public_cloud
    from .storage import SECTION as storage
    from .vmwareclouddirector import SECTION as vmware_cloud_director
    from .vps import SECTION as vps
    from .vrack import SECTION as vrack
    from .vrackservices import SECTION as vrack_services

    return (
        auth,
        me,
        iam,
        public_cloud,
        cloud,
        location,
        vrack_services,
        vmware_cloud_director,
        vrack,
        vps,
        ip,
        order,
        storage,
    )


def load_sections(names: str) -> tuple[Section, ...]:
    """The sections named `module:attribute`, comma-separated (a framework user's own)."""
    found = []
    for name in filter(None, (part.strip() for part in names.split(","))):
        module, _, attribute = name.partition(":")
        if not module or not attribute:
            raise ValueError(f"section {name!r}: expected module:attribute")
        section = getattr(importlib.import_module(module), attribute, None)
        if not isinstance(section, Section):
            raise ValueError(f"section {name!r}: {attribute} is not a Section declaration")
        found.append(section)
    return tuple(found)


def installed_sections() -> tuple[Section, ...]:
    """The sections installed packages declare: `[project.entry-points."convergent.sections"]`,
    each naming a `Section` (`name = "package.module:SECTION"`)."""
    found = []
    for point in sorted(entry_points(group=ENTRY_POINTS), key=lambda p: p.name):
        try:
            section = point.load()
        except Exception as error:
            raise ValueError(f"section {point.name!r} ({point.value}) cannot be loaded: {error}") from error
        if not isinstance(section, Section):
            raise ValueError(f"section {point.name!r} ({point.value}) is not a Section declaration")
        found.append(section)
    return tuple(found)
