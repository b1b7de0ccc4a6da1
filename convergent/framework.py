"""The public API for writing a section: everything an outside package needs, in one place.

    from convergent.framework import Section, Kind, Strategy, Step, Plan, ...

Stable: the names in `__all__` and the documented fields, hooks and arguments of each (a
change to them is a breaking change of convergent, named in its changelog). Not stable:
everything reached through another module path (`convergent.model.*`, `convergent.api.*`,
`convergent.engine.*`, the stores), which may move between releases; `Call`'s attributes other
than `params`, `account`, `request`, `codec`, `objects`, `parent`, `resource` and `path_of`.
docs/framework.md walks through a section written with these names alone.
"""

from __future__ import annotations

from .api.call import Call
from .engine.orders import Order
from .errors import ApiError
from .model.kind import (
    AccountView,
    Kind,
    Plan,
    Reconciler,
    Step,
    StepFailed,
    Strategy,
    is_uuid,
    same_uuid,
    standard_actions,
)
from .model.objects import ObjectKind, ObjectStrategy
from .model.operation import Operation, action
from .model.records import Item, Resource
from .model.section import Section
from .model.status import Action, EventType, ResourceStatus, TaskStatus
from .model.times import iso
from .model.versions import IDENTITY, Change, Codec, Major, MajorStatus, Version

__all__ = [
    # a section and its routes
    "Section",
    "Operation",
    "action",
    "Call",
    "ApiError",
    # as-code kinds
    "Kind",
    "Strategy",
    "AccountView",
    "Reconciler",
    "Plan",
    "Step",
    "StepFailed",
    "Resource",
    "Action",
    "ResourceStatus",
    "TaskStatus",
    "EventType",
    "standard_actions",
    "same_uuid",
    "is_uuid",
    # plain objects on the registry
    "ObjectKind",
    "ObjectStrategy",
    "Item",
    # schemas versions
    "Version",
    "Change",
    "Major",
    "MajorStatus",
    "Codec",
    "IDENTITY",
    # orders
    "Order",
    # helpers
    "iso",
]
