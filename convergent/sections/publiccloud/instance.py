"""Instances: `/v2/publicCloud/project/{projectId}/compute/instance`.

A flavor and an image (or a boot volume) of one region, network interfaces (a public one with
an address of the region's Ext-Net, owned public IPs, private interfaces on subnets), volumes,
security groups, shares, a power state. Updates rename, resize (flavor), rebuild (image),
attach and detach interfaces, volumes and shares, and switch the power state, each as a named
step; location, SSH key and group are fixed at creation. Creation and resizing count against
the region's quota (instances, vCPUs, RAM).
"""

from __future__ import annotations

import uuid

from ...errors import ApiError
from ...model.kind import Kind, Plan, Step, Strategy, is_uuid, standard_actions
from ...model.records import Resource
from ...model.status import Action
from . import addresses, compute_catalog, ports, quota_profiles, volume
from .instance_group import INSTANCE_GROUP
from .instance_spec import IMMUTABLE, InstanceCreation, InstanceUpdate, normalise
from .project import PROJECT

__all__ = ["INSTANCE"]


def _size(spec: dict) -> dict[str, int]:
    found = compute_catalog.flavor(spec["flavor"]["id"])
    return {"cores": found[1].vcpus, "ram": found[1].ram} if found else {}


class InstanceStrategy(Strategy):
    secret_spec = frozenset(
        {"ports", "egress", "disks"}
    )  # private addresses allocated on admission (ports.py)

    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        return normalise(spec, parent.id)

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        stored = resource.target_spec
        for field in IMMUTABLE:
            sent = spec.get(field)
            if sent is not None and sent != stored.get(field):
                raise ApiError.invalid_field(
                    f"targetSpec.{field}", f"{field} is immutable: it is fixed when the instance is created"
                )
            if field in stored:
                spec[field] = stored[field]
            else:
                spec.pop(field, None)
        return normalise(spec, resource.parent_id)

    async def admit_create(self, view, spec: dict, parent: Resource | None) -> dict:
        region = spec["location"]["region"]
        await quota_profiles.check(view, parent.id, region, {"instances": 1, **_size(spec)})
        group = spec.get("group")
        if group is not None:
            found = await view.resource(INSTANCE_GROUP, group["id"])
            if found is None or found.parent_id != parent.id:
                raise ApiError.invalid_field(
                    "targetSpec.group.id", f"Instance group '{group['id']}' does not exist"
                )
            if found.target_spec["location"]["region"] != region:
                raise ApiError.invalid_field(
                    "targetSpec.group.id", f"Instance group '{group['id']}' is not in region {region}"
                )
        await _check_public_ips(view, spec, parent.id, None)
        await volume.check_attachments(view, spec, parent.id, None)
        await _record_disks(view, spec)
        await ports.allocate(view, spec, parent.id, None)
        return spec

    async def admit_update(self, view, resource: Resource, spec: dict) -> None:
        before, after = _size(resource.target_spec), _size(spec)
        growth = {k: after[k] - before.get(k, 0) for k in after}
        await quota_profiles.check(view, resource.parent_id, spec["location"]["region"], growth)
        await _check_public_ips(view, spec, resource.parent_id, resource.id)
        await volume.check_attachments(view, spec, resource.parent_id, resource.id)
        await _record_disks(view, spec)
        await ports.allocate(view, spec, resource.parent_id, resource)


async def _record_disks(view, spec: dict) -> None:
    """The name and size of each attached volume, as the instance shows them (stored, never shown)."""
    spec.pop("disks", None)
    disks = {}
    for ref in spec.get("volumes") or []:
        found = await view.resource(volume.VOLUME, ref["id"])
        if found is not None:
            disks[ref["id"]] = {"name": found.target_spec.get("name"), "size": found.target_spec.get("size")}
    if disks:
        spec["disks"] = disks


def _volume_states(spec: dict) -> list[dict]:
    disks = spec.get("disks") or {}
    out = []
    for ref in spec.get("volumes") or []:
        known = {k: v for k, v in (disks.get(ref["id"]) or {}).items() if v is not None}
        out.append({"id": ref["id"], **known})
    return out


