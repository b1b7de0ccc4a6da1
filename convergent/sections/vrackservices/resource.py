"""The vRack Services resource: its ids, its rules (strategy) and its simulated network work.

An update is planned from the difference between the current state and the new target: a
subnet is the same subnet while its CIDR, VLAN and service range stay the same; changing any of
them deletes it and creates it again (with a cut, as the reference warns), while a new display
name or new service endpoints are applied in place. Each service endpoint gets one address of
its subnet's service range, kept while the subnet stays the same.
"""

from __future__ import annotations

import re
import string

from ...errors import ApiError
from ...model.kind import AccountView, Kind, Plan, Step, Strategy, standard_actions
from ...model.records import Resource
from ...model.status import Action
from . import network as net
from .managed import admit_endpoints
from .models import VrackServicesTargetSpec
from .rules import check_spec

__all__ = ["VRACK_SERVICES", "new_id", "is_id", "STEPS", "TASK_TYPE", "product_status"]

_ID = re.compile(r"vrs(-[a-z0-9]{3}){4}")
_CHARS = string.ascii_lowercase + string.digits
TASK_TYPE = "VrackServicesUpdate"

# Steps of an update, in the order they run, with their durations at 1x (seconds).
STEPS = {
    "Check target specification": 1.0,
    "Delete service endpoints": 15.0,
    "Delete subnets": 5.0,
    "Create subnets": 10.0,
    "Update subnets": 2.0,
    "Create service endpoints": 20.0,
}


def new_id(fresh: str) -> str:
    """`vrs-xxx-xxx-xxx-xxx`, as the reference's ids (whose first group starts with `a`), drawn
    from the fresh UUID the framework gives (so `--seed` makes them deterministic)."""
    number = int(fresh.replace("-", ""), 16)
    chars = []
    for _ in range(11):
        number, digit = divmod(number, len(_CHARS))
        chars.append(_CHARS[digit])
    text = "a" + "".join(chars)
    return "vrs-" + "-".join(text[i : i + 3] for i in range(0, 12, 3))


def is_id(value: str) -> bool:
    return _ID.fullmatch(value) is not None


class VrackServicesStrategy(Strategy):
    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        check_spec(spec)
        return spec

    async def admit_update(self, view: AccountView, resource: Resource, spec: dict) -> None:
        await admit_endpoints(view, VRACK_SERVICES, resource, spec)

    def display_name(self, resource: Resource) -> str | None:
        return resource.id

    def task_not_found(self, resource: Resource, task_id: str) -> ApiError:
        return ApiError.bad_request(
            "VrackServicesNotFound",
            f"Task '{task_id}' linked to VrackServices '{resource.id}' does not exist",
        )


def _key(subnet: dict) -> tuple:
    return subnet["cidr"], subnet.get("vlan"), subnet["serviceRange"]["cidr"]


def _urns(subnet: dict) -> list[str]:
    return [e["managedServiceURN"] for e in subnet.get("serviceEndpoints") or []]


def _changes(current: list[dict], target: list[dict]) -> dict[str, bool]:
    """Which update steps the move from `current` to `target` subnets needs."""
    now = {_key(s): s for s in current}
    wanted = {_key(s): s for s in target}
    kept = [k for k in wanted if k in now]
    return {
        "Delete service endpoints": any(
            _urns(s) and (k not in wanted or set(_urns(s)) - set(_urns(wanted[k]))) for k, s in now.items()
        ),
        "Delete subnets": any(k not in wanted for k in now),
        "Create subnets": any(k not in now for k in wanted),
        "Update subnets": any(now[k].get("displayName") != wanted[k].get("displayName") for k in kept),
        "Create service endpoints": any(
            set(_urns(s)) - set(_urns(now.get(k, {}))) for k, s in wanted.items()
        ),
    }


