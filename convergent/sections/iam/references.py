"""`/v2/iam/reference`: the actions policies can name and the resource types, from the sections
served, and `/v2/iam/.../authorization/check`: what the caller may do on resources."""

from __future__ import annotations

from ...model.operation import Operation
from .models import AuthorizeBatchRequest, AuthorizeRequest
from .resources import kinds_by_type, resource_by_urn

__all__ = ["OPERATIONS"]

_CATEGORIES = {"get": "READ", "create": "CREATE", "edit": "EDIT", "delete": "DELETE"}


def _all_actions(call) -> dict[str, str]:
    out: dict[str, str] = {}
    for section in call.ctx.sections:
        out.update(section.actions())
    return out


async def reference_actions(call):
    wanted = set(call.request.query_params.getlist("resourceType"))
    out = []
    for name, type_ in sorted(_all_actions(call).items()):
        if wanted and type_ not in wanted:
            continue
        verb = name.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        out.append(
            {
                "action": name,
                "categories": [_CATEGORIES.get(verb, "OPERATE")],
                "description": name,
                "hasQueryParameters": False,
                "resourceType": type_,
            }
        )
    return await call.paginate_items(out)


async def reference_types(call):
    return await call.paginate_items(sorted(set(_all_actions(call).values()) | set(kinds_by_type(call))))


async def _check(call, urn: str, actions: list[str]) -> dict:
    tags = {}
    if ":resource:account:" not in urn:
        tags = (await resource_by_urn(call, urn)).tags
    decision = await call.ctx.authorizer.decide(call.caller, actions, urn, tags)
    return {
        "authorizedActions": list(decision.authorized),
        "unauthorizedActions": list(decision.unauthorized),
    }


async def check_batch(call):
    body = await call.body(AuthorizeBatchRequest)
    return [{"resourceURN": urn, **await _check(call, urn, body.actions)} for urn in body.resourceURNs]


async def check_resource(call):
    body = await call.body(AuthorizeRequest)
    return await _check(call, call.params["resourceURN"], body.actions)


OPERATIONS = (
    Operation("POST", "/iam/authorization/check", check_batch, summary="Check authorizations on resources"),
    Operation("GET", "/iam/reference/action", reference_actions, summary="Actions that policies can name"),
    Operation("GET", "/iam/reference/resource/type", reference_types, summary="Resource types"),
    Operation("POST", "/iam/resource/{resourceURN}/authorization/check", check_resource),
)
