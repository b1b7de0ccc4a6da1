"""Orders: how resources the real cloud sells through orders (not through `POST`) come to be.

A section declares provisioners by product name; each receives an `Order` and delivers its
resources in their first READY state, with IAM metadata and URNs, as an order would. The admin
route `POST /admin/provision/{product}` and `convergent provision PRODUCT --account NIC` run them.
"""

from __future__ import annotations

from ..model.checksum import canonical, checksum
from ..model.kind import Kind
from ..model.records import Event, Resource
from ..model.status import EventType, ResourceStatus
from .changes import Changes

__all__ = ["Order"]


class Order:
    def __init__(self, changes: Changes, account: str):
        self.changes = changes
        self.account = account
        self.delivered: list[Resource] = []

    async def deliver(
        self,
        kind: Kind,
        spec: dict,
        state: dict,
        parent: Resource | None = None,
        id: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> Resource:
        """A READY resource of `kind` with this target spec and current state, and its event;
        `tags` are IAM tags it comes with (OVHcloud's own `ovh:` tags)."""
        now = self.changes.clock.now()
        spec = canonical(spec)
        if (parent is None) != (kind.parent is None):
            raise ValueError(f"{kind.key}: a parent is needed exactly when the kind has one")
        collection = (
            parent.path + kind.collection[len(kind.parent.item) :] if parent else "/v2" + kind.collection
        )
        resource = Resource(
            account=self.account,
            kind=kind.key,
            id=id or kind.new_id(self.changes.new_uuid()),
            parent_id=parent.id if parent else "",
            path="",
            status=ResourceStatus.READY,
            target_spec=spec,
            current_state=canonical(state),
            checksum=checksum(spec),
            created_at=now,
            updated_at=now,
            iam_id=self.changes.new_uuid() if kind.iam_type else "",
            tags=dict(tags or {}),
        )
        resource.path = f"{collection}/{resource.id}"
        async with self.changes.store.write() as tx:
            await tx.insert_resource(resource)
            await tx.insert_event(
                Event(
                    account=self.account,
                    kind=kind.key,
                    resource_id=resource.id,
                    type=EventType.TARGET_SPEC_UPDATE,
                    name=f"{kind.label.upper()}_DELIVERY",
                    message=f"{kind.label} delivered by an order",
                    link=resource.path,
                    created_at=now,
                )
            )
        self.delivered.append(resource)
        return resource
