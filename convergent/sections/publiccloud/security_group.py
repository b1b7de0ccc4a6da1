"""Security groups and their rules: directions, protocols, port ranges, remote prefixes and groups."""

from __future__ import annotations

import ipaddress
import uuid
from typing import Literal

import msgspec

from ...errors import ApiError
from ...model.kind import AccountView, Kind, Step, is_uuid, standard_actions
from ...model.records import Resource
from .lifecycle import (
    CloudLocation,
    InfraStrategy,
    Mirror,
    carry_over,
    check_name,
    check_region,
    digest,
    project_of,
    referenced,
    refuse_changes,
)
from .project import PROJECT

__all__ = ["SECURITY_GROUP"]

PORTED = frozenset({"TCP", "UDP", "SCTP"})


class _Spec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class SecurityGroupRemoteGroup(_Spec):
    id: str


class SecurityGroupRule(_Spec):
    direction: Literal["INGRESS", "EGRESS"]
    ethernetType: Literal["IPV4", "IPV6"]
    protocol: str | None = None
    portRangeMin: int | None = None
    portRangeMax: int | None = None
    remoteGroup: SecurityGroupRemoteGroup | None = None
    remoteIpPrefix: str | None = None
    description: str | None = None


class SecurityGroupTargetSpec(_Spec):
    name: str
    location: CloudLocation
    description: str | None = None
    rules: list[SecurityGroupRule] | None = None


class SecurityGroupUpdateTargetSpec(_Spec):
    name: str
    description: str | None = None
    rules: list[SecurityGroupRule] | None = None
    location: CloudLocation | None = None


def _check_rules(rules: list[dict]) -> None:
    for i, rule in enumerate(rules):
        where = f"rules[{i}]"
        protocol = rule.get("protocol")
        if protocol is not None:
            rule["protocol"] = protocol = protocol.upper()
        low, high = rule.get("portRangeMin"), rule.get("portRangeMax")
        for name, port in (("portRangeMin", low), ("portRangeMax", high)):
            if port is not None and not 0 <= port <= 65535:
                raise ApiError.bad_request(
                    "InvalidRule", f"{where}.{name} must be 0 to 65535", field=f"{where}.{name}"
                )
        if (low is not None or high is not None) and protocol not in PORTED:
            raise ApiError.bad_request(
                "InvalidRule",
                f"{where}: port ranges need protocol TCP, UDP or SCTP",
                field=f"{where}.protocol",
            )
        if low is not None and high is not None and low > high:
            raise ApiError.bad_request(
                "InvalidRule",
                f"{where}: portRangeMin {low} is above portRangeMax {high}",
                field=f"{where}.portRangeMin",
            )
        prefix = rule.get("remoteIpPrefix")
        if prefix is not None:
            if rule.get("remoteGroup"):
                raise ApiError.bad_request(
                    "InvalidRule", f"{where}: remoteIpPrefix and remoteGroup exclude each other", field=where
                )
            try:
                network = ipaddress.ip_network(prefix, strict=False)
            except ValueError:
                raise ApiError.bad_request(
                    "InvalidRule",
                    f"{where}.remoteIpPrefix {prefix!r} is not a CIDR",
                    field=f"{where}.remoteIpPrefix",
                ) from None
            if (network.version == 4) != (rule["ethernetType"] == "IPV4"):
                raise ApiError.bad_request(
                    "InvalidRule",
                    f"{where}.remoteIpPrefix {prefix} is not an {rule['ethernetType']} network",
                    field=f"{where}.remoteIpPrefix",
                )
    seen = set()
    for i, rule in enumerate(rules):
        key = msgspec.json.encode({k: v for k, v in sorted(rule.items()) if k != "description"})
        if key in seen:
            raise ApiError.conflict("SecurityGroupRuleExists", f"rules[{i}] duplicates an earlier rule")
        seen.add(key)


class SecurityGroupStrategy(InfraStrategy):
    label = "Security group"

    def prepare_create(self, spec: dict, parent: Resource | None) -> dict:
        check_name(spec["name"])
        check_region(spec["location"])
        _check_rules(spec.get("rules") or [])
        return spec

    async def admit_create(self, view: AccountView, spec: dict, parent: Resource | None) -> dict:
        await _check_remote_groups(view, spec, parent.id, None)
        return spec

    def prepare_update(self, resource: Resource, spec: dict) -> dict:
        stored = resource.target_spec
        refuse_changes(stored, spec, ("location",), "Security group")
        check_name(spec["name"])
        merged = carry_over(stored, spec, SecurityGroupUpdateTargetSpec)
        merged["location"] = stored["location"]
        _check_rules(merged.get("rules") or [])
        return merged

    async def admit_update(self, view: AccountView, resource: Resource, spec: dict) -> None:
        await _check_remote_groups(view, spec, project_of(resource), resource.id)


async def _check_remote_groups(view: AccountView, spec: dict, project: str, own: str | None) -> None:
    for i, rule in enumerate(spec.get("rules") or []):
        group = (rule.get("remoteGroup") or {}).get("id")
        if group and group != own:
            found = await referenced(view, SECURITY_GROUP, group, f"rules[{i}].remoteGroup.id", project)
            if found.target_spec["location"]["region"] != spec["location"]["region"]:
                raise ApiError.bad_request(
                    "InvalidReference",
                    f"rules[{i}].remoteGroup.id: security group '{group}' is in another region",
                    field=f"rules[{i}].remoteGroup.id",
                )


def _rule_id(group: str, rule: dict) -> str:
    return str(
        uuid.UUID(
            bytes=digest(group, msgspec.json.encode(dict(sorted(rule.items()))).decode())[:16], version=4
        )
    )


def _default_rules(group: str) -> list[dict]:
    rules = [{"direction": "EGRESS", "ethernetType": ethernet} for ethernet in ("IPV4", "IPV6")]
    return [{"id": _rule_id(group, r), **r} for r in rules]


def _observe(resource: Resource) -> dict:
    spec = resource.target_spec
    state = {
        "name": spec["name"],
        "location": spec["location"],
        "defaultRules": _default_rules(resource.id),
    }
    if spec.get("rules"):
        state["rules"] = [{"id": _rule_id(resource.id, rule), **rule} for rule in spec["rules"]]
    if spec.get("description"):
        state["description"] = spec["description"]
    return state


SECURITY_GROUP = Kind(
    section="publicCloud",
    name="securityGroup",
    label="SecurityGroup",
    collection="/publicCloud/project/{projectId}/securityGroup",
    id_param="securityGroupId",
    spec_create=SecurityGroupTargetSpec,
    spec_update=SecurityGroupUpdateTargetSpec,
    reconciler=Mirror(
        "SECURITY_GROUP",
        "security group",
        _observe,
        create=(Step("Check target specification", 0.5), Step("Create security group and rules", 2.0)),
        update=(Step("Apply rules", 1.5),),
        delete=(Step("Delete security group", 1.5),),
    ),
    strategy=SecurityGroupStrategy(),
    parent=PROJECT,
    id_valid=is_uuid,
    actions=standard_actions("publicCloudProject", "securityGroup/"),
)
