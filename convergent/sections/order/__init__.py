"""The `/1.0` order flow: carts (`/order/cart`), orders (`/me/order`), services (`/services`)
and the notification e-mails that confirm a termination. A paid order delivers its products as
`convergent provision` does (catalog.py names what is sold)."""

from __future__ import annotations

from ...model.section import Section
from .cart import OPERATIONS as CART
from .orders import OPERATIONS as ORDERS
from .services import OPERATIONS as SERVICES

__all__ = ["SECTION"]

SECTION = Section(
    name="order",
    description="Orders: carts, checkout, payment and delivery; services and their termination",
    branch="v1",
    operations=(*CART, *ORDERS, *SERVICES),
)
