"""The instance target spec as the provider sends it, and its normal form.

Immutable after creation: `location`, `sshKeyName`, `group` (an update may repeat them, not
change them). The server normalises what it echoes: `powerState` defaults to ACTIVE, an
omitted `securityGroups` becomes the project's default group, a share's `accessLevel`
defaults to READ_WRITE, and networks are sorted by network id (the public entry first).
"""

from __future__ import annotations

import uuid
from typing import Literal

import msgspec

from ...errors import ApiError
from . import compute_catalog, regions
from .floatingip import Location, check_location

__all__ = ["InstanceCreation", "InstanceUpdate", "normalise", "default_security_group", "IMMUTABLE"]

PowerState = Literal["ACTIVE", "SHUTOFF", "SHELVED"]
AccessLevel = Literal["READ_ONLY", "READ_WRITE"]


class _Spec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class Ref(_Spec):
    id: str


class NetworkRef(_Spec):
    id: str | None = None
    subnetId: str | None = None
    ip: str | None = None
    autoAssignPublicIp: bool | None = None


class ShareRef(_Spec):
    id: str
    accessLevel: AccessLevel | None = None


class InstanceCreation(_Spec):
    name: str
    flavor: Ref
    location: Location
    image: Ref | None = None
    networks: list[NetworkRef] | None = None
    volumes: list[Ref] | None = None
    powerState: PowerState | None = None
    group: Ref | None = None
    sshKeyName: str | None = None
    securityGroups: list[Ref] | None = None
    shares: list[ShareRef] | None = None


class InstanceUpdate(_Spec):
    name: str
    flavor: Ref
    image: Ref | None = None
    networks: list[NetworkRef] | None = None
    volumes: list[Ref] | None = None
    powerState: PowerState | None = None
    securityGroups: list[Ref] | None = None
    shares: list[ShareRef] | None = None
    location: Location | None = None
    group: Ref | None = None
    sshKeyName: str | None = None


IMMUTABLE = ("location", "sshKeyName", "group")


def default_security_group(project: str, region: str) -> str:
    """The id of the project's `default` security group in a region."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"publicCloud/{project}/{region}/securityGroup/default"))


def _network_key(n: dict) -> tuple:
    return (n.get("id") is not None, n.get("id") or "", n.get("subnetId") or "", n.get("ip") or "")


def normalise(spec: dict, project: str) -> dict:
    """Check the spec against the catalog and put it in the form the server echoes."""
    if not spec["name"].strip() or len(spec["name"]) > 255:
        raise ApiError.invalid_field("targetSpec.name", "name must be 1 to 255 characters, not blank")
    region = check_location(spec["location"])
    flavor = compute_catalog.flavor(spec["flavor"]["id"])
    if flavor is None or flavor[0] is not region:
        raise ApiError.invalid_field(
            "targetSpec.flavor.id", f"Flavor '{spec['flavor']['id']}' does not exist in region {region.name}"
        )
    image_ref = spec.get("image")
    if image_ref is not None:
        image = compute_catalog.image(image_ref["id"])
        if image is None or image[0] is not region:
            raise ApiError.invalid_field(
                "targetSpec.image.id", f"Image '{image_ref['id']}' does not exist in region {region.name}"
            )
        if image[1].min_disk > flavor[1].disk:
            raise ApiError.invalid_field(
                "targetSpec.flavor.id",
                f"Flavor {flavor[1].name} has a {flavor[1].disk} GB disk; image {image[1].name} needs {image[1].min_disk} GB",
            )
    elif not spec.get("volumes"):
        raise ApiError.invalid_field(
            "targetSpec.image", "An instance boots from an image, or from a volume listed in volumes"
        )
    networks = spec.get("networks") or []
    for i, n in enumerate(networks):
        field = f"targetSpec.networks[{i}]"
        if n.get("autoAssignPublicIp") and (n.get("id") or n.get("subnetId") or n.get("ip")):
            raise ApiError.invalid_field(
                field, "autoAssignPublicIp stands alone: no id, subnetId or ip with it"
            )
        if bool(n.get("id")) != bool(n.get("subnetId")):
            raise ApiError.invalid_field(
                field, "a private interface names both its network id and its subnetId"
            )
        if not (n.get("autoAssignPublicIp") or n.get("id") or n.get("ip")):
            raise ApiError.invalid_field(
                field, "an interface needs autoAssignPublicIp, an ip, or a network id and subnetId"
            )
        if n.get("autoAssignPublicIp") is False:
            n.pop("autoAssignPublicIp")
    if sum(1 for n in networks if n.get("autoAssignPublicIp")) > 1:
        raise ApiError.invalid_field(
            "targetSpec.networks", "at most one interface may have autoAssignPublicIp"
        )
    keys = [_network_key(n) for n in networks]
    if len(set(keys)) != len(keys):
        raise ApiError.invalid_field("targetSpec.networks", "an interface is listed twice")
    spec["networks"] = sorted(networks, key=_network_key)
    for field in ("volumes", "securityGroups", "shares"):
        ids = [ref["id"] for ref in spec.get(field) or []]
        if len(set(ids)) != len(ids):
            raise ApiError.invalid_field(f"targetSpec.{field}", f"{field} lists an id twice")
    if spec.get("securityGroups") is None:
        spec["securityGroups"] = [{"id": default_security_group(project, region.name)}]
    for share in spec.get("shares") or []:
        share.setdefault("accessLevel", "READ_WRITE")
    spec.setdefault("powerState", "ACTIVE")
    return spec


def region_of(spec: dict) -> regions.Region:
    return regions.find(spec["location"]["region"])
