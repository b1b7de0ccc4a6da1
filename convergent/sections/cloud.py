"""`/cloud` on the v1 branch: a Public Cloud project as OVHcloud's older API shows it.

The project itself is the `/v2/publicCloud` resource; this is another view of it (clients and
the Terraform provider's tests read it to check that a project exists)."""

from __future__ import annotations

from ..errors import ApiError
from ..model.operation import Operation
from ..model.section import Section
from ..model.times import iso
from .publiccloud.project import PROJECT, is_project_id

__all__ = ["SECTION"]


async def get_project(call):
    id = call.params["serviceName"]
    project = await call.ctx.store.get_resource(PROJECT.key, id)
    if project is None or project.account != call.account:
        raise ApiError.not_found("ProjectNotFound", f"This service does not exist: {id}")
    name = project.current_state.get("name") or project.target_spec.get("name")
    return {
        "access": "full",
        "creationDate": iso(project.created_at),
        "description": name,
        "expiration": None,
        "iam": {"id": project.iam_id, "urn": f"urn:v1:eu:resource:publicCloudProject:{project.id}"},
        "manualQuota": False,
        "orderId": None,
        "planCode": "project.2018",
        "projectName": name,
        "project_id": project.id,
        "status": "ok" if project.status == "READY" else "creating",
        "unleash": False,
    }


SECTION = Section(
    name="cloud",
    description="Public Cloud projects as the v1 branch shows them",
    branch="v1",
    operations=(
        Operation(
            "GET",
            "/cloud/project/{serviceName}",
            get_project,
            ("publicCloudProject:apiovh:get",),
            {"serviceName": is_project_id},
            "Get this object properties",
        ),
    ),
)
