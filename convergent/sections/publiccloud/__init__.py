"""publicCloud: projects and managed Rancher, faithful to OVHcloud's `/v2/publicCloud`."""

from __future__ import annotations

from ...errors import ApiError
from ...model.kind import Kind, is_uuid, standard_actions
from ...model.operation import Operation
from ...model.section import Section
from ...model.status import ResourceStatus
from . import catalog, catalog_routes, publicip, quota, sshkey
from .floatingip import FLOATING_IP
from .gateway import GATEWAY
from .instance import INSTANCE
from .instance_group import INSTANCE_GROUP
from .keymanager import CONSUMER_OPERATIONS, CONTAINER, SECRET
from .models import RancherCreationTargetSpec, RancherTargetSpec
from .network import NETWORK, SUBNET
from .project import PROJECT, is_project_id
from .rancher import RancherReconciler, RancherStrategy, new_password
from .security_group import SECURITY_GROUP
from .share import SHARE, SHARE_ACL, SHARE_NETWORK, SHARE_SNAPSHOT
from .versions import MAJORS, VERSIONS
from .volume import VOLUME, VOLUME_BACKUP, VOLUME_SNAPSHOT

__all__ = ["SECTION", "PROJECT", "RANCHER"]

RANCHER = Kind(
    section="publicCloud",
    name="rancher",
    label="Rancher",
    collection="/publicCloud/project/{projectId}/rancher",
    id_param="rancherId",
    spec_create=RancherCreationTargetSpec,
    spec_update=RancherTargetSpec,
    reconciler=RancherReconciler(),
    strategy=RancherStrategy(),
    parent=PROJECT,
    id_valid=is_uuid,
    actions=standard_actions("publicCloudProject", "rancher/"),
)

_ON_PROJECT = {"projectId": is_project_id}
_ON_RANCHER = {"projectId": is_project_id, "rancherId": is_uuid}
_RANCHER_PATH = RANCHER.item


async def reset_admin_credentials(call):
    rancher = await call.resource(RANCHER)
    if rancher.status == ResourceStatus.CREATING or "url" not in rancher.current_state:
        raise ApiError.locked(
            RANCHER.locked_class, f"Rancher '{rancher.id}' is not deployed yet; retry once it is READY"
        )
    return {"password": new_password(), "username": "admin"}


async def plan_capabilities(call):
    rancher = await call.resource(RANCHER)
    current = rancher.current_state.get("plan") or rancher.target_spec["plan"]
    return await call.paginate_items(catalog.plan_capabilities(current))


async def version_capabilities(call):
    rancher = await call.resource(RANCHER)
    current = rancher.current_state.get("version") or rancher.target_spec["version"]
    return await call.paginate_items(catalog.version_capabilities(current))


async def project_plan_references(call):
    await call.resource(PROJECT)
    return await call.paginate_items(catalog.plan_references())


async def project_version_references(call):
    await call.resource(PROJECT)
    return await call.paginate_items(catalog.version_references())


async def plan_references(call):
    return await call.paginate_items(catalog.plan_references())


async def version_references(call):
    return await call.paginate_items(catalog.version_references())


def _action(name: str) -> tuple[str, ...]:
    return (f"publicCloudProject:apiovh:{name}",)


async def provision_public_cloud(order) -> None:
    """A ready project, as an order delivers one, with an additional IP in GRA11."""
    spec = {"mode": "CLASSIC", "name": "project"}
    project = await order.deliver(PROJECT, spec, dict(spec))
    await publicip.deliver_additional_ip(order, project)


SECTION = Section(
    name="publicCloud",
    description="Public Cloud projects and managed Rancher services",
    kinds=(
        PROJECT,
        RANCHER,
        FLOATING_IP,
        INSTANCE,
        INSTANCE_GROUP,
        quota.QUOTA,
        publicip.ADDITIONAL_IP,
        NETWORK,
        SUBNET,
        SECURITY_GROUP,
        VOLUME,
        VOLUME_SNAPSHOT,
        VOLUME_BACKUP,
        GATEWAY,
        SHARE_NETWORK,
        SHARE,
        SHARE_ACL,
        SHARE_SNAPSHOT,
        SECRET,
        CONTAINER,
    ),
    versions=VERSIONS,
    majors=MAJORS,
    default_major=1,
    provisioners={
        "publicCloud": provision_public_cloud,
        "publicCloudAdditionalIp": publicip.provision_additional_ip,
    },
    operations=(
        *catalog_routes.OPERATIONS,
        *sshkey.OPERATIONS,
        *quota.OPERATIONS,
        *CONSUMER_OPERATIONS,
        *publicip.OPERATIONS,
        Operation(
            "POST",
            f"{_RANCHER_PATH}/adminCredentials",
            reset_admin_credentials,
            _action("rancher/adminCredentials/reset"),
            _ON_RANCHER,
            "Reset the admin password",
            errors=((423, f"Client::Locked::{RANCHER.locked_class}"),),
        ),
        Operation(
            "GET",
            f"{_RANCHER_PATH}/capabilities/plan",
            plan_capabilities,
            _action("rancher/capabilities/plan/get"),
            _ON_RANCHER,
            "List available and current plans for the given managed Rancher service",
            paged=True,
        ),
        Operation(
            "GET",
            f"{_RANCHER_PATH}/capabilities/version",
            version_capabilities,
            _action("rancher/capabilities/version/get"),
            _ON_RANCHER,
            "List available and current versions for the given managed Rancher service",
            paged=True,
        ),
        Operation(
            "GET",
            "/publicCloud/project/{projectId}/reference/rancher/plan",
            project_plan_references,
            _action("reference/rancher/plan/get"),
            _ON_PROJECT,
            "List available plans for creating a managed Rancher service",
            paged=True,
        ),
        Operation(
            "GET",
            "/publicCloud/project/{projectId}/reference/rancher/version",
            project_version_references,
            _action("reference/rancher/version/get"),
            _ON_PROJECT,
            "List available versions for creating a managed Rancher service",
            paged=True,
        ),
        Operation(
            "GET",
            "/publicCloud/reference/rancher/plan",
            plan_references,
            (),
            {},
            "List available plans for creating a managed Rancher service",
            paged=True,
            deprecated=True,
        ),
        Operation(
            "GET",
            "/publicCloud/reference/rancher/version",
            version_references,
            (),
            {},
            "List available versions for creating a managed Rancher service",
            paged=True,
            deprecated=True,
        ),
    ),
)
