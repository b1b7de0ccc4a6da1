"""vrackServices: vRack Services, faithful to OVHcloud's `/v2/vrackServices`.

A vRack Services comes from an order (there is no create or delete route); its target spec
holds at most one subnet with a service range and service endpoints, which give managed
services (Enterprise File Storage) addresses in a vRack. Those managed services are resources
of a small kind of this section (managed.py), delivered by an order of their own.
"""

from __future__ import annotations

from datetime import date

from ...model.envelope import urn
from ...model.operation import Operation
from ...model.section import Section
from ...model.versions import Major, Version
from .managed import AVAILABLE, COMPATIBLE_TYPES, STORAGE, eligible
from .resource import VRACK_SERVICES, is_id

__all__ = ["SECTION", "VRACK_SERVICES", "STORAGE", "REGIONS", "provision_vrack_services", "provision_storage"]

REGIONS = ("eu-west-gra", "eu-west-lim", "eu-west-rbx")
DEFAULT_REGION = "eu-west-lim"
_ATTACH = "storageNetApp:apiovh:vrackServices/attach"
_PAGE = 1000


async def provision_vrack_services(order, region: str = DEFAULT_REGION) -> None:
    """A vRack Services as an order delivers it: READY, no subnet, DRAFT, in no vRack yet."""
    if region not in REGIONS:
        raise ValueError(f"region_name: one of {', '.join(REGIONS)}")
    state = {"productStatus": "DRAFT", "region": region, "subnets": [], "vrackId": None}
    await order.deliver(VRACK_SERVICES, {"subnets": []}, state)


async def provision_storage(order, region: str = DEFAULT_REGION, status: str = AVAILABLE) -> None:
    """An Enterprise File Storage service, as far as vRack Services sees one."""
    id = order.changes.new_uuid()
    await order.deliver(STORAGE, {"name": f"efs-{id[:8]}"}, {"region": region, "status": status}, id=id)


async def _all(call, kind) -> list:
    out, after = [], None
    while True:
        page = await call.ctx.store.list_resources(call.account, kind.key, "", after, _PAGE)
        out += page
        if not page.more:
            return out
        after = page[-1].seq


async def eligible_managed_services(call):
    resource = await call.resource(VRACK_SERVICES)
    groups = eligible(resource, await _all(call, VRACK_SERVICES), await _all(call, STORAGE))
    if not call.caller.owner:
        # The reference's optional action: a caller sees the services it may attach.
        services = {urn(STORAGE.iam_type, s.id): s for s in await _all(call, STORAGE)}
        decide = call.ctx.authorizer.decide
        for group in groups:
            group["managedServiceURNs"] = [
                u
                for u in group["managedServiceURNs"]
                if (await decide(call.caller, (_ATTACH,), u, services[u].tags)).allowed
            ]
    return await call.paginate_items(groups)


async def compatible_types(call):
    return await call.paginate_items(list(COMPATIBLE_TYPES))


async def regions(call):
    return await call.paginate_items([{"name": name} for name in REGIONS])


_RELEASED = date(2023, 3, 10)

SECTION = Section(
    name="vrackServices",
    description="vRack Services: managed services reachable from a vRack",
    kinds=(VRACK_SERVICES, STORAGE),
    versions=(Version("1.0", _RELEASED, "vRack Services, as OVHcloud serves them"),),
    majors=(Major(1, _RELEASED),),
    provisioners={"vrackServices": provision_vrack_services, "storageNetApp": provision_storage},
    operations=(
        Operation(
            "GET",
            "/vrackServices/reference/compatibleManagedServiceType",
            compatible_types,
            (),
            {},
            "List all managed service types that are compatible with vRack Services (IAM resource types)",
            paged=True,
        ),
        Operation(
            "GET",
            "/vrackServices/reference/region",
            regions,
            (),
            {},
            "List all vRack Services regions",
            paged=True,
        ),
        Operation(
            "GET",
            f"{VRACK_SERVICES.item}/eligibleManagedService",
            eligible_managed_services,
            ("vrackServices:apiovh:resource/eligibleManagedService/get",),
            {"vrackServicesId": is_id},
            "List every managed service eligible to the requested vRack Services",
            paged=True,
        ),
    ),
)
