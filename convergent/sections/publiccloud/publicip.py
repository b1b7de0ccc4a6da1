"""Public IPs of a project beyond floating IPs: additional IPs, Ext-Net IPs, and the list of all.

Additional IPs are bought, not created: an order delivers them (`convergent provision
publicCloud`), read-only here. An Ext-Net IP is the public address an instance received on a
public interface; it is shown as a read-only envelope named by the address, for as long as
the instance has it. `/publicIp` lists every public address of the project with its type.
"""

from __future__ import annotations

import uuid

import msgspec

from ...errors import ApiError
from ...model.checksum import checksum
from ...model.kind import Kind, Plan, Step, Strategy, standard_actions
from ...model.operation import Operation
from ...model.records import Resource
from ...model.status import Action
from ...model.times import iso
from . import addresses
from .floatingip import FLOATING_IP
from .in_project import PROJECT_PARAM, project_of
from .instance import INSTANCE
from .project import PROJECT

__all__ = ["ADDITIONAL_IP", "OPERATIONS", "deliver_additional_ip", "provision_additional_ip"]


class _Delivered(msgspec.Struct, forbid_unknown_fields=True):
    pass


class _Readonly(Strategy):
    hidden = frozenset({"targetSpec", "createdAt", "updatedAt"})


class _Delivery:
    def plan(self, action: Action, resource: Resource) -> Plan:
        return Plan("ADDITIONAL_IP_DELETE", f"Release additional IP {resource.id}", (Step("Release", 1.0),))

    def apply(self, step: str, resource: Resource) -> dict:
        return dict(resource.current_state)


ADDITIONAL_IP = Kind(
    section="publicCloud",
    name="additionalIp",
    label="AdditionalIp",
    collection="/publicCloud/project/{projectId}/publicIp/additional",
    id_param="additionalIpId",
    spec_create=_Delivered,
    spec_update=_Delivered,
    reconciler=_Delivery(),
    strategy=_Readonly(),
    parent=PROJECT,
    id_valid=addresses.is_ipv4,
    actions=standard_actions("publicCloudProject", "publicIp/additional/"),
    operations=frozenset({"list", "get"}),
)


async def deliver_additional_ip(order, project: Resource, region: str = "GRA11") -> Resource:
    """An additional IP as an order delivers it, routed to nothing yet."""
    ip = addresses.draw(addresses.ADDITIONAL, order.changes.new_uuid())
    state = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"additional/{ip}")),
        "ip": ip,
        "location": {"region": region},
    }
    return await order.deliver(ADDITIONAL_IP, {}, state, parent=project, id=ip)


async def provision_additional_ip(order, region: str = "GRA11") -> None:
    """An additional IP bought for the account's newest project (one must exist)."""
    async with order.changes.store.write() as tx:
        projects = await tx.account_resources(order.account, PROJECT.key)
    if not projects:
        raise LookupError("an additional IP is bought for a project: the account has none")
    await deliver_additional_ip(order, projects[-1], region)


def _ext_net_ips(project: str, instances: list[Resource]) -> list[dict]:
    """The Ext-Net addresses the project's instances hold, as read-only envelopes."""
    out = []
    for instance in instances:
        location = instance.current_state.get("location") or {}
        for nic in instance.current_state.get("networks") or []:
            if nic.get("id"):
                continue
            for address in nic.get("addresses") or []:
                ip = address["ip"]
                if not addresses.in_pool(addresses.EXT_NET, ip):
                    continue  # an owned IP (additional or floating) shows under its own kind
                out.append(
                    {
                        "checksum": checksum({}),
                        "createdAt": iso(instance.created_at),
                        "currentState": {
                            "associatedResource": {"id": instance.id, "type": "INSTANCE"},
                            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"ext-net/{ip}")),
                            "ip": ip,
                            "ipBlock": f"{ip.rsplit('.', 1)[0]}.0/24",
                            "location": location,
                        },
                        "currentTasks": [],
                        "id": ip,
                        "resourceStatus": "READY",
                        "updatedAt": iso(instance.updated_at),
                    }
                )
    return out


async def _all(call, kind: Kind, project: str) -> list[Resource]:
    out, after = [], None
    while True:
        page = await call.ctx.store.list_resources(call.account, kind.key, project, after, 1000)
        out += page
        if not page.more:
            return out
        after = page[-1].seq


async def list_ext_net_ips(call):
    project = await project_of(call)
    return await call.paginate_items(_ext_net_ips(project.id, await _all(call, INSTANCE, project.id)))


async def get_ext_net_ip(call):
    project = await project_of(call)
    for ip in _ext_net_ips(project.id, await _all(call, INSTANCE, project.id)):
        if ip["id"] == call.params["extNetIpId"]:
            return ip
    raise ApiError.not_found("ExtNetIpNotFound", f"Ext-Net IP '{call.params['extNetIpId']}' does not exist")


async def list_public_ips(call):
    project = await project_of(call)
    items = [{"ip": r.id, "type": "FLOATING"} for r in await _all(call, FLOATING_IP, project.id)]
    items += [{"ip": r.id, "type": "ADDITIONAL"} for r in await _all(call, ADDITIONAL_IP, project.id)]
    items += [
        {"ip": e["id"], "type": "EXT_NET"}
        for e in _ext_net_ips(project.id, await _all(call, INSTANCE, project.id))
    ]
    return await call.paginate_items(items)


_BASE = "/publicCloud/project/{projectId}/publicIp"

OPERATIONS = (
    Operation(
        "GET",
        _BASE,
        list_public_ips,
        ("publicCloudProject:apiovh:publicIp/get",),
        PROJECT_PARAM,
        "List every public IP of the project (floating, additional, Ext-Net) with its type",
        paged=True,
    ),
    Operation(
        "GET",
        f"{_BASE}/extNet",
        list_ext_net_ips,
        ("publicCloudProject:apiovh:publicIp/extNet/get",),
        PROJECT_PARAM,
        "List the Ext-Net IPs the project's instances hold",
        paged=True,
    ),
    Operation(
        "GET",
        f"{_BASE}/extNet/{{extNetIpId}}",
        get_ext_net_ip,
        ("publicCloudProject:apiovh:publicIp/extNet/get",),
        {**PROJECT_PARAM, "extNetIpId": addresses.is_ipv4},
        "Get an Ext-Net IP",
        errors=((404, "Client::NotFound::ExtNetIpNotFound"),),
    ),
)
