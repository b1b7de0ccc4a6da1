"""`/order/cart`: carts, their items and item configurations, checkout into an order.

Carts and orders are plain objects of the registry (engine/objects.py). A cart is made, assigned
to the caller's account, filled with items (a plan code of catalog.PLANS, with configurations
such as `region_name`) and checked out into an order (`/me/order`), which payment delivers."""

from __future__ import annotations

import msgspec

from ...errors import ApiError
from ...iam.policy import timestamp
from ...model.objects import ObjectKind
from ...model.operation import Operation
from ...model.times import LATEST, iso
from .catalog import plan

__all__ = ["CARTS", "ORDERS", "OPERATIONS", "order_id"]

_ME = "account:apiovh:me"

CARTS = ObjectKind(key="order.cart", label="Cart", event="ORDER_CART")
ORDERS = ObjectKind(
    key="order.order",
    label="Order",
    actions={"get": (f"{_ME}/order/get",), "pay": (f"{_ME}/order/pay",)},
    new_id=lambda fresh: str(int(fresh.replace("-", "")[:8], 16) % 10**9),
    event="ORDER",
)


def order_id(value: str) -> bool:
    return value.isdigit() and len(value) < 19


class CartCreation(msgspec.Struct, forbid_unknown_fields=True):
    ovhSubsidiary: str
    description: str | None = None
    expire: str | None = None


class ItemCreation(msgspec.Struct):
    """A plan item (`order.cart.GenericItemCreation`); clients may send more, which is ignored."""

    planCode: str
    duration: str
    pricingMode: str
    quantity: int = 1


class Configuration(msgspec.Struct):
    label: str
    value: str


def _cart_view(item) -> dict:
    b = item.body
    return {
        "cartId": item.id,
        "description": b["description"],
        "expire": b["expire"],
        "items": [i["itemId"] for i in b["items"]],
        "readOnly": b["readOnly"],
    }


def _item_view(cart, entry: dict) -> dict:
    return {
        "cartId": cart.id,
        "configurations": [c["id"] for c in entry["configurations"]],
        "duration": entry["duration"],
        "itemId": entry["itemId"],
        "offerId": None,
        "options": [],
        "parentItemId": None,
        "prices": [],
        "productId": entry["route"],
        "settings": {
            "planCode": entry["planCode"],
            "pricingMode": entry["pricingMode"],
            "quantity": entry["quantity"],
        },
    }


def _prices() -> dict:
    zero = {"currencyCode": "EUR", "priceInUcents": 0, "text": "0.00 €", "value": 0.0}
    return {"originalWithoutTax": zero, "reduction": zero, "tax": zero, "withTax": zero, "withoutTax": zero}


async def create_cart(call):
    body = await call.body(CartCreation)
    if body.ovhSubsidiary.upper() != "FR":
        raise ApiError.invalid_field("ovhSubsidiary", "this server's subsidiary is FR")
    now = call.ctx.clock.now()
    if body.expire is not None:
        try:
            expire = timestamp(body.expire)
        except ValueError:
            raise ApiError.invalid_field("expire", "an RFC 3339 date and time") from None
        if not now < expire <= LATEST:
            raise ApiError.invalid_field("expire", "a time in the future, up to year 9999")
    cart = await call.objects(CARTS).create(
        {
            "description": body.description or "",
            "expire": body.expire or iso(now + 86400),  # as the client wrote it
            "items": [],
            "readOnly": False,
            "assigned": False,
            "nextId": 1,
        }
    )
    return _cart_view(cart)


async def _cart(call):
    return await call.objects(CARTS).get(call.params["cartId"])


async def get_cart(call):
    return _cart_view(await _cart(call))


async def assign_cart(call):
    await call.objects(CARTS).update(call.params["cartId"], lambda item: item.body.update(assigned=True))


def _writable(item) -> None:
    if item.body["readOnly"]:
        raise ApiError.bad_request("CartReadOnly", f"Cart '{item.id}' was checked out and cannot change")


async def add_item(call):
    await _cart(call)
    body = await call.body(ItemCreation)
    route = call.params["product"]
    found = plan(route, body.planCode)
    if found is None:
        raise ApiError.invalid_field(
            "planCode", f"no plan {body.planCode!r} is sold at /order/cart/{{cartId}}/{route}"
        )
    if body.quantity != 1:
        raise ApiError.invalid_field("quantity", "one at a time")
    added: dict = {}

    def add(item) -> None:
        _writable(item)
        added.update(
            itemId=item.body["nextId"],
            route=route,
            planCode=body.planCode,
            duration=body.duration,
            pricingMode=body.pricingMode,
            quantity=body.quantity,
            configurations=[],
        )
        item.body["items"].append(added)
        item.body["nextId"] += 1

    cart = await call.objects(CARTS).update(call.params["cartId"], add)
    return _item_view(cart, added)


