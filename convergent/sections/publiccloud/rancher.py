"""Managed Rancher: its rules (strategy) and its simulated provisioning (reconciler)."""

from __future__ import annotations

import hashlib
import secrets
import string

from ...errors import ApiError
from ...model.kind import Plan, Step, Strategy
from ...model.records import Resource
from ...model.status import Action
from ...model.times import iso
from . import catalog

__all__ = ["RancherStrategy", "RancherReconciler", "new_password"]

REGIONS = ("EU_WEST_GRA", "EU_WEST_RBX", "EU_WEST_SBG")
_ALPHABET = string.ascii_letters + string.digits + "%)-$@!?.}>'"


def new_password(length: int = 16) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _refuse(specific: str, reason: str | None) -> None:
    if reason:
        raise ApiError.bad_request(specific, reason)


class RancherStrategy(Strategy):
    def initial_state(self, spec: dict) -> dict:
        # OVHcloud answers the creation with the admin's bootstrap password (clients keep it).
        return {"bootstrapPassword": new_password()}

    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        _refuse("InvalidPlan", catalog.refusal(catalog.plan_references(), spec["plan"]))
        if spec.get("version") is None:
            spec["version"] = catalog.latest_version()
        _refuse("InvalidVersion", catalog.refusal(catalog.version_references(), spec["version"]))
        spec.setdefault("ipRestrictions", [])
        return spec

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        current = resource.current_state
        if "plan" in current:
            _refuse("InvalidPlan", catalog.refusal(catalog.plan_capabilities(current["plan"]), spec["plan"]))
        if "version" in current:
            _refuse(
                "InvalidVersion",
                catalog.refusal(catalog.version_capabilities(current["version"]), spec["version"]),
            )
        spec.setdefault("ipRestrictions", [])
        return spec


# What each update step brings from the target into the current state.
_UPDATE_STEPS = {
    "Rename service": ("name",),
    "Switch plan": ("plan",),
    "Upgrade Rancher": ("version",),
    "Apply IP restrictions": ("ipRestrictions",),
}
_UPDATE_SECONDS = {
    "Rename service": 1.0,
    "Switch plan": 6.0,
    "Upgrade Rancher": 12.0,
    "Apply IP restrictions": 3.0,
}


class RancherReconciler:
    def plan(self, action: Action, resource: Resource) -> Plan:
        where = f"Cloud project {resource.parent_id}"
        if action == Action.CREATE:
            return Plan(
                "RANCHER_CREATE",
                f"{where}: create rancher {resource.id}",
                (
                    Step("Check target specification", 1.0),
                    Step("Provision control plane", 8.0),
                    Step("Deploy Rancher", 10.0),
                    Step("Configure access", 2.0),
                ),
            )
        if action == Action.DELETE:
            return Plan(
                "RANCHER_DELETE",
                f"{where}: delete rancher {resource.id}",
                (Step("Remove Rancher deployment", 4.0), Step("Release resources", 2.0)),
            )
        target, current = resource.target_spec, resource.current_state
        steps = tuple(
            Step(name, _UPDATE_SECONDS[name])
            for name, fields in _UPDATE_STEPS.items()
            if any(target.get(f) != current.get(f) for f in fields)
        )
        return Plan(
            "RANCHER_UPDATE", f"{where}: update rancher {resource.id}", steps or (Step("Reconcile", 1.0),)
        )

    def apply(self, step: str, resource: Resource) -> dict:
        target = resource.target_spec
        state = dict(resource.current_state)
        if step == "Provision control plane":
            digest = hashlib.sha256(resource.id.encode()).digest()
            state["region"] = REGIONS[digest[0] % len(REGIONS)]
            state["networking"] = {"egressCidrBlocks": [f"203.0.113.{digest[1] % 254 + 1}/32"]}
        elif step == "Deploy Rancher":
            state.update(name=target["name"], plan=target["plan"], version=target["version"])
            state["url"] = f"https://{resource.id.replace('-', '')[:12]}.rancher.ovh.net"
            state["bootstrapPassword"] = state.get("bootstrapPassword") or new_password()
            state["usage"] = {"datetime": iso(resource.updated_at), "orchestratedVcpus": 0}
            state["deployedAt"] = iso(resource.updated_at)  # since 1.1
        elif step == "Configure access":
            state["ipRestrictions"] = target.get("ipRestrictions", [])
        elif step in _UPDATE_STEPS:
            state.pop("bootstrapPassword", None)  # shown only until the first change after creation
            for field in _UPDATE_STEPS[step]:
                state[field] = target.get(field, [] if field == "ipRestrictions" else None)
        elif step == "Reconcile":
            state.pop("bootstrapPassword", None)
            state.update({k: target[k] for k in ("name", "plan", "version", "ipRestrictions") if k in target})
        return state
