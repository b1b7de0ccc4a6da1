"""The project's quota: one as-code envelope per project at `/v2/publicCloud/project/{id}/quota`.

Its target spec applies a quota profile per region (every region of the catalog is listed; a
PUT may name only some, the others keep theirs) and the `preventAutomaticQuotaUpgrade` switch.
Its current state lists the profiles on offer and, per region, the applied profile and the
usage counted from the project's resources when it is read (`?region=` keeps one region).
"""

from __future__ import annotations

import msgspec

from ...errors import ApiError
from ...model.checksum import canonical, checksum
from ...model.envelope import envelope
from ...model.kind import Kind, Plan, Step, Strategy
from ...model.operation import Operation
from ...model.records import Event, Resource
from ...model.status import Action, EventType, ResourceStatus
from . import quota_profiles, regions
from .catalog_routes import region_filter
from .in_project import PROJECT_PARAM, project_of
from .project import PROJECT

__all__ = ["QUOTA", "OPERATIONS"]


class QuotaLocation(msgspec.Struct, forbid_unknown_fields=True):
    region: str


class RegionProfile(msgspec.Struct, forbid_unknown_fields=True):
    location: QuotaLocation
    profile: str


class QuotaSpec(msgspec.Struct, forbid_unknown_fields=True):
    preventAutomaticQuotaUpgrade: bool = False
    regions: list[RegionProfile] | None = None


class QuotaStrategy(Strategy):
    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        applied = {e["location"]["region"]: e["profile"] for e in resource.target_spec.get("regions", [])}
        for i, entry in enumerate(spec.get("regions") or []):
            name = entry["location"]["region"]
            if regions.find(name) is None:
                raise ApiError.invalid_field(
                    f"targetSpec.regions[{i}].location.region", f"Region '{name}' does not exist"
                )
            if quota_profiles.profile(entry["profile"]) is None:
                offered = ", ".join(p.name for p in quota_profiles.PROFILES)
                raise ApiError.invalid_field(
                    f"targetSpec.regions[{i}].profile",
                    f"Profile '{entry['profile']}' does not exist (offered: {offered})",
                )
            applied[name] = entry["profile"]
        spec["regions"] = [{"location": {"region": r}, "profile": p} for r, p in applied.items()]
        return spec


class QuotaReconciler:
    def plan(self, action: Action, resource: Resource) -> Plan:
        return Plan(
            "QUOTA_UPDATE",
            f"Apply quota profiles of project {resource.parent_id}",
            (Step("Apply quota profiles", 5.0),),
        )

    def apply(self, step: str, resource: Resource) -> dict:
        spec = resource.target_spec
        return {
            "preventAutomaticQuotaUpgrade": spec["preventAutomaticQuotaUpgrade"],
            "regions": spec["regions"],
        }


QUOTA = Kind(
    section="publicCloud",
    name="quota",
    label="Quota",
    collection="/publicCloud/project/{projectId}/quota",
    id_param="quotaId",
    spec_create=QuotaSpec,
    spec_update=QuotaSpec,
    reconciler=QuotaReconciler(),
    strategy=QuotaStrategy(),
    parent=PROJECT,
    actions={},
    operations=frozenset(),
)


def _initial() -> dict:
    return {
        "preventAutomaticQuotaUpgrade": False,
        "regions": [
            {"location": {"region": r.name}, "profile": quota_profiles.DEFAULT_PROFILE}
            for r in regions.REGIONS
        ],
    }


async def _quota(call) -> Resource:
    """The project's quota envelope, made on first use (every project has one)."""
    project = await project_of(call)
    path = f"/v2/publicCloud/project/{project.id}/quota"
    found = await call.ctx.store.get_resource(QUOTA.key, project.id)
    if found is not None:
        return found
    now = call.ctx.changes.clock.now()
    spec = canonical(_initial())
    resource = Resource(
        account=call.account,
        kind=QUOTA.key,
        id=project.id,
        parent_id=project.id,
        path=path,
        status=ResourceStatus.READY,
        target_spec=spec,
        current_state=QUOTA.reconciler.apply("Apply quota profiles", _Fresh(spec)),
        checksum=checksum(spec),
        created_at=now,
        updated_at=now,
    )
    async with call.ctx.store.write() as tx:
        if await tx.get_resource(QUOTA.key, project.id) is None:
            await tx.insert_resource(resource)
            await tx.insert_event(
                Event(
                    call.account,
                    QUOTA.key,
                    project.id,
                    EventType.TARGET_SPEC_UPDATE,
                    "QUOTA_CREATE",
                    "Quota created with the project's default profiles",
                    path,
                    now,
                )
            )
    return await call.ctx.store.get_resource(QUOTA.key, project.id)


class _Fresh:
    def __init__(self, spec: dict):
        self.target_spec = spec


class _View:
    """The project's resources for counting usage outside a write (a read is a snapshot)."""

    def __init__(self, store, account: str, project: str):
        self.store, self.account, self.project = store, account, project

    async def resources(self, kind) -> list[Resource]:
        out, after = [], None
        while True:
            page = await self.store.list_resources(self.account, kind.key, self.project, after, 1000)
            out += page
            if not page.more:
                return out
            after = page[-1].seq


async def _render(call, resource: Resource) -> dict:
    only = region_filter(call)
    body = envelope(QUOTA, resource)
    state = dict(body["currentState"])
    view = _View(call.ctx.store, call.account, resource.parent_id)
    out = []
    for entry in state.get("regions", []):
        name = entry["location"]["region"]
        if only is not None and name != only:
            continue
        profile = quota_profiles.profile(entry["profile"])
        used = await quota_profiles.usage(view, resource.parent_id, name)
        out.append({**entry, "usage": quota_profiles.usage_wire(profile, used)})
    state["regions"] = out
    state["availableProfiles"] = quota_profiles.available()
    body["currentState"] = state
    return body


async def get_quota(call):
    return await _render(call, await _quota(call))


class QuotaUpdate(msgspec.Struct, forbid_unknown_fields=True):
    targetSpec: QuotaSpec
    checksum: str | None = None


async def put_quota(call):
    resource = await _quota(call)
    body = await call.body(QuotaUpdate)
    sent = msgspec.to_builtins(body.targetSpec)
    updated = await call.ctx.changes.update(
        QUOTA, call.account, resource.path, resource.id, lambda previous: sent, body.checksum
    )
    return await _render(call, updated)


_PATH = "/publicCloud/project/{projectId}/quota"

OPERATIONS = (
    Operation(
        "GET",
        _PATH,
        get_quota,
        ("publicCloudProject:apiovh:quota/get",),
        PROJECT_PARAM,
        "Get the project's quota: applied profiles per region, usage, profiles on offer",
    ),
    Operation(
        "PUT",
        _PATH,
        put_quota,
        ("publicCloudProject:apiovh:quota/edit",),
        PROJECT_PARAM,
        "Apply quota profiles per region",
        errors=((412, "Client::PreconditionFailed::ChecksumMismatch"), (423, "Client::Locked::QuotaLocked")),
    ),
)
