"""`/me/api/schemasVersion`: the account's default schemas major per `/v2` section, the impact
report of switching, and `/me/event`, the account's own events (default changes among them).
Served with the other `/me` routes on the v1 branches."""

from __future__ import annotations

import msgspec

from ..errors import ApiError
from ..model.envelope import event_body
from ..model.numbers import decimal
from ..model.operation import Operation

__all__ = ["OPERATIONS"]

_ACCOUNT_KIND = "account"


class DefaultChange(msgspec.Struct, forbid_unknown_fields=True):
    major: int
    acknowledgeImpact: bool = False


def _section(call):
    name = call.params["section"]
    section = next((s for s in call.ctx.sections if s.name == name and s.branch == "v2"), None)
    if section is None:
        raise ApiError.not_found("SectionNotFound", f"No /v2 section is named '{name}'")
    return section


async def _view(call, section) -> dict:
    return {
        "section": section.name,
        "defaultMajor": await call.ctx.versions.account_default(call.account, section),
        "versions": call.ctx.versions.offered(section),
    }


async def list_defaults(call):
    return [await _view(call, s) for s in call.ctx.sections if s.branch == "v2"]


async def get_default(call):
    return await _view(call, _section(call))


async def set_default(call):
    if not call.caller.owner:
        raise ApiError(
            403,
            "Client::Forbidden::OwnerOnly",
            "Only the account itself may change its default schemas version",
        )
    section = _section(call)
    change = await call.body(DefaultChange)
    versions = call.ctx.versions
    versions.served(section, change.major)  # refuses unknown and retired majors
    current = await versions.account_default(call.account, section)
    if change.major != current:
        report = await versions.impact(call.account, section, change.major)
        if report["affected"] and not change.acknowledgeImpact and change.major > current:
            operations = ", ".join(a["operation"] for a in report["affected"])
            raise ApiError(
                409,
                "Client::Conflict::SchemasVersionImpact",
                f"Switching {section.name} to {change.major}.x affects calls this account made: {operations}. "
                "Read the impact report, then send acknowledgeImpact: true",
                {"affectedOperations": operations},
            )
        await versions.set_default(call.account, section, change.major, "changed by the account")
    return await _view(call, section)


async def impact(call):
    section = _section(call)
    query = call.request.query_params
    target = decimal(query.get("major"), 6)
    if target is None:
        raise ApiError.invalid_parameter("major", "an integer major")
    try:
        days = float(query.get("days", "90"))
    except ValueError:
        days = -1.0
    if not 0 <= days <= 3660:  # also refuses nan and inf
        raise ApiError.invalid_parameter("days", "a number of days from 0 to 3660")
    if section.major(target) is None:
        raise ApiError.invalid_parameter("major", f"{section.name} has no major {target}")
    return await call.ctx.versions.impact(call.account, section, target, days)


async def account_events(call):
    return await call.paginate(
        lambda before, size: call.ctx.store.list_events(_ACCOUNT_KIND, call.account, before, size), event_body
    )


def _action(name: str) -> tuple[str, ...]:
    return (f"account:apiovh:me/{name}",)


OPERATIONS = (
    Operation(
        "GET",
        "/me/api/schemasVersion",
        list_defaults,
        _action("api/schemasVersion/get"),
        summary="Default schemas major of each /v2 section, with the versions on offer",
    ),
    Operation("GET", "/me/api/schemasVersion/{section}", get_default, _action("api/schemasVersion/get")),
    Operation(
        "PUT",
        "/me/api/schemasVersion/{section}",
        set_default,
        _action("api/schemasVersion/edit"),
        summary="Change the default major (account owner only)",
    ),
    Operation(
        "GET",
        "/me/api/schemasVersion/{section}/impact",
        impact,
        _action("api/schemasVersion/get"),
        summary="Which of your recent calls a major's breaking changes affect",
    ),
    Operation(
        "GET", "/me/event", account_events, _action("event/get"), summary="Events of the account", paged=True
    ),
)
