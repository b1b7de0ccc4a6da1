"""Which kinds refer to which: deletion is refused while a reference remains.

One row per (referenced kind, referring kind, how a referring target names it). A row reads a
target spec (or a current state) and the referenced resource's id.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from ...model.kind import Kind

__all__ = ["dependents_of"]

Uses = Callable[[dict, str], bool]


def _ref(field: str) -> Uses:
    """A target naming the resource as `{"field": {"id": ...}}` or `{"field": "..."}`."""

    def uses(spec: dict, id: str) -> bool:
        value = spec.get(field)
        return value == id or (isinstance(value, dict) and value.get("id") == id)

    return uses


def _in_list(field: str, key: str = "id") -> Uses:
    """A target naming the resource in a list of `{"key": ...}` objects or of ids."""

    def uses(spec: dict, id: str) -> bool:
        for item in spec.get(field) or ():
            if item == id or (
                isinstance(item, dict) and (item.get(key) == id or (item.get(key) or {}) == {"id": id})
            ):
                return True
        return False

    return uses


def _remote_group(spec: dict, id: str) -> bool:
    return any((rule.get("remoteGroup") or {}).get("id") == id for rule in spec.get("rules") or ())


@cache
def _table() -> dict[str, tuple[tuple[Kind, Uses], ...]]:
    from . import gateway, instance, keymanager, network, security_group, share, volume

    sg, vm = security_group.SECURITY_GROUP, instance.INSTANCE
    rows: list[tuple[Kind, Kind, Uses]] = [
        (sg, sg, _remote_group),
        (sg, vm, _in_list("securityGroups")),
        (network.NETWORK, vm, _in_list("networks")),
        (network.SUBNET, vm, _in_list("networks", "subnetId")),
        (network.SUBNET, gateway.GATEWAY, _in_list("subnets")),
        (volume.VOLUME, vm, _in_list("volumes")),
        (volume.VOLUME, volume.VOLUME_SNAPSHOT, _ref("volumeId")),
        (network.NETWORK, share.SHARE_NETWORK, _ref("network")),
        (network.SUBNET, share.SHARE_NETWORK, _ref("subnet")),
        (share.SHARE_NETWORK, share.SHARE, _ref("shareNetwork")),
        (share.SHARE, share.SHARE_SNAPSHOT, _ref("share")),
        (share.SHARE, vm, _in_list("shares")),
        (keymanager.SECRET, keymanager.CONTAINER, _in_list("secretRefs", "secret")),
    ]
    table: dict[str, list[tuple[Kind, Uses]]] = {}
    for referenced, referring, uses in rows:
        table.setdefault(referenced.key, []).append((referring, uses))
    return {key: tuple(value) for key, value in table.items()}


def dependents_of(kind_key: str) -> tuple[tuple[Kind, Uses], ...]:
    return _table().get(kind_key, ())
