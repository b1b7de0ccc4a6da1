"""Identity groups and user tokens: plain objects of the registry (engine/objects.py).

A group gives its users a role and is named in IAM policies by its URN
(`urn:v1:eu:identity:group:NIC/NAME`). Every account has OVHcloud's four default groups
(ADMIN, DEFAULT, REGULAR, UNPRIVILEGED), which it cannot change or delete. A user token is a
secret a user may send as `Authorization: Bearer` to act as that user; it is kept hashed (its
unique key), shown once at creation, and goes when its user goes."""

from __future__ import annotations

import hashlib
import secrets

from ..errors import ApiError
from ..model.objects import ObjectKind, ObjectStrategy
from ..model.records import Item
from ..model.times import iso
from .accounts import ME, USER_TOKEN, group_urn

__all__ = [
    "GROUP",
    "GROUPS",
    "USER_TOKEN",
    "USER_TOKENS",
    "ROLES",
    "DEFAULT_GROUPS",
    "default_group",
    "new_token",
    "token_key",
]

GROUP = "identity.group"
ROLES = ("ADMIN", "NONE", "REGULAR", "UNPRIVILEGED")
# OVHcloud's default groups, with the role each gives.
DEFAULT_GROUPS = {"ADMIN": "ADMIN", "DEFAULT": "NONE", "REGULAR": "REGULAR", "UNPRIVILEGED": "UNPRIVILEGED"}


def _actions(what: str, *verbs: str) -> dict[str, tuple[str, ...]]:
    return {verb: (f"{ME}/{what}{verb}",) for verb in verbs}


class GroupStrategy(ObjectStrategy):
    def prepare_create(self, account: str, id: str, body: dict) -> dict:
        return {**body, "urn": group_urn(account, ObjectKind.name_of(id))}


GROUPS = ObjectKind(
    key=GROUP,
    label="Group",
    strategy=GroupStrategy(),
    actions=_actions("identity/group/", "get", "create", "edit", "delete"),
    per_account_ids=True,
    event="IDENTITY_GROUP",
)
# A token's id is `<login>/<name>` within the account; it belongs to its user (its parent, the
# user's stored id), and USERS declares it a child: it goes with the user.
USER_TOKENS = ObjectKind(
    key=USER_TOKEN,
    label="Token",
    actions=_actions("identity/user/token/", "get", "create", "edit", "delete"),
    per_account_ids=True,
    event="IDENTITY_USER_TOKEN",
)


def default_group(account: str, name: str, created: str) -> dict | None:
    """One of the account's default groups as `/me/identity/group/{group}` answers it."""
    role = DEFAULT_GROUPS.get(name)
    if role is None:
        return None
    return {
        "creation": created,
        "defaultGroup": True,
        "description": f"Default group {name}",
        "lastUpdate": created,
        "name": name,
        "role": role,
        "urn": group_urn(account, name),
    }


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "ovhut_" + secrets.token_urlsafe(32)


def token_view(item: Item) -> dict:
    b = item.body
    expires = b.get("expiresAt")
    return {
        "creation": iso(item.created_at).replace(".000Z", "Z"),
        "description": b["description"],
        "expiresAt": None if expires is None else _seconds(expires),
        "lastUsed": b.get("lastUsed"),
        "name": b["name"],
    }


def _seconds(epoch: float) -> str:
    """RFC 3339 to the second, as OVHcloud writes a token's expiry."""
    return iso(epoch)[:19] + "Z"


def check_role(role: str) -> None:
    if role not in ROLES:
        raise ApiError.invalid_field("role", f"one of {', '.join(ROLES)}")
