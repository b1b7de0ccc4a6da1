"""Organizations and their virtual datacenters: delivered by orders, then renamed and retuned
through tasks. Compute and storage resources are delivered with their datacenter, read-only.
"""

from __future__ import annotations

import uuid

from ...model.envelope import urn
from ...model.kind import Plan, Step, Strategy
from ...model.records import Resource
from ...model.status import Action

__all__ = [
    "OrganizationStrategy",
    "OrganizationReconciler",
    "DataCenterStrategy",
    "DataCenterReconciler",
    "DeliveredStrategy",
    "Delivered",
    "IAM_TYPE",
]

IAM_TYPE = "vmwareCloudDirector"


def _only_updates(action: Action, what: str) -> None:
    if action != Action.UPDATE:
        raise ValueError(f"{what} come from orders: only updates are planned, not {action}")


class OrganizationStrategy(Strategy):
    hidden = frozenset({"createdAt"})

    def display_name(self, resource: Resource) -> str | None:
        return resource.current_state.get("fullName") or resource.target_spec.get("fullName")


class OrganizationReconciler:
    def plan(self, action: Action, resource: Resource) -> Plan:
        _only_updates(action, "organizations")
        return Plan(
            "ORGANIZATION_UPDATE",
            f"Update VMware Cloud Director organization {resource.id}",
            (Step("Update organization details", 3.0), Step("Synchronise VMware Cloud Director", 2.0)),
        )

    def apply(self, step: str, resource: Resource) -> dict:
        target = resource.target_spec
        return {
            **resource.current_state,
            "description": target.get("description", ""),
            "fullName": target["fullName"],
        }


class DataCenterStrategy(Strategy):
    """A datacenter's IAM metadata names it under its organization, as OVHcloud does; calls on it
    are authorised on the organization's URN (its actions are `organization/virtualDataCenter/*`)."""

    hidden = frozenset({"createdAt"})

    def extra_fields(self, resource: Resource) -> dict:
        name = urn(IAM_TYPE, f"{resource.parent_id}/virtualDataCenter/{resource.id}")
        return {
            "iam": {
                "displayName": resource.id,
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
                "tags": resource.tags,
                "urn": name,
            }
        }


# What each update step of a datacenter brings from its target into its current state.
_DATACENTER_STEPS = {"Update description": ("description", 1.0), "Apply vCPU speed": ("vCPUSpeed", 30.0)}


class DataCenterReconciler:
    def plan(self, action: Action, resource: Resource) -> Plan:
        _only_updates(action, "virtual datacenters")
        target, current = resource.target_spec, resource.current_state
        steps = tuple(
            Step(name, seconds)
            for name, (field, seconds) in _DATACENTER_STEPS.items()
            if target.get(field) != current.get(field)
        )
        return Plan(
            "VIRTUAL_DATACENTER_UPDATE",
            f"Organization {resource.parent_id}: update virtual datacenter {resource.id}",
            steps or (Step("Reconcile", 1.0),),
        )

    def apply(self, step: str, resource: Resource) -> dict:
        target = resource.target_spec
        fields = (_DATACENTER_STEPS[step][0],) if step in _DATACENTER_STEPS else ("description", "vCPUSpeed")
        return {**resource.current_state, **{f: target[f] for f in fields}}


class DeliveredStrategy(Strategy):
    """Compute and storage resources: a current state only, no target spec to change."""

    hidden = frozenset({"checksum", "createdAt", "targetSpec"})


class Delivered:
    """The reconciler of kinds that only orders change: it is never asked for a plan."""

    def plan(self, action: Action, resource: Resource) -> Plan:
        raise ValueError(f"{resource.kind} resources come from orders and take no target spec")

    def apply(self, step: str, resource: Resource) -> dict:
        return dict(resource.current_state)
