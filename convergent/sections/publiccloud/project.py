"""Public Cloud projects: a name and a mode, created and renamed through tasks."""

from __future__ import annotations

from ...model.kind import Kind, Plan, Step, Strategy, standard_actions
from ...model.records import Resource
from ...model.status import Action
from .models import ProjectTargetSpec

__all__ = ["PROJECT", "ProjectStrategy", "ProjectReconciler", "new_project_id", "is_project_id"]


def new_project_id(fresh: str) -> str:
    return fresh.replace("-", "")


def is_project_id(value: str) -> bool:
    return len(value) == 32 and not value.strip("0123456789abcdef")


class ProjectStrategy(Strategy):
    def extra_fields(self, resource: Resource) -> dict:
        return {"name": resource.current_state.get("name") or resource.target_spec.get("name")}

    def display_name(self, resource: Resource) -> str | None:
        return resource.target_spec.get("name")


class ProjectReconciler:
    def plan(self, action: Action, resource: Resource) -> Plan:
        if action == Action.CREATE:
            return Plan(
                "PROJECT_CREATE",
                f"Create cloud project {resource.id}",
                (Step("Create project", 2.0), Step("Activate services", 1.0)),
            )
        if action == Action.DELETE:
            return Plan(
                "PROJECT_DELETE", f"Delete cloud project {resource.id}", (Step("Delete project", 2.0),)
            )
        return Plan("PROJECT_UPDATE", f"Update cloud project {resource.id}", (Step("Update project", 1.0),))

    def apply(self, step: str, resource: Resource) -> dict:
        if step in ("Activate services", "Update project"):
            return {"mode": resource.target_spec["mode"], "name": resource.target_spec["name"]}
        return dict(resource.current_state)


_project_actions = standard_actions("publicCloudProject")
_project_actions["create"] += ("billingAccount:apiovh:subscription/publicCloudProject/create",)

PROJECT = Kind(
    section="publicCloud",
    name="project",
    label="Project",
    collection="/publicCloud/project",
    id_param="projectId",
    spec_create=ProjectTargetSpec,
    spec_update=ProjectTargetSpec,
    reconciler=ProjectReconciler(),
    strategy=ProjectStrategy(),
    id_valid=is_project_id,
    new_id=new_project_id,
    iam_type="publicCloudProject",
    actions=_project_actions,
    operations=frozenset({"list", "create", "get", "update"}),
)