async def _check_public_ips(view, spec: dict, project: str, this: str | None) -> None:
    """An `ip` alone names a public IP the project owns in the region (a floating or an additional
    IP), not used by another instance."""
    from .floatingip import FLOATING_IP
    from .publicip import ADDITIONAL_IP

    region = spec["location"]["region"]
    wanted = [n["ip"] for n in spec.get("networks") or [] if n.get("ip") and not n.get("id")]
    if not wanted:
        return
    owned = {
        r.id: r.target_spec["location"]["region"]
        for r in await view.resources(FLOATING_IP)
        if r.parent_id == project
    }
    for r in await view.resources(ADDITIONAL_IP):
        if r.parent_id == project:
            owned[r.id] = (r.current_state.get("location") or {}).get("region")
    others = [r for r in await view.resources(INSTANCE) if r.parent_id == project and r.id != this]
    for ip in wanted:
        if owned.get(ip) != region:
            raise ApiError.invalid_field(
                "targetSpec.networks.ip", f"Public IP {ip} is not an IP of this project in region {region}"
            )
        for other in others:
            if any(n.get("ip") == ip for n in other.target_spec.get("networks") or []):
                raise ApiError.conflict(
                    "PublicIpInUse", f"Public IP {ip} is already used by instance {other.id}"
                )


# Update steps, in the order they run, and the target fields each brings into the current state.
_UPDATE_STEPS = (
    ("Rename instance", ("name",), 1.0),
    ("Rebuild instance", ("image",), 40.0),
    ("Resize instance", ("flavor",), 30.0),
    ("Update network interfaces", ("networks",), 6.0),
    ("Update volumes", ("volumes",), 5.0),
    ("Update security groups", ("securityGroups",), 2.0),
    ("Update shares", ("shares",), 5.0),
    ("Apply power state", ("powerState",), 10.0),
)


_COMPARED = ("name", "image", "flavor", "volumes", "securityGroups", "shares", "powerState")


def _observed(state: dict, field: str):
    """The target-spec form of what the current state shows for `field`."""
    value = state.get(field)
    if field in ("flavor", "image"):
        return {"id": value["id"]} if value else None
    if field == "volumes":
        return [{"id": v["id"]} for v in value or []] or None
    if field == "shares":
        return [{"accessLevel": s["accessLevel"], "id": s["id"]} for s in value or []] or None
    return value


class InstanceReconciler:
    def plan(self, action: Action, resource: Resource) -> Plan:
        what = f"instance {resource.id} of project {resource.parent_id}"
        if action == Action.CREATE:
            steps = [
                Step("Check target specification", 1.0),
                Step("Create ports", 2.0),
                Step("Boot instance", 20.0),
            ]
            if resource.target_spec.get("volumes"):
                steps.append(Step("Attach volumes", 3.0))
            if resource.target_spec.get("powerState") != "ACTIVE":
                steps.append(Step("Apply power state", 10.0))
            return Plan("INSTANCE_CREATE", f"Create {what}", tuple(steps))
        if action == Action.DELETE:
            return Plan(
                "INSTANCE_DELETE",
                f"Delete {what}",
                (Step("Stop instance", 5.0), Step("Delete instance", 5.0), Step("Release ports", 2.0)),
            )
        target, current = resource.target_spec, resource.current_state
        changed = {f for f in _COMPARED if target.get(f) != _observed(current, f)}
        if _network_states(resource) != current.get("networks"):
            changed.add("networks")
        steps = tuple(
            Step(name, seconds) for name, fields, seconds in _UPDATE_STEPS if changed.intersection(fields)
        )
        return Plan("INSTANCE_UPDATE", f"Update {what}", steps or (Step("Reconcile", 1.0),))

    def apply(self, step: str, resource: Resource) -> dict:
        spec = resource.target_spec
        state = dict(resource.current_state)
        if step == "Check target specification":
            zone = _zone(resource)
            state["location"] = {
                "region": spec["location"]["region"],
                **({"availabilityZone": zone} if zone else {}),
            }
            state["projectId"] = resource.parent_id
            state["userId"] = uuid.uuid5(uuid.NAMESPACE_URL, resource.account).hex
            state["locked"] = False
            if spec.get("sshKeyName"):
                state["sshKeyName"] = spec["sshKeyName"]
            if spec.get("group"):
                state["group"] = spec["group"]
        elif step in ("Create ports", "Update network interfaces"):
            state["networks"] = _network_states(resource)
        elif step == "Boot instance":
            state.update(_flavor(spec), name=spec["name"], powerState="ACTIVE")
            state.update(_image(spec))
            state["hostId"] = uuid.uuid5(uuid.NAMESPACE_URL, f"host/{resource.id}").hex[:24]
            state["securityGroups"] = spec.get("securityGroups") or []
            state["shares"] = _share_states(spec)
            if not spec.get("volumes"):
                state["volumes"] = []
        elif step in ("Attach volumes", "Update volumes"):
            state["volumes"] = _volume_states(spec)
        elif step == "Rename instance":
            state["name"] = spec["name"]
        elif step == "Resize instance":
            state.update(_flavor(spec))
        elif step == "Rebuild instance":
            state.update(_image(spec))
        elif step == "Update security groups":
            state["securityGroups"] = spec.get("securityGroups") or []
        elif step == "Update shares":
            state["shares"] = _share_states(spec)
        elif step == "Apply power state":
            state["powerState"] = spec["powerState"]
        elif step == "Reconcile":
            state["name"] = spec["name"]
        return state


