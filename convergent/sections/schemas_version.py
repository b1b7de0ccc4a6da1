"""`/me/api/schemasVersion`: the account's default schemas major per `/v2` section, the impact
report of switching, and `/me/event`, the account's own events (default changes among them).
Served with the other `/me` routes on the v1 branches."""

from __future__ import annotations

import msgspec

from ..auth.accounts import ME
from ..errors import ApiError
from ..model.envelope import event_body
from ..model.numbers import decimal
from ..model.operation import Operation, action

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


def _view(call, section, default: int | None = None) -> dict:
    today = call.ctx.clock.today()
    return {
        "section": section.name,
        "defaultMajor": _default(call, section) if default is None else default,
        "versions": section.offered(today),
    }


def _default(call, section) -> int:
    """The account's default major for `section`, as read with the caller's credential."""
    return call.ctx.defaults.of(call.account, call.caller.schemas, section)


async def list_defaults(call):
    return [_view(call, s) for s in call.ctx.sections if s.branch == "v2"]


async def get_default(call):
    return _view(call, _section(call))


async def set_default(call):
    if not call.caller.owner:
        raise ApiError(
            403,
            "Client::Forbidden::OwnerOnly",
            "Only the account itself may change its default schemas version",
        )
    section = _section(call)
    change = await call.body(DefaultChange)
    section.served(change.major, call.ctx.clock.today())  # refuses unknown and retired majors
    current = _default(call, section)
    if change.major != current:
        report = await call.ctx.usage.impact(call.account, section, current, change.major)
        if report["affected"] and not change.acknowledgeImpact and change.major > current:
            operations = ", ".join(a["operation"] for a in report["affected"])
            raise ApiError(
                409,
                "Client::Conflict::SchemasVersionImpact",
                f"Switching {section.name} to {change.major}.x affects calls this account made: {operations}. "
                "Read the impact report, then send acknowledgeImpact: true",
                {"affectedOperations": operations},
            )
        await call.ctx.defaults.set(call.account, section, change.major)
    return _view(call, section, change.major)


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
    return await call.ctx.usage.impact(call.account, section, _default(call, section), target, days)


async def account_events(call):
    return await call.paginate(
        lambda before, size: call.ctx.store.list_events(_ACCOUNT_KIND, call.account, before, size), event_body
    )


OPERATIONS = (
    Operation(
        "GET",
        "/me/api/schemasVersion",
        list_defaults,
        action(ME, "api/schemasVersion/get"),
        summary="Default schemas major of each /v2 section, with the versions on offer",
    ),
    Operation("GET", "/me/api/schemasVersion/{section}", get_default, action(ME, "api/schemasVersion/get")),
    Operation(
        "PUT",
        "/me/api/schemasVersion/{section}",
        set_default,
        action(ME, "api/schemasVersion/edit"),
        summary="Change the default major (account owner only)",
    ),
    Operation(
        "GET",
        "/me/api/schemasVersion/{section}/impact",
        impact,
        action(ME, "api/schemasVersion/get"),
        summary="Which of your recent calls a major's breaking changes affect",
    ),
    Operation(
        "GET",
        "/me/event",
        account_events,
        action(ME, "event/get"),
        summary="Events of the account",
        paged=True,
    ),
)
