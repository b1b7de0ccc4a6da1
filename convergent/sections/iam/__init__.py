"""`/v2/iam`: policies, permissions groups, resources and their tags, resource groups, reference
actions and types, authorization checks, faithful to OVHcloud's iam.json. One module per
sub-resource; policies, groups and log subscriptions are plain objects (engine/objects.py).
`iam/log` keeps subscriptions and gives URLs, but no log lines flow (no Logs Data Platform)."""

from __future__ import annotations

from ...model.section import Section
from . import logs, permissions_groups, policies, references, resource_groups, resources

__all__ = ["SECTION"]

SECTION = Section(
    name="iam",
    description="Identity and access management: policies, groups, resources and tags",
    operations=tuple(
        sorted(
            (
                *logs.OPERATIONS,
                *permissions_groups.OPERATIONS,
                *policies.OPERATIONS,
                *references.OPERATIONS,
                *resource_groups.OPERATIONS,
                *resources.OPERATIONS,
            ),
            key=lambda op: (op.path, op.method),
        )
    ),
)
