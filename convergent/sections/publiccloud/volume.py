"""Block storage: volumes (types, sizes, encryption, made from an image, a snapshot or a backup),
their snapshots and their backups."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from ...errors import ApiError
from ...model.kind import AccountView, Kind, Step
from ...model.records import Resource
from . import compute_catalog, quota_profiles, regions
from .lifecycle import (
    CloudLocation,
    InfraStrategy,
    Mirror,
    carry_over,
    check_name,
    check_region,
    project_kind,
    referenced,
    refuse_changes,
    users_of,
)
from .project import PROJECT

__all__ = ["VOLUME", "VOLUME_SNAPSHOT", "VOLUME_BACKUP", "VOLUME_TYPES", "check_attachments"]

# The volume types on offer, with the largest size (GB) each takes.
VOLUME_TYPES: dict[str, int] = {"CLASSIC": 12000, "HIGH_SPEED": 4000, "HIGH_SPEED_GEN2": 12000}
MIN_SIZE = 1


class _Spec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class VolumeEncryption(_Spec):
    enabled: bool


class VolumeCreateFrom(_Spec):
    backupId: str | None = None
    snapshotId: str | None = None
    imageId: str | None = None


class VolumeTargetSpec(_Spec):
    name: str
    size: int
    location: CloudLocation
    volumeType: str | None = None
    encryption: VolumeEncryption | None = None
    createFrom: VolumeCreateFrom | None = None


class VolumeUpdateTargetSpec(_Spec):
    name: str
    size: int
    volumeType: str | None = None
    location: CloudLocation | None = None
    encryption: VolumeEncryption | None = None
    createFrom: VolumeCreateFrom | None = None


def _check_volume(spec: dict) -> None:
    check_name(spec["name"])
    kind = spec["volumeType"]
    if kind not in VOLUME_TYPES:
        raise ApiError.bad_request(
            "InvalidVolumeType",
            f"volumeType {kind!r} is not offered (offered: {', '.join(VOLUME_TYPES)})",
            field="volumeType",
        )
    if not MIN_SIZE <= spec["size"] <= VOLUME_TYPES[kind]:
        raise ApiError.bad_request(
            "InvalidSize", f"size must be {MIN_SIZE} to {VOLUME_TYPES[kind]} GB for {kind}", field="size"
        )


class VolumeStrategy(InfraStrategy):
    label = "Volume"

    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        region = check_region(spec["location"])
        zone = regions.zone_of(region, spec["location"].get("availabilityZone"), spec["name"])
        if zone:
            spec["location"]["availabilityZone"] = zone
        spec.setdefault("volumeType", "CLASSIC")
        spec.setdefault("encryption", {"enabled": False})
        _check_volume(spec)
        sources = {k: v for k, v in (spec.get("createFrom") or {}).items() if v}
        if len(sources) > 1:
            raise ApiError.bad_request(
                "InvalidCreateFrom",
                "createFrom takes one of backupId, snapshotId or imageId",
                field="createFrom",
            )
        image = sources.get("imageId")
        if image is not None:
            found = compute_catalog.image(image)
            if found is None or found[0].name != region.name:
                raise ApiError.bad_request(
                    "InvalidReference",
                    f"createFrom.imageId: image '{image}' does not exist in region {region.name}",
                    field="createFrom.imageId",
                )
        return spec

    def initial_state(self, spec: dict) -> dict:
        return {
            "location": spec["location"],
            "name": spec["name"],
            "size": spec["size"],
            "volumeType": spec["volumeType"],
            "encryption": spec["encryption"],
            "status": "creating",
        }

    async def admit_create(self, view: AccountView, spec: dict, parent: Resource | None) -> dict:
        sources = spec.get("createFrom") or {}
        for field, kind in (("snapshotId", VOLUME_SNAPSHOT), ("backupId", VOLUME_BACKUP)):
            if sources.get(field):
                found = await referenced(view, kind, sources[field], f"createFrom.{field}", parent.id)
                if spec["size"] < found.target_spec["volumeSize"]:
                    raise ApiError.bad_request(
                        "InvalidSize",
                        f"size {spec['size']} is below the {found.target_spec['volumeSize']} GB of the {kind.label}",
                        field="size",
                    )
        region = spec["location"]["region"]
        await quota_profiles.check(view, parent.id, region, {"volumes": 1, "gigabytes": spec["size"]})
        return spec

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        stored = resource.target_spec
        refuse_changes(stored, spec, ("location", "encryption", "createFrom"), "Volume")
        merged = carry_over(stored, spec, VolumeUpdateTargetSpec)
        for name in ("location", "encryption", "createFrom"):
            if name in stored:
                merged[name] = stored[name]
        merged.setdefault("volumeType", stored["volumeType"])
        if merged["size"] < stored["size"]:
            raise ApiError.bad_request(
                "InvalidSize",
                f"size cannot shrink from {stored['size']} to {merged['size']} GB",
                field="size",
            )
        _check_volume(merged)
        return merged

    async def admit_update(self, view: AccountView, resource: Resource, spec: dict) -> None:
        growth = spec["size"] - resource.target_spec["size"]
        if growth > 0:
            region = spec["location"]["region"]
            await quota_profiles.check(view, resource.parent_id, region, {"gigabytes": growth})


def _observe_volume(resource: Resource) -> dict:
    spec = resource.target_spec
    source = spec.get("createFrom") or {}
    return {
        "name": spec["name"],
        "size": spec["size"],
        "volumeType": spec["volumeType"],
        "location": spec["location"],
        "encryption": spec["encryption"],
        "bootable": bool(source.get("imageId")) or resource.current_state.get("bootable", False),
        "status": "available",
        "attachedInstances": [],
    }


async def check_attachments(view: AccountView, spec: dict, project: str, instance: str | None) -> None:
    """The volumes an instance's target lists: volumes of its project, region and zone (400
    naming the entry), each attached to no other instance (409 VolumeAlreadyAttached)."""
    from .instance import INSTANCE  # instances refer to volumes, not the other way round

    region, zone = spec["location"]["region"], spec["location"].get("availabilityZone")
    wanted = [ref["id"] for ref in spec.get("volumes") or []]
    for i, id in enumerate(wanted):
        field = f"targetSpec.volumes[{i}].id"
        found = await referenced(view, VOLUME, id, field, project)
        there = found.target_spec["location"]
        if there["region"] != region or (zone and there.get("availabilityZone", zone) != zone):
            where = there["region"] + (
                f"/{there['availabilityZone']}" if there.get("availabilityZone") else ""
            )
            raise ApiError.bad_request(
                "InvalidReference",
                f"{field}: volume '{id}' is in {where}, not with the instance",
                field=field,
            )
    if not wanted:
        return
    for other in await users_of(view, INSTANCE, project, lambda s: True):
        if other.id == instance:
            continue
        held = {ref["id"] for ref in other.target_spec.get("volumes") or []} & set(wanted)
        if held:
            raise ApiError.conflict(
                "VolumeAlreadyAttached", f"Volume '{sorted(held)[0]}' is attached to instance '{other.id}'"
            )


class _ChildOfVolume(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class VolumeCopyTargetSpec(_ChildOfVolume):
    volumeId: str
    location: CloudLocation
    name: str | None = None
    description: str | None = None


class VolumeCopyUpdateTargetSpec(_ChildOfVolume):
    name: str | None = None
    description: str | None = None
    volumeId: str | None = None
    location: CloudLocation | None = None


class VolumeCopyStrategy(InfraStrategy):
    """Snapshots and backups: a copy of one volume of the same region, renamed at will."""

    secret_spec = frozenset({"volumeSize"})  # what the copy holds, recorded when it is taken

    def __init__(self, label: str):
        self.label = label

    def list_filter(self, query: Mapping[str, str]):
        volume = query.get("volumeId")
        return None if volume is None else (lambda r: r.target_spec.get("volumeId") == volume)

    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        check_name(spec.get("name"))
        check_region(spec["location"])
        return spec

    async def admit_create(self, view: AccountView, spec: dict, parent: Resource | None) -> dict:
        volume = await referenced(view, VOLUME, spec["volumeId"], "volumeId", parent.id)
        if volume.target_spec["location"]["region"] != spec["location"]["region"]:
            raise ApiError.bad_request(
                "InvalidReference",
                f"volumeId: volume '{volume.id}' is in region {volume.target_spec['location']['region']}",
                field="volumeId",
            )
        spec["volumeSize"] = volume.target_spec["size"]
        return spec

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        stored = resource.target_spec
        refuse_changes(stored, spec, ("volumeId", "location"), self.label)
        check_name(spec.get("name"))
        merged = carry_over(stored, spec, VolumeCopyUpdateTargetSpec)
        for name in ("volumeId", "location", "volumeSize"):
            merged[name] = stored[name]
        return merged


def _observe_copy(resource: Resource) -> dict:
    spec = resource.target_spec
    state = {k: spec[k] for k in ("name", "description", "volumeId", "location") if spec.get(k) is not None}
    state["size"] = spec["volumeSize"]
    return state


def _kind(name, label, path, id_param, spec, update, reconciler, strategy) -> Kind:
    return project_kind(
        name,
        label,
        f"/publicCloud/project/{{projectId}}/storage/block/{path}",
        id_param,
        spec,
        update,
        reconciler,
        strategy,
        PROJECT,
        f"storage/block/{path}/",
    )


VOLUME = _kind(
    "volume",
    "Volume",
    "volume",
    "volumeId",
    VolumeTargetSpec,
    VolumeUpdateTargetSpec,
    Mirror(
        "VOLUME",
        "volume",
        _observe_volume,
        create=(
            Step("Check target specification", 0.5),
            Step("Allocate volume", 4.0),
            Step("Copy data", 3.0),
        ),
        update=(Step("Extend or retype volume", 5.0),),
        delete=(Step("Delete volume", 3.0),),
    ),
    VolumeStrategy(),
)

VOLUME_SNAPSHOT = _kind(
    "volumeSnapshot",
    "VolumeSnapshot",
    "snapshot",
    "snapshotId",
    VolumeCopyTargetSpec,
    VolumeCopyUpdateTargetSpec,
    Mirror(
        "VOLUME_SNAPSHOT",
        "volume snapshot",
        _observe_copy,
        create=(Step("Check target specification", 0.5), Step("Take snapshot", 5.0)),
        update=(Step("Update snapshot", 1.0),),
        delete=(Step("Delete snapshot", 2.0),),
    ),
    VolumeCopyStrategy("Volume snapshot"),
)

VOLUME_BACKUP = _kind(
    "volumeBackup",
    "VolumeBackup",
    "backup",
    "backupId",
    VolumeCopyTargetSpec,
    VolumeCopyUpdateTargetSpec,
    Mirror(
        "VOLUME_BACKUP",
        "volume backup",
        _observe_copy,
        create=(Step("Check target specification", 0.5), Step("Copy volume to object storage", 12.0)),
        update=(Step("Update backup", 1.0),),
        delete=(Step("Delete backup", 3.0),),
    ),
    VolumeCopyStrategy("Volume backup"),
)
