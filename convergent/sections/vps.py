"""`/1.0/vps`: VPS as IAM resources (delivered by orders), for policies and resource groups that
name them; convergent does not emulate the machines."""

from __future__ import annotations

from ..model.operation import Operation
from ..model.section import Section
from .delivered import delivered_kind, get_service, iam_view, list_services

__all__ = ["SECTION", "VPS", "provision_vps"]

VPS = delivered_kind("vps", "vps", "Vps", "/vps", "serviceName", "vps")
_GET = "vps:apiovh:get"


async def provision_vps(order) -> None:
    name = f"vps-{order.changes.new_uuid()[:8]}.vps.ovh.net"
    await order.deliver(VPS, {}, {}, id=name)


def _vps(kind, resource) -> dict:
    return {
        "displayName": resource.target_spec.get("displayName") or resource.id,
        "iam": iam_view(kind, resource),
        "name": resource.id,
        "state": "running",
        "zone": "Region OpenStack: os-gra2",
    }


SECTION = Section(
    name="vps",
    description="VPS, as IAM resources",
    branch="v1",
    kinds=(VPS,),
    provisioners={"vps": provision_vps},
    operations=(
        Operation(
            "GET", "/vps", list_services(VPS, _GET), (_GET,), iam_per_item=True, summary="List your VPS"
        ),
        Operation("GET", "/vps/{serviceName}", get_service(VPS, _vps), (_GET,), summary="Get a VPS"),
    ),
)
