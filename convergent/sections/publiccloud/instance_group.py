"""Instance groups (placement groups): `/v2/publicCloud/project/{projectId}/compute/instanceGroup`.

A name, a policy (AFFINITY or ANTI_AFFINITY) and a location, all fixed at creation (there is
no update). A group cannot be deleted while an instance of the project is in it.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from ...errors import ApiError
from ...model.kind import Kind, Plan, Step, Strategy, is_uuid, standard_actions
from ...model.records import Resource
from ...model.status import Action
from .floatingip import Location, check_location
from .project import PROJECT
from .quota_profiles import KindRef

__all__ = ["INSTANCE_GROUP"]


class InstanceGroupSpec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: str
    policy: Literal["AFFINITY", "ANTI_AFFINITY"]
    location: Location

    def __post_init__(self):
        if not self.name.strip() or len(self.name) > 255:
            raise ValueError("name must be 1 to 255 characters, not blank")


class InstanceGroupStrategy(Strategy):
    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        check_location(spec["location"])
        return spec

    async def admit_delete(self, view, resource: Resource) -> None:
        for instance in await view.resources(_INSTANCE_KEY):
            if (instance.target_spec.get("group") or {}).get(
                "id"
            ) == resource.id and instance.status != "DELETING":
                raise ApiError(
                    409,
                    "Client::Conflict::InstanceGroupInUse",
                    f"Instance group '{resource.id}' still holds instance {instance.id}: delete it first",
                    {"instanceId": instance.id},
                )


_INSTANCE_KEY = KindRef("publicCloud.instance")  # declared in instance.py, which imports this module


class InstanceGroupReconciler:
    def plan(self, action: Action, resource: Resource) -> Plan:
        what = f"instance group {resource.id}"
        if action == Action.DELETE:
            return Plan("INSTANCE_GROUP_DELETE", f"Delete {what}", (Step("Delete server group", 2.0),))
        return Plan("INSTANCE_GROUP_CREATE", f"Create {what}", (Step("Create server group", 2.0),))

    def apply(self, step: str, resource: Resource) -> dict:
        spec = resource.target_spec
        return {"location": spec["location"], "name": spec["name"], "policy": spec["policy"]}


INSTANCE_GROUP = Kind(
    section="publicCloud",
    name="instanceGroup",
    label="InstanceGroup",
    collection="/publicCloud/project/{projectId}/compute/instanceGroup",
    id_param="instanceGroupId",
    spec_create=InstanceGroupSpec,
    spec_update=InstanceGroupSpec,
    reconciler=InstanceGroupReconciler(),
    strategy=InstanceGroupStrategy(),
    parent=PROJECT,
    id_valid=is_uuid,
    actions=standard_actions("publicCloudProject", "compute/instanceGroup/"),
    operations=frozenset({"list", "create", "get", "delete", "tasks", "task", "events"}),
)
