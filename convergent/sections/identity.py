"""`/me/identity/group` and `/me/identity/user/{user}/token`: identity groups (auth.Group of
OVHcloud's me.json) and users' tokens, on the plain-object registry (auth/identities.py)."""

from __future__ import annotations

import msgspec

from ..auth.accounts import ACCOUNTS, USERS
from ..auth.identities import (
    DEFAULT_GROUPS,
    GROUPS,
    USER_TOKENS,
    check_role,
    default_group,
    new_token,
    token_key,
    token_view,
)
from ..errors import ApiError
from ..iam.policy import timestamp
from ..model.operation import Operation
from ..model.times import LATEST, iso

__all__ = ["OPERATIONS", "known_group"]

_NAME = "1 to 64 letters, digits or ._-"


# --- groups ---------------------------------------------------------------------------------


class GroupRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    role: str
    description: str | None = None


class GroupUpdate(msgspec.Struct):
    """An auth.Group: what a GET answered may be sent back; read-only fields are ignored."""

    role: str
    description: str | None = None
    name: str | None = None
    creation: str | None = None
    defaultGroup: bool | None = None
    lastUpdate: str | None = None
    urn: str | None = None


def _valid_name(name: str) -> bool:
    return 0 < len(name) <= 64 and all(c.isalnum() or c in "._-" for c in name)


def _group(item) -> dict:
    b = item.body
    return {
        "creation": iso(item.created_at),
        "defaultGroup": False,
        "description": b["description"],
        "lastUpdate": iso(item.updated_at),
        "name": b["name"],
        "role": b["role"],
        "urn": b["urn"],
    }


async def _account_created(call) -> str:
    return iso((await call.objects(ACCOUNTS).get(call.account)).created_at)


async def known_group(call, name: str) -> bool:
    """Whether the caller's account has a group of this name (a default one or its own)."""
    return name in DEFAULT_GROUPS or await call.objects(GROUPS).find(name) is not None


async def list_groups(call):
    return [*DEFAULT_GROUPS, *(item.body["name"] for item in await call.objects(GROUPS).all())]


async def create_group(call):
    body = await call.body(GroupRequest)
    if not _valid_name(body.name):
        raise ApiError.invalid_field("name", _NAME)
    check_role(body.role)
    if body.name in DEFAULT_GROUPS:
        raise GROUPS.already_exists(body.name)
    item = await call.objects(GROUPS).create(
        {"name": body.name, "description": body.description, "role": body.role}, id=body.name
    )
    return call.tagged(_group(item), item)


def _not_default(name: str) -> None:
    if name in DEFAULT_GROUPS:
        raise ApiError.bad_request(
            "DefaultGroupReadOnly", f"Default group '{name}' cannot be changed or deleted"
        )


async def get_group(call):
    name = call.params["group"]
    if name in DEFAULT_GROUPS:
        return default_group(call.account, name, await _account_created(call))
    item = await call.objects(GROUPS).get(name)
    return call.tagged(_group(item), item)


async def edit_group(call):
    name = call.params["group"]
    _not_default(name)
    groups = call.objects(GROUPS)
    await groups.get(name)  # 404 before the body is looked at
    update = await call.body(GroupUpdate)
    check_role(update.role)

    def edit(item) -> None:
        item.body.update(role=update.role, description=update.description)

    return call.tagged(None, await groups.update(name, edit))


async def delete_group(call):
    name = call.params["group"]
    _not_default(name)
    await call.objects(GROUPS).get(name)
    members = [u.body["login"] for u in await call.objects(USERS).all() if u.body["group"] == name]
    if members:
        raise ApiError.conflict("GroupNotEmpty", f"Group '{name}' still has users: {', '.join(members)}")
    await call.objects(GROUPS).delete(name)


# --- user tokens ----------------------------------------------------------------------------


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    description: str
    expiresAt: str | None = None
    expiresIn: int | None = None


class TokenUpdate(msgspec.Struct, forbid_unknown_fields=True):
    description: str | None = None
    expiresAt: str | None = None
    expiresIn: int | None = None