def _entry(cart, item_id: str) -> dict:
    found = next((i for i in cart.body["items"] if str(i["itemId"]) == item_id), None)
    if found is None:
        raise ApiError.not_found("ItemNotFound", f"Item '{item_id}' is not in cart '{cart.id}'")
    return found


async def list_items(call):
    return [i["itemId"] for i in (await _cart(call)).body["items"]]


async def get_item(call):
    cart = await _cart(call)
    return _item_view(cart, _entry(cart, call.params["itemId"]))


async def configure_item(call):
    _entry(await _cart(call), call.params["itemId"])
    body = await call.body(Configuration)
    made: dict = {}

    def configure(item) -> None:
        _writable(item)
        entry = _entry(item, call.params["itemId"])
        entry["configurations"] = [c for c in entry["configurations"] if c["label"] != body.label]
        made.update(id=item.body["nextId"], label=body.label, value=body.value)
        entry["configurations"].append(made)
        item.body["nextId"] += 1

    await call.objects(CARTS).update(call.params["cartId"], configure)
    return dict(made)


async def list_configurations(call):
    cart = await _cart(call)
    return [c["id"] for c in _entry(cart, call.params["itemId"])["configurations"]]


def _checkable(cart) -> None:
    if not cart.body["assigned"]:
        raise ApiError.bad_request(
            "CartNotAssigned", f"Assign cart '{cart.id}' to your account first (POST .../assign)"
        )
    if not cart.body["items"]:
        raise ApiError.bad_request("CartEmpty", f"Cart '{cart.id}' has no item")
    for entry in cart.body["items"]:
        have = {c["label"] for c in entry["configurations"]}
        for label in plan(entry["route"], entry["planCode"]).required:
            if label not in have:
                raise ApiError.bad_request(
                    "MissingConfiguration",
                    f"Item {entry['itemId']} ({entry['planCode']}) needs configuration {label}",
                )


def _summary(order_id: int | None) -> dict:
    return {"contracts": [], "details": [], "orderId": order_id, "prices": _prices(), "url": None}


async def summary(call):
    cart = await _cart(call)
    _checkable(cart)
    return _summary(None)


async def checkout(call):
    def close(item) -> None:  # checked and closed at once: two checkouts make one order
        _checkable(item)
        _writable(item)
        item.body["readOnly"] = True

    cart = await call.objects(CARTS).update(call.params["cartId"], close)
    now = call.ctx.clock.now()
    details = [
        {
            "orderDetailId": n + 1,
            "planCode": entry["planCode"],
            "route": entry["route"],
            "configurations": [{"label": c["label"], "value": c["value"]} for c in entry["configurations"]],
            "domain": "*",
        }
        for n, entry in enumerate(cart.body["items"])
    ]
    order = await call.objects(ORDERS).create(
        {
            "cartId": cart.id,
            "date": iso(now),
            "expirationDate": iso(now + 15 * 86400),
            "status": "notPaid",
            "details": details,
        }
    )
    return {
        **_summary(int(order.id)),
        "url": f"{str(call.request.base_url).rstrip('/')}/1.0/me/order/{order.id}",
    }


_CART = "/order/cart/{cartId}"
_ITEM = _CART + "/item/{itemId}"


def _digits(value: str) -> bool:
    return value.isdigit() and len(value) < 10


OPERATIONS = (
    Operation("POST", "/order/cart", create_cart, summary="Create a new OVH order cart"),
    Operation("GET", _CART, get_cart, summary="Retrieve information about a specific cart"),
    Operation("POST", _CART + "/assign", assign_cart, summary="Assign a shopping cart to a logged-in client"),
    Operation(
        "GET", _CART + "/checkout", summary, summary="Get prices and contracts information for your cart"
    ),
    Operation("POST", _CART + "/checkout", checkout, summary="Validate your shopping and create order"),
    Operation("GET", _CART + "/item", list_items, summary="List all the items of a cart"),
    Operation(
        "GET", _ITEM, get_item, (), {"itemId": _digits}, summary="Retrieve information about a specific item"
    ),
    Operation(
        "POST",
        _ITEM + "/configuration",
        configure_item,
        (),
        {"itemId": _digits},
        summary="Setup configuration item",
    ),
    Operation(
        "GET",
        _ITEM + "/configuration",
        list_configurations,
        (),
        {"itemId": _digits},
        summary="Configurations of an item",
    ),
    Operation("POST", _CART + "/{product}", add_item, summary="Post a new product item in your cart"),
)
