"""vmwareCloudDirector: organizations, virtual datacenters and backups, faithful to OVHcloud's
`/v2/vmwareCloudDirector`. Everything comes from orders (`convergent provision
vmwareCloudDirector`); clients read it and change what the reference lets them change."""

from __future__ import annotations

from ...model.kind import Kind, any_id, is_uuid, standard_actions
from ...model.operation import Operation
from ...model.section import Section
from . import catalog
from .backup import BackupReconciler, BackupStrategy
from .delivery import Delivery
from .models import BackupTargetSpec, NoTarget, OrganizationTargetSpec, VirtualDataCenterTargetSpec
from .organization import (
    IAM_TYPE,
    DataCenterReconciler,
    DataCenterStrategy,
    Delivered,
    DeliveredStrategy,
    OrganizationReconciler,
    OrganizationStrategy,
)

__all__ = ["SECTION", "ORGANIZATION", "DATACENTER", "COMPUTE", "STORAGE", "BACKUP"]

_READ_ONLY = frozenset({"list", "get"})
_AS_CODE = frozenset({"list", "get", "update", "tasks", "task", "events"})

ORGANIZATION = Kind(
    section="vmwareCloudDirector",
    name="organization",
    label="Organization",
    collection="/vmwareCloudDirector/organization",
    id_param="organizationId",
    spec_create=OrganizationTargetSpec,
    spec_update=OrganizationTargetSpec,
    reconciler=OrganizationReconciler(),
    strategy=OrganizationStrategy(),
    iam_type=IAM_TYPE,
    actions=standard_actions(IAM_TYPE, "organization/"),
    operations=_AS_CODE,
)

DATACENTER = Kind(
    section="vmwareCloudDirector",
    name="virtualDataCenter",
    label="VirtualDataCenter",
    collection=f"{ORGANIZATION.item}/virtualDataCenter",
    id_param="virtualDataCenterId",
    spec_create=VirtualDataCenterTargetSpec,
    spec_update=VirtualDataCenterTargetSpec,
    reconciler=DataCenterReconciler(),
    strategy=DataCenterStrategy(),
    parent=ORGANIZATION,
    actions=standard_actions(IAM_TYPE, "organization/virtualDataCenter/"),
    operations=_AS_CODE - {"events"},  # the reference serves no events for datacenters
)

COMPUTE = Kind(
    section="vmwareCloudDirector",
    name="compute",
    label="Compute",
    collection=f"{DATACENTER.item}/compute",
    id_param="computeId",
    spec_create=NoTarget,
    spec_update=NoTarget,
    reconciler=Delivered(),
    strategy=DeliveredStrategy(),
    parent=DATACENTER,
    id_valid=is_uuid,
    actions=standard_actions(IAM_TYPE, "organization/virtualDataCenter/compute/"),
    operations=_READ_ONLY,
)

STORAGE = Kind(
    section="vmwareCloudDirector",
    name="storage",
    label="Storage",
    collection=f"{DATACENTER.item}/storage",
    id_param="storageId",
    spec_create=NoTarget,
    spec_update=NoTarget,
    reconciler=Delivered(),
    strategy=DeliveredStrategy(),
    parent=DATACENTER,
    id_valid=is_uuid,
    actions=standard_actions(IAM_TYPE, "organization/virtualDataCenter/storage/"),
    operations=_READ_ONLY,
)

BACKUP = Kind(
    section="vmwareCloudDirector",
    name="backup",
    label="Backup",
    collection="/vmwareCloudDirector/backup",
    id_param="backupId",
    spec_create=BackupTargetSpec,
    spec_update=BackupTargetSpec,
    reconciler=BackupReconciler(),
    strategy=BackupStrategy(),
    iam_type="vmwareCloudDirectorBackup",
    actions=standard_actions("vmwareCloudDirectorBackup"),
    operations=_AS_CODE,
)

_ON_ORGANIZATION = {"organizationId": any_id}
_ON_DATACENTER = {"organizationId": any_id, "virtualDataCenterId": any_id}


async def reset_password(call):
    """The new administrator password goes to the account's contacts by email: nothing to answer."""
    await call.resource(ORGANIZATION)
    return None


async def orderable_resources(call):
    datacenter = await call.resource(DATACENTER)
    return catalog.orderable(datacenter.current_state["commercialRange"])


async def region_references(call):
    return await call.paginate_items(catalog.region_references())


def _action(name: str) -> tuple[str, ...]:
    return (f"{IAM_TYPE}:apiovh:{name}",)


SECTION = Section(
    name="vmwareCloudDirector",
    description="VMware Cloud Director on OVHcloud: organizations, virtual datacenters and backups",
    kinds=(ORGANIZATION, DATACENTER, COMPUTE, STORAGE, BACKUP),
    operations=(
        Operation(
            "POST",
            f"{ORGANIZATION.item}/password",
            reset_password,
            _action("organization/resetPassword"),
            _ON_ORGANIZATION,
            "Reset the VMware Cloud Director organization administrator password",
        ),
        Operation(
            "GET",
            f"{DATACENTER.item}/orderableResource",
            orderable_resources,
            _action("organization/virtualDataCenter/orderableResource/get"),
            _ON_DATACENTER,
            "List all orderable resources related to the organization Virtual DataCenter",
        ),
        Operation(
            "GET",
            "/vmwareCloudDirector/reference/region",
            region_references,
            (),
            {},
            "Get region details",
            paged=True,
        ),
    ),
    provisioners={"vmwareCloudDirector": Delivery(ORGANIZATION, DATACENTER, COMPUTE, STORAGE, BACKUP)},
)
