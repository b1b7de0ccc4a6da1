"""Where generating a request cannot guess: per section, per operation, how to build a body.

`bodies` give the body of a POST: `walk -> body` (`walk.value(param)` is a value of a path
parameter from the resources seen, `walk.answer(template)` the last body a GET answered).
`changes` give a changed PUT body from the resource as GET answers it: `(current, walk) -> body`.
Everything else comes from the reference: its request examples, else its request schemas.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Hints", "HINTS"]

Body = Callable[[Any], Any]
Change = Callable[[dict, Any], Any]


@dataclass(frozen=True)
class Hints:
    bodies: Mapping[str, Body] = field(default_factory=dict)  # "POST /path" -> body
    changes: Mapping[str, Change] = field(default_factory=dict)  # "PUT /path" -> changed body

    def body(self, method: str, path: str) -> Body | None:
        return self.bodies.get(f"{method} {path}")

    def change(self, method: str, path: str) -> Change | None:
        return self.changes.get(f"{method} {path}")


def _as_code(current: dict, **changes) -> dict:
    """An as-code PUT: the current checksum, the current target with these fields changed."""
    return {"checksum": current.get("checksum"), "targetSpec": {**current["targetSpec"], **changes}}


def _with_other_offer(offers: list[dict]) -> list[dict]:
    taken = {o["name"] for o in offers}
    other = next(n for n in ("BRONZE", "SILVER", "GOLD") if n not in taken)
    return [*offers, {"name": other, "quotaInTB": 2}]


def _first_iam_resource(walk) -> dict:
    return (walk.answer("/iam/resource") or [{}])[0]


_CHECKED_ACTIONS = ["account:apiovh:iam/policy/get", "publicCloudProject:apiovh:get"]

HINTS: Mapping[str, Hints] = {
    "iam": Hints(
        bodies={
            "POST /iam/authorization/check": lambda walk: {
                "actions": _CHECKED_ACTIONS,
                "resourceURNs": [walk.value("resourceURN")],
            },
            "POST /iam/resource/{resourceURN}/authorization/check": lambda walk: {
                "actions": _CHECKED_ACTIONS
            },
            # Log kinds are the server's own; a stream of some Logs Data Platform service.
            "POST /iam/log/subscription": lambda walk: {
                "kind": walk.value("name"),
                "streamId": "6a4a4d4c-5a3b-4c4e-9b1f-0c0d0e0f1011",
            },
            "POST /iam/log/url": lambda walk: {"kind": walk.value("name")},
            # The example names a resource of another account; group one of this account's.
            "POST /iam/resourceGroup": lambda walk: {
                "name": "conformance",
                "resources": [{"id": _first_iam_resource(walk).get("id")}],
            },
        },
        changes={
            "PUT /iam/resourceGroup/{groupId}": lambda current, walk: {
                "name": "conformance-renamed",
                "resources": [{"id": _first_iam_resource(walk).get("id")}],
            },
        },
    ),
    "publicCloud": Hints(
        changes={
            "PUT /publicCloud/project/{projectId}": lambda current, walk: _as_code(
                current, name="conformance-renamed"
            ),
            # The example's version (1.0.0) is not one a rancher can run; keep the current one.
            "PUT /publicCloud/project/{projectId}/rancher/{rancherId}": lambda current, walk: _as_code(
                current, plan="OVHCLOUD_EDITION"
            ),
        },
    ),
    "vmwareCloudDirector": Hints(
        changes={
            "PUT /vmwareCloudDirector/organization/{organizationId}": lambda current, walk: _as_code(
                current, fullName="conformance-renamed"
            ),
            "PUT /vmwareCloudDirector/organization/{organizationId}/virtualDataCenter/{virtualDataCenterId}": (
                lambda current, walk: _as_code(current, vCPUSpeed=3)
            ),
            # Offers are named once each: add the one the backup does not have yet.
            "PUT /vmwareCloudDirector/backup/{backupId}": lambda current, walk: _as_code(
                current, offers=_with_other_offer(current["targetSpec"]["offers"])
            ),
        },
    ),
}
