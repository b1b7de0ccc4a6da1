"""File storage: share networks (a subnet of a private network), NFS shares on them, their access
rules (ACLs) and their snapshots."""

from __future__ import annotations

import ipaddress
from typing import Literal

import msgspec

from ...errors import ApiError
from ...model.kind import AccountView, Step
from ...model.records import Resource
from ...model.times import iso
from . import network, quota_profiles, regions
from .lifecycle import (
    CloudLocation,
    InfraStrategy,
    Mirror,
    carry_over,
    check_name,
    check_region,
    digest,
    project_kind,
    referenced,
    refuse_changes,
)
from .project import PROJECT

__all__ = ["SHARE_NETWORK", "SHARE", "SHARE_ACL", "SHARE_SNAPSHOT", "SHARE_TYPES"]

# Share types on offer with their sizes (GB).
SHARE_TYPES: dict[str, tuple[int, int]] = {"STANDARD_1AZ": (150, 10240), "STANDARD_3AZ": (150, 10240)}
PROTOCOLS = ("NFS",)


class _Spec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class IdRef(_Spec):
    id: str


class ShareNetworkTargetSpec(_Spec):
    network: IdRef
    subnet: IdRef
    location: CloudLocation
    name: str | None = None
    description: str | None = None


class ShareNetworkUpdateTargetSpec(_Spec):
    name: str | None = None
    description: str | None = None
    network: IdRef | None = None
    subnet: IdRef | None = None
    location: CloudLocation | None = None


class ShareTargetSpec(_Spec):
    size: int
    location: CloudLocation
    shareNetwork: IdRef
    name: str | None = None
    description: str | None = None
    protocol: str | None = None
    shareType: str | None = None


class ShareUpdateTargetSpec(_Spec):
    size: int
    name: str | None = None
    description: str | None = None
    protocol: str | None = None
    shareType: str | None = None
    location: CloudLocation | None = None
    shareNetwork: IdRef | None = None


class ShareAclTargetSpec(_Spec):
    accessTo: str
    accessLevel: Literal["READ_ONLY", "READ_WRITE"]


class ShareSnapshotTargetSpec(_Spec):
    share: IdRef
    name: str | None = None
    description: str | None = None


class ShareSnapshotUpdateTargetSpec(_Spec):
    name: str | None = None
    description: str | None = None
    share: IdRef | None = None


def _region(spec: dict) -> str:
    return spec["location"]["region"]


def _same_region(found: Resource, spec: dict, field: str) -> None:
    there = found.target_spec["location"]["region"]
    if there != _region(spec):
        raise ApiError.bad_request(
            "InvalidReference",
            f"{field}: '{found.id}' is in region {there}, not {_region(spec)}",
            field=field,
        )


class ShareNetworkStrategy(InfraStrategy):
    label = "Share network"

    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        check_name(spec.get("name"))
        check_region(spec["location"])
        return spec

    async def admit_create(self, view: AccountView, spec: dict, parent: Resource | None) -> dict:
        net = await referenced(view, network.NETWORK, spec["network"]["id"], "network.id", parent.id)
        subnet = await referenced(view, network.SUBNET, spec["subnet"]["id"], "subnet.id", parent.id)
        if subnet.parent_id != net.id:
            raise ApiError.bad_request(
                "InvalidReference",
                f"subnet.id: subnet '{subnet.id}' is not in network '{net.id}'",
                field="subnet.id",
            )
        _same_region(net, spec, "network.id")
        return spec

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        stored = resource.target_spec
        refuse_changes(stored, spec, ("network", "subnet", "location"), "Share network")
        check_name(spec.get("name"))
        merged = carry_over(stored, spec, ShareNetworkUpdateTargetSpec)
        for name in ("network", "subnet", "location"):
            merged[name] = stored[name]
        return merged


def _observe_share_network(resource: Resource) -> dict:
    spec = resource.target_spec
    return {
        k: spec[k]
        for k in ("name", "description", "network", "subnet", "location")
        if spec.get(k) is not None
    }