def _subnet(target: dict, endpoints: list[dict]) -> dict:
    out = {"cidr": target["cidr"]}
    if target.get("displayName") is not None:
        out["displayName"] = target["displayName"]
    out["serviceEndpoints"] = endpoints
    out["serviceRange"] = net.range_counts(target["serviceRange"]["cidr"], len(endpoints))
    out["vlan"] = target.get("vlan")
    return out


def _with_endpoints(subnet: dict, target: dict, add: bool) -> dict:
    """`subnet` keeping only the endpoints `target` still wants, then (if `add`) the missing ones."""
    wanted = _urns(target)
    endpoints = [e for e in subnet["serviceEndpoints"] if e["managedServiceURN"] in wanted]
    if add:
        held = {e["managedServiceURN"] for e in endpoints}
        used = {e["endpoints"][0]["ip"] for e in endpoints}
        free = [ip for ip in net.usable(subnet["serviceRange"]["cidr"]) if ip not in used]
        for urn in wanted:
            if urn not in held:
                endpoints.append(
                    {"endpoints": [{"description": "", "ip": free.pop(0)}], "managedServiceURN": urn}
                )
        order = {urn: i for i, urn in enumerate(wanted)}
        endpoints.sort(key=lambda e: order[e["managedServiceURN"]])
    return {
        **subnet,
        "serviceEndpoints": endpoints,
        "serviceRange": net.range_counts(subnet["serviceRange"]["cidr"], len(endpoints)),
    }


def product_status(state: dict) -> str:
    """ACTIVE (used, billed) while it is in a vRack and gives a managed service an endpoint;
    DRAFT otherwise."""
    used = any(s.get("serviceEndpoints") for s in state.get("subnets") or [])
    return "ACTIVE" if state.get("vrackId") and used else "DRAFT"


class VrackServicesReconciler:
    def plan(self, action: Action, resource: Resource) -> Plan:
        if action != Action.UPDATE:
            raise ValueError(f"vRack Services are delivered by orders and never deleted here, not {action}")
        needed = _changes(resource.current_state.get("subnets") or [], resource.target_spec["subnets"])
        needed["Check target specification"] = True
        steps = [Step(name, seconds) for name, seconds in STEPS.items() if needed[name]]
        return Plan(TASK_TYPE, f"Update vRack Services {resource.id}", tuple(steps))

    def apply(self, step: str, resource: Resource) -> dict:
        state = dict(resource.current_state)
        current = state.get("subnets") or []
        target = resource.target_spec["subnets"]
        wanted = {_key(s): s for s in target}
        if step == "Delete service endpoints":
            current = [
                _with_endpoints(s, wanted.get(_key(s), {"serviceEndpoints": []}), add=False) for s in current
            ]
        elif step == "Delete subnets":
            current = [s for s in current if _key(s) in wanted]
        elif step == "Create subnets":
            have = {_key(s): s for s in current}
            current = [have.get(_key(t)) or _subnet(t, []) for t in target]
        elif step == "Update subnets":
            current = [
                _subnet(wanted[_key(s)], s["serviceEndpoints"]) if _key(s) in wanted else s for s in current
            ]
        elif step == "Create service endpoints":
            current = [
                _with_endpoints(s, wanted[_key(s)], add=True) if _key(s) in wanted else s for s in current
            ]
        state["subnets"] = current
        state["productStatus"] = product_status(state)
        return state


# Orders deliver vRack Services: the reference has no create, delete or event route.
_OPERATIONS = frozenset({"list", "get", "update", "tasks", "task"})

VRACK_SERVICES = Kind(
    section="vrackServices",
    name="vrackServices",
    label="VrackServices",
    collection="/vrackServices/resource",
    id_param="vrackServicesId",
    spec_create=VrackServicesTargetSpec,
    spec_update=VrackServicesTargetSpec,
    reconciler=VrackServicesReconciler(),
    strategy=VrackServicesStrategy(),
    id_valid=is_id,
    new_id=new_id,
    checksum_required=True,
    iam_type="vrackServices",
    actions={k: v for k, v in standard_actions("vrackServices", "resource/").items() if k in _OPERATIONS},
    operations=_OPERATIONS,
)
