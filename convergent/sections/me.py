"""`/me`: the account, its API applications and credentials, users, groups, users' tokens and
OAuth2 clients, as the real `/1.0/me` section shapes them. Served under `/`, `/1.0` and `/v1`."""

from __future__ import annotations

import contextlib

import msgspec

from ..auth import accounts
from ..auth.accounts import ACCOUNTS, APPLICATIONS, CREDENTIALS, OAUTH2_CLIENTS, USERS
from ..errors import ApiError
from ..model.numbers import decimal
from ..model.operation import Operation
from ..model.section import Section
from ..model.times import iso
from .auth import credential_body
from .identity import OPERATIONS as IDENTITY_OPERATIONS
from .identity import known_group
from .schemas_version import OPERATIONS as SCHEMAS_VERSION_OPERATIONS

__all__ = ["SECTION"]


# /me


async def me(call):
    account = await call.objects(ACCOUNTS).get(call.account)
    b = account.body
    return {
        "customerCode": b["customerCode"],
        "email": b["email"],
        "nichandle": b["nichandle"],
        "state": b["state"],
        "country": "FR",
        "currency": {"code": "EUR", "symbol": "EURO"},
        "language": "en_GB",
        "legalform": "individual",
        "ovhCompany": "ovh",
        "ovhSubsidiary": "FR",
    }


# /me/api/application


def _application(item) -> dict:
    b = item.body
    return {k: b[k] for k in ("applicationId", "applicationKey", "description", "name", "status")}


async def list_applications(call):
    return [int(item.id) for item in await call.objects(APPLICATIONS).all()]


async def get_application(call):
    item = await call.objects(APPLICATIONS).get(call.params["applicationId"])
    return call.tagged(_application(item), item)


async def delete_application(call):
    # Its consumer keys go with it (accounts.APPLICATIONS declares them its children).
    await call.objects(APPLICATIONS).delete(call.params["applicationId"])


# /me/api/credential


class CredentialUpdate(msgspec.Struct):
    allowedIPs: list[str] | msgspec.UnsetType | None = msgspec.UNSET  # absent: unchanged; null: cleared


async def list_credentials(call):
    query = call.request.query_params
    app_id, status = query.get("applicationId"), query.get("status")
    out = []
    for item in await call.objects(CREDENTIALS).all():
        body = credential_body(item, call.ctx.clock.now())
        if app_id and str(body["applicationId"]) != app_id:
            continue
        if status and body["status"] != status:
            continue
        out.append(body["credentialId"])
    return out


async def get_credential(call):
    item = await call.objects(CREDENTIALS).get(call.params["credentialId"])
    return call.tagged(credential_body(item, call.ctx.clock.now()), item)


async def edit_credential(call):
    credentials = call.objects(CREDENTIALS)
    await credentials.get(call.params["credentialId"])  # 404 before the body is looked at
    update = await call.body(CredentialUpdate)
    if update.allowedIPs is msgspec.UNSET:
        return None
    blocks = accounts.allowed_blocks(update.allowedIPs)

    def allow(item) -> None:
        item.body["allowedIPs"] = blocks

    return call.tagged(None, await credentials.update(call.params["credentialId"], allow))


async def delete_credential(call):
    await call.objects(CREDENTIALS).delete(call.params["credentialId"])


async def credential_application(call):
    item = await call.objects(CREDENTIALS).get(call.params["credentialId"])
    app = await call.objects(APPLICATIONS).get(str(item.body["applicationId"]))
    return call.tagged(_application(app), app)


# /me/identity/user


class UserRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    login: str
    password: str
    description: str = ""
    group: str = "DEFAULT"


class UserUpdate(msgspec.Struct):
    description: str | None = None
    email: str | None = None
    group: str | None = None


def _user(item) -> dict:
    b = item.body
    return {
        k: b[k]
        for k in (
            "creation",
            "description",
            "email",
            "group",
            "lastUpdate",
            "login",
            "passwordLastUpdate",
            "status",
            "urn",
        )
    }


async def list_users(call):
    return [item.body["login"] for item in await call.objects(USERS).all()]


