"""The sections convergent serves out of the box. Each is a `Section` declaration."""

from __future__ import annotations

from ..model.section import Section

__all__ = ["builtin_sections"]


def builtin_sections() -> tuple[Section, ...]:
    from .auth import SECTION as auth
    from .iam import SECTION as iam
    from .me import SECTION as me
    from .publiccloud import SECTION as public_cloud
    from .vmwareclouddirector import SECTION as vmware_cloud_director
    from .vrackservices import SECTION as vrack_services

    return (auth, me, iam, public_cloud, vrack_services, vmware_cloud_director)
