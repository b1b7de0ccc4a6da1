"""Products of the v1 API that convergent knows as delivered services: a kind with an IAM type
(listed by `/v2/iam/resource`, taggable, named in policies and resource groups by URN) that
orders deliver READY and that no route creates, changes or deletes; and the v1 list and get of
such services, each caller seeing those its policies let it get."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from ..errors import ApiError
from ..model.envelope import urn
from ..model.kind import Kind, Plan
from ..model.records import Resource

__all__ = ["Name", "delivered_kind", "iam_view", "all_of", "list_services", "own_service", "get_service"]

_PAGE = 1000


class Name(msgspec.Struct, forbid_unknown_fields=True):
    """The target spec of a delivered service: what the customer may name it."""

    displayName: str | None = None


class _Delivered:
    """Delivered services change through their product's own routes, not through tasks."""

    def plan(self, action, resource: Resource) -> Plan:
        raise NotImplementedError("delivered services take no target spec")

    def apply(self, step: str, resource: Resource) -> dict:
        raise NotImplementedError


def delivered_kind(
    section: str, name: str, label: str, collection: str, id_param: str, iam_type: str
) -> Kind:
    return Kind(
        section=section,
        name=name,
        label=label,
        collection=collection,
        id_param=id_param,
        spec_create=Name,
        spec_update=Name,
        reconciler=_Delivered(),
        iam_type=iam_type,
        operations=frozenset(),
    )


def iam_view(kind: Kind, resource: Resource) -> dict:
    """The `iam` object of a v1 answer."""
    return {
        "displayName": resource.target_spec.get("displayName") or resource.id,
        "id": resource.iam_id,
        "tags": resource.tags,
        "urn": urn(kind.iam_type, resource.id),
    }


async def all_of(call, kind: Kind) -> list[Resource]:
    """Every resource of `kind` the caller's account has, in creation order."""
    out, after = [], None
    while True:
        page = await call.ctx.store.list_resources(call.account, kind.key, "", after, _PAGE)
        out += page
        if not page.more:
            return out
        after = page[-1].seq


def list_services(kind: Kind, action: str):
    """`GET /<product>`: the names of the caller's services of `kind`."""

    async def handler(call):
        decide = call.ctx.authorizer.decide
        return [
            r.id
            for r in await all_of(call, kind)
            if (await decide(call.caller, (action,), urn(kind.iam_type, r.id), r.tags)).allowed
        ]

    return handler


async def own_service(call, kind: Kind, id: str) -> Resource:
    """The caller's service of `kind` named `id` (any string: an unknown one is 404)."""
    resource = await call.ctx.store.get_resource(kind.key, id)
    if resource is None or resource.account != call.account:
        raise ApiError.not_found(f"{kind.label}NotFound", f"{kind.label} '{id}' does not exist")
    return resource


def get_service(kind: Kind, view: Callable[[Kind, Resource], dict]):
    """`GET /<product>/{serviceName}`: authorised by the route on the service's own URN."""

    async def handler(call):
        return view(kind, await own_service(call, kind, call.params[kind.id_param]))

    return handler