async def create_user(call):
    body = await call.body(UserRequest)
    if not await known_group(call, body.group):
        raise ApiError.invalid_field("group", f"no group '{body.group}' (GET /me/identity/group)")
    item = await accounts.create_user(
        call.ctx.objects,
        call.account,
        body.login,
        body.password,
        call.ctx.clock.now(),
        email=body.email,
        description=body.description,
        group=body.group,
    )
    return call.tagged(None, item)


async def get_user(call):
    item = await call.objects(USERS).get(call.params["user"])
    return call.tagged(_user(item), item)


async def edit_user(call):
    users = call.objects(USERS)
    await users.get(call.params["user"])  # 404 before the body is looked at
    update = await call.body(UserUpdate)
    if update.group is not None and not await known_group(call, update.group):
        raise ApiError.invalid_field("group", f"no group '{update.group}' (GET /me/identity/group)")

    def edit(item) -> None:
        for field in ("description", "email", "group"):
            value = getattr(update, field)
            if value is not None:
                item.body[field] = value
        item.body["lastUpdate"] = iso(call.ctx.clock.now())

    return call.tagged(None, await users.update(call.params["user"], edit))


async def delete_user(call):
    """The user, and every consumer key it validated: they end with it."""
    user = await call.objects(USERS).delete(call.params["user"])
    objects = call.ctx.objects
    for item in await objects.all(CREDENTIALS, call.account):
        if item.body.get("login") == user.body["login"]:
            with contextlib.suppress(ApiError):  # deleted meanwhile
                await objects.delete(CREDENTIALS, call.account, item.id)


def _set_status(status: str):
    async def handler(call):
        def change(item) -> None:
            item.body["status"] = status
            item.body["lastUpdate"] = iso(call.ctx.clock.now())

        return call.tagged(None, await call.objects(USERS).update(call.params["user"], change))

    return handler


# /me/api/oauth2/client


_FLOWS = ("AUTHORIZATION_CODE", "CLIENT_CREDENTIALS")


class ClientRequest(msgspec.Struct, forbid_unknown_fields=True):
    description: str
    flow: str
    name: str
    callbackUrls: list[str] | None = None  # null: none


class ClientUpdate(msgspec.Struct):
    description: str | None = None
    name: str | None = None
    callbackUrls: list[str] | None = None


def _client(item) -> dict:
    b = item.body
    return {
        "callbackUrls": b["callbackUrls"],
        "clientId": b["clientId"],
        "createdAt": iso(item.created_at),
        "description": b["description"],
        "flow": b["flow"],
        "identity": b["identity"],
        "name": b["name"],
    }


async def list_clients(call):
    return [item.id for item in await call.objects(OAUTH2_CLIENTS).all()]


async def create_client(call):
    body = await call.body(ClientRequest)
    if body.flow not in _FLOWS:
        raise ApiError.invalid_field("flow", f"one of {', '.join(_FLOWS)}")
    callbacks = body.callbackUrls or []
    if body.flow == "AUTHORIZATION_CODE" and not callbacks:
        raise ApiError.invalid_field("callbackUrls", "at least one URL for the AUTHORIZATION_CODE flow")
    for i, url in enumerate(callbacks):
        if not url.startswith(("https://", "http://")):
            raise ApiError.invalid_field(f"callbackUrls[{i}]", "an http(s) URL")
    client, secret = await accounts.create_oauth2_client(
        call.ctx.objects,
        call.account,
        body.name,
        body.description,
        call.ctx.clock.now(),
        body.flow,
        callbacks,
    )
    return call.tagged({"clientId": client.id, "clientSecret": secret}, client)


async def get_client(call):
    item = await call.objects(OAUTH2_CLIENTS).get(call.params["clientId"])
    return call.tagged(_client(item), item)


async def edit_client(call):
    clients = call.objects(OAUTH2_CLIENTS)
    await clients.get(call.params["clientId"])  # 404 before the body is looked at
    update = await call.body(ClientUpdate)

    def edit(item) -> None:
        for field in ("description", "name", "callbackUrls"):
            value = getattr(update, field)
            if value is not None:
                item.body[field] = value

    return call.tagged(None, await clients.update(call.params["clientId"], edit))