def _zone(resource: Resource) -> str | None:
    from .regions import find, zone_of

    region = find(resource.target_spec["location"]["region"])
    return zone_of(region, resource.target_spec["location"].get("availabilityZone"), resource.id)


def _flavor(spec: dict) -> dict:
    _, flavor, wire = compute_catalog.flavor(spec["flavor"]["id"])
    fields = ("id", "name", "vcpus", "ram", "disk", "swap", "ephemeral")
    return {"flavor": {k: wire[k] for k in fields}}


def _image(spec: dict) -> dict:
    if not spec.get("image"):
        return {"image": None}
    _, image, wire = compute_catalog.image(spec["image"]["id"])
    return {"image": {"id": wire["id"], "name": wire["name"], "size": wire["size"], "status": wire["status"]}}


def _share_states(spec: dict) -> list[dict]:
    return [
        {"accessLevel": s["accessLevel"], "accessTo": "", "id": s["id"], "state": "active"}
        for s in spec.get("shares") or []
    ]


def _network_states(resource: Resource) -> list[dict]:
    out = []
    for n in resource.target_spec.get("networks") or []:
        port = f"{resource.id}/{n.get('id')}/{n.get('subnetId')}/{n.get('ip')}"
        if n.get("autoAssignPublicIp"):
            ip = addresses.draw(addresses.EXT_NET, str(uuid.uuid5(uuid.NAMESPACE_URL, port)))
            out.append({"addresses": [_address(ip, port, "FIXED")]})
        elif not n.get("id"):
            out.append({"addresses": [_address(n["ip"], port, _owned_type(n["ip"]))]})
        else:
            entry = {"id": n["id"], "subnetId": n["subnetId"], "addresses": []}
            gateway = (resource.target_spec.get("egress") or {}).get(ports.key(n))
            if gateway:
                entry["gatewayId"] = gateway
            ip = (resource.target_spec.get("ports") or {}).get(ports.key(n)) or n.get("ip")
            if ip:
                entry["addresses"].append(_address(ip, port, "FIXED"))
            if n.get("ip") and n["ip"] != ip:  # a floating IP associated with the port
                entry["addresses"].append(_address(n["ip"], port, "FLOATING"))
                entry["addresses"].sort(key=lambda a: (a["type"], a["ip"]))
            out.append(entry)
    return out


def _owned_type(ip: str) -> str:
    """How a public IP the project owns shows on the interface it is routed to."""
    if addresses.in_pool(addresses.ADDITIONAL, ip):
        return "ADDITIONAL"
    if addresses.in_pool(addresses.FLOATING, ip):
        return "FLOATING"
    return "FIXED"


def _address(ip: str, port: str, type: str) -> dict:
    return {"ip": ip, "mac": addresses.mac(port), "type": type, "version": 4}


INSTANCE = Kind(
    section="publicCloud",
    name="instance",
    label="Instance",
    collection="/publicCloud/project/{projectId}/compute/instance",
    id_param="instanceId",
    spec_create=InstanceCreation,
    spec_update=InstanceUpdate,
    reconciler=InstanceReconciler(),
    strategy=InstanceStrategy(),
    parent=PROJECT,
    id_valid=is_uuid,
    actions=standard_actions("publicCloudProject", "compute/instance/"),
)
