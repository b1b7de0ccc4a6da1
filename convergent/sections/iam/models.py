"""Request bodies of the IAM section, as iam.json names and types them."""

from __future__ import annotations

import re

import msgspec

from ...iam.policy import check_conditions

__all__ = [
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


class Action(msgspec.Struct, forbid_unknown_fields=True):
    action: str

    def __post_init__(self):
        if not self.action or len(self.action) > 256:
            raise ValueError("an action name of 1 to 256 characters")


class Permissions(msgspec.Struct, forbid_unknown_fields=True):
    allow: list[Action] | None = None
    deny: list[Action] | None = None
    # `except` is a Python keyword: the wire name is kept by rename.
    except_: list[Action] | None = msgspec.field(default=None, name="except")


class ResourceRef(msgspec.Struct):
    urn: str

    def __post_init__(self):
        if not _URN.fullmatch(self.urn):
            raise ValueError(f"{self.urn!r} is not a URN (urn:v1:eu:...)")


class GroupRef(msgspec.Struct):
    urn: str


class PolicyInput(msgspec.Struct, forbid_unknown_fields=True):
    identities: list[str]
    name: str
    permissions: Permissions
    resources: list[ResourceRef]
    conditions: dict | None = None
    description: str = ""
    expiredAt: str | None = None
    permissionsGroups: list[GroupRef] | None = None

    def __post_init__(self):
        if not self.name.strip() or len(self.name) > 255:
            raise ValueError("name must be 1 to 255 characters")
        for identity in self.identities:
            if not _URN.fullmatch(identity):
                raise ValueError(f"identity {identity!r} is not a URN (urn:v1:eu:identity:...)")
        reason = check_conditions(self.conditions)
        if reason:
            raise ValueError(f"conditions: {reason}")


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
