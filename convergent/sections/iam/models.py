"""Request bodies of the IAM section, as iam.json names and types them."""

from __future__ import annotations

import re
from typing import Annotated, Literal

import msgspec

from ...iam.policy import check_conditions

__all__ = [
    "Condition",
    "PolicyInput",
    "PermissionsGroupInput",
    "GroupCreation",
    "GroupUpdate",
    "AddTag",
    "ResourceUpdate",
    "AuthorizeRequest",
    "AuthorizeBatchRequest",
    "TAG_KEY",
    "TAG_VALUE",
]

TAG_KEY = re.compile(r"[a-zA-Z0-9_.:/=+@-]{1,128}")
TAG_VALUE = re.compile(r"[a-zA-Z0-9_.:/=+@-]{0,256}")
# An empty plate (urn:v1::...) is this server's: clients with a URL endpoint build such URNs.
_URN = re.compile(r"urn:v1:(eu|ca|us|\*|):.+|\*")

# Bounds of the free lists a policy carries, and of its condition tree.
MAX_ITEMS = 1000
MAX_VALUES = 100
MAX_DEPTH = 8


def _bounded(item, limit: int = MAX_ITEMS):
    return Annotated[list[item], msgspec.Meta(max_length=limit)]


class Condition(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """`iam.policy.Condition`: its fields are the reference's (tests/test_security.py checks).
    Every node must say something: MATCH needs values, AND and OR values or conditions, NOT one
    condition or values; empty `values` or `conditions` are refused, not read as "anything"."""

    operator: Literal["AND", "MATCH", "NOT", "OR"]
    values: Annotated[dict[str, str], msgspec.Meta(max_length=MAX_VALUES)] | None = None
    conditions: Annotated[list[Condition], msgspec.Meta(max_length=MAX_VALUES)] | None = None

    def __post_init__(self):
        if self.values is not None and not self.values:
            raise ValueError("values must not be empty")
        if self.conditions is not None and not self.conditions:
            raise ValueError("conditions must not be empty")
        if self.operator == "MATCH" and (not self.values or self.conditions):
            raise ValueError("MATCH takes values and no nested conditions")
        if self.operator == "NOT" and not (
            (self.values and not self.conditions) or (not self.values and len(self.conditions or ()) == 1)
        ):
            raise ValueError("NOT takes exactly one nested condition, or values")
        if not self.values and not self.conditions:
            raise ValueError(f"{self.operator} takes values or nested conditions")
        reason = self.values and check_conditions({"operator": "MATCH", "values": self.values})
        if reason:
            raise ValueError(reason)  # an unsupported key or an invalid value
        if _depth(self) > MAX_DEPTH:
            raise ValueError(f"conditions nest at most {MAX_DEPTH} deep")


def _depth(node: Condition) -> int:
    return 1 + max((_depth(child) for child in node.conditions or ()), default=0)


class Action(msgspec.Struct, forbid_unknown_fields=True):
    action: str

    def __post_init__(self):
        if not self.action or len(self.action) > 256:
            raise ValueError("an action name of 1 to 256 characters")


class Permissions(msgspec.Struct, forbid_unknown_fields=True):
    allow: _bounded(Action) | None = None
    deny: _bounded(Action) | None = None
    # `except` is a Python keyword: the wire name is kept by rename.
    except_: _bounded(Action) | None = msgspec.field(default=None, name="except")


class ResourceRef(msgspec.Struct):
    urn: str

    def __post_init__(self):
        if not _URN.fullmatch(self.urn):
            raise ValueError(f"{self.urn!r} is not a URN (urn:v1:eu:...)")


class GroupRef(msgspec.Struct):
    urn: str


class PolicyInput(msgspec.Struct, forbid_unknown_fields=True):
    identities: _bounded(str)
    name: str
    permissions: Permissions
    resources: _bounded(ResourceRef)
    conditions: Condition | None = None
    description: Annotated[str, msgspec.Meta(max_length=4096)] = ""
    expiredAt: str | None = None
    permissionsGroups: _bounded(GroupRef) | None = None

    def __post_init__(self):
        if not self.name.strip() or len(self.name) > 255:
            raise ValueError("name must be 1 to 255 characters")
        for identity in self.identities:
            if not _URN.fullmatch(identity):
                raise ValueError(f"identity {identity!r} is not a URN (urn:v1:eu:identity:...)")


class PermissionsGroupInput(msgspec.Struct, forbid_unknown_fields=True):
    """The body is an `iam.PermissionsGroup`: what a GET answered may be sent back as it is, its
    read-only fields (id, urn, owner, dates) being ignored."""

    description: str
    name: str
    permissions: Permissions
    id: str | None = None
    urn: str | None = None
    owner: str | None = None
    createdAt: str | None = None
    updatedAt: str | None = None


class GroupResource(msgspec.Struct):
    id: str | None = None
    urn: str | None = None


class GroupCreation(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    resources: list[GroupResource] | None = None  # null, as OVHcloud's provider sends for none: []


class GroupUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    resources: list[GroupResource] | None = None


class AddTag(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    value: str

    def __post_init__(self):
        if not TAG_KEY.fullmatch(self.key) or self.key.startswith("ovh:"):
            raise ValueError("key must match ^[a-zA-Z0-9_.:/=+@-]{1,128}$ and not start with ovh:")
        if not TAG_VALUE.fullmatch(self.value):
            raise ValueError("value must match ^[a-zA-Z0-9_.:/=+@-]{0,256}$")


class ResourceUpdate(msgspec.Struct):
    tags: dict[str, str] | None = None


class AuthorizeRequest(msgspec.Struct, forbid_unknown_fields=True):
    actions: list[str]


class AuthorizeBatchRequest(msgspec.Struct, forbid_unknown_fields=True):
    actions: list[str]
    resourceURNs: list[str]