class ShareStrategy(InfraStrategy):
    label = "Share"

    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        check_name(spec.get("name"))
        region = check_region(spec["location"])
        zone = regions.zone_of(region, spec["location"].get("availabilityZone"), spec.get("name") or "")
        if zone:
            spec["location"]["availabilityZone"] = zone
        spec.setdefault("protocol", "NFS")
        spec.setdefault("shareType", "STANDARD_1AZ")
        if spec["protocol"] not in PROTOCOLS:
            raise ApiError.bad_request(
                "InvalidProtocol", f"protocol {spec['protocol']!r}: only NFS is offered", field="protocol"
            )
        if spec["shareType"] not in SHARE_TYPES:
            raise ApiError.bad_request(
                "InvalidShareType",
                f"shareType {spec['shareType']!r} is not offered (offered: {', '.join(SHARE_TYPES)})",
                field="shareType",
            )
        _check_size(spec)
        return spec

    async def admit_create(self, view: AccountView, spec: dict, parent: Resource | None) -> dict:
        found = await referenced(
            view, SHARE_NETWORK, spec["shareNetwork"]["id"], "shareNetwork.id", parent.id
        )
        _same_region(found, spec, "shareNetwork.id")
        await quota_profiles.check(view, parent.id, _region(spec), {"shares": 1})
        return spec

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        stored = resource.target_spec
        refuse_changes(stored, spec, ("protocol", "shareType", "location", "shareNetwork"), "Share")
        check_name(spec.get("name"))
        merged = carry_over(stored, spec, ShareUpdateTargetSpec)
        for name in ("protocol", "shareType", "location", "shareNetwork"):
            merged[name] = stored[name]
        if merged["size"] < stored["size"]:
            raise ApiError.bad_request(
                "InvalidSize",
                f"size cannot shrink from {stored['size']} to {merged['size']} GB",
                field="size",
            )
        _check_size(merged)
        return merged

    async def admit_delete(self, view: AccountView, resource: Resource) -> None:
        acls = [r for r in await view.resources(SHARE_ACL) if r.parent_id == resource.id]
        if acls:
            raise ApiError.conflict(
                "ResourceInUse", f"Share '{resource.id}' still has ACL '{acls[0].id}'; delete it first"
            )
        await super().admit_delete(view, resource)


def _check_size(spec: dict) -> None:
    low, high = SHARE_TYPES[spec["shareType"]]
    if not low <= spec["size"] <= high:
        raise ApiError.bad_request(
            "InvalidSize", f"size must be {low} to {high} GB for {spec['shareType']}", field="size"
        )


def _observe_share(resource: Resource) -> dict:
    spec = resource.target_spec
    state = {
        k: spec[k]
        for k in ("name", "description", "size", "protocol", "shareType", "location", "shareNetwork")
        if spec.get(k) is not None
    }
    d = digest(resource.id, "export")
    state["exportLocations"] = [
        {"path": f"10.{d[0]}.{d[1]}.{d[2] % 254 + 1}:/shares/share-{resource.id}", "preferred": True}
    ]
    state["capabilities"] = [
        {"name": "resize", "enabled": True},
        {"name": "snapshot", "enabled": True},
    ]
    return state


class ShareAclStrategy(InfraStrategy):
    label = "Share ACL"

    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        try:
            spec["accessTo"] = str(ipaddress.ip_network(spec["accessTo"], strict=False))
        except ValueError:
            raise ApiError.bad_request(
                "InvalidAccessTo",
                f"accessTo {spec['accessTo']!r} is not an IP address or a CIDR",
                field="accessTo",
            ) from None
        return spec

    async def admit_create(self, view: AccountView, spec: dict, parent: Resource | None) -> dict:
        for other in await view.resources(SHARE_ACL):
            if other.parent_id == parent.id and other.target_spec["accessTo"] == spec["accessTo"]:
                raise ApiError.conflict(
                    "ShareAclExists",
                    f"Share '{parent.id}' already grants {spec['accessTo']} (ACL '{other.id}')",
                )
        return spec

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        refuse_changes(resource.target_spec, spec, ("accessTo", "accessLevel"), "Share ACL")
        return spec


