"""What the `/1.0` order flow sells: each plan code, the product (provisioner) that delivers it,
and which item configurations become the provisioner's options. Orders are free here: no
payment mean is needed, and a paid order is delivered at once."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Plan", "PLANS", "plan"]


@dataclass(frozen=True)
class Plan:
    code: str  # the plan code a cart item names (`vrack-services`)
    route: str  # the cart route that adds it (`POST /order/cart/{cartId}/{route}`)
    product: str  # the provisioner that delivers it (Section.provisioners)
    description: str
    options: dict[str, str] = field(default_factory=dict)  # configuration label -> provisioner keyword
    required: tuple[str, ...] = ()  # configuration labels an item must carry


PLANS = {
    p.code: p
    for p in (
        Plan(
            "vrack-services",
            "vrackServices",
            "vrackServices",
            "vRack Services",
            {"region_name": "region"},
            ("region_name",),
        ),
        Plan("vrack", "vrack", "vrack", "vRack"),
    )
}


def plan(route: str, code: str) -> Plan | None:
    found = PLANS.get(code)
    return found if found is not None and found.route == route else None
