"""The IAM objects as the plain-object registry serves them: policies, permissions groups and
resource groups of an account (their routes are in sections/iam)."""

from __future__ import annotations

from ..errors import ApiError
from ..model.objects import ObjectKind, ObjectStrategy
from ..model.records import Item
from . import PERMISSIONS_GROUP, POLICY, RESOURCE_GROUP
from .policy import timestamp

__all__ = ["POLICIES", "PERMISSIONS_GROUPS", "RESOURCE_GROUPS", "IAM"]

IAM = "account:apiovh:iam"


def _actions(what: str, *verbs: str) -> dict[str, tuple[str, ...]]:
    return {verb: (f"{IAM}/{what}/{verb}",) for verb in verbs}


class PolicyStrategy(ObjectStrategy):
    def validate(self, body: dict) -> None:
        if body.get("expiredAt") is not None:
            try:
                timestamp(body["expiredAt"])
            except ValueError:
                raise ApiError.invalid_field("expiredAt", "an RFC 3339 date-time with a time zone") from None


class PermissionsGroupStrategy(ObjectStrategy):
    """Stored under its URN; the body carries its UUID and URN too."""

    def prepare_create(self, account: str, id: str, body: dict) -> dict:
        return {**body, "id": id.rpartition(":")[2], "urn": id}

    def prepare_update(self, old: Item, body: dict) -> dict:
        return {**body, "id": old.body["id"], "urn": old.body["urn"]}


class ResourceGroupStrategy(ObjectStrategy):
    def prepare_create(self, account: str, id: str, body: dict) -> dict:
        return {**body, "urn": f"urn:v1:eu:resourceGroup:{id}"}

    def prepare_update(self, old: Item, body: dict) -> dict:
        return {**body, "urn": old.body["urn"]}


POLICIES = ObjectKind(
    key=POLICY,
    label="Policy",
    strategy=PolicyStrategy(),
    actions=_actions("policy", "get", "create", "edit", "delete"),
    event="IAM_POLICY",
)
PERMISSIONS_GROUPS = ObjectKind(
    key=PERMISSIONS_GROUP,
    label="PermissionsGroup",
    strategy=PermissionsGroupStrategy(),
    actions=_actions("permissionsGroup", "get", "create", "edit", "delete"),
    new_id=lambda fresh: f"urn:v1:eu:permissionsGroup:{fresh}",
    event="IAM_PERMISSIONS_GROUP",
)
RESOURCE_GROUPS = ObjectKind(
    key=RESOURCE_GROUP,
    label="ResourceGroup",
    strategy=ResourceGroupStrategy(),
    actions=_actions("resourceGroup", "get", "create", "edit", "delete"),
    event="IAM_RESOURCE_GROUP",
)
