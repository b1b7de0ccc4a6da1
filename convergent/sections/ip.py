"""`/1.0/ip`: additional IP blocks as IAM resources (delivered by orders), with the `ovh:` tags
OVHcloud sets on them and customers may read but not change."""

from __future__ import annotations

from ..model.operation import Operation
from ..model.section import Section
from .delivered import delivered_kind, get_service, iam_view, list_services

__all__ = ["SECTION", "IP", "provision_ip"]

IP = delivered_kind("ip", "ip", "Ip", "/ip", "ip", "ip")
_GET = "ip:apiovh:get"


async def provision_ip(order) -> None:
    number = int(order.changes.new_uuid()[:4], 16)
    block = f"198.51.{number % 256}.{number // 256 % 256}/32"
    tags = {
        "ovh:isAdditionalIp": "true",
        "ovh:routedTo": "unrouted",
        "ovh:type": "additional",
        "ovh:version": "4",
    }
    await order.deliver(IP, {}, {}, id=block, tags=tags)


def _ip(kind, resource) -> dict:
    return {
        "description": None,
        "iam": iam_view(kind, resource),
        "ip": resource.id,
        "routedTo": {"serviceName": None},
        "type": "additional",
        "version": 4,
    }


SECTION = Section(
    name="ip",
    description="Additional IP blocks, as IAM resources",
    branch="v1",
    kinds=(IP,),
    provisioners={"ip": provision_ip},
    operations=(
        Operation(
            "GET", "/ip", list_services(IP, _GET), (_GET,), iam_per_item=True, summary="List your IP blocks"
        ),
        Operation("GET", "/ip/{ip}", get_service(IP, _ip), (_GET,), summary="Get an IP block"),
    ),
)