async def delete_client(call):
    await call.objects(OAUTH2_CLIENTS).delete(call.params["clientId"])


def _digits(value: str) -> bool:
    return decimal(value, 19) is not None


_APP = {"applicationId": _digits}
_CRED = {"credentialId": _digits}

SECTION = Section(
    name="me",
    description="Your account, API applications, credentials, users and service accounts",
    branch="v1",
    operations=(
        Operation("GET", "/me", me, ACCOUNTS.actions["get"], summary="Details about your account"),
        Operation("GET", "/me/api/application", list_applications, APPLICATIONS.actions["get"]),
        Operation(
            "GET",
            "/me/api/application/{applicationId}",
            get_application,
            APPLICATIONS.actions["get"],
            _APP,
            errors=APPLICATIONS.errors("get"),
        ),
        Operation(
            "DELETE",
            "/me/api/application/{applicationId}",
            delete_application,
            APPLICATIONS.actions["delete"],
            _APP,
            errors=APPLICATIONS.errors("delete"),
        ),
        Operation("GET", "/me/api/credential", list_credentials, CREDENTIALS.actions["get"]),
        Operation(
            "GET",
            "/me/api/credential/{credentialId}",
            get_credential,
            CREDENTIALS.actions["get"],
            _CRED,
            errors=CREDENTIALS.errors("get"),
        ),
        Operation(
            "PUT",
            "/me/api/credential/{credentialId}",
            edit_credential,
            CREDENTIALS.actions["edit"],
            _CRED,
            errors=CREDENTIALS.errors("edit"),
        ),
        Operation(
            "DELETE",
            "/me/api/credential/{credentialId}",
            delete_credential,
            CREDENTIALS.actions["delete"],
            _CRED,
            errors=CREDENTIALS.errors("delete"),
        ),
        Operation(
            "GET",
            "/me/api/credential/{credentialId}/application",
            credential_application,
            CREDENTIALS.actions["application/get"],
            _CRED,
            errors=(*CREDENTIALS.errors("get"), *APPLICATIONS.errors("get")),
        ),
        Operation("GET", "/me/identity/user", list_users, USERS.actions["get"]),
        Operation(
            "POST", "/me/identity/user", create_user, USERS.actions["create"], errors=USERS.errors("create")
        ),
        Operation(
            "GET", "/me/identity/user/{user}", get_user, USERS.actions["get"], errors=USERS.errors("get")
        ),
        Operation(
            "PUT", "/me/identity/user/{user}", edit_user, USERS.actions["edit"], errors=USERS.errors("edit")
        ),
        Operation(
            "DELETE",
            "/me/identity/user/{user}",
            delete_user,
            USERS.actions["delete"],
            errors=USERS.errors("delete"),
        ),
        Operation(
            "POST",
            "/me/identity/user/{user}/disable",
            _set_status("DISABLED"),
            USERS.actions["disable"],
            errors=USERS.errors("disable"),
        ),
        Operation(
            "POST",
            "/me/identity/user/{user}/enable",
            _set_status("OK"),
            USERS.actions["enable"],
            errors=USERS.errors("enable"),
        ),
        Operation("GET", "/me/api/oauth2/client", list_clients, OAUTH2_CLIENTS.actions["get"]),
        Operation("POST", "/me/api/oauth2/client", create_client, OAUTH2_CLIENTS.actions["create"]),
        Operation(
            "GET",
            "/me/api/oauth2/client/{clientId}",
            get_client,
            OAUTH2_CLIENTS.actions["get"],
            errors=OAUTH2_CLIENTS.errors("get"),
        ),
        Operation(
            "PUT",
            "/me/api/oauth2/client/{clientId}",
            edit_client,
            OAUTH2_CLIENTS.actions["edit"],
            errors=OAUTH2_CLIENTS.errors("edit"),
        ),
        Operation(
            "DELETE",
            "/me/api/oauth2/client/{clientId}",
            delete_client,
            OAUTH2_CLIENTS.actions["delete"],
            errors=OAUTH2_CLIENTS.errors("delete"),
        ),
        *IDENTITY_OPERATIONS,
        *SCHEMAS_VERSION_OPERATIONS,
    ),
)