def _expiry(expires_at: str | None, expires_in: int | None, now: float) -> float | None:
    if expires_at is not None and expires_in is not None:
        raise ApiError.invalid_field("expiresIn", "give expiresAt or expiresIn, not both")
    if expires_in is not None:
        if not 0 < expires_in <= LATEST - now:
            raise ApiError.invalid_field("expiresIn", "a number of seconds greater than 0, up to year 9999")
        return now + expires_in
    if expires_at is not None:
        try:
            at = timestamp(expires_at)
        except ValueError:
            raise ApiError.invalid_field("expiresAt", "an RFC 3339 date and time") from None
        if not now < at <= LATEST:
            raise ApiError.invalid_field("expiresAt", "a time in the future, up to year 9999")
        return at
    return None


async def _user(call):
    return await call.objects(USERS).get(call.params["user"])


def _tokens(call, user):
    return call.objects(USER_TOKENS, parent=user.id)


def _token_id(call) -> str:
    return f"{call.params['user']}/{call.params['name']}"


async def list_tokens(call):
    user = await _user(call)
    return [item.body["name"] for item in await _tokens(call, user).all()]


async def create_token(call):
    user = await _user(call)
    body = await call.body(TokenRequest)
    if not _valid_name(body.name):
        raise ApiError.invalid_field("name", _NAME)
    now = call.ctx.clock.now()
    expires = _expiry(body.expiresAt, body.expiresIn, now)
    token = new_token()
    item = await _tokens(call, user).create(
        {"name": body.name, "description": body.description, "expiresAt": expires, "lastUsed": None},
        id=f"{call.params['user']}/{body.name}",
        key=token_key(token),
    )
    return call.tagged({**token_view(item), "token": token}, item)


async def get_token(call):
    user = await _user(call)
    item = await _tokens(call, user).get(_token_id(call))
    return call.tagged(token_view(item), item)


async def edit_token(call):
    user = await _user(call)
    tokens = _tokens(call, user)
    await tokens.get(_token_id(call))
    update = await call.body(TokenUpdate)
    expires = _expiry(update.expiresAt, update.expiresIn, call.ctx.clock.now())

    def edit(item) -> None:
        if update.description is not None:
            item.body["description"] = update.description
        if update.expiresAt is not None or update.expiresIn is not None:
            item.body["expiresAt"] = expires

    item = await tokens.update(_token_id(call), edit)
    return call.tagged(token_view(item), item)


async def delete_token(call):
    user = await _user(call)
    await _tokens(call, user).delete(_token_id(call))


_TOKEN = "/me/identity/user/{user}/token"

OPERATIONS = (
    Operation("GET", "/me/identity/group", list_groups, GROUPS.actions["get"], summary="Groups of users"),
    Operation("POST", "/me/identity/group", create_group, GROUPS.actions["create"], summary="Create a group"),
    Operation("GET", "/me/identity/group/{group}", get_group, GROUPS.actions["get"], summary="Get a group"),
    Operation(
        "PUT", "/me/identity/group/{group}", edit_group, GROUPS.actions["edit"], summary="Alter a group"
    ),
    Operation(
        "DELETE",
        "/me/identity/group/{group}",
        delete_group,
        GROUPS.actions["delete"],
        summary="Delete a group",
    ),
    Operation("GET", _TOKEN, list_tokens, USER_TOKENS.actions["get"], summary="A user's tokens"),
    Operation("POST", _TOKEN, create_token, USER_TOKENS.actions["create"], summary="Create a token"),
    Operation("GET", _TOKEN + "/{name}", get_token, USER_TOKENS.actions["get"], summary="Get a token"),
    Operation("PUT", _TOKEN + "/{name}", edit_token, USER_TOKENS.actions["edit"], summary="Alter a token"),
    Operation(
        "DELETE", _TOKEN + "/{name}", delete_token, USER_TOKENS.actions["delete"], summary="Delete a token"
    ),
)