def _observe_acl(resource: Resource) -> dict:
    return {**resource.target_spec, "state": "ACTIVE", "createdAt": iso(resource.created_at)}


class ShareSnapshotStrategy(InfraStrategy):
    label = "Share snapshot"
    secret_spec = frozenset({"shareSize", "location"})

    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        check_name(spec.get("name"))
        return spec

    async def admit_create(self, view: AccountView, spec: dict, parent: Resource | None) -> dict:
        share = await referenced(view, SHARE, spec["share"]["id"], "share.id", parent.id)
        spec["shareSize"] = share.target_spec["size"]
        spec["location"] = share.target_spec["location"]
        return spec

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        stored = resource.target_spec
        refuse_changes(stored, spec, ("share",), "Share snapshot")
        check_name(spec.get("name"))
        merged = carry_over(stored, spec, ShareSnapshotUpdateTargetSpec)
        for name in ("share", "shareSize", "location"):
            merged[name] = stored[name]
        return merged


def _observe_snapshot(resource: Resource) -> dict:
    spec = resource.target_spec
    state = {k: spec[k] for k in ("name", "description", "share", "location") if spec.get(k) is not None}
    state["size"] = spec["shareSize"]
    return state


_FILE = "/publicCloud/project/{projectId}/storage/file"

SHARE_NETWORK = project_kind(
    "shareNetwork",
    "ShareNetwork",
    f"{_FILE}/network",
    "shareNetworkId",
    ShareNetworkTargetSpec,
    ShareNetworkUpdateTargetSpec,
    Mirror(
        "SHARE_NETWORK",
        "share network",
        _observe_share_network,
        create=(Step("Check target specification", 0.5), Step("Create share network", 4.0)),
        update=(Step("Update share network", 1.0),),
        delete=(Step("Delete share network", 3.0),),
    ),
    ShareNetworkStrategy(),
    PROJECT,
    "storage/file/network/",
)

SHARE = project_kind(
    "share",
    "Share",
    f"{_FILE}/share",
    "shareId",
    ShareTargetSpec,
    ShareUpdateTargetSpec,
    Mirror(
        "SHARE",
        "share",
        _observe_share,
        create=(
            Step("Check target specification", 0.5),
            Step("Create share", 6.0),
            Step("Export share", 2.0),
        ),
        update=(Step("Update share", 3.0),),
        delete=(Step("Delete share", 4.0),),
    ),
    ShareStrategy(),
    PROJECT,
    "storage/file/share/",
)

SHARE_ACL = project_kind(
    "shareAcl",
    "ShareAcl",
    f"{_FILE}/share/{{shareId}}/acl",
    "aclId",
    ShareAclTargetSpec,
    ShareAclTargetSpec,
    Mirror(
        "SHARE_ACL",
        "share ACL",
        _observe_acl,
        create=(Step("Grant access", 2.0),),
        update=(Step("Update access", 1.0),),
        delete=(Step("Revoke access", 2.0),),
    ),
    ShareAclStrategy(),
    SHARE,
    "storage/file/share/acl/",
)

SHARE_SNAPSHOT = project_kind(
    "shareSnapshot",
    "ShareSnapshot",
    f"{_FILE}/snapshot",
    "snapshotId",
    ShareSnapshotTargetSpec,
    ShareSnapshotUpdateTargetSpec,
    Mirror(
        "SHARE_SNAPSHOT",
        "share snapshot",
        _observe_snapshot,
        create=(Step("Check target specification", 0.5), Step("Take snapshot", 4.0)),
        update=(Step("Update snapshot", 1.0),),
        delete=(Step("Delete snapshot", 2.0),),
    ),
    ShareSnapshotStrategy(),
    PROJECT,
    "storage/file/snapshot/",
)
