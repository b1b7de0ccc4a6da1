"""The backup service of an organization (Veeam): offers enabled, resized and removed through tasks.

Each offer is a backup repository of `quotaInTB` in the organization's region; a GOLD repository
also keeps a replica in another region. While a task runs, the offers it touches show its
progress in their own status: CREATING, then READY once enabled; UPDATING while resized;
REMOVING until they leave the current state.
"""

from __future__ import annotations

import re

from ...model.kind import Plan, Step, Strategy
from ...model.records import Resource
from ...model.status import Action
from . import catalog

__all__ = ["BackupStrategy", "BackupReconciler", "backup_id", "offer_state", "SUFFIX"]

SUFFIX = "-veeam-backup"
_STEP = re.compile(r"(Enable|Resize|Remove) (BRONZE|SILVER|GOLD) (?:offer|repository)")
_SECONDS = {"Enable": 20.0, "Resize": 5.0, "Remove": 10.0}


def backup_id(organization_id: str) -> str:
    return organization_id + SUFFIX


def offer_state(offer: dict, region: str, status: str = "READY", used: float = 0.0) -> dict:
    return {
        "name": offer["name"],
        "protectionPrimaryRegion": region,
        "protectionReplicatedRegion": catalog.replica_region(region) if offer["name"] == "GOLD" else None,
        "quotaInTB": offer["quotaInTB"],
        "status": status,
        "usedSpaceInGB": used,
    }


class BackupStrategy(Strategy):
    def display_name(self, resource: Resource) -> str | None:
        return f"Backup of {resource.id.removesuffix(SUFFIX)}"


def _changes(resource: Resource) -> tuple[list[str], list[str], list[str]]:
    """Offers to enable, to resize and to remove, in the target's order."""
    wanted = {o["name"]: o["quotaInTB"] for o in resource.target_spec["offers"]}
    have = {
        o["name"]: o["quotaInTB"]
        for o in resource.current_state.get("offers", [])
        if o["status"] != "REMOVING"
    }
    enable = [n for n in wanted if n not in have]
    resize = [n for n in wanted if n in have and have[n] != wanted[n]]
    remove = [o["name"] for o in resource.current_state.get("offers", []) if o["name"] not in wanted]
    return enable, resize, remove


class BackupReconciler:
    def plan(self, action: Action, resource: Resource) -> Plan:
        if action != Action.UPDATE:
            raise ValueError(f"backups come from orders: only updates are planned, not {action}")
        enable, resize, remove = _changes(resource)
        steps = [Step("Check target specification", 1.0)]
        steps += [Step(f"Enable {n} offer", _SECONDS["Enable"] * (2 if n == "GOLD" else 1)) for n in enable]
        steps += [Step(f"Resize {n} repository", _SECONDS["Resize"]) for n in resize]
        steps += [Step(f"Remove {n} offer", _SECONDS["Remove"]) for n in remove]
        steps.append(Step("Update backup jobs", 2.0))
        return Plan("BACKUP_UPDATE", f"Update VMware Cloud Director backup {resource.id}", tuple(steps))

    def apply(self, step: str, resource: Resource) -> dict:
        state = dict(resource.current_state)
        region = catalog.region_of_zone(state["azName"])
        wanted = {o["name"]: o for o in resource.target_spec["offers"]}
        offers = [dict(o) for o in state.get("offers", [])]
        by_name = {o["name"]: o for o in offers}
        if step == "Check target specification":
            enable, resize, remove = _changes(resource)
            for name in resize:
                by_name[name]["status"] = "UPDATING"
            for name in remove:
                by_name[name]["status"] = "REMOVING"
            offers += [offer_state(wanted[name], region, "CREATING") for name in enable]
        elif match := _STEP.fullmatch(step):
            verb, name = match.groups()
            if verb == "Remove":
                offers = [o for o in offers if o["name"] != name]
            else:
                offers = [
                    o if o["name"] != name else offer_state(wanted[name], region, used=o["usedSpaceInGB"])
                    for o in offers
                ]
        else:  # "Update backup jobs": the current state is the target, whatever came before
            used = {o["name"]: o["usedSpaceInGB"] for o in offers}
            offers = [offer_state(o, region, used=used.get(o["name"], 0.0)) for o in wanted.values()]
        order = list(wanted)
        offers.sort(key=lambda o: order.index(o["name"]) if o["name"] in wanted else len(order))
        state["offers"] = offers
        return state
