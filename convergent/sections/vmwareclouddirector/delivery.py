"""What an order of VMware Cloud Director delivers: an organization in one region with one
virtual datacenter (a vHost and a datastore) and its backup service (a BRONZE repository),
each in its first READY state, as OVHcloud hands them over."""

from __future__ import annotations

import uuid

from ...model.kind import Kind
from . import catalog
from .backup import backup_id, offer_state

__all__ = ["Delivery"]

BILLING = "MONTHLY"
COMMERCIAL_RANGE = "STANDARD"
IP_QUOTA = 4
COMPUTE_PROFILE = "vcd-vhost-m"
STORAGE_PROFILE = "vcd-storage-standard-1tb"
BACKUP_OFFERS = ({"name": "BRONZE", "quotaInTB": 1},)


class Delivery:
    """`provision(order)` for the kinds of the section (passed in, to keep imports one way)."""

    def __init__(self, organization: Kind, datacenter: Kind, compute: Kind, storage: Kind, backup: Kind):
        self.organization = organization
        self.datacenter = datacenter
        self.compute = compute
        self.storage = storage
        self.backup = backup

    async def __call__(self, order) -> None:
        token = uuid.UUID(order.changes.new_uuid())  # the framework's ids: seedable where it seeds them
        region = sorted(catalog.REGIONS)[token.int % len(catalog.REGIONS)]
        org_id = f"org-{region}-{token}"
        org_spec = {
            "description": f"VMware Cloud Director organization in {region}",
            "fullName": f"Organization {str(token)[:8]}",
        }
        org = await order.deliver(
            self.organization,
            org_spec,
            {
                **org_spec,
                **catalog.urls(region, org_id),
                "billingType": BILLING,
                "name": org_id,
                "region": region,
                "spla": False,
            },
            id=org_id,
        )

        vdc_id = f"vdc-{region}-{order.changes.new_uuid()}"
        compute = catalog.compute_state(COMPUTE_PROFILE, BILLING)
        storage = catalog.storage_state(STORAGE_PROFILE, BILLING)
        vdc_spec = {"description": "Primary organization Virtual DataCenter", "vCPUSpeed": 2.6}
        vdc = await order.deliver(
            self.datacenter,
            vdc_spec,
            {
                **vdc_spec,
                "commercialRange": COMMERCIAL_RANGE,
                "ipQuota": IP_QUOTA,
                "memoryQuota": compute["memoryQuota"],
                "name": vdc_id,
                "region": region,
                "storageQuota": storage["capacity"],
                "vCPUCount": compute["vCPUCount"],
            },
            parent=org,
            id=vdc_id,
        )
        await order.deliver(self.compute, {}, compute, parent=vdc)
        await order.deliver(self.storage, {}, storage, parent=vdc)

        offers = [dict(o) for o in BACKUP_OFFERS]
        await order.deliver(
            self.backup,
            {"offers": offers},
            {"azName": catalog.availability_zone(region), "offers": [offer_state(o, region) for o in offers]},
            id=backup_id(org_id),
        )
