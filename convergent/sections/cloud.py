"""`/1.0/cloud/project`: the v1 view of the `/v2/publicCloud` projects, as OVHcloud's `cloud.Project`
shapes it (the Terraform provider reads a project there before it works on it in `/v2`)."""

from __future__ import annotations

from ..errors import ApiError
from ..model.envelope import urn
from ..model.operation import Operation
from ..model.section import Section
from ..model.status import ResourceStatus
from ..model.times import iso
from .publiccloud import PROJECT

__all__ = ["SECTION", "project_view"]

_GET = "publicCloudProject:apiovh:get"
_PAGE = 1000
_STATUS = {
    ResourceStatus.CREATING: "creating",
    ResourceStatus.DELETING: "deleting",
    ResourceStatus.SUSPENDED: "suspended",
}


def project_view(resource) -> dict:
    name = resource.target_spec.get("name")
    return {
        "access": "full",
        "creationDate": iso(resource.created_at),
        "description": name,
        "expiration": None,
        "iam": {
            "displayName": name,
            "id": resource.iam_id,
            "tags": resource.tags,
            "urn": urn(PROJECT.iam_type, resource.id),
        },
        "manualQuota": False,
        "orderId": None,
        "planCode": "project.2018",
        "projectName": name,
        "project_id": resource.id,
        "status": _STATUS.get(resource.status, "ok"),
        "unleash": False,
    }


async def _visible(call, resource) -> bool:
    decision = await call.ctx.authorizer.decide(
        call.caller, (_GET,), urn(PROJECT.iam_type, resource.id), resource.tags
    )
    return decision.allowed


async def list_projects(call):
    out, after = [], None
    while True:
        page = await call.ctx.store.list_resources(call.account, PROJECT.key, "", after, _PAGE)
        out += [r.id for r in page if await _visible(call, r)]
        if not page.more:
            return out
        after = page[-1].seq


async def get_project(call):
    # The reference types serviceName as a plain string: any value is a name, an unknown one 404.
    id = call.params["serviceName"]
    resource = await call.ctx.store.get_resource(PROJECT.key, id)
    if resource is None or resource.account != call.account:
        raise ApiError.not_found("ProjectNotFound", f"Project '{id}' does not exist")
    await call.ctx.authorizer.require(call.caller, (_GET,), urn(PROJECT.iam_type, id), resource.tags)
    return project_view(resource)


SECTION = Section(
    name="cloud",
    description="Public Cloud projects, as the v1 API shows them",
    branch="v1",
    operations=(
        Operation(
            "GET", "/cloud/project", list_projects, (_GET,), iam_per_item=True, summary="List your projects"
        ),
        Operation(
            "GET",
            "/cloud/project/{serviceName}",
            get_project,
            (_GET,),
            iam_per_item=True,
            summary="Get a project",
        ),
    ),
)
