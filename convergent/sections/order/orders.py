"""`/me/order`: orders made by a cart's checkout, their status, details and follow-up, and their
payment, which delivers what they order (as `convergent provision` does); `/me/payment/method`
(none: orders are free here)."""

from __future__ import annotations

import msgspec

from ...errors import ApiError
from ...model.operation import Operation
from .cart import ORDERS, order_id
from .catalog import plan

__all__ = ["OPERATIONS"]


def _order_view(item) -> dict:
    b = item.body
    zero = {"currencyCode": "EUR", "text": "0.00 €", "value": 0.0}
    return {
        "date": b["date"],
        "expirationDate": b["expirationDate"],
        "orderId": int(item.id),
        "password": None,
        "pdfUrl": None,
        "priceWithTax": zero,
        "priceWithoutTax": zero,
        "retractionDate": None,
        "tax": zero,
        "url": None,
    }


async def _order(call):
    return await call.objects(ORDERS).get(call.params["orderId"])


async def list_orders(call):
    return [int(item.id) for item in await call.objects(ORDERS).all()]


async def get_order(call):
    return _order_view(await _order(call))


async def status(call):
    return (await _order(call)).body["status"]


async def follow_up(call):
    done = (await _order(call)).body["status"] == "delivered"
    return [
        {"history": [], "status": "DONE", "step": "checking"},
        {"history": [], "status": "DONE" if done else "TODO", "step": "validation"},
        {"history": [], "status": "DONE" if done else "TODO", "step": "delivering"},
    ]


def _detail(order, detail_id: str) -> dict:
    found = next((d for d in order.body["details"] if str(d["orderDetailId"]) == detail_id), None)
    if found is None:
        raise ApiError.not_found("OrderDetailNotFound", f"Detail '{detail_id}' is not in order '{order.id}'")
    return found


async def list_details(call):
    return [d["orderDetailId"] for d in (await _order(call)).body["details"]]


async def get_detail(call):
    d = _detail(await _order(call), call.params["orderDetailId"])
    return {
        "cancelled": False,
        "description": plan(d["route"], d["planCode"]).description,
        "detailType": "DURATION",
        "domain": d["domain"],
        "orderDetailId": d["orderDetailId"],
        "quantity": "1",
        "totalPrice": {"currencyCode": "EUR", "text": "0.00 €", "value": 0.0},
        "unitPrice": {"currencyCode": "EUR", "text": "0.00 €", "value": 0.0},
    }


async def get_extension(call):
    d = _detail(await _order(call), call.params["orderDetailId"])
    return {"order": {"configurations": d["configurations"], "plan": {"code": d["planCode"]}}}


async def _deliver(call) -> None:
    """Pay the order: deliver each detail's product, READY, and note what it became.

    The order is claimed first (`delivering`), so that two payments at once deliver once. Each
    detail's domain is noted as soon as it is delivered: when a later detail fails (a region
    that does not exist), the order is `notPaid` again and paying it again delivers only what
    is still missing."""
    orders = call.objects(ORDERS)

    def claim(item) -> None:
        if item.body["status"] != "notPaid":
            raise ApiError.bad_request("OrderAlreadyPaid", f"Order '{item.id}' is already paid")
        item.body["status"] = "delivering"

    order = await orders.update(call.params["orderId"], claim)
    try:
        for n, d in enumerate(order.body["details"]):
            if d["domain"] != "*":
                continue
            found = plan(d["route"], d["planCode"])
            options = {
                found.options[c["label"]]: c["value"]
                for c in d["configurations"]
                if c["label"] in found.options
            }
            try:
                delivered = await call.ctx.provision(found.product, call.account, **options)
            except ValueError as error:
                raise ApiError.invalid_field("configuration", str(error)) from None
            domain = delivered[0]["id"]
            await orders.update(
                order.id, lambda item, n=n, domain=domain: item.body["details"][n].update(domain=domain)
            )
    except BaseException:
        await orders.update(order.id, lambda item: item.body.update(status="notPaid"))
        raise
    await orders.update(order.id, lambda item: item.body.update(status="delivered"))


class PayWithMean(msgspec.Struct):
    paymentMean: str


class PaymentMethod(msgspec.Struct):
    id: int


class Pay(msgspec.Struct):
    paymentMethod: PaymentMethod


async def pay_with_mean(call):
    await _order(call)
    body = await call.body(PayWithMean)
    if body.paymentMean not in ("fidelityAccount", "ovhAccount"):
        raise ApiError.invalid_field("paymentMean", "fidelityAccount or ovhAccount (the order is free)")
    await _deliver(call)


async def pay(call):
    await _order(call)
    await call.body(Pay)
    raise ApiError.not_found(
        "PaymentMethodNotFound", "No payment method is registered: pay with the fidelity account"
    )


async def payment_methods(call):
    return []


_ORDER = "/me/order/{orderId}"
_DETAIL = _ORDER + "/details/{orderDetailId}"
_O = {"orderId": order_id}
_D = {"orderId": order_id, "orderDetailId": order_id}
_GET = ORDERS.actions["get"]
_PAY = ORDERS.actions["pay"]

OPERATIONS = (
    Operation("GET", "/me/order", list_orders, _GET, summary="List of all the orders the logged account has"),
    Operation("GET", _ORDER, get_order, _GET, _O, summary="Get this object properties"),
    Operation("GET", _ORDER + "/status", status, _GET, _O, summary="Return status of order"),
    Operation("GET", _ORDER + "/followUp", follow_up, _GET, _O, summary="Return tracking of your order"),
    Operation(
        "GET", _ORDER + "/details", list_details, _GET, _O, summary="Give access to all entries of the order"
    ),
    Operation("GET", _DETAIL, get_detail, _GET, _D, summary="Get this object properties"),
    Operation("GET", _DETAIL + "/extension", get_extension, _GET, _D, summary="Get this object properties"),
    Operation(
        "POST",
        _ORDER + "/payWithRegisteredPaymentMean",
        pay_with_mean,
        _PAY,
        _O,
        summary="Pay with a payment mean",
    ),
    Operation("POST", _ORDER + "/pay", pay, _PAY, _O, summary="Pay the order"),
    Operation(
        "GET",
        "/me/payment/method",
        payment_methods,
        ("account:apiovh:me/payment/method/get",),
        summary="Payment methods",
    ),
)
