"""Running a section's provisioner for an account: shared by the admin route and the CLI."""

from __future__ import annotations

import time

from ..auth import accounts
from ..config import Config
from ..engine.orders import Order
from ..model.envelope import urn
from .context import Context

__all__ = ["provision", "run_order", "products"]


def products(ctx: Context) -> dict:
    return {name: fn for section in ctx.sections for name, fn in section.provisioners.items()}


async def provision(ctx: Context, product: str, account: str) -> list[dict]:
    """Deliver `product` to `account` (created when missing); describe what was delivered."""
    provisioner = products(ctx).get(product)
    if provisioner is None:
        raise LookupError(f"unknown product {product!r}; known: {', '.join(sorted(products(ctx))) or 'none'}")
    await accounts.ensure_account(ctx.store, account, time.time(), login=False)
    order = Order(ctx.changes, account)
    await provisioner(order)
    out = []
    for r in order.delivered:
        kind = ctx.kinds[r.kind]
        out.append(
            {
                "kind": r.kind,
                "id": r.id,
                "path": r.path,
                "urn": urn(kind.iam_type, r.id) if kind.iam_type else None,
            }
        )
    return out


async def run_order(config: Config, product: str, account: str) -> list[dict]:
    """The same from the command line: open the store, deliver, close."""
    from ..sections import builtin_sections

    ctx = Context.build(config, builtin_sections())
    await ctx.start()
    try:
        return await provision(ctx, product, account)
    finally:
        await ctx.stop()
